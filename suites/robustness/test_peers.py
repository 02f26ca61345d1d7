"""Peers that misbehave mid-transfer, and inbound data that floods the AT port while commands run (3.3,
3.17 ``+IPD``, ``<link ID>,CLOSED``): a peer that resets its connection, one that stalls halfway, a
flood of +IPD on one or two links. On the links that stay up, every byte arrives once, in order (compared
with the peer's own record, or with servers.payload.pattern); each command run meanwhile is answered as
its template says; a link the peer reset is reported CLOSED and is gone from AT+CIPSTATE?.
"""

from __future__ import annotations

import pytest

from rigs.at.events import Urc
from servers.behaviours import Close, Echo, Pause, Reset, Scripted, Send, Source
from servers.payload import pattern
from servers.record import CloseReason
from servers.tcp import TcpServer
from suites.robustness.garbage import well_formed
from suites.robustness.traffic import assert_same, assert_transcript_kept, ipd_bytes, mark, no_more_ipd
from suites.tcpip.links import back_to_factory, connect_timeout, host, ok_with_reports, send, start_tcp

pytestmark = [pytest.mark.robustness, pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]

#: Commands run while data floods in: each has a response template with information lines (3.1.4,
#: 3.3.3, 3.1.14, 3.3.15), so a +IPD or a byte of data mixed into a response shows as a mismatch.
WHILE_FLOODED = [
    ("AT+GMR", "AT+GMR", "execute"),
    ("AT+CIPSTATE?", "AT+CIPSTATE", "query"),
    ("AT+SYSRAM?", "AT+SYSRAM", "query"),
    ("AT+CIPMUX?", "AT+CIPMUX", "query"),
]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


def _links(dut, expect) -> list[str]:
    state = dut.cmd("AT+CIPSTATE?")
    expect.ok(state, "AT+CIPSTATE", "query")
    return [line for line in state.lines if line.startswith("+CIPSTATE:")]


def _closed(dut, esp_rig, link_id: int) -> None:
    text = f"{link_id},CLOSED"
    dut.expect_urc(lambda ev: isinstance(ev, Urc) and ev.text == text, connect_timeout(esp_rig))


@pytest.mark.form("AT+CIPSEND", "set")
def test_peer_resets_mid_upload(dut, expect, esp_rig, esp_peer_factory) -> None:
    """Link 0's peer resets after 1000 bytes; link 1 (an echo peer) carries on: ``0,CLOSED`` (3.17), link
    0 gone from AT+CIPSTATE?, every byte sent on link 1 before and after arrives and comes back once."""
    resetter = esp_peer_factory(TcpServer(Reset(after_bytes=1000), host(esp_rig)))
    echo = esp_peer_factory(TcpServer(Echo(), host(esp_rig)))
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    _, dying = start_tcp(dut, esp_rig, resetter, link_id=0)
    _, alive = start_tcp(dut, esp_rig, echo, link_id=1)
    sent = b""
    for i in range(3):
        chunk = pattern(i, 600)
        if i < 2:
            send(dut, esp_rig, chunk, link_id=0)  # the second one crosses the peer's 1000 bytes
        expect.ok(send(dut, esp_rig, chunk, link_id=1), "AT+CIPSEND", "set")
        sent += chunk
        if i == 1:
            _closed(dut, esp_rig, 0)
            assert dying.wait_closed(connect_timeout(esp_rig)) is CloseReason.LOCAL_RST  # the peer reset it
    alive.wait_bytes_in(len(sent), connect_timeout(esp_rig))
    assert_same("link 1's peer received", alive.received(), sent)
    assert_same("link 1's echo", ipd_bytes(dut, len(sent), connect_timeout(esp_rig), link_id=1), sent)
    links = _links(dut, expect)
    assert len(links) == 1 and links[0].startswith("+CIPSTATE:1,"), f"only link 1 should be left: {links}"
    no_more_ipd(dut, expect, link_id=1)
    well_formed(dut, expect)


