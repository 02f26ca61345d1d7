"""3.2 Wi-Fi AT commands, station settings: auto-connect, protocol, MAC, addresses and DHCP, host name,
country and bandwidth (3.2.4, 3.2.6, 3.2.15, 3.2.17, 3.2.19, 3.2.20, 3.2.22, 3.2.28, 3.2.29)."""

from __future__ import annotations

import ipaddress

import pytest

pytestmark = [pytest.mark.wifi, pytest.mark.usefixtures("fresh_board")]


@pytest.mark.form("AT+CWAUTOCONN", "query")
@pytest.mark.form("AT+CWAUTOCONN", "set")
def test_cwautoconn_reads_back(dut, expect, spec) -> None:
    """3.2.17: 1 by default; 0 and 1 read back."""
    default = spec.command("AT+CWAUTOCONN").param("enable").default
    assert expect.ok(dut.cmd("AT+CWAUTOCONN?"), "AT+CWAUTOCONN", "query")["enable"] == default
    for value in (0, 1):
        expect.ok(dut.cmd(f"AT+CWAUTOCONN={value}"), "AT+CWAUTOCONN", "set")
        assert expect.ok(dut.cmd("AT+CWAUTOCONN?"), "AT+CWAUTOCONN", "query")["enable"] == value


@pytest.mark.form("AT+CWSTAPROTO", "query")
@pytest.mark.form("AT+CWSTAPROTO", "set")
def test_cwstaproto_reads_back(dut, expect, spec) -> None:
    """3.2.19: b/g/n (7) and b/g (3, at 20 MHz: in 40 MHz only 802.11n may be configured) read back. The
    query's one value is <protocol_2g> in v5.0.0.0's guide and <protocol> before (`spec diff`);
    AT+CWBANDWIDTH (20 MHz) only where the judged guide has it (v5.0.0.0, 3.2.4)."""
    before = expect.sole_value(dut.cmd("AT+CWSTAPROTO?"), "AT+CWSTAPROTO", "query")
    if "AT+CWBANDWIDTH" in spec:
        dut.cmd("AT+CWBANDWIDTH=0,1").assert_ok()
    for value in (3, 7):
        expect.ok(dut.cmd(f"AT+CWSTAPROTO={value}"), "AT+CWSTAPROTO", "set")
        assert expect.sole_value(dut.cmd("AT+CWSTAPROTO?"), "AT+CWSTAPROTO", "query") == value
    dut.cmd(f"AT+CWSTAPROTO={before}").assert_ok()


@pytest.mark.form("AT+CIPSTAMAC", "query")
@pytest.mark.form("AT+CIPSTAMAC", "set")
def test_cipstamac_reads_back(dut, expect) -> None:
    """3.2.20: a unicast MAC reads back; the board's own is put back afterwards."""
    own = expect.ok(dut.cmd("AT+CIPSTAMAC?"), "AT+CIPSTAMAC", "query")["mac"]
    expect.ok(dut.cmd('AT+CIPSTAMAC="1a:fe:35:98:d4:7b"'), "AT+CIPSTAMAC", "set")
    assert expect.ok(dut.cmd("AT+CIPSTAMAC?"), "AT+CIPSTAMAC", "query")["mac"] == "1a:fe:35:98:d4:7b"
    dut.cmd(f'AT+CIPSTAMAC="{own}"').assert_ok()


@pytest.mark.form("AT+CIPSTAMAC", "set")
@pytest.mark.parametrize(
    "mac",
    [
        pytest.param("15:fe:35:98:d4:7b", id="multicast-bit"),
        pytest.param("ff:ff:ff:ff:ff:ff", id="broadcast"),
        pytest.param("00:00:00:00:00:00", id="all-zero"),
    ],
)
def test_cipstamac_refuses_invalid(dut, expect, mac: str) -> None:
    """3.2.20 notes: bit 0 of the first octet must be 0; all-ones and all-zero addresses are invalid."""
    expect.error(dut.cmd(f'AT+CIPSTAMAC="{mac}"'))


