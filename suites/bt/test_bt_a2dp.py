"""3.5.11-3.5.15 A2DP: AT+BTA2DPINIT (read back, both roles, the role that cannot change without a deinit),
AT+BTA2DPCONN (the board's source connecting to the peer's sink: OK, then the report; the failure report to
an address nobody answers; a peer's source connecting to the board's sink, 4.10.5), AT+BTA2DPCONN? in both
states, AT+BTA2DPSRC (an mp3 on the board's file system, read back), AT+BTA2DPCTRL (start, suspend, stop:
the peer's stream follows; the sink's controls), AT+BTA2DPDISCONN (the report then OK; the peer's link
ends), the report of a peer ending the link, and the state refusals.

Reports are matched against spec/urcs.yaml (bt_a2dp_conn, bt_a2dp_disconn); the peer is servers/bt_a2dp.py
on servers/bt_peer.py. What the peer's sink receives is counted, not compared with the file: a board's
source sends what its codec makes of the mp3 (SBC on a real ESP32), not the file's bytes."""

from __future__ import annotations

import time

import pytest

from fixtures.cases import InvalidCase, invalid_set_params
from servers.bt_a2dp import A2dpPeer
from servers.bt_peer import BumbleBtPeer
from suites.bt.helpers import WAIT, Background, board_address, quoted, report
from suites.fs.helpers import fs_write

pytestmark = [pytest.mark.bt, pytest.mark.requires("bt"), pytest.mark.usefixtures("fresh_board")]

#: The default page timeout (Core spec Vol 4 Part E 7.3.16: 5.12 s) bounds a connection to nobody.
PAGE_TIMEOUT = 5.12
#: An address no device on the air has.
NOBODY = "02:11:22:33:44:55"
#: A few seconds of "audio": enough to be still playing when the test suspends it.
SONG = bytes(range(256)) * 256
#: How long a started stream takes to carry its first packets, and a suspended one to fall silent.
SETTLE = 0.5


def init(dut, expect, role: int) -> None:
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd(f"AT+BTA2DPINIT={role}"), "AT+BTA2DPINIT", "set")


def board_connects(dut, expect, peer: BumbleBtPeer, side: A2dpPeer) -> None:
    """The board's source connects to the peer's sink: OK at once, then +BTA2DPCONN:0,"<peer>" (3.5.12);
    the peer's stream is open and AT+BTA2DPCONN? names the peer."""
    side.serve()
    expect.ok(dut.cmd(f'AT+BTA2DPCONN=0,"{peer.address}"'), "AT+BTA2DPCONN", "set")
    ev = report(dut, "bt_a2dp_conn", WAIT + 10)
    assert (ev.fields[0], quoted(ev.fields[1])) == ("0", peer.address), ev
    side.wait_event("connected")
    m = expect.ok(dut.cmd("AT+BTA2DPCONN?"), "AT+BTA2DPCONN", "query")
    assert (m["conn_index"], quoted(m["remote_address"])) == (0, peer.address)


def source_ready(dut, expect, peer: BumbleBtPeer) -> A2dpPeer:
    """The board as a source with SONG on its file system as its audio, connected to the peer's sink."""
    init(dut, expect, 1)
    fs_write(dut, "song.mp3", 0, SONG).assert_ok()
    sink = A2dpPeer(peer, "sink")
    board_connects(dut, expect, peer, sink)
    expect.ok(dut.cmd('AT+BTA2DPSRC=0,"flash://spiffs/song.mp3"'), "AT+BTA2DPSRC", "set")
    return sink


def quiet(side: A2dpPeer) -> int:
    """The sink's packet count once the stream has had time to fall silent; it must not grow after."""
    time.sleep(SETTLE)
    count = side.received_packets
    time.sleep(SETTLE)
    assert side.received_packets == count, f"{side.received_packets - count} packets after the suspend"
    return count


