"""3.3 over IPv6: AT+CIPV6 (3.3.1), the "TCPv6", "UDPv6" and "SSLv6" types of AT+CIPSTART (3.3.5) with the
board's own IPv6 address as ``<"local IP">``, a "TCPv6" server (3.3.16) reached by a host client, the
AT+CIPSTATE rows (3.3.3) and ``+IPD`` with AT+CIPDINFO=1 (3.17) for IPv6 remotes.

Peers listen on the rig's ``network.host_address_v6``; tests needing a route there require the ``ipv6``
capability. The guide wants AT+CIPV6=1 before AT+CWJAP (the join brings the IPv6 addresses), so these
tests join themselves (``joined6``). With AT+CIPV6=0 the IPv6 types answer ERROR (any board).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address

import pytest

from rigs.at.events import Ipd, Urc
from rigs.at.session import AtSession
from rigs.model import Rig
from servers.behaviours import Echo, Sink
from servers.tcp import TcpClient, TcpServer
from servers.udp import UdpMode, UdpPeer
from suites.tcpip.links import (
    PEER_WAIT,
    assert_arrived,
    back_to_factory,
    connect_timeout,
    ok_with_reports,
    provision,
    send,
)

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig):
    yield
    back_to_factory(dut, esp_rig)  # AT+RESTORE also turns AT+CIPV6 back to its default 0


def host6(rig: Rig) -> str:
    v6 = rig.network.host_address_v6
    if v6 is None:
        pytest.skip(f"rig {rig.name} sets no network.host_address_v6")
    return str(v6)


@dataclass(frozen=True)
class Joined6:
    """The station joined with IPv6 on, and the board's IPv6 addresses from AT+CIPSTA? (3.2 ip6ll/ip6gl)."""

    ip6ll: str
    ip6gl: str | None

    def local_ip_for(self, host: IPv6Address) -> str:
        """The board's own address that reaches ``host``: the global one for a global host (the route the
        rig has), else the link-local one (a loopback host: a simulated board beside the servers)."""
        if not (host.is_loopback or host.is_link_local):
            assert self.ip6gl is not None, f"host {host} is not link-local, yet the board has no global IPv6"
            return self.ip6gl
        return self.ip6ll

    def reachable_at(self, host: IPv6Address) -> str:
        """Where a host client finds the board: on a loopback rig the board shares the host's loopback."""
        return "::1" if host.is_loopback else self.local_ip_for(host)


def _join_with_ipv6(dut: AtSession, rig: Rig, ap, global_wanted: bool) -> Joined6:
    from spec.params import escape

    dut.cmd("AT+CIPV6=1").assert_ok()
    assert "+CIPV6:1" in dut.cmd("AT+CIPV6?").assert_ok().lines
    dut.cmd("AT+CWQAP").assert_ok()
    mode = dut.cmd("AT+CWMODE?")
    if mode.ok and "+CWMODE:0" in mode.lines:
        dut.cmd("AT+CWMODE=1").assert_ok()
    dut.cmd(f'AT+CWJAP="{escape(ap.ssid)}","{escape(ap.password)}"', rig.targets.timeouts.join).assert_ok()
    dut.expect_urc("WIFI GOT IPv6 LL", rig.targets.timeouts.join)
    if global_wanted:
        dut.expect_urc("WIFI GOT IPv6 GL", rig.targets.timeouts.join)
    lines = dut.cmd("AT+CIPSTA?").assert_ok().lines
    found = {ln.split(":")[1]: ln.split('"')[1] for ln in lines if ln.startswith("+CIPSTA:ip6")}
    assert "ip6ll" in found, f"AT+CIPSTA? after joining with AT+CIPV6=1: no ip6ll line in {lines}"
    assert ip_address(found["ip6ll"]).is_link_local, f"ip6ll is not link-local: {found['ip6ll']}"
    dut.drain_urcs()
    return Joined6(found["ip6ll"], found.get("ip6gl"))


@pytest.fixture
def joined6(dut, esp_rig, esp_ap) -> Joined6:
    host = IPv6Address(host6(esp_rig))
    return _join_with_ipv6(dut, esp_rig, esp_ap, global_wanted=not (host.is_loopback or host.is_link_local))


def _cipstate_rows(dut: AtSession, expect) -> list[dict]:
    return expect.ok(dut.cmd("AT+CIPSTATE?"), "AT+CIPSTATE", "query").rows("+CIPSTATE:")


