"""fixtures/transcript_checks.py: every session a test drives is checked after the body by each named
checker; a finding fails the test, ``lenient(name, reason=...)`` turns one checker off."""

from __future__ import annotations

import pytest

from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer
from tests.plugin.plugin_helpers import run, serial_rig

# A demonstration checker: the finding names the command it objects to, so the test can see it reached the
# message. It reads the events of the test's own part of the session only.
INNER_CONFTEST = """
from fixtures.transcript_checks import CHECKERS, Finding
from rigs.at.events import Echo

def _no_gmr(view, item):
    return [
        Finding("demo", "no-gmr", f"echo {ev.line!r} in {item.name}")
        for _, ev in view.events()
        if isinstance(ev, Echo) and "GMR" in ev.line
    ]

CHECKERS["demo"] = _no_gmr
"""

INNER_TESTS = """
import pytest

def test_clean(dut):
    dut.cmd("AT").assert_ok()

def test_gmr(dut):
    dut.cmd("AT+GMR").assert_ok()

@pytest.mark.lenient("demo", reason="this test is about AT+GMR")
def test_gmr_lenient(dut):
    dut.cmd("AT+GMR").assert_ok()

@pytest.mark.lenient("demo")
def test_lenient_without_reason(dut):
    dut.cmd("AT").assert_ok()

@pytest.mark.lenient("nosuch", reason="typo")
def test_lenient_unknown(dut):
    dut.cmd("AT").assert_ok()

def test_after_gmr_test(dut):
    # the same board as test_gmr's: its AT+GMR is not this test's
    dut.cmd("AT").assert_ok()

def test_own_failure_first(dut):
    dut.cmd("AT+GMR")
    assert False, "the test's own failure"
"""


def test_findings_fail_the_test_that_was_running(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makeconftest(INNER_CONFTEST)
        pytester.makepyfile(INNER_TESTS)
        result = run(pytester, rig, "-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=4)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*1 transcript check finding(s):*",
            "*[[]demo: no-gmr[]] echo 'AT+GMR' in test_gmr*",
            "*[[]lenient: marker[]] lenient(...) needs reason=*",
            "*[[]lenient: marker[]] lenient(nosuch): no such checker; known: *demo*",
        ]
    )
    assert "FAILED test_findings_fail_the_test_that_was_running.py::test_gmr " in out
    assert "test_gmr_lenient" not in out.split("short test summary")[-1]
    # A test that failed on its own keeps its own message, not a checker's.
    assert "the test's own failure" in out
    assert "in test_own_failure_first" not in out
