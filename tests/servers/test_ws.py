"""The WebSocket(S) peer, talked to with the websockets sync client (3.9)."""

from __future__ import annotations

import ssl

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from servers.payload import pattern
from servers.pki import EspPki
from servers.ws import WsServer


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> EspPki:
    return EspPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server() -> WsServer:
    with WsServer(subprotocols=["chat"]) as s:
        yield s


def test_echo_keeps_opcode_and_records_frames(server: WsServer) -> None:
    before = len(server.sessions)
    with connect(server.url("/"), additional_headers={"X-Board": "esp32"}, open_timeout=10) as ws:
        ws.send("test")
        assert ws.recv(10) == "test"
        ws.send(b"\x00\x01\x02")
        assert ws.recv(10) == b"\x00\x01\x02"
        ws.send(["frag", "ment"])  # a fragmented text message: TEXT then CONT
        assert ws.recv(10) == "fragment"
        assert ws.ping(b"p1").wait(10)
    session = server.wait_sessions(before + 1)[-1]
    assert session.wait_closed() == 1000
    # the websockets client ends a fragmented message with an empty final CONT frame
    assert [(f.opcode, f.data, f.fin) for f in session.frames_in[:6]] == [
        ("TEXT", b"test", True),
        ("BINARY", b"\x00\x01\x02", True),
        ("TEXT", b"frag", False),
        ("CONT", b"ment", False),
        ("CONT", b"", True),
        ("PING", b"p1", True),
    ]
    assert session.header("x-board") == "esp32"
    assert session.messages_out == ["test", b"\x00\x01\x02", "fragment"]


def test_client_close_code_is_recorded(server: WsServer) -> None:
    before = len(server.sessions)
    with connect(server.url("/"), open_timeout=10) as ws:
        ws.close(4000, "bye")
    session = server.wait_sessions(before + 1)[-1]
    assert session.wait_closed() == 4000 and session.close_reason == "bye"


def test_server_close_codes(server: WsServer) -> None:
    with connect(server.url("/close/1001?now=1&reason=going"), open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(10)
    assert info.value.rcvd is not None and (info.value.rcvd.code, info.value.rcvd.reason) == (1001, "going")
    with connect(server.url("/close/4001"), open_timeout=10) as ws:
        ws.send("trigger")
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(10)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4001


def test_server_push_ping_and_close_from_test(server: WsServer) -> None:
    before = len(server.sessions)
    with connect(server.url("/push?count=2&size=100"), open_timeout=10) as ws:
        assert [ws.recv(10), ws.recv(10)] == [pattern(0, 100), pattern(1, 100)]
        session = server.wait_sessions(before + 1)[-1]
        server.send(session, "from test")
        assert ws.recv(10) == "from test"
        assert server.ping(session, b"srv") >= 0
        server.close(session, 1000, "done")
        with pytest.raises(ConnectionClosed):
            ws.recv(10)


def test_subprotocol_negotiation() -> None:
    with WsServer(subprotocols=["chat"], strict_subprotocol=True) as strict:
        with connect(strict.url("/"), subprotocols=["chat"], open_timeout=10) as ws:
            assert ws.subprotocol == "chat"
        with pytest.raises(InvalidStatus):
            connect(strict.url("/"), subprotocols=["other"], open_timeout=10)
        assert strict.sessions[0].offered_subprotocols == ["chat"]
        assert strict.sessions[0].subprotocol == "chat"


def test_silent_path_never_answers(server: WsServer) -> None:
    with connect(server.url("/silent"), open_timeout=10) as ws:
        ws.send("anyone?")
        with pytest.raises(TimeoutError):
            ws.recv(0.3)


def test_wss_and_mutual_tls(pki: EspPki) -> None:
    with WsServer(ssl_context=pki.server_context()) as wss:
        assert wss.base_url.startswith("wss://")
        with connect(wss.url("/"), ssl=pki.client_context(), open_timeout=10) as ws:
            ws.send("tls")
            assert ws.recv(10) == "tls"
        with pytest.raises(ssl.SSLCertVerificationError):
            connect(wss.url("/"), ssl=pki.client_context(trust_wrong_ca=True), open_timeout=10)
    # auth_mode 3 of AT+WSCFG: the server requires a client certificate from the rig CA.
    with WsServer(ssl_context=pki.server_context(require_client_cert=True)) as mtls:
        with connect(mtls.url("/"), ssl=pki.client_context(cert=pki.client), open_timeout=10) as ws:
            ws.send("mtls")
            assert ws.recv(10) == "mtls"
        assert "esp32-board" in (mtls.sessions[0].client_cert_subject or "")
        # A refusal shows up as an alert, a closed connection or (seen once under load) no answer
        # at all; what matters is that no session was opened, checked below.
        refusals = (ssl.SSLError, InvalidHandshake, ConnectionError, ConnectionClosed, EOFError, TimeoutError)
        for cert in (pki.wrong_client, None):
            with pytest.raises(refusals):
                with connect(mtls.url("/"), ssl=pki.client_context(cert=cert), open_timeout=10) as ws:
                    ws.send("should not pass")
                    ws.recv(10)
        assert len(mtls.sessions) == 1
