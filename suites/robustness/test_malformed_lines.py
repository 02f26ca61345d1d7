"""Malformed command lines (3.15 "AT Command Types": a command starts with ``AT``, ends with CR LF and is at
most 256 bytes long): each is answered ERROR alone, changes nothing, and the next well-formed command is
answered as the guide says (3.1.4 AT+GMR template).

Echo is off (3.1.5 ATE0) in this module: with echo on, the board repeats every garbage byte back, which is
what 3.1.5 asks but leaves nothing to check; the answer itself is what these cases are about.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suites.robustness.garbage import (
    EXAMPLES,
    bad_escape_lines,
    garbage_lines,
    nul_lines,
    overlong_lines,
    send_line,
    well_formed,
)
from suites.robustness.traffic import assert_transcript_kept, mark

pytestmark = [pytest.mark.robustness, pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def no_echo(dut, expect):
    expect.ok(dut.cmd("ATE0"), "ATE", "execute")
    yield
    dut.cmd("ATE1").assert_ok()


def _refused_then_well_formed(dut, expect, line: bytes) -> None:
    expect.error(send_line(dut, line))
    well_formed(dut, expect)


@pytest.mark.form("AT+GMR", "execute")
@settings(EXAMPLES, max_examples=25)
@given(line=garbage_lines())
def test_binary_garbage_line(dut, expect, line) -> None:
    """A line of random bytes that does not start with ``AT`` (3.15; 3.1.26 ESP_AT_SUB_NO_AT): ERROR."""
    _refused_then_well_formed(dut, expect, line)


@pytest.mark.form("AT+GMR", "execute")
@settings(EXAMPLES, max_examples=20)
@given(line=nul_lines())
def test_nul_bytes_in_line(dut, expect, line) -> None:
    """NUL bytes inside a line that is no command: ERROR; nothing after a NUL is lost from the next line."""
    _refused_then_well_formed(dut, expect, line)


@pytest.mark.form("AT+GMR", "execute")
@settings(EXAMPLES, max_examples=15)
@given(line=overlong_lines())
def test_overlong_line(dut, expect, line) -> None:
    """A line past 256 bytes (3.15; esp-at issue #494: ERROR on a real board): ERROR, once, for the whole
    line (its tail is not taken for a command of its own), then the next command works."""
    _refused_then_well_formed(dut, expect, line)


@pytest.mark.form("AT+GMR", "execute")
@settings(EXAMPLES, max_examples=20)
@given(line=bad_escape_lines())
def test_unterminated_string_parameter(dut, expect, line) -> None:
    """A string parameter with no closing quote (3.15: ``\\"`` escapes the quote, so a trailing backslash
    swallows it): the line does not parse, ERROR."""
    _refused_then_well_formed(dut, expect, line)


@pytest.mark.form("AT+GMR", "execute")
@settings(EXAMPLES, max_examples=10)
@given(lines=st.lists(st.one_of(garbage_lines(), nul_lines(), overlong_lines()), min_size=2, max_size=8))
def test_garbage_burst(dut, expect, lines) -> None:
    """Several malformed lines back to back: one ERROR each, in order, none merged with the next; every
    byte both ways is in the transcript."""
    since = mark(dut)
    for line in lines:
        expect.error(send_line(dut, line))
    well_formed(dut, expect)
    assert_transcript_kept(dut, since, b"\r\n".join(lines))


@pytest.mark.form("AT+GMR", "execute")
@pytest.mark.parametrize("tail", [b"", b"\xff\xfe", b"\x00"], ids=["plain", "high-bytes", "nul"])
def test_unterminated_bytes_join_the_next_line(dut, expect, tail) -> None:
    """Bytes without CR LF wait in the line buffer (3.15: a command ends with CR LF), so they and the next
    command make one line: ERROR for that line (it does not start with ``AT``), then the command works."""
    dut.write_raw(b"#garbage" + tail)
    expect.error(dut.cmd("AT+GMR"))
    well_formed(dut, expect)
