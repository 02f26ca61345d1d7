"""3.5.6-3.5.10 SPP: AT+BTSPPINIT (read back, the role that cannot change without a deinit), AT+BTSPPSTART
(the slave's service the peer finds by SDP and connects to: +BTSPPCONN), AT+BTSPPCONN (the master
connecting to the peer's service, with and without security; the failure report to an address nobody
answers), AT+BTSPPCONN? in both states, AT+BTSPPSEND in normal mode (the ``>`` data phase: the peer receives
exactly the bytes) and in passthrough (every byte value both ways, ``+++`` back to commands with the link
up), +BTDATA (the peer's bytes, length-framed), AT+BTSPPDISCONN from the board and a disconnection by the
peer (+BTSPPDISCONN, the peer sees its channel close), and the state refusals.

Reports are matched against spec/urcs.yaml (bt_spp_conn, bt_spp_disconn, bt_data); the peer is
servers/bt_peer.py."""

from __future__ import annotations

import pytest

from suites.bt.helpers import WAIT, peer_connects, quoted, report, slave_ready

pytestmark = [pytest.mark.bt, pytest.mark.requires("bt"), pytest.mark.usefixtures("fresh_board")]

#: The default page timeout (Core spec Vol 4 Part E 7.3.16: 5.12 s) bounds a connection to nobody.
PAGE_TIMEOUT = 5.12
#: A connection (page, pairing, SDP, RFCOMM) on the air takes well under a second; a ceiling.
CONNECT = 20.0


@pytest.mark.form("AT+BTSPPINIT", "query")
@pytest.mark.form("AT+BTSPPINIT", "set")
@pytest.mark.parametrize("role", [1, 2], ids=["master", "slave"])
def test_btsppinit_read_back(dut, expect, role) -> None:
    """+BTSPPINIT:0 before, +BTSPPINIT:1 once initialized in either role, 0 after AT+BTSPPINIT=0 (3.5.6)."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    r = dut.cmd("AT+BTSPPINIT?")
    expect.ok(r, "AT+BTSPPINIT", "query")
    assert "+BTSPPINIT:0" in r.lines, r.text
    expect.ok(dut.cmd(f"AT+BTSPPINIT={role}"), "AT+BTSPPINIT", "set")
    r = dut.cmd("AT+BTSPPINIT?")
    expect.ok(r, "AT+BTSPPINIT", "query")
    assert "+BTSPPINIT:1" in r.lines, r.text
    expect.ok(dut.cmd("AT+BTSPPINIT=0"), "AT+BTSPPINIT", "set")
    assert "+BTSPPINIT:0" in dut.cmd("AT+BTSPPINIT?").assert_ok().lines


@pytest.mark.form("AT+BTSPPINIT", "set")
def test_btsppinit_role_needs_deinit(dut, expect) -> None:
    """A second role without AT+BTSPPINIT=0 is refused (the simulator's reading, as 3.4.2's note for
    AT+BLEINIT: state refusal, ERROR alone); <init> 3 is out of range; after the deinit the other role is
    taken."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=2"), "AT+BTSPPINIT", "set")
    expect.error(dut.cmd("AT+BTSPPINIT=1"))
    expect.error(dut.cmd("AT+BTSPPINIT=3"))
    expect.ok(dut.cmd("AT+BTSPPINIT=0"), "AT+BTSPPINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=1"), "AT+BTSPPINIT", "set")


