"""3.2 Wi-Fi AT commands, soft-AP side: configuration, the stations that join it (and their reports),
kicking them, its DHCP server, address, MAC and protocol (3.2.12-3.2.14, 3.2.16, 3.2.18, 3.2.21, 3.2.23).

A station joining the soft-AP is the rig's ``softap-station`` (a simulated one on the sim rig). Its MAC and
address are learnt from the board's own reports, never assumed.
"""

from __future__ import annotations

import ipaddress

import pytest

from fixtures.suite import assert_order
from spec.params import escape

pytestmark = [pytest.mark.wifi, pytest.mark.usefixtures("fresh_board")]

JOIN_REPORTS = ["+STA_CONNECTED", "+DIST_STA_IP"]


@pytest.fixture
def softap(dut):
    """Station + soft-AP mode (AT+CWSAP works only in modes 2 and 3, 3.2.12)."""
    dut.cmd("AT+CWMODE=3").assert_ok()
    yield dut
    dut.cmd("AT+CWMODE=1")
    dut.drain_urcs()


def wait_for_station(dut, timeout: float):
    """The +STA_CONNECTED and +DIST_STA_IP reports of one station (3.17): the address report names the
    same MAC and comes after the join report; returns (mac, ip, the reports from the join on)."""
    connected = dut.expect_urc("+STA_CONNECTED", timeout)
    got_ip = dut.expect_urc("+DIST_STA_IP", timeout)
    start = next(i for i, u in enumerate(dut.urcs) if u is connected)
    end = next(i for i, u in enumerate(dut.urcs) if u is got_ip)
    assert start < end, "+DIST_STA_IP came before +STA_CONNECTED"
    assert got_ip.fields[0] == connected.fields[0], (connected, got_ip)
    return connected.fields[0], got_ip.fields[1], dut.urcs[start : end + 1]


@pytest.mark.form("AT+CWSAP", "set")
@pytest.mark.form("AT+CWSAP", "query")
@pytest.mark.parametrize(
    ("ssid", "pwd", "channel", "ecn", "extra"),
    [
        pytest.param("esp-at-conf", "12345678", 1, 3, ",4,0", id="wpa2-channel-1"),
        pytest.param("esp-at-conf", "p" * 63, 13, 4, ",1,1", id="wpa-wpa2-channel-13-hidden"),
        pytest.param("esp-at-open", "", 6, 0, "", id="open-optional-omitted"),
        pytest.param('a,b"c\\d', "12345678", 6, 2, "", id="escaped-ssid"),
    ],
)
def test_cwsap_reads_back(softap, expect, ssid: str, pwd: str, channel: int, ecn: int, extra: str) -> None:
    """3.2.12: the configuration reads back; strings are escaped in the command (3.1) and printed as they
    are in the response; <ssid hidden> defaults to 0 when left out."""
    line = f'AT+CWSAP="{escape(ssid)}","{escape(pwd)}",{channel},{ecn}{extra}'
    expect.ok(softap.cmd(line), "AT+CWSAP", "set")
    m = expect.ok(softap.cmd("AT+CWSAP?"), "AT+CWSAP", "query")
    assert (m["ssid"], m["pwd"], m["channel"], m["ecn"]) == (ssid, pwd, channel, ecn), m.values
    if extra:
        max_conn, hidden = extra.lstrip(",").split(",")
        assert (str(m["max conn"]), str(m["ssid hidden"])) == (max_conn, hidden), m.values
    else:
        assert str(m["ssid hidden"]) == "0", m.values


@pytest.mark.form("AT+CWSAP", "set")
def test_cwsap_needs_softap_mode(dut, expect) -> None:
    """3.2.12: in station-only mode the soft-AP cannot be configured."""
    dut.cmd("AT+CWMODE=1").assert_ok()
    expect.error(dut.cmd('AT+CWSAP="esp-at-conf","12345678",5,3'))


