"""Link churn and restarts in the middle of a transfer (3.3.5 AT+CIPSTART, 3.3.12 AT+CIPCLOSE, 3.3.16
AT+CIPSERVER, 3.1.3 AT+RST).

Hundreds of links opened and closed: every open and close is answered as its template says, every link
reaches the peer, none is left over (AT+CIPSTATE? lists none). A restart while data flows: ``ready``,
no link left, nothing of the old link reported after ``ready``, and a new link carries bytes exactly.
Each churn is bounded by its cycle count, not by a clock.
"""

from __future__ import annotations

import socket

import pytest

from rigs.at.events import Ipd, Ready, Urc
from servers.behaviours import Echo, Sink, Source
from servers.payload import pattern
from servers.tcp import TcpClient, TcpServer
from suites.robustness.garbage import well_formed
from suites.robustness.traffic import assert_same, ipd_bytes, no_more_ipd
from suites.tcpip.links import back_to_factory, connect_timeout, host, ok_with_reports, send

pytestmark = [pytest.mark.robustness, pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]

CYCLES = 200


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


def _no_links(dut, expect) -> None:
    state = dut.cmd("AT+CIPSTATE?")
    expect.ok(state, "AT+CIPSTATE", "query")
    left = [line for line in state.lines if line.startswith("+CIPSTATE:")]
    assert left == [], f"links left over after the churn: {left}"


@pytest.mark.form("AT+CIPSTART", "set")
@pytest.mark.form("AT+CIPCLOSE", "execute")
def test_open_close_cycles(dut, expect, esp_rig, esp_peer_factory) -> None:
    """200 times AT+CIPSTART then AT+CIPCLOSE on a single connection (3.3.5 ``CONNECT`` OK, 3.3.12
    ``CLOSED`` OK); every tenth link also carries a byte there and back. The peer saw 200 connections."""
    server = esp_peer_factory(TcpServer(Echo(), host(esp_rig)))
    before = len(server.records)
    start = f'AT+CIPSTART="TCP","{host(esp_rig)}",{server.port}'
    for i in range(CYCLES):
        ok_with_reports(expect, dut.cmd(start, connect_timeout(esp_rig)), "AT+CIPSTART", "set")
        if i % 10 == 0:
            data = bytes([i % 256])
            send(dut, esp_rig, data).assert_ok()
            assert_same(f"cycle {i}: echo", ipd_bytes(dut, 1, connect_timeout(esp_rig)), data)
        ok_with_reports(expect, dut.cmd("AT+CIPCLOSE"), "AT+CIPCLOSE", "execute")
    server.records.wait_for(before + CYCLES, connect_timeout(esp_rig))
    assert len(server.records) - before == CYCLES, f"the peer saw {len(server.records) - before} links"
    _no_links(dut, expect)
    well_formed(dut, expect)


