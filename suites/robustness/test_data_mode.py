"""Bytes in data mode: after the ``>`` of AT+CIPSEND=<length> (3.3.8) and in Wi-Fi passthrough (3.3.8
execute form, AT+CIPMODE=1), every byte is data, whatever it looks like (CR LF, ``AT+RST``, NUL, ``+IPD``,
``+++`` not alone): the peer receives exactly the bytes sent, an echo peer's answer comes back exactly, no
byte lost or doubled, and the board answers the next command as the guide says.

``+++`` edges (3.3.7: three ``+`` with less than 20 ms between them and more than 20 ms of silence on the
line before and after): glued to data, typed slowly, or written right behind a burst that is still on the
wire, it is data; alone after the burst has drained, it ends passthrough.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.checks import checking
from rigs.at.passthrough import GUARD_TIME, Passthrough
from servers.behaviours import Echo
from servers.tcp import TcpServer
from suites.robustness.garbage import EXAMPLES, data_bytes, well_formed
from suites.robustness.traffic import assert_same, assert_transcript_kept, ipd_bytes, mark, no_more_ipd
from suites.tcpip.links import back_to_factory, connect_timeout, host, send, start_tcp

pytestmark = [pytest.mark.robustness, pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


@pytest.fixture
def echo_link(dut, esp_rig, esp_peer_factory):
    """A single-connection TCP link (3.3.5) to an echo peer of this test; returns the peer's record."""
    server = esp_peer_factory(TcpServer(Echo(), host(esp_rig)))
    _, record = start_tcp(dut, esp_rig, server)
    return record


def _enter(dut, expect) -> None:
    expect.ok(dut.cmd("AT+CIPMODE=1"), "AT+CIPMODE", "set")
    r = dut.cmd("AT+CIPSEND")
    expect.ok(r, "AT+CIPSEND", "execute")
    assert dut.codec.in_passthrough, f"AT+CIPSEND: expected OK and '>' then passthrough, got {r.text!r}"


def _plus_is_data(what: str, got: bytes, want: bytes) -> None:
    """A ``+++`` outside 3.3.7's conditions came through as data: recorded as the refusal of +++ (3.3.7
    documents no response text; suites/tcpip/test_tcpip_passthrough.py records it the same way)."""
    with checking("+++/special", "refusal", "plus_as_data"):
        assert_same(what, got, want)


def _exit(dut, expect) -> None:
    """A lone ``+++`` (3.3.7) leaves passthrough: the board answers AT again (3.3.7 prints no text)."""
    with checking("+++/special", "response", "exit_passthrough"):
        dut.exit_passthrough()
        expect.ok(dut.cmd("AT"), "AT", "execute")


def _link_still_up(dut, expect) -> None:
    """3.3.3: AT+CIPSTATE? lists the one link; then the next command (AT+GMR) is answered as usual."""
    state = dut.cmd("AT+CIPSTATE?")
    expect.ok(state, "AT+CIPSTATE", "query")
    assert sum(line.startswith("+CIPSTATE:") for line in state.lines) == 1, state.text
    well_formed(dut, expect)


def _sent_and_echoed(dut, esp_rig, expect, record, data: bytes, offset: int) -> int:
    resp = send(dut, esp_rig, data)
    expect.ok(resp, "AT+CIPSEND", "set")
    record.wait_bytes_in(offset + len(data), connect_timeout(esp_rig))
    assert_same("the peer received", record.received()[offset:], data)
    assert_same("+IPD from the echo peer", ipd_bytes(dut, len(data), connect_timeout(esp_rig)), data)
    return offset + len(data)


@pytest.mark.form("AT+CIPSEND", "set")
@settings(EXAMPLES, max_examples=12)
@given(data=data_bytes(max_size=800).filter(lambda b: b != b"+++"))
def test_prompt_data_with_traps(dut, expect, esp_rig, echo_link, data) -> None:
    """After ``>`` (3.3.8 AT+CIPSEND=<length>) the next <length> bytes are data whatever they hold: SEND OK,
    the peer gets them exactly, the echo comes back exactly as +IPD, nothing more. (Data that is a lone
    ``+++`` is left out: after a host pause of 20 ms it would be the cancel of 3.3.7.)"""
    offset = len(echo_link.received())
    _sent_and_echoed(dut, esp_rig, expect, echo_link, data, offset)
    no_more_ipd(dut, expect)


@pytest.mark.form("AT+CIPSEND", "set")
@pytest.mark.form("+++", "special")
@settings(EXAMPLES, max_examples=8)
@given(before=st.binary(max_size=40), after=st.binary(max_size=40), split=st.booleans())
def test_plus_glued_to_prompt_data(dut, expect, esp_rig, echo_link, before, after, split) -> None:
    """``+++`` inside the data of AT+CIPSEND=<length>, glued to other bytes (3.3.7: not a packet of its
    own), is data: SEND OK and all <length> bytes reach the peer."""
    data = (before or b"x") + b"+++" + (after if split else b"")
    offset = len(echo_link.received())
    with checking("+++/special", "refusal", "plus_as_data"):
        _sent_and_echoed(dut, esp_rig, expect, echo_link, data, offset)


