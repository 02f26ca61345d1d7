"""The "wire" transcript checker and the response checks' blank-line verdict, against scripted boards.

A board that prints three extra empty lines before AT+CWLAP's OK (3.2.1: the rows, then one empty line and
OK, as every real board in tests/corpus/wire does) must fail every test that talks to it: ``expect.ok``
says so about the response, the wire checker about the transcript, with the offending bytes escaped and
their offset; ``lenient("wire", reason=...)`` turns the checker off for one test.
"""

from __future__ import annotations

import pytest

from tests.fakes.scripted_board import FakeAp, ScriptedBoard, ScriptedBoardServer
from tests.plugin.plugin_helpers import run, serial_rig


class FullRows(ScriptedBoard):
    """AT+CWLAP rows with all eleven fields of v5.0.0.0's 3.2.1 (the real board of esp-at issue 804 prints
    "-1,-1" after the channel too), so that only the framing decides the outcome."""

    def respond(self, line: str) -> bytes:
        if line.upper() != "AT+CWLAP":
            return super().respond(line)
        self.commands.append(line)
        rows = "".join(
            f'+CWLAP:({ap.ecn},"{ap.ssid}",{ap.rssi},"{ap.bssid}",{ap.channel},-1,-1,4,4,7,0)\r\n'
            for ap in self.access_points
        )
        return rows.encode() + b"\r\nOK\r\n"


class ExtraBlankLines(FullRows):
    """Answers AT+CWLAP with three empty lines more before OK than the firmware prints."""

    def respond(self, line: str) -> bytes:
        out = super().respond(line)
        if line.upper() == "AT+CWLAP":
            assert out.endswith(b"\r\nOK\r\n")
            out = out[: -len(b"\r\nOK\r\n")] + b"\r\n\r\n\r\n" + b"\r\nOK\r\n"
        return out


TESTS = """
import pytest

def test_expect_ok(dut, expect):
    expect.ok(dut.cmd("AT+CWLAP", timeout=5), "AT+CWLAP", "execute")

def test_only_the_final(dut):
    dut.cmd("AT+CWLAP", timeout=5).assert_ok()

@pytest.mark.lenient("wire", reason="the test is about something else")
def test_lenient(dut):
    dut.cmd("AT+CWLAP", timeout=5).assert_ok()
"""


def _board(cls: type[ScriptedBoard]) -> ScriptedBoard:
    return cls(name="blanks", access_points=[FakeAp("esp-at-lab")])


def test_three_extra_blank_lines_before_cwlap_ok_fail(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer(_board(ExtraBlankLines)) as server:
        rig = serial_rig(pytester, ("blanks", server.url, ["wifi-sta"]))
        pytester.makepyfile(TESTS)
        result = run(pytester, rig, "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=2)
    out = result.stdout.str()
    # expect.ok: the response's own framing
    assert "test_expect_ok" in out and "'AT+CWLAP': framing: final.one-blank" in out
    # the transcript checker: rule, offset in the transcript and the extra bytes, escaped
    assert "[wire: final.one-blank] rx byte" in out
    assert "into this test's part" in out
    assert "\\r\\n\\r\\n\\r\\nOK\\r\\n" in out


def test_the_framing_real_boards_print_passes(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer(_board(FullRows)) as server:
        rig = serial_rig(pytester, ("good", server.url, ["wifi-sta"]))
        pytester.makepyfile(TESTS)
        result = run(pytester, rig, "-p", "no:randomly")
    result.assert_outcomes(passed=3)