def _same_ip(got: object, want: str) -> bool:
    """IPv6 text has several spellings (case, zero compression): compare the addresses."""
    try:
        return ip_address(str(got)) == ip_address(want)
    except ValueError:
        return False


@pytest.mark.requires("ipv6")
@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-tcp")
@pytest.mark.form("AT+CIPSTATE", "query")
def test_cipstart_tcpv6(dut, expect, esp_rig, esp_peer_factory, joined6) -> None:
    """AT+CIPSTART="TCPv6",<host v6>,<port>,,<board's own IPv6>: CONNECT, OK; the peer sees the board;
    AT+CIPSTATE? says "TCPv6" with the IPv6 remote; +IPD carries the IPv6 remote under AT+CIPDINFO=1."""
    host = host6(esp_rig)
    echo = esp_peer_factory(TcpServer(Echo(), host))
    local = joined6.local_ip_for(IPv6Address(host))
    dut.cmd("AT+CIPDINFO=1").assert_ok()
    r = dut.cmd(f'AT+CIPSTART="TCPv6","{host}",{echo.port},,"{local}"', connect_timeout(esp_rig))
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-tcp")
    assert [u.text for u in r.urcs if isinstance(u, Urc)] == ["CONNECT"]
    record = echo.records.wait_for(1, PEER_WAIT)[0]
    rows = _cipstate_rows(dut, expect)
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["type"], row["remote port"], row["local port"], row["tetype"]) == (
        "TCPv6",
        echo.port,
        record.remote[1],
        0,
    ), row
    assert _same_ip(row["remote IP"], host), f"remote IP {row['remote IP']!r}, expected {host}"
    assert send(dut, esp_rig, b"over ipv6").final == "SEND OK"
    assert_arrived(record, b"over ipv6")
    ipd = dut.expect_urc("+IPD", connect_timeout(esp_rig))
    assert isinstance(ipd, Ipd) and ipd.payload == b"over ipv6", ipd
    assert _same_ip(ipd.remote_ip, host) and ipd.remote_port == echo.port, ipd


@pytest.mark.requires("ipv6")
@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-udp")
def test_cipstart_udpv6(dut, expect, esp_rig, esp_peer_factory, joined6) -> None:
    """AT+CIPSTART=<id>,"UDPv6",<host v6>,<port>,<local port>,0,<board's own IPv6>: the datagram reaches the
    peer from <local port>; the echo comes back as +IPD with the IPv6 remote; AT+CIPSTATE? says "UDPv6"."""
    host = host6(esp_rig)
    peer = esp_peer_factory(UdpPeer(UdpMode.ECHO, host))
    local = joined6.local_ip_for(IPv6Address(host))
    local_port = 41234
    dut.cmd("AT+CIPMUX=1").assert_ok()
    dut.cmd("AT+CIPDINFO=1").assert_ok()
    r = dut.cmd(
        f'AT+CIPSTART=1,"UDPv6","{host}",{peer.port},{local_port},0,"{local}"', connect_timeout(esp_rig)
    )
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-udp")
    rows = _cipstate_rows(dut, expect)
    assert [(x["link ID"], x["type"], x["remote port"], x["local port"]) for x in rows] == [
        (1, "UDPv6", peer.port, local_port)
    ], rows
    assert send(dut, esp_rig, b"datagram6", link_id=1).final == "SEND OK"
    ipd = dut.expect_urc("+IPD", connect_timeout(esp_rig))
    assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.payload) == (1, b"datagram6"), ipd
    assert _same_ip(ipd.remote_ip, host) and ipd.remote_port == peer.port, ipd
    inbound = [d for d in peer.datagrams if d.inbound]
    assert [d.data for d in inbound] == [b"datagram6"]
    assert inbound[0].remote[1] == local_port, inbound[0].remote


