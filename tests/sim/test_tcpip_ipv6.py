"""IPv6 links of 3.3 on a real simulator process: AT+CIPV6 (3.3.1), the "TCPv6"/"UDPv6"/"SSLv6" types of
AT+CIPSTART/AT+CIPSTARTEX (3.3.5, 3.3.6), "TCPv6" servers (3.3.16), their AT+CIPSTATE lines (3.3.3) and
``+IPD`` with AT+CIPDINFO=1 (3.17). On the simulator the board's IPv6 sockets use ::1 (sim/README.md), so
every peer here listens on ::1."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from rigs.at.events import Ipd
from rigs.at.session import AtSession
from servers.dns import DnsServer
from servers.pki import EspPki
from tests.sim.netrig import provision, texts, wait_accepted
from tests.sim.simproc import SimProcess

SSID, PASSWORD = "esp-at-lab", "sim-only-pass"
NAME6 = "v6.lab.test"


def _has_ipv6_loopback() -> bool:
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _has_ipv6_loopback(), reason="this host has no IPv6 loopback (::1)")


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    server = DnsServer({NAME6: ["::1"]}, tcp=False).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def board(tmp_path: Path, dns: DnsServer, *, ipv6: bool = True) -> Iterator[AtSession]:
    """A board joined to the AP, with AT+CIPV6 set (to ``ipv6``) before the join, as 3.3.5 asks."""
    air = tmp_path / "air.yaml"
    air.write_text(
        yaml.safe_dump(
            {
                "access_points": [{"ssid": SSID, "password": PASSWORD, "network": {"dns": ["127.0.0.1"]}}],
                "services": {"dns_port": dns.endpoints["udp"].port},
            }
        )
    )
    with SimProcess("--air", str(air), state_dir=tmp_path / "flash") as sim, AtSession.open(sim.url) as dut:
        dut.expect_urc("ready", timeout=10)
        dut.cmd(f"AT+CIPV6={int(ipv6)}").assert_ok()
        dut.cmd(f'AT+CWJAP="{SSID}","{PASSWORD}"', timeout=10).assert_ok()
        if ipv6:
            dut.expect_urc("WIFI GOT IPv6 LL", timeout=5)
        dut.drain_urcs()
        yield dut


class Echo6:
    """A TCP (or TLS) echo server on [::1]; records each client's address and handshake errors."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.sock = socket.create_server(("::1", 0), family=socket.AF_INET6)
        self.port = int(self.sock.getsockname()[1])
        self.tls = tls
        self.peers: list[tuple[str, int]] = []
        self._accepted = threading.Condition()  # see EchoServer: CONNECT can precede our accept()
        self.errors: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def peer(self, index: int = 0, timeout: float = 5.0) -> tuple[str, int]:
        return wait_accepted(self._accepted, self.peers, index, timeout)

    def _accept(self) -> None:
        while True:
            try:
                raw, addr = self.sock.accept()
            except OSError:
                return
            with self._accepted:
                self.peers.append((addr[0], addr[1]))
                self._accepted.notify_all()
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(30)
        conn = raw
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(raw, server_side=True)
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)
        except (OSError, ssl.SSLError) as e:
            self.errors.append(str(e))

    def __enter__(self) -> Echo6:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def free_port6() -> int:
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        return int(s.getsockname()[1])


def cipstate(dut: AtSession) -> list[str]:
    return [x for x in texts(dut.cmd("AT+CIPSTATE?").assert_ok()) if x.startswith("+CIPSTATE:")]


def round_trip(dut: AtSession, data: bytes, link: str = "") -> Ipd:
    assert dut.cmd(f"AT+CIPSEND={link}{len(data)}").prompt
    assert dut.send_data(data).final == "SEND OK"
    ipd = dut.expect_urc("+IPD", timeout=10)
    assert isinstance(ipd, Ipd)
    return ipd