@pytest.mark.form("AT+CIPSTA", "query")
@pytest.mark.requires("wifi-sta")
def test_cipsta_after_join(dut, expect, joined) -> None:
    """3.2.22: after joining, an address, gateway and netmask of one network (DHCP-assigned: only their
    consistency is checked); the IPv6 lines appear only with AT+CIPV6=1."""
    m = expect.ok(dut.cmd("AT+CIPSTA?"), "AT+CIPSTA", "query")
    net = ipaddress.IPv4Network(f"{m['ip']}/{m['netmask']}", strict=False)
    assert ipaddress.IPv4Address(str(m["gateway"])) in net, m.values
    assert str(m["ip"]) == joined.ip != "0.0.0.0"


@pytest.mark.form("AT+CIPSTA", "set")
@pytest.mark.form("AT+CIPSTA", "query")
@pytest.mark.form("AT+CWDHCP", "query")
@pytest.mark.form("AT+CWDHCP", "set")
def test_cipsta_static_turns_dhcp_off(dut, expect) -> None:
    """3.2.22 / 3.2.15: a static address reads back and turns the station's DHCP client off (bit 0 of
    AT+CWDHCP? clears); AT+CWDHCP=1,1 turns it on again."""
    dut.cmd("AT+CWMODE=1").assert_ok()
    assert int(expect.ok(dut.cmd("AT+CWDHCP?"), "AT+CWDHCP", "query")["state"]) & 1
    expect.ok(dut.cmd('AT+CIPSTA="192.168.6.100","192.168.6.1","255.255.255.0"'), "AT+CIPSTA", "set")
    m = expect.ok(dut.cmd("AT+CIPSTA?"), "AT+CIPSTA", "query")
    assert (m["ip"], m["gateway"], m["netmask"]) == ("192.168.6.100", "192.168.6.1", "255.255.255.0")
    assert not int(expect.ok(dut.cmd("AT+CWDHCP?"), "AT+CWDHCP", "query")["state"]) & 1
    expect.ok(dut.cmd("AT+CWDHCP=1,1"), "AT+CWDHCP", "set")
    assert int(expect.ok(dut.cmd("AT+CWDHCP?"), "AT+CWDHCP", "query")["state"]) & 1


@pytest.mark.form("AT+CIPSTA", "set")
def test_cipsta_ip_only(dut, expect) -> None:
    """3.2.22: the gateway and netmask may be left out together."""
    expect.ok(dut.cmd('AT+CIPSTA="192.168.6.101"'), "AT+CIPSTA", "set")
    assert expect.ok(dut.cmd("AT+CIPSTA?"), "AT+CIPSTA", "query")["ip"] == "192.168.6.101"
    dut.cmd("AT+CWDHCP=1,1").assert_ok()


@pytest.mark.form("AT+CWDHCP", "set")
@pytest.mark.form("AT+CWDHCP", "query")
@pytest.mark.parametrize("mode", [1, 2, 3])
def test_cwdhcp_bits(dut, expect, mode: int) -> None:
    """3.2.15: <mode> bit 0 station, bit 1 soft-AP; disabling clears exactly those bits of <state>."""
    dut.cmd("AT+CWMODE=3").assert_ok()
    dut.cmd("AT+CWDHCP=1,3").assert_ok()
    before = int(expect.ok(dut.cmd("AT+CWDHCP?"), "AT+CWDHCP", "query")["state"])
    expect.ok(dut.cmd(f"AT+CWDHCP=0,{mode}"), "AT+CWDHCP", "set")
    after = int(expect.ok(dut.cmd("AT+CWDHCP?"), "AT+CWDHCP", "query")["state"])
    assert after == before & ~mode, (before, mode, after)
    dut.cmd("AT+CWDHCP=1,3").assert_ok()
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


