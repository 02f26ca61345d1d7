"""TCP, UDP and SSL peers, each talked to with plain sockets / the ssl module over loopback."""

from __future__ import annotations

import hashlib
import socket
import ssl
from pathlib import Path

import pytest

from servers.behaviours import Close, Echo, Expect, Reset, Scripted, Send, Silent, Sink, Source
from servers.errors import PortInUseError
from servers.payload import decode_datagram, encode_datagram, pattern
from servers.pki import EspPki
from servers.record import CloseReason
from servers.tcp import TcpClient, TcpServer
from servers.udp import UdpMode, UdpPeer


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def test_tcp_echo_records_both_directions_and_fin() -> None:
    with TcpServer(Echo()) as server, socket.create_connection(server.address, timeout=10) as sock:
        sock.sendall(b"hello esp")
        assert _recv_exactly(sock, 9) == b"hello esp"
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(10) == b""
        record = server.records.wait_for(1)[0]
        assert record.wait_closed() is CloseReason.FIN
        assert record.received() == b"hello esp" and record.sent() == b"hello esp"
        assert record.remote == sock.getsockname()[:2]
        assert record.chunks_in[0].t >= record.opened_at


def test_tcp_sink_counts_and_hashes_per_connection() -> None:
    data = pattern(3, 200_000)
    with TcpServer(Sink(), keep_data=False) as server:
        for payload in (data, b"second"):
            with socket.create_connection(server.address, timeout=10) as sock:
                sock.sendall(payload)
        first, second = server.records.wait_for(2)
        first.wait_closed()
        second.wait_closed()
        assert first.bytes_in == len(data) and first.sha256_in == hashlib.sha256(data).hexdigest()
        assert first.received() == b""  # keep_data=False keeps sizes and hashes only
        assert sum(c.size for c in first.chunks_in) == len(data)
        assert second.bytes_in == 6 and first.bytes_out == 0


def test_tcp_source_sends_the_seeded_pattern_then_closes() -> None:
    with (
        TcpServer(Source(total=50_000, seed=9)) as server,
        socket.create_connection(server.address, 10) as sock,
    ):
        got = _recv_exactly(sock, 50_001)
        assert got == pattern(9, 50_000)
        assert server.records[0].wait_closed() is CloseReason.LOCAL


def test_tcp_reset_mode_sends_rst() -> None:
    with TcpServer(Reset(after_bytes=4)) as server, socket.create_connection(server.address, 10) as sock:
        sock.sendall(b"ping")
        with pytest.raises(ConnectionResetError):
            sock.recv(10)
            sock.recv(10)
        assert server.records[0].wait_closed() is CloseReason.LOCAL_RST