@pytest.mark.form("AT+CIPSEND", "execute")
@settings(EXAMPLES, max_examples=5)
@given(chunks=st.lists(data_bytes(max_size=300).filter(lambda b: b != b"+++"), min_size=1, max_size=4))
def test_passthrough_with_traps(dut, expect, esp_rig, echo_link, chunks) -> None:
    """In passthrough every byte written goes to the peer and every byte it sends back comes out raw, in
    order, none lost or doubled (no chunk is a lone ``+++``: that is the exit of 3.3.7)."""
    offset = len(echo_link.received())
    sent = b"".join(chunks)
    since = mark(dut)
    _enter(dut, expect)
    pt = Passthrough(dut)
    try:
        for chunk in chunks:
            pt.write(chunk)
        echoed = pt.read(len(sent), connect_timeout(esp_rig))
        assert_same("the echo in passthrough", echoed, sent)
        time.sleep(GUARD_TIME)
        assert_same("nothing more in passthrough", pt.read_available(), b"")
    finally:
        dut.exit_passthrough()
    assert_same("the peer received", echo_link.received()[offset:], sent)
    _link_still_up(dut, expect)
    assert_transcript_kept(dut, since, sent)


@pytest.mark.form("+++", "special")
@pytest.mark.parametrize("where", ["glued-before", "glued-after", "inside"])
def test_plus_glued_in_passthrough(dut, expect, esp_rig, echo_link, where) -> None:
    """``+++`` written together with other bytes in passthrough is data (3.3.7: it must be a packet of its
    own): the peer gets it; then a lone ``+++`` leaves, and the link stays up."""
    data = {"glued-before": b"abc+++", "glued-after": b"+++abc", "inside": b"a+++b+++c"}[where]
    _enter(dut, expect)
    time.sleep(GUARD_TIME)
    dut.write_raw(data)
    got = dut._take_data(len(data), connect_timeout(esp_rig))
    _plus_is_data("the echo of the glued +++", got, data)
    _exit(dut, expect)
    assert_same("the peer received", echo_link.received(), data)
    _link_still_up(dut, expect)


@pytest.mark.form("+++", "special")
def test_plus_typed_slowly_in_passthrough(dut, expect, esp_rig, echo_link) -> None:
    """``+``, ``+``, ``+`` with 100 ms between them (3.3.7 asks for less than 20 ms) are data; a busy host
    only makes the gaps longer."""
    _enter(dut, expect)
    for _ in range(3):
        time.sleep(0.1)
        dut.write_raw(b"+")
    time.sleep(0.1)
    dut.write_raw(b"AT\r\n")  # still data: a board that left passthrough would answer OK instead
    got = dut._take_data(7, connect_timeout(esp_rig))
    _plus_is_data("the echo of the slow +++", got, b"+++AT\r\n")
    _exit(dut, expect)
    assert_same("the peer received", echo_link.received(), b"+++AT\r\n")
    _link_still_up(dut, expect)


@pytest.mark.form("+++", "special")
def test_plus_behind_a_burst_still_on_the_wire(dut, expect, esp_rig, esp_board, echo_link) -> None:
    """``+++`` written 50 ms after a burst the UART needs a second to carry: on the line it follows the
    burst's last byte with no silence (3.3.7 counts the silence on the line, not at the host), so it is
    data. A host slower than that second would make it a real exit: the burst is sized from the rig's
    baud rate so that only the line time counts."""
    burst = bytes(range(32, 127)) * (esp_board.config.baud // 10 // 95 + 1)  # >= 1 s of line time
    _enter(dut, expect)
    dut.write_raw(burst)
    time.sleep(GUARD_TIME)
    dut.write_raw(b"+++")
    want = burst + b"+++"
    got = dut._take_data(len(want), connect_timeout(esp_rig) + 2)
    _plus_is_data("the echo of the burst and its +++", got, want)
    _exit(dut, expect)
    assert_same("the peer received", echo_link.received(), want)
    _link_still_up(dut, expect)


@pytest.mark.form("AT+CIPSEND", "set")
def test_cancel_then_send_again(dut, expect, esp_rig, echo_link) -> None:
    """A lone ``+++`` after part of the data of AT+CIPSEND=<length> cancels it (3.17 SEND Canceled); the
    cancelled bytes never reach the peer, and the next send on the same link arrives exactly."""
    prompt = dut.cmd("AT+CIPSEND=40")
    assert prompt.prompt, prompt.text
    dut.write_raw(b"part of it")
    time.sleep(GUARD_TIME)
    r = dut.send_data(b"+++", connect_timeout(esp_rig))
    assert r.final == "SEND Canceled", f"expected SEND Canceled, got {r.final!r}: {r.text!r}"
    time.sleep(1.0)  # 3.3.7: one second after +++ before the next command
    _sent_and_echoed(dut, esp_rig, expect, echo_link, b"after the cancel\r\n", 0)
    _link_still_up(dut, expect)