@pytest.mark.form("AT+CWHOSTNAME", "query")
@pytest.mark.form("AT+CWHOSTNAME", "set")
@pytest.mark.parametrize(
    "name", [pytest.param("esp-conf", id="short"), pytest.param("h" * 32, id="boundary-max")]
)
def test_cwhostname_reads_back(dut, expect, name: str) -> None:
    """3.2.28: a host name of up to 32 bytes reads back."""
    dut.cmd("AT+CWMODE=1").assert_ok()
    expect.ok(dut.cmd(f'AT+CWHOSTNAME="{name}"'), "AT+CWHOSTNAME", "set")
    assert expect.ok(dut.cmd("AT+CWHOSTNAME?"), "AT+CWHOSTNAME", "query")["hostname"] == name


@pytest.mark.form("AT+CWCOUNTRY", "query")
@pytest.mark.form("AT+CWCOUNTRY", "set")
@pytest.mark.parametrize(
    "args",
    [pytest.param('1,"US",1,11', id="us"), pytest.param('0,"JP",1,14', id="boundary-channel-14")],
)
def test_cwcountry_reads_back(dut, expect, args: str) -> None:
    """3.2.29: policy, code, start channel and channel count read back as set."""
    expect.ok(dut.cmd(f"AT+CWCOUNTRY={args}"), "AT+CWCOUNTRY", "set")
    m = expect.ok(dut.cmd("AT+CWCOUNTRY?"), "AT+CWCOUNTRY", "query")
    got = f'{m["country_policy"]},"{m["country_code"]}",{m["start_channel"]},{m["total_channel_count"]}'
    assert got == args


@pytest.mark.form("AT+CWBANDWIDTH", "query")
@pytest.mark.form("AT+CWBANDWIDTH", "set")
def test_cwbandwidth_reads_back(dut, expect) -> None:
    """3.2.4: one row per interface (0 station, 1 soft-AP); 20 MHz (1) and 40 MHz (2) read back."""
    for bandwidth in (1, 2):
        expect.ok(dut.cmd(f"AT+CWBANDWIDTH=0,{bandwidth}"), "AT+CWBANDWIDTH", "set")
        m = expect.ok(dut.cmd("AT+CWBANDWIDTH?"), "AT+CWBANDWIDTH", "query")
        rows = {r["netif"]: r for r in m.rows("+CWBANDWIDTH:")}
        assert rows[0]["bandwidth_2ghz"] == bandwidth, m.values


@pytest.mark.form("AT+CWCONFIG", "query")
@pytest.mark.form("AT+CWCONFIG", "set")
def test_cwconfig_reads_back(dut, expect, spec) -> None:
    """3.2.6: defaults 300, 6, 3; boundary values read back; a parameter left out keeps its value."""
    c = spec.command("AT+CWCONFIG")
    defaults = [c.param(n).default for n in ("ap_inactive_time", "sta_inactive_time", "listen_interval")]
    m = expect.ok(dut.cmd("AT+CWCONFIG?"), "AT+CWCONFIG", "query")
    assert [m["ap_inactive_time"], m["sta_inactive_time"], m["listen_interval"]] == defaults
    for args in ("10,3,1", "3600,600,100"):
        expect.ok(dut.cmd(f"AT+CWCONFIG={args}"), "AT+CWCONFIG", "set")
        m = expect.ok(dut.cmd("AT+CWCONFIG?"), "AT+CWCONFIG", "query")
        assert f"{m['ap_inactive_time']},{m['sta_inactive_time']},{m['listen_interval']}" == args
    expect.ok(dut.cmd("AT+CWCONFIG=,,5"), "AT+CWCONFIG", "set")
    m = expect.ok(dut.cmd("AT+CWCONFIG?"), "AT+CWCONFIG", "query")
    assert (m["ap_inactive_time"], m["sta_inactive_time"], m["listen_interval"]) == (3600, 600, 5)
    dut.cmd("AT+CWCONFIG=300,6,3").assert_ok()
