"""3.2 state rules: each "works only when / can only be used when / cannot" sentence of the Wi-Fi chapter is
tested as a refusal (ERROR) and with the state the command would have changed intact afterwards.

The rules (RST Wi-Fi_AT_Commands.rst of v5.0.0.0; the seed's 3.2 in Chinese):

- 3.2.12 AT+CWSAP note (:963): "This command works only when AT+CWMODE=2 or AT+CWMODE=3" (seed: 只有当 ...
  才有效) -> set and query ERROR in station mode; back in soft-AP mode the configuration is what it was.
- 3.2.16 AT+CWDHCPS notes (:1201-1202): works only when the soft-AP and its DHCP server are on; the range
  should be in the soft-AP's network segment (seed: 必须) -> ERROR in station mode and for a range outside
  the segment; AT+CWDHCPS? unchanged.
- 3.2.20 AT+CIPSTAMAC, 3.2.21 AT+CIPAPMAC notes (:1506-1507, :1572-1573): bit 0 of the first byte cannot be
  1; FF:FF:FF:FF:FF:FF and 00:00:00:00:00:00 cannot be set -> ERROR; the MAC read back unchanged.
- 3.2.24 AT+CWSTARTSMART note (:1803): SmartConfig is only available in station mode -> ERROR in soft-AP
  mode; AT+CWMODE? still 2.
- 3.2.26 AT+WPS note (:1902): WPS can only be used when the station is enabled -> ERROR in soft-AP mode;
  AT+CWMODE? still 2.

Not tested as refusals: 3.2.13 AT+CWLIF "works only when DHCP of both the soft-AP and the station are
enabled" (the station is the host's: the suite cannot switch its DHCP client off); 3.2.22 AT+CIPSTA's "only
when the station is connected or a static IP is configured can its IP be queried" (a query, not a refusal:
the two states it names are checked in suites/wifi/test_station_config.py; what it prints in neither state
the guide does not say).

Refusals check ERROR alone (AT+SYSLOG off): the guide does not document which ERR CODE a state refusal
carries.
"""

from __future__ import annotations

import ipaddress

import pytest

