"""3.9 WebSocket client: AT+WSCFG, AT+WSHEAD, AT+WSOPEN, AT+WSSEND (with its ``>`` data phase and opcodes)
and AT+WSCLOSE against the rig's WebSocket peer (servers/ws.py, the ``websockets`` library), checked from
the peer's side too: the frames it received, with their opcodes, and the request headers it saw; the
board reports what the peer sends as ``+WS_DATA:<link_id>,<data_len>,<data>`` (3.17)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.websocket, pytest.mark.usefixtures("fresh_board")]


def _open(dut, expect, esp_rig, url: str, link_id: int = 0) -> None:
    resp = dut.cmd(f'AT+WSOPEN={link_id},"{url}"', esp_rig.targets.timeouts.connect + 5)
    m = expect.ok(resp, "AT+WSOPEN", "set")
    assert int(m["link_id"]) == link_id, resp.text


def _send(dut, expect, data: bytes, link_id: int = 0, opcode: int | None = None) -> None:
    tail = f",{opcode}" if opcode is not None else ""
    prompt = dut.cmd(f"AT+WSSEND={link_id},{len(data)}{tail}")
    expect.ok(prompt, "AT+WSSEND", "set")
    expect.ok(dut.send_data(data, timeout=10), "AT+WSSEND", "set")


@pytest.mark.form("AT+WSCFG", "set")
def test_wscfg_the_guides_example(dut, expect) -> None:
    """3.9.2 example: ping interval 30 s, ping timeout 60 s, buffer 4096 bytes for link 0; and the form
    without the optional <buffer_size>."""
    expect.ok(dut.cmd("AT+WSCFG=0,30,60,4096"), "AT+WSCFG", "set")
    expect.ok(dut.cmd("AT+WSCFG=0,10,120"), "AT+WSCFG", "set")


@pytest.mark.form("AT+WSHEAD", "set")
@pytest.mark.form("AT+WSHEAD", "query")
def test_wshead_set_query_clear(dut, expect) -> None:
    """3.9.3: AT+WSHEAD=<req_header_len> answers OK and ``>``, takes the header, answers OK; the query lists
    it as +WSHEAD:<index>,<"req_header">; <req_header_len> 0 clears all."""
    header = b"X-Esp-Test: value-1"
    prompt = dut.cmd(f"AT+WSHEAD={len(header)}")
    expect.ok(prompt, "AT+WSHEAD", "set")
    expect.ok(dut.send_data(header), "AT+WSHEAD", "set")
    m = expect.ok(dut.cmd("AT+WSHEAD?"), "AT+WSHEAD", "query")
    assert m["req_header"] == header.decode()
    expect.ok(dut.cmd("AT+WSHEAD=0"), "AT+WSHEAD", "set")
    assert not [line for line in dut.cmd("AT+WSHEAD?").assert_ok().lines if line.startswith("+WSHEAD:")]


@pytest.mark.form("AT+WSOPEN", "set")
@pytest.mark.form("AT+WSOPEN", "query")
@pytest.mark.form("AT+WSSEND", "set")
@pytest.mark.form("AT+WSCLOSE", "set")
def test_open_send_echo_close(dut, expect, esp_rig, joined, esp_ws_server) -> None:
    """The guide's example (websocket_at_examples): AT+WSOPEN to an echo server gives +WS_CONNECTED:0 and OK;
    AT+WSSEND=0,4 then ``test`` gives SEND OK; the echo comes back as +WS_DATA:0,4,test; AT+WSCLOSE=0 is OK
    and the query no longer lists the link."""
    url = esp_ws_server.url("/")
    _open(dut, expect, esp_rig, url)
    m = expect.ok(dut.cmd("AT+WSOPEN?"), "AT+WSOPEN", "query")
    assert (int(m["link_id"]), int(m["state"]), m["uri"]) == (0, 2, url)  # 3.9.4 <state> 2: established
    _send(dut, expect, b"test")
    ev = dut.expect_urc("+WS_DATA", 10)
    assert ev.payload == b"test", ev
    session = esp_ws_server.wait_sessions(1)[-1]
    assert [(f.opcode, f.data) for f in session.messages_in()] == [("TEXT", b"test")]
    expect.ok(dut.cmd("AT+WSCLOSE=0", 10), "AT+WSCLOSE", "set")
    expect.ok(dut.cmd("AT+WSOPEN?"), "AT+WSOPEN", "query")
    assert not [line for line in dut.cmd("AT+WSOPEN?").assert_ok().lines if line.startswith("+WSOPEN:")]


@pytest.mark.form("AT+WSSEND", "set")
def test_wssend_binary_with_crlf(dut, expect, esp_rig, joined, esp_ws_server) -> None:
    """3.9.5 <opcode> 2 (binary frame): every byte value, CR LF and result words inside the data reach the
    peer as one binary message and come back framed by <data_len>, byte for byte."""
    data = bytes(range(256)) + b"\r\nOK\r\nSEND OK\r\n"
    buffer = len(data) + 10  # 3.9.5: <length> at most <buffer_size> less 10
    expect.ok(dut.cmd(f"AT+WSCFG=0,10,120,{buffer}"), "AT+WSCFG", "set")
    _open(dut, expect, esp_rig, esp_ws_server.url("/"))
    before = len(esp_ws_server.wait_sessions(1)[-1].messages_in())
    _send(dut, expect, data, opcode=2)
    ev = dut.expect_urc("+WS_DATA", 10)
    assert ev.payload == data
    msgs = esp_ws_server.wait_sessions(1)[-1].messages_in()[before:]
    assert [(f.opcode, f.data) for f in msgs] == [("BINARY", data)]


@pytest.mark.form("AT+WSSEND", "set")
def test_wssend_ping_opcode(dut, expect, esp_rig, joined, esp_ws_server) -> None:
    """3.9.5 <opcode> 9 (ping frame): the peer receives a PING carrying the data."""
    _open(dut, expect, esp_rig, esp_ws_server.url("/"))
    _send(dut, expect, b"ping!", opcode=9)
    session = esp_ws_server.wait_sessions(1)[-1]
    for _ in range(50):
        if any(f.opcode == "PING" for f in session.frames_in):
            break
        dut.cmd("AT")
    assert [f.data for f in session.frames_in if f.opcode == "PING"] == [b"ping!"]


def test_server_close_reports_ws_closed(dut, expect, esp_rig, joined, esp_ws_server) -> None:
    """A close frame from the server ends the link: +WS_CLOSED:<link_id> (3.17 "is closed")."""
    _open(dut, expect, esp_rig, esp_ws_server.url("/close/1000?now=1"), link_id=1)
    ev = dut.expect_urc("+WS_CLOSED", 10)
    assert ev.fields == ("1",), ev


@pytest.mark.form("AT+WSCFG", "set")
@pytest.mark.form("AT+WSOPEN", "set")
@pytest.mark.form("AT+WSSEND", "set")
def test_wss_mutual_authentication(dut, expect, esp_rig, joined, esp_pki, esp_wss_mtls_server) -> None:
    """3.9.2 <auth_mode> 3 (mutual authentication, the guide's "WebSocket Connection over TLS" example): with
    the rig's CA, certificate and key in the wss_* namespaces of mfg_nvs (AT+SYSMFG, 3.9.2 note), the board
    opens a wss:// link to a server that requires a client certificate; the server saw the rig's client
    certificate, and data goes both ways."""
    from suites.tcpip.links import provision

    provision(dut, esp_rig, esp_pki.sysmfg_items("wss"), expect)
    expect.ok(dut.cmd("AT+WSCFG=0,10,120,1024,3,0,0"), "AT+WSCFG", "set")
    url = esp_wss_mtls_server.url("/")
    assert url.startswith("wss://"), url
    _open(dut, expect, esp_rig, url)
    session = esp_wss_mtls_server.wait_sessions(1)[-1]
    subject = session.client_cert_subject
    assert subject is not None and esp_pki.client.subject_cn in subject, subject
    _send(dut, expect, b"over tls")
    assert dut.expect_urc("+WS_DATA", 10).payload == b"over tls"
