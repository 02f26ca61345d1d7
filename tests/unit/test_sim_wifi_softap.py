"""Soft-AP side of the sans-IO Wi-Fi model: stations joining (+STA_CONNECTED / +DIST_STA_IP, 3.17),
AT+CWLIF (3.2.13), AT+CWQIF (3.2.14), AT+CWSAP limits (3.2.12), DHCP server and AT+CIPAP (3.2.15, 3.2.23),
and provisioning (3.2.24-3.2.26)."""

from __future__ import annotations

from typing import Any

from sim.wifi import ops_provision as prov
from sim.wifi import ops_softap as ap
from sim.wifi import ops_station as st
from sim.wifi.air import parse_air
from sim.wifi.model import WifiModel
from sim.wifi.outputs import Done, Log, Urc
from sim.wifi.store import MemoryStore

LAB = {"ssid": "lab", "password": "sim-only-pass", "channel": 6, "bssid": "24:0a:c4:00:01:10"}


def make(air: dict[str, Any], instance: int = 0) -> WifiModel:
    m = WifiModel(parse_air(air), MemoryStore(), instance=instance, seed=1)
    m.boot(0.0)
    return m


def run(m: WifiModel, until: float) -> list[object]:
    out: list[object] = []
    while (due := m.next_due()) is not None and due <= until:
        out += m.poll(due)
    out += m.poll(until)
    return [o.text if isinstance(o, Urc) else o for o in out if not isinstance(o, Log)]


STATIONS = {
    "stations": [
        {"mac": "02:00:00:00:10:01", "join_after_s": 0.1},
        {"mac": "02:00:00:00:10:02", "join_after_s": 0.2, "leave_after_s": 1.0},
        {"mac": "02:00:00:00:10:03", "join_after_s": 0.3, "dhcp": False},
        {"mac": "02:00:00:00:10:04", "join_after_s": 0.4, "password": "not-the-one"},
    ]
}


def test_stations_join_get_leases_and_leave() -> None:
    m = make(STATIONS)
    st.cwmode_set(m, 0.0, 2)
    assert run(m, 0.5) == [
        '+STA_CONNECTED:"02:00:00:00:10:01"',
        '+DIST_STA_IP:"02:00:00:00:10:01","127.4.0.2"',
        '+STA_CONNECTED:"02:00:00:00:10:02"',
        '+DIST_STA_IP:"02:00:00:00:10:02","127.4.0.3"',
        '+STA_CONNECTED:"02:00:00:00:10:03"',
        '+STA_CONNECTED:"02:00:00:00:10:04"',
        '+DIST_STA_IP:"02:00:00:00:10:04","127.4.0.4"',
    ]
    # The static station is connected but not listed; the open soft-AP let the wrong password in.
    assert ap.cwlif(m).lines == (
        "+CWLIF:127.4.0.2,02:00:00:00:10:01",
        "+CWLIF:127.4.0.3,02:00:00:00:10:02",
        "+CWLIF:127.4.0.4,02:00:00:00:10:04",
    )
    assert run(m, 1.3) == ['+STA_DISCONNECTED:"02:00:00:00:10:02"']


def test_wrong_password_and_max_conn_keep_stations_out() -> None:
    m = make(STATIONS)
    st.cwmode_set(m, 0.0, 2)
    assert ap.cwsap_set(m, 0.0, ssid="mine", password="12345678", channel=5, ecn=3, max_conn=2) == Done()
    urcs = run(m, 0.5)
    assert [u for u in urcs if isinstance(u, str) and u.startswith("+STA_CONNECTED")] == [
        '+STA_CONNECTED:"02:00:00:00:10:01"',
        '+STA_CONNECTED:"02:00:00:00:10:02"',
    ]


def test_cwqif_kicks_after_ok_and_unknown_mac_fails() -> None:
    m = make(STATIONS)
    st.cwmode_set(m, 0.0, 2)
    run(m, 0.5)
    assert ap.cwqif(m, 0.5, "02:00:00:00:99:99") == Done(ok=False)
    assert ap.cwqif(m, 0.5, "02:00:00:00:10:01") == Done()
    assert run(m, 0.6) == ['+STA_DISCONNECTED:"02:00:00:00:10:01"']
    assert ap.cwqif(m, 0.6) == Done()
    assert run(m, 0.7) == [
        '+STA_DISCONNECTED:"02:00:00:00:10:02"',
        '+STA_DISCONNECTED:"02:00:00:00:10:03"',
        '+STA_DISCONNECTED:"02:00:00:00:10:04"',
    ]