pytestmark = [pytest.mark.wifi, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture
def wifi_mode(dut, expect):
    """Set a Wi-Fi mode for the test (3.2.5); station mode, the default, is put back afterwards."""

    def set_mode(mode: int) -> None:
        expect.ok(dut.cmd(f"AT+CWMODE={mode}"), "AT+CWMODE", "set")
        dut.drain_urcs()

    yield set_mode
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


@pytest.mark.form("AT+CWSAP", "set")
@pytest.mark.form("AT+CWSAP", "query")
def test_cwsap_needs_softap_mode(dut, expect, wifi_mode) -> None:
    """3.2.12 note: in station mode AT+CWSAP (set and query) is ERROR; back in soft-AP mode the soft-AP
    configuration is the one it had."""
    wifi_mode(2)
    before = expect.ok(dut.cmd("AT+CWSAP?"), "AT+CWSAP", "query").values
    wifi_mode(1)
    expect.error(dut.cmd('AT+CWSAP="state-rules","12345678",5,3'))
    expect.error(dut.cmd("AT+CWSAP?"))
    wifi_mode(2)
    after = expect.ok(dut.cmd("AT+CWSAP?"), "AT+CWSAP", "query").values
    assert after == before, f"AT+CWSAP? changed by a refused set: {before} -> {after}"


@pytest.mark.form("AT+CWDHCPS", "set")
@pytest.mark.form("AT+CWDHCPS", "query")
def test_cwdhcps_needs_softap_and_its_segment(dut, expect, wifi_mode) -> None:
    """3.2.16 notes: in station mode AT+CWDHCPS is ERROR; with the soft-AP on, a range outside the soft-AP's
    network segment is ERROR; AT+CWDHCPS? is unchanged by both."""
    wifi_mode(2)
    before = expect.ok(dut.cmd("AT+CWDHCPS?"), "AT+CWDHCPS", "query").values
    ap = expect.ok(dut.cmd("AT+CIPAP?"), "AT+CIPAP", "query")
    net = ipaddress.IPv4Network(f"{ap['ip']}/{ap['netmask']}", strict=False)
    inside = (net.network_address + 100, net.network_address + 110)
    # the first address past the segment and ten more: same size of range, other segment
    outside = (net.broadcast_address + 101, net.broadcast_address + 111)
    wifi_mode(1)
    expect.error(dut.cmd(f'AT+CWDHCPS=1,60,"{inside[0]}","{inside[1]}"'))
    wifi_mode(2)
    assert expect.ok(dut.cmd("AT+CWDHCPS?"), "AT+CWDHCPS", "query").values == before
    expect.error(dut.cmd(f'AT+CWDHCPS=1,60,"{outside[0]}","{outside[1]}"'))
    after = expect.ok(dut.cmd("AT+CWDHCPS?"), "AT+CWDHCPS", "query").values
    assert after == before, f"AT+CWDHCPS? changed by a refused set: {before} -> {after}"


BAD_MACS = [
    pytest.param("15:aa:bb:cc:dd:ee", id="multicast-bit"),
    pytest.param("ff:ff:ff:ff:ff:ff", id="all-ones"),
    pytest.param("00:00:00:00:00:00", id="all-zeros"),
]


@pytest.mark.form("AT+CIPSTAMAC", "set")
@pytest.mark.form("AT+CIPSTAMAC", "query")
@pytest.mark.parametrize("mac", BAD_MACS)
def test_cipstamac_refuses_invalid_mac(dut, expect, mac) -> None:
    """3.2.20 notes: bit 0 of the station MAC cannot be 1, and all-ones and all-zeros cannot be set: ERROR,
    AT+CIPSTAMAC? unchanged."""
    before = expect.ok(dut.cmd("AT+CIPSTAMAC?"), "AT+CIPSTAMAC", "query")["mac"]
    expect.error(dut.cmd(f'AT+CIPSTAMAC="{mac}"'))
    assert expect.ok(dut.cmd("AT+CIPSTAMAC?"), "AT+CIPSTAMAC", "query")["mac"] == before


@pytest.mark.form("AT+CIPAPMAC", "set")
@pytest.mark.form("AT+CIPAPMAC", "query")
@pytest.mark.parametrize("mac", BAD_MACS)
def test_cipapmac_refuses_invalid_mac(dut, expect, wifi_mode, mac) -> None:
    """3.2.21 notes: as for the station, with the soft-AP on: ERROR, AT+CIPAPMAC? unchanged."""
    wifi_mode(2)
    before = expect.ok(dut.cmd("AT+CIPAPMAC?"), "AT+CIPAPMAC", "query")["mac"]
    expect.error(dut.cmd(f'AT+CIPAPMAC="{mac}"'))
    assert expect.ok(dut.cmd("AT+CIPAPMAC?"), "AT+CIPAPMAC", "query")["mac"] == before


@pytest.mark.form("AT+CWMODE", "query")
@pytest.mark.parametrize(
    "line",
    [
        pytest.param(
            "AT+CWSTARTSMART", marks=pytest.mark.form("AT+CWSTARTSMART", "execute"), id="smartconfig"
        ),
        pytest.param("AT+WPS=1", marks=pytest.mark.form("AT+WPS", "set"), id="wps"),
    ],
)
def test_station_only_functions_refused_in_softap_mode(dut, expect, wifi_mode, line) -> None:
    """3.2.24 note (SmartConfig only in station mode) and 3.2.26 note (WPS only with the station enabled):
    in soft-AP mode both are ERROR, and the Wi-Fi mode stays 2."""
    wifi_mode(2)
    expect.error(dut.cmd(line))
    assert expect.ok(dut.cmd("AT+CWMODE?"), "AT+CWMODE", "query")["mode"] == 2