@pytest.mark.form("AT+CIPSTART", "set")
@pytest.mark.form("AT+CIPCLOSE", "set")
def test_five_links_churn(dut, expect, esp_rig, esp_peer_factory) -> None:
    """Multiple connections (3.3.15): 40 rounds of opening links 0..4 (``<link ID>,CONNECT`` OK) and
    closing them, in even rounds all five at once (AT+CIPCLOSE=5, 3.3.12: ``<link ID>,CLOSED`` for each;
    the guide's block shows one line, so only the five reports and OK are checked), in odd rounds one by
    one (AT+CIPCLOSE=<link ID>, matched with its template): 200 links."""
    server = esp_peer_factory(TcpServer(Sink(), host(esp_rig)))
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    for cycle in range(CYCLES // 5):
        for link in range(5):
            r = dut.cmd(f'AT+CIPSTART={link},"TCP","{host(esp_rig)}",{server.port}', connect_timeout(esp_rig))
            ok_with_reports(expect, r, "AT+CIPSTART", "set")
            assert f"{link},CONNECT" in [u.text for u in r.urcs if isinstance(u, Urc)], r.text
        if cycle % 2:
            for link in range(5):
                r = dut.cmd(f"AT+CIPCLOSE={link}")
                ok_with_reports(expect, r, "AT+CIPCLOSE", "set")
                assert f"{link},CLOSED" in [u.text for u in r.urcs if isinstance(u, Urc)], r.text
            continue
        r = dut.cmd("AT+CIPCLOSE=5")
        assert r.ok, r.text
        closed = sorted(u.text for u in r.urcs if isinstance(u, Urc) and u.text.endswith(",CLOSED"))
        assert closed == [f"{link},CLOSED" for link in range(5)], f"AT+CIPCLOSE=5: {r.text!r}"
    _no_links(dut, expect)
    well_formed(dut, expect)


def _port(ip: str) -> int:
    with socket.socket() as s:
        try:
            s.bind((ip, 0))
        except OSError:  # a bench: the board's address is not ours; any unprivileged port will do
            return 40334
        return s.getsockname()[1]


@pytest.mark.form("AT+CIPSERVER", "set")
def test_server_side_churn(dut, expect, esp_rig, joined, esp_peer_factory) -> None:
    """The board as a server (3.3.16): 100 host clients connect, send one byte and close, one after the
    other: each is reported ``0,CONNECT``, its byte comes as +IPD, and ``0,CLOSED`` follows (3.17)."""
    client = esp_peer_factory(TcpClient())
    port = _port(joined.ip)
    timeout = connect_timeout(esp_rig)
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    expect.ok(dut.cmd(f"AT+CIPSERVER=1,{port}"), "AT+CIPSERVER", "set")
    for i in range(CYCLES // 2):
        record = client.connect(joined.ip, port, Sink())
        dut.expect_urc(lambda ev: isinstance(ev, Urc) and ev.text == "0,CONNECT", timeout)
        client.send(record, bytes([i]))
        assert_same(f"client {i}", ipd_bytes(dut, 1, timeout, link_id=0), bytes([i]))
        client.close_connection(record)
        dut.expect_urc(lambda ev: isinstance(ev, Urc) and ev.text == "0,CLOSED", timeout)
    _no_links(dut, expect)
    expect.ok(dut.cmd("AT+CIPSERVER=0"), "AT+CIPSERVER", "set")
    well_formed(dut, expect)


@pytest.mark.basic
@pytest.mark.form("AT+RST", "execute")
def test_restart_during_a_download(dut, expect, esp_rig, esp_board, esp_peer_factory) -> None:
    """AT+RST (3.1.3) while a peer floods the link with +IPD: the board restarts (``ready``), reports
    nothing of the old link after ``ready``, lists no link, and a new link carries bytes exactly."""
    flood = esp_peer_factory(TcpServer(Source(total=esp_board.config.baud, seed=5), host(esp_rig)))
    start = f'AT+CIPSTART="TCP","{host(esp_rig)}",{flood.port}'
    ok_with_reports(expect, dut.cmd(start, connect_timeout(esp_rig)), "AT+CIPSTART", "set")
    dut.expect_urc("+IPD", connect_timeout(esp_rig))  # data is flowing
    expect.ok(dut.cmd("AT+RST", esp_rig.targets.timeouts.ready), "AT+RST", "execute")
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    ready_at = max(i for i, (_, ev) in enumerate(dut.history) if isinstance(ev, Ready))
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    _no_links(dut, expect)
    after = [ev for _, ev in dut.history[ready_at:] if isinstance(ev, Ipd)]
    assert after == [], f"+IPD of the link from before the restart came after ready: {after[:3]}"
    echo = esp_peer_factory(TcpServer(Echo(), host(esp_rig)))
    start = f'AT+CIPSTART="TCP","{host(esp_rig)}",{echo.port}'
    ok_with_reports(expect, dut.cmd(start, connect_timeout(esp_rig)), "AT+CIPSTART", "set")
    data = pattern(6, 500)
    expect.ok(send(dut, esp_rig, data), "AT+CIPSEND", "set")
    assert_same("echo on the new link", ipd_bytes(dut, len(data), connect_timeout(esp_rig)), data)
    no_more_ipd(dut, expect)
    well_formed(dut, expect)
