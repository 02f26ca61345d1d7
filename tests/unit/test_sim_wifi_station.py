"""Station behaviour of the sans-IO Wi-Fi model: AT+CWJAP outcomes and URC order (3.2.7), reconnection
(3.2.8), AT+CWQAP (3.2.11), AT+CWSTATE (3.2.5), auto-connect at boot (3.2.17), AT+CWMODE (3.2.3)."""

from __future__ import annotations

import pytest

from sim.wifi import ops_config as cfg
from sim.wifi import ops_softap as ap
from sim.wifi import ops_station as st
from sim.wifi.air import parse_air
from sim.wifi.model import WifiModel
from sim.wifi.outputs import Done, Log, Pending, Urc
from sim.wifi.store import MemoryStore

AIR = {
    "access_points": [
        {
            "ssid": "lab",
            "password": "sim-only-pass",
            "ecn": 3,
            "channel": 6,
            "rssi": -45,
            "bssid": "24:0a:c4:00:01:10",
            "network": {"gateway": "127.0.0.1", "netmask": "255.0.0.0", "pool_start": "127.64.0.10"},
        },
        {"ssid": "open", "channel": 1, "rssi": -70, "bssid": "24:0a:c4:00:01:20"},
        {"ssid": "mute", "password": "12345678", "join": "timeout", "bssid": "24:0a:c4:00:01:30"},
        {"ssid": "pmf", "password": "12345678", "pmf": 2, "bssid": "24:0a:c4:00:01:40"},
    ],
    "events": [],
}


def make(air: dict = AIR, store: MemoryStore | None = None, instance: int = 0) -> WifiModel:
    m = WifiModel(parse_air(air), store or MemoryStore(), instance=instance, seed=1)
    m.boot(0.0)
    return m


def run(m: WifiModel, until: float) -> list[object]:
    """Everything the model produces up to ``until`` (simulated seconds), URC text or Done."""
    out: list[object] = []
    while True:
        due = m.next_due()
        if due is None or due > until:
            break
        out += m.poll(due)
    out += m.poll(until)
    return [o.text if isinstance(o, Urc) else o for o in out if not isinstance(o, Log)]