@pytest.mark.form("AT+CWLIF", "execute")
@pytest.mark.form("AT+CWQIF", "set")
@pytest.mark.requires("wifi-softap", "softap-station")
def test_station_joins_listed_and_kicked(dut, expect, esp_rig) -> None:
    """3.17 / 3.2.13 / 3.2.14: a joining station is reported as +STA_CONNECTED then +DIST_STA_IP (nothing
    between); AT+CWLIF lists it with that address and MAC; AT+CWQIF=<mac> disconnects it
    (+STA_DISCONNECTED) and the list is empty."""
    dut.cmd("AT+CWMODE=0").assert_ok()
    dut.drain_urcs()
    dut.cmd("AT+CWMODE=2").assert_ok()
    mac, ip, reports = wait_for_station(dut, esp_rig.targets.timeouts.join)
    # nothing undocumented between the two reports of the join
    assert_order([getattr(u, "kind", "") for u in reports], JOIN_REPORTS)
    m = expect.ok(dut.cmd("AT+CWLIF"), "AT+CWLIF", "execute")
    assert {(str(r["ip addr"]), str(r["mac"])) for r in m.rows("+CWLIF:")} == {(ip, mac)}
    expect.ok(dut.cmd(f'AT+CWQIF="{mac}"'), "AT+CWQIF", "set")
    gone = dut.expect_urc("+STA_DISCONNECTED", esp_rig.targets.timeouts.command)
    assert gone.fields[0] == mac
    assert expect.ok(dut.cmd("AT+CWLIF"), "AT+CWLIF", "execute").rows("+CWLIF:") == []
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


@pytest.mark.form("AT+CWQIF", "execute")
@pytest.mark.requires("wifi-softap", "softap-station")
def test_cwqif_disconnects_all(dut, expect, esp_rig) -> None:
    """3.2.14 execute: every station is disconnected."""
    dut.cmd("AT+CWMODE=0").assert_ok()
    dut.drain_urcs()
    dut.cmd("AT+CWMODE=2").assert_ok()
    mac, _, _ = wait_for_station(dut, esp_rig.targets.timeouts.join)
    expect.ok(dut.cmd("AT+CWQIF"), "AT+CWQIF", "execute")
    assert dut.expect_urc("+STA_DISCONNECTED", esp_rig.targets.timeouts.command).fields[0] == mac
    assert dut.cmd("AT+CWLIF").assert_ok().lines in ([], [""])
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


def _ap_net(dut, expect) -> ipaddress.IPv4Network:
    m = expect.ok(dut.cmd("AT+CIPAP?"), "AT+CIPAP", "query")
    return ipaddress.IPv4Network(f"{m['ip']}/{m['netmask']}", strict=False)


@pytest.mark.form("AT+CWDHCPS", "query")
@pytest.mark.parametrize("lease", [pytest.param(1, id="lease-min"), pytest.param(2880, id="lease-max")])
def test_cwdhcps_reads_back(softap, expect, lease: int) -> None:
    """3.2.16: a lease time in [1,2880] minutes and a range inside the soft-AP's network read back; <enable>
    0 goes back to the default range."""
    net = _ap_net(softap, expect)
    start, end = str(net.network_address + 100), str(net.network_address + 110)
    default = softap.cmd("AT+CWDHCPS?").assert_ok().lines[0]
    expect.ok(softap.cmd(f'AT+CWDHCPS=1,{lease},"{start}","{end}"'), "AT+CWDHCPS", "set")
    m = expect.ok(softap.cmd("AT+CWDHCPS?"), "AT+CWDHCPS", "query")
    assert (m["lease time"], str(m["start IP"]), str(m["end IP"])) == (lease, start, end), m.values
    expect.ok(softap.cmd("AT+CWDHCPS=0"), "AT+CWDHCPS", "set")
    assert softap.cmd("AT+CWDHCPS?").assert_ok().lines[0] == default


