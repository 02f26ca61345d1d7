"""3.3.8 AT+CIPSEND: what ends a send and what must not follow it. The verdict (SEND OK, after "Recv <length>
bytes" as spec/ holds it) closes the send: nothing else of the send comes after it (no second SEND OK, no
CLOSED for a link that stays up) before the next command, and AT+CIPSTATE? (3.3.3) still lists the link.

The next command is the barrier: whatever the board printed for the send before it read that command
arrives before the command's echo, so the events between the verdict and the next response are all there
is to check.
"""

from __future__ import annotations

import pytest

from rigs.at.events import Final, Urc
from rigs.at.response import Response
from rigs.at.session import AtSession, event_text
from servers.behaviours import Sink
from servers.tcp import TcpServer
from suites.tcpip.links import assert_arrived, back_to_factory, host, send, start_tcp

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]

DATA = b"send order\r\n"


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    """Factory settings, then the station joined; links the test left open are gone with the restore."""
    yield
    back_to_factory(dut, esp_rig)


@pytest.fixture
def sink(esp_peer_factory, esp_rig):
    return esp_peer_factory(TcpServer(Sink(), host(esp_rig)))


def _after(dut: AtSession, sent: Response, following: Response) -> list[object]:
    """The events the session decoded after the send's verdict, up to the first event of ``following``."""
    verdict = next(ev for ev in reversed(sent.events) if isinstance(ev, Final))
    events = [ev for _, ev in dut.history]
    start = next(i for i, ev in enumerate(events) if ev is verdict) + 1
    first = following.events[0] if following.events else None
    end = next((i for i, ev in enumerate(events) if ev is first), len(events))
    return events[start:end]


@pytest.mark.form("AT+CIPSEND", "set")
@pytest.mark.form("AT+CIPSTATE", "query")
@pytest.mark.parametrize("mux", [0, 1], ids=["mux0", "mux1"])
def test_cipsend_exact_bytes_then_nothing_more(dut, expect, esp_rig, sink, mux) -> None:
    """3.3.8: one verdict per send, the link stays up; the next command gets only its own response.

    Named after test_cipsend_exact_bytes so the mutation catalog's selection of send faults takes it in."""
    link_id = 0 if mux else None
    dut.cmd(f"AT+CIPMUX={mux}").assert_ok()
    _, record = start_tcp(dut, esp_rig, sink, link_id=link_id)
    violations = len(dut.violations)
    sent = send(dut, esp_rig, DATA, link_id=link_id)
    assert sent.final == "SEND OK", f"expected SEND OK, got {sent.final!r}: {sent.text!r}"
    assert expect.ok(sent, "AT+CIPSEND", "set")["length"] == len(DATA), sent.text
    assert_arrived(record, DATA)

    state = dut.cmd("AT+CIPSTATE?")
    stray = _after(dut, sent, state)
    assert not stray, (
        f"after SEND OK and before AT+CIPSTATE? the board printed {[event_text(e) for e in stray]!r}; "
        "3.3.8 ends a send with its one verdict"
    )
    finals = [ev.result for ev in state.events if isinstance(ev, Final)]
    assert finals == ["OK"], f"AT+CIPSTATE? got final results {finals!r}: {state.text!r}"
    closed = [ev.text for ev in state.events if isinstance(ev, Urc) and ev.kind == "CLOSED"]
    assert not closed, f"the link was reported closed after the send: {closed!r}"
    new = [v.what for v in dut.violations[violations:]]
    assert not new, f"protocol violations after the send: {new!r}"

    rows = expect.ok(state, "AT+CIPSTATE", "query").rows("+CIPSTATE:")
    assert [(r["link ID"], r["type"], r["remote port"]) for r in rows] == [(0, "TCP", sink.port)], (
        f"AT+CIPSTATE? after the send: expected link 0 (TCP to port {sink.port}) still listed, got {rows!r}"
    )
    assert not record.closed, "the peer saw the connection end after the send"