@pytest.mark.requires("ipv6")
@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-ssl")
def test_cipstart_sslv6_mutual_auth(dut, expect, esp_rig, esp_pki, esp_peer_factory, joined6) -> None:
    """AT+CIPSTART="SSLv6" with the rig's PKI and AT+CIPSSLCCONF=3,0,0: the server sees the board's
    client certificate; data goes both ways; AT+CIPSTATE? says "SSLv6"."""
    host = host6(esp_rig)
    server = esp_peer_factory(
        TcpServer(Echo(), host, ssl_context=esp_pki.server_context(require_client_cert=True))
    )
    provision(dut, esp_rig, esp_pki.sysmfg_items("client"), expect)
    expect.ok(dut.cmd("AT+CIPSSLCCONF=3,0,0"), "AT+CIPSSLCCONF", "set")
    local = joined6.local_ip_for(IPv6Address(host))
    r = dut.cmd(f'AT+CIPSTART="SSLv6","{host}",{server.port},,"{local}"', connect_timeout(esp_rig))
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-ssl")
    record = server.records.wait_for(1, PEER_WAIT)[0]
    rows = _cipstate_rows(dut, expect)
    assert [(x["type"], x["remote port"]) for x in rows] == [("SSLv6", server.port)], rows
    assert send(dut, esp_rig, b"tls over ipv6").final == "SEND OK"
    assert_arrived(record, b"tls over ipv6")
    ipd = dut.expect_urc("+IPD", connect_timeout(esp_rig))
    assert isinstance(ipd, Ipd) and ipd.payload == b"tls over ipv6", ipd


@pytest.mark.requires("ipv6")
@pytest.mark.form("AT+CIPSERVER", "set")
@pytest.mark.form("AT+CIPSTATE", "query")
def test_tcpv6_server(dut, expect, esp_rig, esp_peer_factory, joined6) -> None:
    """AT+CIPSERVER=1,<port>,"TCPv6": a host client connecting over IPv6 is 0,CONNECT; AT+CIPSTATE? lists
    it as "TCPv6" with <tetype> 1; its bytes come as +IPD,0,<len>,<"remote IP">,<port>:<data>."""
    host = IPv6Address(host6(esp_rig))
    board = joined6.reachable_at(host)
    if ip_address(board).is_link_local:
        pytest.skip("the board has only a link-local address: a host client would need the interface zone")
    port = 40334
    if host.is_loopback:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            port = s.getsockname()[1]
    client = esp_peer_factory(TcpClient())
    dut.cmd("AT+CIPMUX=1").assert_ok()
    dut.cmd("AT+CIPDINFO=1").assert_ok()
    expect.ok(dut.cmd(f'AT+CIPSERVER=1,{port},"TCPv6"'), "AT+CIPSERVER", "set")
    m = expect.ok(dut.cmd("AT+CIPSERVER?"), "AT+CIPSERVER", "query")
    assert (m["mode"], m.get("type")) == (1, "TCPv6"), m.values
    record = client.connect(board, port, Sink())
    dut.expect_urc("0,CONNECT", connect_timeout(esp_rig))
    rows = _cipstate_rows(dut, expect)
    assert [(x["link ID"], x["type"], x["remote port"], x["local port"], x["tetype"]) for x in rows] == [
        (0, "TCPv6", record.local[1], port, 1)
    ], rows
    assert _same_ip(rows[0]["remote IP"], record.local[0]), (rows[0], record.local)
    client.send(record, b"to the board")
    ipd = dut.expect_urc("+IPD", connect_timeout(esp_rig))
    assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.payload) == (0, b"to the board"), ipd
    assert _same_ip(ipd.remote_ip, record.local[0]) and ipd.remote_port == record.local[1], ipd
    assert send(dut, esp_rig, b"to the host", link_id=0).final == "SEND OK"
    assert_arrived(record, b"to the host")
    dut.cmd("AT+CIPSERVER=0,1").assert_ok()


@pytest.mark.form("AT+CIPV6", "query")
@pytest.mark.form("AT+CIPSTART", "set")  # refusals: an ERROR names no variant
def test_ipv6_types_refused_while_cipv6_is_0(dut, expect, esp_rig, joined) -> None:
    """With IPv6 off (AT+CIPV6=0, the default), the IPv6 types of AT+CIPSTART and AT+CIPSERVER answer ERROR
    (3.3.1: IPv6 must be enabled before IPv6 links are used)."""
    assert expect.ok(dut.cmd("AT+CIPV6?"), "AT+CIPV6", "query")["enable"] == 0
    for kind in ("TCPv6", "UDPv6", "SSLv6"):
        r = dut.cmd(f'AT+CIPSTART="{kind}","::1",40335', connect_timeout(esp_rig))
        assert r.final == "ERROR", f"AT+CIPSTART {kind} with AT+CIPV6=0: expected ERROR, got {r.text!r}"
        expect.error(r)
    dut.drain_urcs()
    dut.cmd("AT+CIPMUX=1").assert_ok()
    r = dut.cmd('AT+CIPSERVER=1,40336,"TCPv6"')
    assert r.final == "ERROR", f"AT+CIPSERVER TCPv6 with AT+CIPV6=0: expected ERROR, got {r.text!r}"