def test_tcpv6_by_literal_and_by_aaaa_name(tmp_path: Path, dns: DnsServer) -> None:
    with Echo6() as peer, board(tmp_path, dns) as dut:
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        r = dut.cmd(f'AT+CIPSTART="TCPv6","::1",{peer.port}', timeout=10).assert_ok()
        assert "CONNECT" in texts(r)
        source_ip, local_port = peer.peer(0)
        assert source_ip == "::1"  # the board's IPv6 source on the simulator
        # 3.3.3: +CIPSTATE:<link ID>,<"type">,<"remote IP">,<remote port>,<local port>,<tetype>
        assert cipstate(dut) == [f'+CIPSTATE:0,"TCPv6","::1",{peer.port},{local_port},0']
        ipd = round_trip(dut, b"hello")
        # 3.17 +IPD,<len>[,<"remote IP">,<remote port>]:<data> with an IPv6 remote IP
        assert (ipd.link_id, ipd.remote_ip, ipd.remote_port) == (None, "::1", peer.port)
        assert ipd.payload == b"hello"
        dut.cmd("AT+CIPCLOSE").assert_ok()
        # a name with an AAAA record (3.3.4 <network> 3 resolves the same way)
        assert '+CIPDOMAIN:"::1"' in texts(dut.cmd(f'AT+CIPDOMAIN="{NAME6}",3', timeout=10).assert_ok())
        r = dut.cmd(f'AT+CIPSTART="TCPv6","{NAME6}",{peer.port}', timeout=15).assert_ok()
        assert "CONNECT" in texts(r)
        assert round_trip(dut, b"by name").payload == b"by name"
        dut.cmd("AT+CIPCLOSE").assert_ok()


def test_udpv6_round_trip_with_cipstartex(tmp_path: Path, dns: DnsServer) -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as peer, board(tmp_path, dns) as dut:
        peer.bind(("::1", 0))
        peer.settimeout(10)
        port = peer.getsockname()[1]
        local_port = free_port6()
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        r = dut.cmd(f'AT+CIPSTARTEX="UDPv6","::1",{port},{local_port},0', timeout=10).assert_ok()
        assert "0,CONNECT" in texts(r)
        assert cipstate(dut) == [f'+CIPSTATE:0,"UDPv6","::1",{port},{local_port},0']
        assert dut.cmd("AT+CIPSEND=0,4").prompt
        assert dut.send_data(b"ping").final == "SEND OK"
        data, addr = peer.recvfrom(100)
        assert (data, addr[0], addr[1]) == (b"ping", "::1", local_port)
        peer.sendto(b"pong", addr[:2])
        ipd = dut.expect_urc("+IPD", timeout=10)
        assert isinstance(ipd, Ipd)
        assert (ipd.link_id, ipd.remote_ip, ipd.remote_port, ipd.payload) == (0, "::1", port, b"pong")
        dut.cmd("AT+CIPCLOSE=0").assert_ok()


def test_sslv6_with_the_test_pki(tmp_path: Path, dns: DnsServer) -> None:
    pki = EspPki(tmp_path / "pki")
    with Echo6(pki.server_context(require_client_cert=True)) as peer, board(tmp_path, dns) as dut:
        provision(dut, pki.sysmfg_items("client"))
        dut.cmd("AT+CIPSSLCCONF=3,0,0").assert_ok()  # mutual authentication
        r = dut.cmd(f'AT+CIPSTART="SSLv6","::1",{peer.port}', timeout=15).assert_ok()
        assert "CONNECT" in texts(r)
        assert cipstate(dut)[0].startswith(f'+CIPSTATE:0,"SSLv6","::1",{peer.port},')
        assert round_trip(dut, b"secret").payload == b"secret"
        assert peer.errors == []
        dut.cmd("AT+CIPCLOSE").assert_ok()


def test_tcpv6_server_reached_over_ipv6_loopback(tmp_path: Path, dns: DnsServer) -> None:
    port = free_port6()
    with board(tmp_path, dns) as dut:
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        dut.cmd(f'AT+CIPSERVER=1,{port},"TCPv6"').assert_ok()
        assert f'+CIPSERVER:1,{port},"TCPv6",0,0' in texts(dut.cmd("AT+CIPSERVER?").assert_ok())
        with socket.create_connection(("::1", port), timeout=10) as client:
            client_port = client.getsockname()[1]
            dut.expect_urc("CONNECT", timeout=10)
            assert cipstate(dut) == [f'+CIPSTATE:0,"TCPv6","::1",{client_port},{port},1']
            client.sendall(b"from host")
            ipd = dut.expect_urc("+IPD", timeout=10)
            assert isinstance(ipd, Ipd)
            assert (ipd.link_id, ipd.remote_ip, ipd.remote_port) == (0, "::1", client_port)
            assert ipd.payload == b"from host"
            assert dut.cmd("AT+CIPSEND=0,5").prompt
            assert dut.send_data(b"reply").final == "SEND OK"
            assert client.recv(100) == b"reply"
        dut.cmd("AT+CIPSERVER=0,1").assert_ok()