@pytest.mark.form("AT+BTSPPSTART", "execute")
@pytest.mark.form("AT+BTSPPCONN", "query")
@pytest.mark.form("AT+BTSPPSEND", "set")
@pytest.mark.form("AT+BTSPPDISCONN", "set")
def test_slave_normal_mode_both_ways(dut, expect, esp_bt_peer) -> None:
    """4.10.1 with the peer as the phone: it finds the board, connects to its SPP service (+BTSPPCONN);
    AT+BTSPPSEND=0,4, ``>``, ``test``: OK and the peer received exactly ``test``; the peer's ``test`` comes
    as +BTDATA:4,test; AT+BTSPPDISCONN=0: +BTSPPDISCONN:0,"<peer>" then OK (4.10.1's transcript), the
    peer's channel closes, and AT+BTSPPCONN? answers +BTSPPCONN:-1."""
    address = slave_ready(dut, expect, esp_bt_peer)
    r = dut.cmd("AT+BTSPPCONN?")
    expect.ok(r, "AT+BTSPPCONN", "query")
    assert "+BTSPPCONN:-1" in r.lines, r.text
    peer_connects(dut, expect, esp_bt_peer, address)
    prompt = dut.cmd("AT+BTSPPSEND=0,4")
    assert prompt.prompt, prompt.text
    expect.ok(dut.send_data(b"test"), "AT+BTSPPSEND", "set")
    assert esp_bt_peer.wait_received(4) == b"test"
    esp_bt_peer.send(b"test")
    ev = report(dut, "bt_data")
    assert (ev.fields[0], ev.payload) == ("4", b"test"), ev
    m = expect.ok(dut.cmd("AT+BTSPPDISCONN=0"), "AT+BTSPPDISCONN", "set")
    assert (m["conn_index"], quoted(m["remote_address"])) == (0, esp_bt_peer.address)
    esp_bt_peer.wait_dlc("close")
    r = dut.cmd("AT+BTSPPCONN?")
    expect.ok(r, "AT+BTSPPCONN", "query")
    assert "+BTSPPCONN:-1" in r.lines, r.text


@pytest.mark.form("AT+BTSPPSEND", "set")
def test_btsppsend_binary_and_extra_bytes(dut, expect, esp_bt_peer) -> None:
    """Every byte value (CR LF and ``+`` included) goes out as given after ``>`` (4.10.1 note: no escaping,
    no line end); bytes beyond <data_len> get ``busy p...`` and the first <data_len> bytes are sent."""
    address = slave_ready(dut, expect, esp_bt_peer)
    peer_connects(dut, expect, esp_bt_peer, address)
    payload = bytes(range(256))
    assert dut.cmd(f"AT+BTSPPSEND=0,{len(payload)}").prompt
    expect.ok(dut.send_data(payload), "AT+BTSPPSEND", "set")
    assert esp_bt_peer.wait_received(256) == payload
    assert dut.cmd("AT+BTSPPSEND=0,4").prompt
    r = dut.send_data(b"abcdef")
    dut.cmd("AT").assert_ok()
    assert "busy p..." in r.text + "".join(ev.raw.decode("latin-1") for ev in dut.drain_urcs()), r.text
    assert esp_bt_peer.wait_received(260)[256:] == b"abcd"
    assert bytes(esp_bt_peer.received) == payload + b"abcd", bytes(esp_bt_peer.received[256:])


@pytest.mark.form("AT+BTSPPCONN", "set")
@pytest.mark.form("AT+BTSPPCONN", "query")
@pytest.mark.form("AT+BTSPPSEND", "set")
def test_master_connects_to_the_peer(dut, expect, esp_bt_peer) -> None:
    """The board as master (4.10.4's master, the peer as the PC offering SPP): AT+BTSPPCONN=0,0,"<peer>":
    +BTSPPCONN:0,"<peer>" then OK (4.10.4's transcript); data reaches the peer both ways; the peer ends the
    link: the report +BTSPPDISCONN:0,"<peer>"."""
    esp_bt_peer.serve_spp()
    esp_bt_peer.set_discoverable(True)
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=1"), "AT+BTSPPINIT", "set")
    m = expect.ok(dut.cmd(f'AT+BTSPPCONN=0,0,"{esp_bt_peer.address}"', CONNECT), "AT+BTSPPCONN", "set")
    assert (m["conn_index"], quoted(m["remote_address"])) == (0, esp_bt_peer.address)
    esp_bt_peer.wait_dlc("open")
    m = expect.ok(dut.cmd("AT+BTSPPCONN?"), "AT+BTSPPCONN", "query")
    assert quoted(m["remote_address"]) == esp_bt_peer.address
    assert dut.cmd("AT+BTSPPSEND=0,5").prompt
    expect.ok(dut.send_data(b"hello"), "AT+BTSPPSEND", "set")
    assert esp_bt_peer.wait_received(5) == b"hello"
    esp_bt_peer.send(b"back")
    ev = report(dut, "bt_data")
    assert ev.payload == b"back", ev
    esp_bt_peer.disconnect()
    ev = report(dut, "bt_spp_disconn")
    assert quoted(ev.fields[1]) == esp_bt_peer.address, ev