def test_dhcp_server_off_gives_no_address() -> None:
    m = make(STATIONS)
    assert ap.cwdhcp_set(m, 0, 2) == Done()
    assert ap.cwdhcp_query(m).lines == ("+CWDHCP:1",)
    st.cwmode_set(m, 0.0, 2)
    assert run(m, 0.15) == ['+STA_CONNECTED:"02:00:00:00:10:01"']
    assert ap.cwlif(m).lines == ()


def test_softap_commands_need_softap_mode() -> None:
    m = make(STATIONS)
    assert ap.cwsap_query(m) == Done(ok=False)
    assert ap.cwlif(m) == Done(ok=False)
    assert ap.cipap_query(m) == Done(ok=False)
    assert ap.cwdhcps_query(m) == Done(ok=False)


def test_cipap_moves_the_pool_with_the_subnet() -> None:
    m = make({}, instance=7)
    st.cwmode_set(m, 0.0, 3)
    assert ap.cipap_query(m).lines[0] == '+CIPAP:ip:"127.4.7.1"'
    assert ap.cipap_set(m, "127.20.0.1") == Done()
    assert ap.cipap_query(m).lines == (
        '+CIPAP:ip:"127.20.0.1"',
        '+CIPAP:gateway:"127.20.0.1"',
        '+CIPAP:netmask:"255.255.255.0"',
    )
    ap.cwdhcp_set(m, 1, 2)
    assert ap.cwdhcps_query(m).lines == ("+CWDHCPS:120,127.20.0.2,127.20.0.101",)
    assert str(m.ap_ipv4.ip) == "127.20.0.1"


def test_static_station_address_gets_got_ip_without_dhcp() -> None:
    m = make({"access_points": [LAB]})
    assert ap.cipsta_set(m, "127.70.0.5", "127.70.0.1", "255.255.0.0") == Done()
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    assert run(m, 1.0) == ["WIFI CONNECTED", "WIFI GOT IP", Done()]
    assert (str(m.sta_ipv4.ip), str(m.sta_ipv4.netmask)) == ("127.70.0.5", "255.255.0.0")


def test_ipv6_addresses_when_enabled() -> None:
    air = {"access_points": [dict(LAB, network={"ipv6_prefix": "fd00:1::/64"})]}
    m = WifiModel(parse_air(air), MemoryStore(), ipv6_enabled=lambda: True)
    m.boot(0.0)
    st.cwjap_set(m, 0.0, ssid="lab", password="sim-only-pass")
    assert run(m, 1.0) == ["WIFI CONNECTED", "WIFI GOT IP", Done(), "WIFI GOT IPv6 LL", "WIFI GOT IPv6 GL"]
    lines = ap.cipsta_query(m).lines
    assert lines[3].startswith('+CIPSTA:ip6ll:"fe80::') and lines[4].startswith('+CIPSTA:ip6gl:"fd00:1::')


def test_smartconfig_with_a_stale_password_reports_fail() -> None:
    air = {
        "access_points": [LAB],
        "smartconfig": {"ssid": "lab", "password": "old-password", "type": "AIRKISS", "after_s": 0.1},
    }
    m = make(air)
    assert prov.cwstartsmart(m, 0.0) == Done()
    assert prov.cwstartsmart(m, 0.0) == Done(ok=False)  # already running
    assert run(m, 2.0) == [
        "smartconfig type:AIRKISS",
        "Smart get wifi info",
        "ssid:lab",
        "password:old-password",
        "smartconfig connect fail",
    ]


def test_wps_needs_a_wps_ap_and_station_mode() -> None:
    m = make({"access_points": [LAB]})
    assert prov.wps_set(m, 0.0, 1) == Done()
    assert run(m, 2.0) == []  # nobody pressed a button
    st.cwmode_set(m, 2.0, 2)
    assert prov.wps_set(m, 2.0, 1) == Done(ok=False)