def test_join_success_reports_connected_then_got_ip_then_ok() -> None:
    m = make()
    assert isinstance(st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass"), Pending)
    assert run(m, 5) == ["WIFI CONNECTED", "WIFI GOT IP", Done()]
    assert str(m.sta_ipv4.ip) == "127.64.0.10"
    assert st.cwstate_query(m).lines == ('+CWSTATE:2,"lab"',)


def test_lease_is_pool_start_plus_instance() -> None:
    m = make(instance=3)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    assert (str(m.sta_ipv4.ip), str(m.sta_ipv4.gateway), str(m.sta_ipv4.netmask)) == (
        "127.64.0.13",
        "127.0.0.1",
        "255.0.0.0",
    )


@pytest.mark.parametrize(
    ("ssid", "password", "code"),
    [("lab", "wrong-password", 2), ("nowhere", "12345678", 3), ("pmf", "12345678", 4)],
)
def test_join_failures_use_the_guides_error_codes(ssid: str, password: str, code: int) -> None:
    m = make()
    st.cwjap_set(m, 0.0, ssid=ssid, password=password, pmf=0)
    assert run(m, 20) == [Done((f"+CWJAP:{code}",), ok=False)]
    assert st.cwstate_query(m).lines[0].startswith("+CWSTATE:4,")


def test_unanswered_join_times_out_after_jap_timeout() -> None:
    m = make()
    st.cwjap_set(m, 0.0, ssid="mute", password="12345678", jap_timeout=3)
    assert run(m, 2.9) == []
    assert run(m, 3.0) == [Done(("+CWJAP:1",), ok=False)]


def test_pci_en_refuses_open_networks() -> None:
    m = make()
    st.cwjap_set(m, 0.0, ssid="open", password=None, pci_en=1)
    assert run(m, 5) == [Done(("+CWJAP:3",), ok=False)]


def test_query_shows_the_connection_with_its_parameters() -> None:
    m = make()
    assert st.cwjap_query(m).lines == ("No AP",)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass", listen_interval=5, scan_mode=1, pmf=3)
    run(m, 5)
    (line,) = st.cwjap_query(m).lines
    fields = line.removeprefix("+CWJAP:").split(",")
    assert fields[:3] == ['"lab"', '"24:0a:c4:00:01:10"', "6"]
    assert -48 <= int(fields[3]) <= -42  # the air file's -45 dBm with at most 3 dB of jitter
    assert fields[4:] == ["0", "1", "5", "1", "3"]  # pci_en, reconn_interval, listen, scan_mode, pmf


def test_rejoin_while_connected_disconnects_first() -> None:
    m = make()
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    st.cwjap_set(m, 5.0, ssid="lab", password="sim-only-pass")
    assert run(m, 10) == ["WIFI DISCONNECT", "WIFI CONNECTED", "WIFI GOT IP", Done()]


def test_execute_form_uses_the_last_configuration() -> None:
    m = make()
    assert st.cwjap_execute(m, 0.0) == Done(ok=False)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    st.cwqap(m, 5.0)
    assert isinstance(st.cwjap_execute(m, 6.0), Pending)
    assert run(m, 10)[-1] == Done()


def test_cwqap_reports_disconnect_and_stops() -> None:
    m = make()
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    assert st.cwqap(m, 5.0) == Done()
    assert run(m, 5.0) == ["WIFI DISCONNECT"]
    assert str(m.sta_ipv4.ip) == "0.0.0.0"
    assert run(m, 60) == []


def test_ap_down_then_reconnect_per_reconncfg() -> None:
    air = dict(
        AIR,
        events=[
            {"after_s": 10, "action": "ap_down", "ssid": "lab"},
            {"after_s": 13.5, "action": "ap_up", "ssid": "lab"},
        ],
    )
    m = make(air)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass", reconn_interval=2)
    assert run(m, 5)[-1] == Done()
    assert run(m, 10) == ["WIFI DISCONNECT"]
    assert st.cwstate_query(m).lines == ('+CWSTATE:3,"lab"',)
    # Attempts at 12 (AP still down) and 14.x (up again).
    assert run(m, 20) == ["WIFI CONNECTED", "WIFI GOT IP"]
    assert st.cwstate_query(m).lines == ('+CWSTATE:2,"lab"',)


def test_reconnect_gives_up_after_repeat_count() -> None:
    air = dict(AIR, events=[{"after_s": 10, "action": "ap_down", "ssid": "lab"}])
    m = make(air)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    st.cwreconncfg_set(m, 1, 3)
    assert st.cwreconncfg_query(m).lines == ("+CWRECONNCFG:1,3",)
    run(m, 10)
    logs = []
    for t in range(11, 30):
        logs += [o.text for o in m.poll(float(t)) if isinstance(o, Log)]
    assert [line for line in logs if "reconnect" in line] == [
        f"at-wifi: wifi reconnect..({i}/3)" for i in (1, 2, 3)
    ]
    assert st.cwstate_query(m).lines == ('+CWSTATE:4,"lab"',)


def test_no_reconnect_when_interval_is_zero() -> None:
    air = dict(AIR, events=[{"after_s": 10, "action": "ap_down", "ssid": "lab"}])
    m = make(air)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass", reconn_interval=0)
    run(m, 5)
    assert run(m, 60) == ["WIFI DISCONNECT"]
    assert st.cwstate_query(m).lines == ('+CWSTATE:4,"lab"',)


def test_password_change_on_the_ap_drops_the_link() -> None:
    air = dict(
        AIR, events=[{"after_s": 10, "action": "set_password", "ssid": "lab", "password": "another-pass"}]
    )
    m = make(air)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    assert run(m, 30) == ["WIFI DISCONNECT"]


def test_autoconnect_at_boot_uses_saved_config() -> None:
    store = MemoryStore()
    m = make(store=store)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    again = make(store=store)
    assert run(again, 5) == ["WIFI CONNECTED", "WIFI GOT IP"]
    st.cwautoconn_set(again, 0)
    third = make(store=store)
    assert run(third, 5) == []
    assert st.cwstate_query(third).lines == ('+CWSTATE:0,""',)


def test_config_not_saved_without_sysstore() -> None:
    store = MemoryStore()
    m = WifiModel(parse_air(AIR), store, sysstore=lambda: False)
    m.boot(0.0)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    st.cwmode_set(m, 0.0, 3)
    assert "sta_config" not in store.data and "mode" not in store.data


def test_mode_switch_away_from_station_disconnects_and_back_autoconnects() -> None:
    m = make()
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    run(m, 5)
    st.cwmode_set(m, 5.0, 2)
    assert run(m, 5.0) == ["WIFI DISCONNECT"]
    assert st.cwjap_set(m, 5.0, ssid="lab", password="x") == Done(ok=False)
    st.cwmode_set(m, 6.0, 1, auto_connect=0)
    assert run(m, 8) == []
    st.cwmode_set(m, 8.0, 2)
    st.cwmode_set(m, 9.0, 3)
    assert run(m, 12) == ["WIFI CONNECTED", "WIFI GOT IP"]


def test_no_dhcp_and_no_static_address_times_out_after_connecting() -> None:
    m = make()
    assert ap.cwdhcp_set(m, 0, 1) == Done()
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass", jap_timeout=3)
    assert run(m, 2.9) == ["WIFI CONNECTED"]
    assert run(m, 3.0) == ["WIFI DISCONNECT", Done(("+CWJAP:1",), ok=False)]


MULTI = {
    "access_points": [
        {"ssid": "mesh", "password": "12345678", "channel": 11, "rssi": -30, "bssid": "24:0a:c4:00:0a:01"},
        {"ssid": "mesh", "password": "12345678", "channel": 1, "rssi": -80, "bssid": "24:0a:c4:00:0a:02"},
    ]
}


@pytest.mark.parametrize(
    ("kwargs", "bssid"),
    [
        ({}, "24:0a:c4:00:0a:02"),  # fast scan: the first found, in channel order
        ({"scan_mode": 1}, "24:0a:c4:00:0a:01"),  # all-channel scan: the strongest
        ({"bssid": "24:0A:C4:00:0A:01"}, "24:0a:c4:00:0a:01"),  # a given BSSID decides
    ],
)
def test_same_ssid_choice_follows_scan_mode_and_bssid(kwargs: dict, bssid: str) -> None:
    m = make(MULTI)
    st.cwjap_set(m, 0.0, ssid="mesh", password="12345678", **kwargs)
    run(m, 5)
    assert st.cwjap_query(m).lines[0].split(",")[1] == f'"{bssid}"'


def test_country_channel_plan_hides_aps_outside_it() -> None:
    m = make(MULTI)
    assert cfg.cwcountry_set(m, 1, "JP", 1, 10) == Done()
    assert [line.split(",")[4] for line in st.cwlap(m).lines] == ["1"]
    st.cwjap_set(m, 0.0, ssid="mesh", password="12345678", scan_mode=1)
    run(m, 5)
    assert st.cwjap_query(m).lines[0].split(",")[1] == '"24:0a:c4:00:0a:02"'


def test_power_cut_ap_is_noticed_after_sta_inactive_time() -> None:
    air = dict(AIR, events=[{"after_s": 10, "action": "ap_down", "ssid": "lab", "graceful": False}])
    m = make(air)
    assert cfg.cwconfig_set(m, None, 4, None) == Done()
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass", reconn_interval=0)
    run(m, 5)
    assert run(m, 13.9) == []
    assert run(m, 14.0) == ["WIFI DISCONNECT"]