def test_ipv6_types_answer_error_while_cipv6_is_0(tmp_path: Path, dns: DnsServer) -> None:
    with Echo6() as peer, board(tmp_path, dns, ipv6=False) as dut:
        for kind in ("TCPv6", "UDPv6", "SSLv6"):
            r = dut.cmd(f'AT+CIPSTART="{kind}","::1",{peer.port}', timeout=10)
            assert r.final == "ERROR", (kind, r.text)
        dut.cmd("AT+CIPMUX=1").assert_ok()
        assert dut.cmd(f'AT+CIPSTARTEX="TCPv6","::1",{peer.port}', timeout=10).final == "ERROR"
        assert dut.cmd(f'AT+CIPSERVER=1,{free_port6()},"TCPv6"').final == "ERROR"
        assert dut.cmd(f'AT+CIPSERVER=1,{free_port6()},"SSLv6"').final == "ERROR"
        assert peer.peers == []
        # IPv6 turned on after the join: no IPv6 address yet (3.3.5 wants AT+CIPV6=1 before AT+CWJAP)
        dut.cmd("AT+CIPV6=1").assert_ok()
        assert dut.cmd(f'AT+CIPSTARTEX="TCPv6","::1",{peer.port}', timeout=10).final == "ERROR"


def test_udpv6_cipsend_to_another_remote_and_localhost(tmp_path: Path, dns: DnsServer) -> None:
    """3.3.8 AT+CIPSEND=<id>,<len>,<"remote host">,<port> on a "UDPv6" link: IPv6 literals and localhost
    (::1 for an IPv6 link) reach the named peer; an IPv4 address cannot (ERROR)."""
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as first,
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as second,
        board(tmp_path, dns) as dut,
    ):
        for s in (first, second):
            s.bind(("::1", 0))
            s.settimeout(10)
        dut.cmd("AT+CIPMUX=1").assert_ok()
        r = dut.cmd(f'AT+CIPSTART=2,"UDPv6","localhost",{first.getsockname()[1]},0,2', timeout=10)
        assert "2,CONNECT" in texts(r.assert_ok())
        assert dut.cmd(f'AT+CIPSEND=2,3,"::1",{second.getsockname()[1]}').prompt
        assert dut.send_data(b"two").final == "SEND OK"
        assert second.recvfrom(10)[0] == b"two"
        assert dut.cmd(f'AT+CIPSEND=2,3,"127.0.0.1",{second.getsockname()[1]}').final == "ERROR"
        assert dut.cmd("AT+CIPSEND=2,3").prompt
        assert dut.send_data(b"one").final == "SEND OK"
        assert first.recvfrom(10)[0] == b"one"


def test_power_up_passthrough_to_a_tcpv6_peer(tmp_path: Path, dns: DnsServer) -> None:
    """3.1 AT+SAVETRANSLINK with "TCPv6": after the restart (AT+CIPV6=1 is kept while AT+SYSSTORE=1) the
    board joins, takes its IPv6 address and connects to the saved IPv6 peer in passthrough."""
    from rigs.at.passthrough import Passthrough

    with Echo6() as peer, board(tmp_path, dns) as dut:
        dut.cmd(f'AT+SAVETRANSLINK=1,"::1",{peer.port},"TCPv6"').assert_ok()
        dut.cmd("AT+RST").assert_ok()  # 3.1 AT+RST: OK, then the restart
        dut.expect_urc("ready", timeout=10)
        assert peer.peer(0, timeout=15)[0] == "::1", "the board did not connect to [::1] after boot"
        time.sleep(0.1)
        dut.codec.enter_passthrough()
        pt = Passthrough(dut)
        pt.write(b"boot6")
        assert pt.read(5) == b"boot6"
        dut.exit_passthrough()
        dut.cmd("AT+SAVETRANSLINK=0").assert_ok()