@pytest.mark.form("AT+BTA2DPINIT", "query")
@pytest.mark.form("AT+BTA2DPINIT", "set")
@pytest.mark.parametrize("role", [1, 2], ids=["source", "sink"])
def test_bta2dpinit_read_back(dut, expect, role) -> None:
    """+BTA2DPINIT:0 before, +BTA2DPINIT:<role> once initialized, 0 after AT+BTA2DPINIT=0 (3.5.11)."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    m = expect.ok(dut.cmd("AT+BTA2DPINIT?"), "AT+BTA2DPINIT", "query")
    assert m["role"] == 0, m
    expect.ok(dut.cmd(f"AT+BTA2DPINIT={role}"), "AT+BTA2DPINIT", "set")
    m = expect.ok(dut.cmd("AT+BTA2DPINIT?"), "AT+BTA2DPINIT", "query")
    assert m["role"] == role, m
    expect.ok(dut.cmd("AT+BTA2DPINIT=0"), "AT+BTA2DPINIT", "set")
    assert "+BTA2DPINIT:0" in dut.cmd("AT+BTA2DPINIT?").assert_ok().lines


@pytest.mark.form("AT+BTA2DPINIT", "set")
def test_bta2dpinit_role_needs_deinit(dut, expect) -> None:
    """The other role without AT+BTA2DPINIT=0 is refused (the simulator's reading, as AT+BTSPPINIT); <role>
    3 is out of range; after the deinit the other role is taken."""
    init(dut, expect, 2)
    expect.error(dut.cmd("AT+BTA2DPINIT=1"))
    expect.error(dut.cmd("AT+BTA2DPINIT=3"))
    expect.ok(dut.cmd("AT+BTA2DPINIT=0"), "AT+BTA2DPINIT", "set")
    expect.ok(dut.cmd("AT+BTA2DPINIT=1"), "AT+BTA2DPINIT", "set")
    assert "+BTA2DPINIT:1" in dut.cmd("AT+BTA2DPINIT?").assert_ok().lines


@pytest.mark.form("AT+BTA2DPCONN", "set")
@pytest.mark.form("AT+BTA2DPCONN", "query")
@pytest.mark.form("AT+BTA2DPSRC", "set")
@pytest.mark.form("AT+BTA2DPSRC", "query")
@pytest.mark.form("AT+BTA2DPCTRL", "set")
@pytest.mark.form("AT+BTA2DPDISCONN", "set")
def test_source_plays_to_the_peer(dut, expect, esp_bt_peer) -> None:
    """The board as the source (3.5.11 role 1), the peer as the speaker: AT+BTA2DPCONN (OK, the report),
    AT+BTA2DPSRC with an mp3 on the file system and its read-back (<url>, <type> mp3); AT+BTA2DPCTRL=0,1
    starts the peer's stream and media arrives, 0,2 suspends it and the media stops, 0,1 resumes, 0,0
    stops; AT+BTA2DPDISCONN=0: +BTA2DPDISCONN:0,"<peer>" then OK (3.5.13), the peer's link ends and
    AT+BTA2DPCONN? names nobody."""
    sink = source_ready(dut, expect, esp_bt_peer)
    m = expect.ok(dut.cmd("AT+BTA2DPSRC?"), "AT+BTA2DPSRC", "query")
    assert (quoted(str(m["url"])), quoted(str(m["type"]))) == ("flash://spiffs/song.mp3", "mp3"), m
    assert sink.received_packets == 0, "media before any start"
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,1"), "AT+BTA2DPCTRL", "set")
    sink.wait_event("start")
    sink.wait_received(1024)
    assert sink.state() == "STREAMING"
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,2"), "AT+BTA2DPCTRL", "set")
    sink.wait_event("suspend")
    paused = quiet(sink)
    assert sink.state() == "OPEN"
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,1"), "AT+BTA2DPCTRL", "set")
    sink.wait_event("start")
    sink.wait_received(len(sink.received) + 1024)
    assert sink.received_packets > paused
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,0"), "AT+BTA2DPCTRL", "set")
    sink.wait_event("suspend")
    quiet(sink)
    m = expect.ok(dut.cmd("AT+BTA2DPDISCONN=0"), "AT+BTA2DPDISCONN", "set")
    assert (m["conn_index"], quoted(m["remote_address"])) == (0, esp_bt_peer.address)
    sink.wait_event("disconnected")
    r = dut.cmd("AT+BTA2DPCONN?").assert_ok()
    assert not any(line.startswith("+BTA2DPCONN") for line in r.lines), r.text


@pytest.mark.form("AT+BTA2DPSRC", "set")
@pytest.mark.form("AT+BTA2DPCTRL", "set")
def test_source_plays_an_http_url(dut, expect, joined, esp_http_server, esp_bt_peer) -> None:
    """3.5.14's HTTP source: the URL names an mp3 on the rig's HTTP server; start play fetches it (the
    server sees the board's GET of that path) and the peer's sink receives media."""
    init(dut, expect, 1)
    path = f"/a2dp/{esp_bt_peer.address.replace(':', '')}.mp3"
    url = esp_http_server.add_resource(path, SONG, "audio/mpeg")
    sink = A2dpPeer(esp_bt_peer, "sink")
    board_connects(dut, expect, esp_bt_peer, sink)
    expect.ok(dut.cmd(f'AT+BTA2DPSRC=0,"{url}"'), "AT+BTA2DPSRC", "set")
    assert not any(r.path == path for r in esp_http_server.requests), "fetched before play"
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,1", WAIT), "AT+BTA2DPCTRL", "set")
    sink.wait_event("start")
    sink.wait_received(1024)
    gets = [r for r in esp_http_server.requests if r.path == path]
    assert [r.method for r in gets] == ["GET"], gets
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,0"), "AT+BTA2DPCTRL", "set")
    sink.wait_event("suspend")


@pytest.mark.form("AT+BTA2DPCONN", "set")
def test_bta2dpconn_to_nobody(dut, expect) -> None:
    """A connection to an address nobody answers: OK, then +BTA2DPCONN:0,-1 (3.5.12 "Otherwise") once the
    page times out; nothing is connected after it."""
    init(dut, expect, 1)
    expect.ok(dut.cmd(f'AT+BTA2DPCONN=0,"{NOBODY}"'), "AT+BTA2DPCONN", "set")
    ev = report(dut, "bt_a2dp_conn_failed", PAGE_TIMEOUT + WAIT + 10)
    assert ev.fields[0] == "0", ev
    r = dut.cmd("AT+BTA2DPCONN?").assert_ok()
    assert not any(line.startswith("+BTA2DPCONN") for line in r.lines), r.text


@pytest.mark.form("AT+BTA2DPCONN", "query")
@pytest.mark.form("AT+BTA2DPCTRL", "set")
def test_sink_takes_the_peers_stream(dut, expect, esp_bt_peer) -> None:
    """4.10.5 with the peer as the phone: the board a sink, discoverable; the peer's source connects
    (+BTA2DPCONN:0,"<peer>"); AT+BTA2DPCTRL=0,1 starts the peer's stream (its source starts sending),
    0,0 stops it; 2-5 (the sink's forward, backward, fast forward) answer OK and leave the stream as it
    was; the peer ends the link: +BTA2DPDISCONN:0,"<peer>"."""
    init(dut, expect, 2)
    address = board_address(dut, esp_bt_peer)
    source = A2dpPeer(esp_bt_peer, "source")
    job = Background(source.connect, address)
    ev = report(dut, "bt_a2dp_conn", WAIT + 10)
    job.result()
    assert (ev.fields[0], quoted(ev.fields[1])) == ("0", esp_bt_peer.address), ev
    m = expect.ok(dut.cmd("AT+BTA2DPCONN?"), "AT+BTA2DPCONN", "query")
    assert (m["conn_index"], quoted(m["remote_address"])) == (0, esp_bt_peer.address)
    assert source.state() == "OPEN"
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,1"), "AT+BTA2DPCTRL", "set")
    source.wait_event("start")
    assert source.state() == "STREAMING"
    for ctrl in (2, 3, 4, 5):
        expect.ok(dut.cmd(f"AT+BTA2DPCTRL=0,{ctrl}"), "AT+BTA2DPCTRL", "set")
    assert source.state() == "STREAMING", source.history
    assert source.history.count("suspend") == 0, source.history
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,0"), "AT+BTA2DPCTRL", "set")
    source.wait_event("suspend")
    assert source.state() == "OPEN"
    source.disconnect()
    ev = report(dut, "bt_a2dp_disconn")
    assert (ev.fields[0], quoted(ev.fields[1])) == ("0", esp_bt_peer.address), ev
    r = dut.cmd("AT+BTA2DPCONN?").assert_ok()
    assert not any(line.startswith("+BTA2DPCONN") for line in r.lines), r.text


@pytest.mark.form("AT+BTA2DPSRC", "set")
def test_bta2dpsrc_refusals(dut, expect) -> None:
    """AT+BTA2DPSRC takes HTTP, HTTPS and FLASH URLs of mp3 files (3.5.14 and its note); a sink has no
    audio file to set (the simulator's reading: 3.5.14 is the source's file). The query shows the last
    URL taken, over a refused one."""
    init(dut, expect, 1)
    expect.ok(dut.cmd('AT+BTA2DPSRC=0,"http://192.168.1.2/a.mp3"'), "AT+BTA2DPSRC", "set")
    expect.ok(
        dut.cmd('AT+BTA2DPSRC=0,"https://dl.espressif.com/dl/audio/ff-16b-2c-44100hz.mp3"'),
        "AT+BTA2DPSRC",
        "set",
    )
    expect.error(dut.cmd('AT+BTA2DPSRC=0,"ftp://192.168.1.2/a.mp3"'))
    expect.error(dut.cmd('AT+BTA2DPSRC=0,"flash://spiffs/a.wav"'))
    m = expect.ok(dut.cmd("AT+BTA2DPSRC?"), "AT+BTA2DPSRC", "query")
    assert quoted(str(m["url"])) == "https://dl.espressif.com/dl/audio/ff-16b-2c-44100hz.mp3", m
    expect.ok(dut.cmd("AT+BTA2DPINIT=0"), "AT+BTA2DPINIT", "set")
    expect.ok(dut.cmd("AT+BTA2DPINIT=2"), "AT+BTA2DPINIT", "set")
    expect.error(dut.cmd('AT+BTA2DPSRC=0,"flash://spiffs/a.mp3"'))


A2DP_COMMANDS = [
    "AT+BTA2DPINIT?",
    "AT+BTA2DPINIT=1",
    "AT+BTA2DPCONN?",
    f'AT+BTA2DPCONN=0,"{NOBODY}"',
    "AT+BTA2DPDISCONN=0",
    "AT+BTA2DPSRC?",
    'AT+BTA2DPSRC=0,"flash://spiffs/a.mp3"',
    "AT+BTA2DPCTRL=0,1",
]


@pytest.mark.parametrize("line", A2DP_COMMANDS)
def test_refused_before_btinit(dut, expect, line) -> None:
    """Every A2DP command needs the Classic stack (AT+BTINIT=1 first, as every 3.5 command)."""
    expect.error(dut.cmd(line))


@pytest.mark.parametrize("line", A2DP_COMMANDS[2:])
def test_refused_before_bta2dpinit(dut, expect, line) -> None:
    """With the stack up but no A2DP role (AT+BTA2DPINIT first), the profile's commands are refused."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.error(dut.cmd(line))


@pytest.mark.parametrize("role", [1, 2], ids=["source", "sink"])
@pytest.mark.parametrize("line", ["AT+BTA2DPDISCONN=0", "AT+BTA2DPCTRL=0,1", "AT+BTA2DPCTRL=0,0"])
def test_refused_without_connection(dut, expect, role, line) -> None:
    """Ending or controlling connection 0 needs one (3.5.13, 3.5.15: "index of ... connection")."""
    init(dut, expect, role)
    expect.error(dut.cmd(line))


def test_bta2dpctrl_source_range(dut, expect, esp_bt_peer) -> None:
    """A source's <ctrl> is 0, 1 or 2 (3.5.15); 3 is a sink's control, refused by a connected source."""
    source_ready(dut, expect, esp_bt_peer)
    expect.error(dut.cmd("AT+BTA2DPCTRL=0,3"))
    expect.error(dut.cmd("AT+BTA2DPCTRL=1,1"))
    expect.ok(dut.cmd("AT+BTA2DPCTRL=0,0"), "AT+BTA2DPCTRL", "set")


#: (command, syntax line index, valid arguments as on the wire) for the generated invalid invocations: the
#: guide's example values (3.5.11 =2 is the sink; =1 here, the role every A2DP command takes), 3.5.12 with
#: its two parameters (the guide's four-argument example is corrected, spec/corrections.yaml), 3.5.13 =0,
#: 3.5.14's flash example, 3.5.15 =0,1.
VALID: list[tuple[str, int, list[str]]] = [
    ("AT+BTA2DPINIT", 0, ["1"]),
    ("AT+BTA2DPCONN", 0, ["0", '"24:0a:c4:09:34:23"']),
    ("AT+BTA2DPDISCONN", 0, ["0"]),
    ("AT+BTA2DPSRC", 0, ["0", '"flash://spiffs/zhifubao.mp3"']),
    ("AT+BTA2DPCTRL", 0, ["0", "1"]),
]


@pytest.mark.parametrize("case", invalid_set_params(VALID))
def test_invalid_set(dut, err_code, case: InvalidCase) -> None:
    """One invalid invocation with the stack and the source role up: ERROR with the ERR CODE of its class
    (3.1.26); every code ``inferred`` (spec/err_provenance.yaml: no A2DP handler is public and no real
    board's A2DP ERR CODE is quoted in an esp-at issue), as test_invalid.py's."""
    dut.cmd("AT+BTINIT=1").assert_ok()
    dut.cmd("AT+BTA2DPINIT=1").assert_ok()
    err_code(dut.cmd(case.line, 20), case.err_name, case.param_index, **case.expect_kwargs())