@pytest.mark.form("AT+CWDHCPS", "set")
@pytest.mark.requires("wifi-softap", "softap-station")
def test_cwdhcps_range_used_by_joining_station(dut, expect, esp_rig) -> None:
    """3.2.16: a station joining after the range is set gets an address inside it (+DIST_STA_IP)."""
    dut.cmd("AT+CWMODE=2").assert_ok()
    net = _ap_net(dut, expect)
    start, end = net.network_address + 120, net.network_address + 125
    expect.ok(dut.cmd(f'AT+CWDHCPS=1,5,"{start}","{end}"'), "AT+CWDHCPS", "set")
    dut.cmd("AT+CWMODE=0").assert_ok()
    dut.drain_urcs()
    dut.cmd("AT+CWMODE=2").assert_ok()
    _, ip, _ = wait_for_station(dut, esp_rig.targets.timeouts.join)
    assert start <= ipaddress.IPv4Address(ip) <= end, ip
    dut.cmd("AT+CWDHCPS=0").assert_ok()
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


@pytest.mark.form("AT+CIPAP", "query")
@pytest.mark.form("AT+CIPAP", "set")
def test_cipap_reads_back(softap, expect) -> None:
    """3.2.23: the soft-AP's address, gateway and netmask read back; with the address only, the rest stay
    consistent; the original address is put back."""
    before = expect.ok(softap.cmd("AT+CIPAP?"), "AT+CIPAP", "query").values
    expect.ok(softap.cmd('AT+CIPAP="192.168.5.1","192.168.5.1","255.255.255.0"'), "AT+CIPAP", "set")
    m = expect.ok(softap.cmd("AT+CIPAP?"), "AT+CIPAP", "query")
    assert (m["ip"], m["gateway"], m["netmask"]) == ("192.168.5.1", "192.168.5.1", "255.255.255.0")
    expect.ok(softap.cmd('AT+CIPAP="192.168.6.1"'), "AT+CIPAP", "set")
    assert expect.ok(softap.cmd("AT+CIPAP?"), "AT+CIPAP", "query")["ip"] == "192.168.6.1"
    softap.cmd(f'AT+CIPAP="{before["ip"]}","{before["gateway"]}","{before["netmask"]}"').assert_ok()


@pytest.mark.form("AT+CIPAPMAC", "query")
@pytest.mark.form("AT+CIPAPMAC", "set")
def test_cipapmac_reads_back(softap, expect) -> None:
    """3.2.21: a unicast MAC (differing from the station's) reads back; the board's own goes back after."""
    own = expect.ok(softap.cmd("AT+CIPAPMAC?"), "AT+CIPAPMAC", "query")["mac"]
    sta = expect.ok(softap.cmd("AT+CIPSTAMAC?"), "AT+CIPSTAMAC", "query")["mac"]
    assert own != sta, "3.2.20 note: station and soft-AP MACs differ"
    expect.ok(softap.cmd('AT+CIPAPMAC="1a:fe:35:98:d4:7c"'), "AT+CIPAPMAC", "set")
    assert expect.ok(softap.cmd("AT+CIPAPMAC?"), "AT+CIPAPMAC", "query")["mac"] == "1a:fe:35:98:d4:7c"
    softap.cmd(f'AT+CIPAPMAC="{own}"').assert_ok()


@pytest.mark.form("AT+CWAPPROTO", "query")
@pytest.mark.form("AT+CWAPPROTO", "set")
def test_cwapproto_reads_back(softap, expect, spec) -> None:
    """3.2.18: 802.11bgn (7) by default; b/g (3, at 20 MHz) reads back; the default goes back after. The
    query's one value is <protocol_2g> in v5.0.0.0's guide and <protocol> before (`spec diff`);
    AT+CWBANDWIDTH (20 MHz) only where the judged guide has it (v5.0.0.0, 3.2.4)."""
    assert expect.sole_value(softap.cmd("AT+CWAPPROTO?"), "AT+CWAPPROTO", "query") == 7
    if "AT+CWBANDWIDTH" in spec:
        softap.cmd("AT+CWBANDWIDTH=1,1").assert_ok()
    expect.ok(softap.cmd("AT+CWAPPROTO=3"), "AT+CWAPPROTO", "set")
    assert expect.sole_value(softap.cmd("AT+CWAPPROTO?"), "AT+CWAPPROTO", "query") == 3
    softap.cmd("AT+CWAPPROTO=7").assert_ok()
