"""BluFi's provisioning on the sans-IO Wi-Fi model (sim/wifi/ops_provision.py): the phone's connect request
joins with its SSID and password (4.12.1: WIFI CONNECTED, WIFI GOT IP), AT+BLUFI's <auth floor> keeps the
board off a weaker AP (3.4.45), no station mode means no join, and the disconnect request leaves the AP."""

from __future__ import annotations

from sim.wifi import ops_provision as prov
from sim.wifi import ops_station as st
from tests.unit.test_sim_wifi_station import make, run

#: 3.4.45 <auth floor> 6: WPA3_PSK; the test air's "lab" is ecn 3 (WPA2_PSK).
WPA3_PSK = 6


def test_connect_request_joins_with_the_phones_credentials() -> None:
    m = make()
    st.cwmode_set(m, 0.0, 1)
    run(m, 1)
    assert prov.blufi_join(m, 1.0, "lab", "sim-only-pass")
    assert run(m, 10) == ["WIFI CONNECTED", "WIFI GOT IP"]
    assert st.cwstate_query(m).lines == ('+CWSTATE:2,"lab"',)


def test_an_ap_below_the_auth_floor_is_not_joined() -> None:
    m = make()
    st.cwmode_set(m, 0.0, 1)
    run(m, 1)
    assert not prov.blufi_join(m, 1.0, "lab", "sim-only-pass", WPA3_PSK)
    assert run(m, 30) == []
    assert prov.blufi_join(m, 30.0, "lab", "sim-only-pass", 3)  # the floor at the AP's own mode admits it
    assert run(m, 40) == ["WIFI CONNECTED", "WIFI GOT IP"]


def test_no_station_mode_no_join() -> None:
    m = make()
    st.cwmode_set(m, 0.0, 0)
    run(m, 1)
    assert not prov.blufi_join(m, 1.0, "lab", "sim-only-pass")
    assert run(m, 30) == []


def test_disconnect_request_leaves_the_ap() -> None:
    m = make()
    st.cwmode_set(m, 0.0, 1)
    prov.blufi_join(m, 0.0, "lab", "sim-only-pass")
    run(m, 10)
    prov.blufi_leave(m, 10.0)
    assert run(m, 40) == ["WIFI DISCONNECT"]