@pytest.mark.form("AT+CIPSTART", "set")
def test_peer_resets_mid_download(dut, expect, esp_rig, esp_peer_factory) -> None:
    """The peer sends 3000 bytes and resets: the board delivers all 3000 as +IPD, once, then ``CLOSED``
    (3.17, single connection); no link is left and the next command works."""
    data = pattern(7, 3000)
    peer = esp_peer_factory(TcpServer(Scripted((Send(data), Pause(0.2), Close(rst=True))), host(esp_rig)))
    started, _ = start_tcp(dut, esp_rig, peer)
    ok_with_reports(expect, started, "AT+CIPSTART", "set")
    assert_same("+IPD before the reset", ipd_bytes(dut, len(data), connect_timeout(esp_rig)), data)
    dut.expect_urc(lambda ev: isinstance(ev, Urc) and ev.text == "CLOSED", connect_timeout(esp_rig))
    assert _links(dut, expect) == [], "the link the peer reset is still listed"
    no_more_ipd(dut, expect)
    well_formed(dut, expect)


@pytest.mark.form("AT+CIPSTATE", "query")
def test_peer_stalls_mid_download(dut, expect, esp_rig, esp_peer_factory) -> None:
    """The peer sends half, stalls 1.5 s, sends the rest: commands during the stall are answered as their
    templates say, the link stays up, and both halves arrive once, in order."""
    first, second = pattern(3, 2000), pattern(4, 2000)
    script = Scripted((Send(first), Pause(1.5), Send(second), Pause(30.0)))
    peer = esp_peer_factory(TcpServer(script, host(esp_rig)))
    start_tcp(dut, esp_rig, peer)
    got = ipd_bytes(dut, len(first), connect_timeout(esp_rig))
    for line, command, kind in WHILE_FLOODED:
        expect.ok(dut.cmd(line), command, kind)
    assert len(_links(dut, expect)) == 1, "the stalled link must stay up"
    got += ipd_bytes(dut, len(second), connect_timeout(esp_rig) + 1.5)
    assert_same("+IPD across the stall", got, first + second)
    no_more_ipd(dut, expect)
    well_formed(dut, expect)


def _flood(esp_rig, esp_peer_factory, seed: int, total: int) -> TcpServer:
    return esp_peer_factory(TcpServer(Source(total=total, seed=seed, close_when_done=False), host(esp_rig)))


@pytest.mark.form("AT+CIPSTATE", "query")
@pytest.mark.form("AT+SYSRAM", "query")
def test_ipd_flood_while_commands_run(dut, expect, esp_rig, esp_board, esp_peer_factory) -> None:
    """A peer sends as fast as it can (about two seconds of the AT port's line time) while the test runs
    commands: each response matches its template, +IPD reports stay out of them, and the reports carry
    the peer's bytes exactly once, in order."""
    total = esp_board.config.baud // 10 * 2
    since = mark(dut)
    start_tcp(dut, esp_rig, _flood(esp_rig, esp_peer_factory, 11, total))
    for _ in range(5):
        for line, command, kind in WHILE_FLOODED:
            expect.ok(dut.cmd(line), command, kind)
    got = ipd_bytes(dut, total, connect_timeout(esp_rig) + 4)
    assert_same("+IPD of the flood", got, pattern(11, total))
    no_more_ipd(dut, expect)
    assert_transcript_kept(dut, since)


@pytest.mark.form("AT+CIPMUX", "set")
def test_ipd_flood_on_two_links(dut, expect, esp_rig, esp_board, esp_peer_factory) -> None:
    """Two peers flood links 0 and 1 at once while commands run: the +IPD of each link carry that peer's
    bytes exactly once, in order, however the reports interleave (3.17 ``+IPD,<link ID>,<len>:``)."""
    total = esp_board.config.baud // 10
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    start_tcp(dut, esp_rig, _flood(esp_rig, esp_peer_factory, 21, total), link_id=0)
    start_tcp(dut, esp_rig, _flood(esp_rig, esp_peer_factory, 22, total), link_id=1)
    for line, command, kind in WHILE_FLOODED:
        expect.ok(dut.cmd(line), command, kind)
    for link_id, seed in ((0, 21), (1, 22)):
        got = ipd_bytes(dut, total, connect_timeout(esp_rig) + 4, link_id=link_id)
        assert_same(f"+IPD of link {link_id}", got, pattern(seed, total))
    for link_id in (0, 1):
        no_more_ipd(dut, expect, link_id=link_id)