def test_tcp_peer_sees_remote_rst_and_idle_timeout() -> None:
    with TcpServer(Silent(), idle_timeout=0.5) as server:
        sock = socket.create_connection(server.address, 10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        server.records.wait_for(1)
        sock.close()  # linger 0: RST
        assert server.records[0].wait_closed() is CloseReason.RST
        with socket.create_connection(server.address, 10):
            assert server.records.wait_for(2)[1].wait_closed() is CloseReason.TIMEOUT


def test_tcp_scripted_send_expect_and_mismatch() -> None:
    script = Scripted((Send(b"WELCOME\r\n"), Expect(b"LOGIN"), Send(b"OK\r\n"), Close()))
    with TcpServer(script) as server:
        with socket.create_connection(server.address, 10) as sock:
            assert _recv_exactly(sock, 9) == b"WELCOME\r\n"
            sock.sendall(b"LOGIN")
            assert _recv_exactly(sock, 5) == b"OK\r\n"
        assert server.records[0].wait_closed() is CloseReason.LOCAL
        with socket.create_connection(server.address, 10) as sock:
            _recv_exactly(sock, 9)
            sock.sendall(b"WRONG")
            record = server.records.wait_for(2)[1]
            assert record.wait_closed() is CloseReason.ERROR
            assert "expected b'LOGIN', received b'WRONG'" in (record.error or "")


def test_tcp_server_push_and_close_from_peer_side() -> None:
    with TcpServer(Silent()) as server, socket.create_connection(server.address, 10) as sock:
        record = server.records.wait_for(1)[0]
        server.send(record, b"+IPD bait")
        assert _recv_exactly(sock, 9) == b"+IPD bait"
        server.close_connection(record)
        assert sock.recv(10) == b""
        assert record.close_reason is CloseReason.LOCAL


def test_tcp_client_role_connects_to_a_listener() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener, TcpClient() as client:
        record = client.connect(*listener.getsockname()[:2], behaviour=Scripted((Send(b"hi"), Expect(b"yo"))))
        conn, _ = listener.accept()
        with conn:
            assert _recv_exactly(conn, 2) == b"hi"
            conn.sendall(b"yo")
            assert record.wait_closed() is CloseReason.LOCAL
        assert record.received() == b"yo"


def test_port_in_use_is_a_clear_error() -> None:
    with TcpServer() as first:
        with pytest.raises(PortInUseError, match=f"127.0.0.1:{first.port}.*already in use"):
            TcpServer(port=first.port).start()


def test_udp_echo_and_sequence_counting() -> None:
    with UdpPeer(UdpMode.ECHO) as peer, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(10)
        sock.bind(("127.0.0.1", 0))
        for seq in (0, 2, 1):
            sock.sendto(encode_datagram(seq, 40), peer.address)
            assert sock.recvfrom(100)[0] == encode_datagram(seq, 40)
        peer.wait_datagrams(3)
        counter = peer.counters[sock.getsockname()]
        assert (counter.received, counter.reordered, counter.lost(sent=4)) == (3, 1, 1)


def test_udp_sender_role_reaches_a_bound_socket() -> None:
    with UdpPeer(UdpMode.SINK) as peer, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(10)
        sock.bind(("127.0.0.1", 0))
        peer.send_sequence(sock.getsockname(), count=3, size=32)
        got = [sock.recvfrom(100)[0] for _ in range(3)]
        decoded = [decode_datagram(g) for g in got]
        assert [(d.seq, d.intact) for d in decoded if d] == [(0, True), (1, True), (2, True)]
        sock.sendto(b"no answer expected", peer.address)
        assert peer.wait_datagrams(1)[0].data == b"no answer expected"
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recvfrom(100)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> EspPki:
    return EspPki(tmp_path_factory.mktemp("pki"))


def _tls_exchange(address: tuple[str, int], ctx: ssl.SSLContext, hostname: str = "127.0.0.1") -> bytes:
    with socket.create_connection(address, 10) as raw, ctx.wrap_socket(raw, server_hostname=hostname) as tls:
        tls.sendall(b"over tls")
        return _recv_exactly(tls, 8)


def _tls_refused(address: tuple[str, int], ctx: ssl.SSLContext) -> bool:
    """True when the server refuses: with TLS 1.3 the client learns it on its first read, as an
    alert or as the connection closing without the echo."""
    try:
        return _tls_exchange(address, ctx) != b"over tls"
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True


def test_ssl_echo_with_server_verification(pki: EspPki) -> None:
    with TcpServer(Echo(), ssl_context=pki.server_context()) as server:
        assert _tls_exchange(server.address, pki.client_context()) == b"over tls"
        assert _tls_exchange(server.address, pki.client_context(), hostname="localhost") == b"over tls"
        with pytest.raises(ssl.SSLCertVerificationError):
            _tls_exchange(server.address, pki.client_context(trust_wrong_ca=True))


def test_ssl_mutual_tls_accepts_right_cert_refuses_wrong_and_missing(pki: EspPki) -> None:
    with TcpServer(Echo(), ssl_context=pki.server_context(require_client_cert=True)) as server:
        assert _tls_exchange(server.address, pki.client_context(cert=pki.client)) == b"over tls"
        assert "esp32-board" in (server.records.wait_for(1)[0].tls_peer_cert_subject or "")
        for cert in (pki.wrong_client, None):
            assert _tls_refused(server.address, pki.client_context(cert=cert))
        refused = server.records.wait_for(3)[1:]
        for record in refused:
            assert record.wait_closed() is CloseReason.ERROR
            assert "handshake failed" in (record.error or "")


def test_pki_files_and_sysmfg_items(pki: EspPki, tmp_path: Path) -> None:
    assert pki.ca_cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    items = pki.sysmfg_items("mqtt")
    assert [i.namespace for i in items] == ["mqtt_ca", "mqtt_cert", "mqtt_key"]
    assert items[1].command == f'AT+SYSMFG=2,"mqtt_cert","mqtt_cert.0",8,{len(pki.client.cert_pem)}'
    assert b"PRIVATE KEY" in items[2].value
    ec = EspPki(tmp_path, key_type="ecdsa")
    with TcpServer(Echo(), ssl_context=ec.server_context(require_client_cert=True)) as server:
        assert _tls_exchange(server.address, ec.client_context(cert=ec.client)) == b"over tls"
    with pytest.raises(ValueError, match="unknown mfg_nvs family"):
        pki.sysmfg_items("bogus")


def test_pki_reuse_loads_the_same_material(pki: EspPki) -> None:
    again = EspPki(pki.directory, reuse=True)
    assert again.ca_pem == pki.ca_pem and again.client.cert_pem == pki.client.cert_pem
    board2 = again.issue_client("board-2")  # the loaded CA can still sign
    with TcpServer(Echo(), ssl_context=pki.server_context(require_client_cert=True)) as server:
        assert _tls_exchange(server.address, pki.client_context(cert=board2)) == b"over tls"


def test_ssl_client_role_against_a_tls_listener(pki: EspPki) -> None:
    # The board as SSL server (AT+CIPSERVER with SSL): the host connects with the rig's client cert.
    with (
        TcpServer(Echo(), ssl_context=pki.server_context(require_client_cert=True)) as board_side,
        TcpClient() as client,
    ):
        record = client.connect(
            *board_side.address,
            behaviour=Scripted((Send(b"to board"), Expect(b"to board"), Close())),
            ssl_context=pki.client_context(cert=pki.client),
        )
        assert record.wait_closed() is CloseReason.LOCAL
        assert record.received() == b"to board"
        assert "127.0.0.1" in (record.tls_peer_cert_subject or "")