@pytest.mark.form("AT+BTSPPCONN", "set")
def test_master_connection_to_nobody_fails(dut, expect) -> None:
    """No device answers the page: once it has timed out, +BTSPPCONN:0,-1 (3.5.7 "Otherwise") then ERROR;
    no connection is listed."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=1"), "AT+BTSPPINIT", "set")
    r = dut.cmd('AT+BTSPPCONN=0,0,"c0:ff:ee:00:00:99"', PAGE_TIMEOUT + CONNECT)
    m = expect.fails(r, "AT+BTSPPCONN", "set")
    assert m["conn_index"] == 0, r.text
    assert "+BTSPPCONN:-1" in dut.cmd("AT+BTSPPCONN?").assert_ok().lines


@pytest.mark.form("AT+BTSPPSEND", "execute")
def test_passthrough_both_ways_and_exit(dut, expect, esp_bt_peer) -> None:
    """4.10.2: AT+BTSPPSEND: OK and ``>``; every byte written reaches the peer unframed; the peer's bytes
    come back raw (no +BTDATA); a lone ``+++`` returns to command mode with the connection still up
    (AT+BTSPPCONN? lists it, normal-mode data still flows)."""
    address = slave_ready(dut, expect, esp_bt_peer)
    peer_connects(dut, expect, esp_bt_peer, address)
    r = dut.cmd("AT+BTSPPSEND")
    expect.ok(r, "AT+BTSPPSEND", "execute")
    assert dut.codec.in_passthrough, f"AT+BTSPPSEND: expected OK and '>' then data mode, got {r.text!r}"
    payload = bytes(range(256)) * 8
    dut.write_raw(payload)
    assert esp_bt_peer.wait_received(len(payload)) == payload
    esp_bt_peer.send(b"from the peer\r\nOK\r\n")
    got = dut._take_data(19, WAIT)
    assert got == b"from the peer\r\nOK\r\n", got
    dut.exit_passthrough()
    assert dut.cmd("AT").ok, "+++ did not return the board to command mode (3.5.9 note)"
    m = expect.ok(dut.cmd("AT+BTSPPCONN?"), "AT+BTSPPCONN", "query")
    assert quoted(m["remote_address"]) == esp_bt_peer.address
    esp_bt_peer.send(b"after")
    assert report(dut, "bt_data").payload == b"after"


@pytest.mark.parametrize(
    "text",
    ["AT+BTSPPSEND=0,4", "AT+BTSPPSEND", "AT+BTSPPDISCONN=0"],
    ids=lambda t: t,
)
def test_data_commands_need_a_connection(dut, expect, text) -> None:
    """Sending and ending need SPP connection 0 (3.5.8, 3.5.9 "Send data to the remote ... device"): with
    none, ERROR and no ``>`` (state refusal, ERROR alone)."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=2"), "AT+BTSPPINIT", "set")
    r = dut.cmd(text)
    assert not r.prompt, r.text
    expect.error(r)


def test_spp_needs_btsppinit(dut, expect) -> None:
    """AT+BTSPPSTART and AT+BTSPPCONN before AT+BTSPPINIT: ERROR (the profile is not initialized)."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.error(dut.cmd("AT+BTSPPSTART"))
    expect.error(dut.cmd('AT+BTSPPCONN=0,0,"c0:ff:ee:00:00:99"'))


def test_slave_does_not_connect(dut, expect) -> None:
    """3.5.6: <init> 2 is the slave; connecting out is the master's (<init> 1): ERROR."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=2"), "AT+BTSPPINIT", "set")
    expect.error(dut.cmd('AT+BTSPPCONN=0,0,"c0:ff:ee:00:00:99"'))


def test_cipmode_1_refused_with_bt_initialized(dut, expect) -> None:
    """3.5.2 note: "If Classic Bluetooth is initialized, AT+CIPMODE cannot be set to 1": ERROR, and
    AT+CIPMODE? still reads 0; after AT+BTINIT=0 it is taken."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.error(dut.cmd("AT+CIPMODE=1"))
    assert "+CIPMODE:0" in dut.cmd("AT+CIPMODE?").assert_ok().lines
    expect.ok(dut.cmd("AT+BTINIT=0"), "AT+BTINIT", "set")
    dut.cmd("AT+CIPMODE=1").assert_ok()
    dut.cmd("AT+CIPMODE=0").assert_ok()
