"""A run that does not reach its end still reports what it ran (issue 15, run-level resilience): Ctrl-C
writes summary.json with every finished test and says the run was interrupted; a pytest-xdist worker that
dies is reported as the failure of the test it was running, and the run goes on without losing the others."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from reports.index_page import render_index
from reports.run import load_run
from tests.fakes.scripted_board import ScriptedBoardServer
from tests.plugin.plugin_helpers import run, serial_rig


def _summary(path) -> tuple[dict[str, dict], dict]:
    data = json.loads(path.read_text())
    return {t["id"].split("::")[-1]: t for t in data["tests"]}, data


def test_ctrl_c_in_a_test_keeps_what_ran_and_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_stop="""
import os, signal

def test_first(dut):
    dut.cmd('AT').assert_ok()

def test_second(dut):
    os.kill(os.getpid(), signal.SIGINT)  # what a terminal's Ctrl-C does to a single-process run

def test_third(dut):
    dut.cmd('AT').assert_ok()
"""
    )
    summary = pytester.path / "s.json"
    with ScriptedBoardServer() as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        result = run(pytester, rig, f"--summary={summary}")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    tests, data = _summary(summary)
    assert tests["test_first"]["outcome"] == "passed"
    assert "test_third" not in tests  # never ran: not reported as anything
    assert data["interrupted"].startswith("interrupted (Ctrl-C or SIGINT) after ")
    assert data["interrupted"].endswith(" of 3 tests")


def test_sigint_to_an_xdist_run_writes_the_report_of_what_ran(pytester: pytest.Pytester) -> None:
    started = pytester.path / "slow.started"
    pytester.makepyfile(
        test_slow=f"""
import pathlib, time

def test_quick(dut):
    dut.cmd('AT').assert_ok()

def test_slow(dut):
    dut.cmd('AT').assert_ok()
    pathlib.Path({str(started)!r}).write_text("x")
    time.sleep(120)
"""
    )
    summary = pytester.path / "s.json"
    with ScriptedBoardServer() as one, ScriptedBoardServer() as two:  # a real board serves one worker
        rig = serial_rig(pytester, ("one", one.url, []), ("two", two.url, []))
        cmd = [
            sys.executable, "-m", "pytest", "-p", "fixtures.plugin", "-p", "no:cacheprovider",
            "--rig", str(rig), "--transcripts", str(pytester.path / "transcripts"), "-n", "2",
            f"--summary={summary}", str(pytester.path),
        ]  # fmt: skip
        # a session of its own, signalled as a whole: a terminal's Ctrl-C reaches the controller and workers
        proc = subprocess.Popen(
            cmd, cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 120
            while not started.exists():
                assert proc.poll() is None, proc.communicate()[0].decode(errors="replace")
                assert time.monotonic() < deadline, "the slow test never started"
                time.sleep(0.1)
            os.killpg(proc.pid, signal.SIGINT)
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out.decode(errors="replace")
    tests, data = _summary(summary)
    assert data["interrupted"] and data["interrupted"].startswith("interrupted"), data["interrupted"]
    # test_quick ran on the other worker (or before test_slow on the same one): its verdict is kept
    assert tests["test_quick"]["outcome"] == "passed", tests
    # and the HTML report of such a run never reads as a pass
    page = render_index(load_run(summary))
    assert 'id="interrupted"' in page and "no failures" not in page


def test_a_worker_that_dies_fails_its_test_and_the_run_goes_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_dies="""
import os

def test_before(dut):
    dut.cmd('AT').assert_ok()

def test_dies(dut):
    dut.cmd('AT').assert_ok()
    os._exit(3)  # the worker process vanishes mid-test, like one killed by the OOM killer

def test_after_1(dut):
    dut.cmd('AT').assert_ok()

def test_after_2(dut):
    dut.cmd('AT').assert_ok()
"""
    )
    summary = pytester.path / "s.json"
    with ScriptedBoardServer() as one, ScriptedBoardServer() as two:
        rig = serial_rig(pytester, ("one", one.url, []), ("two", two.url, []))
        result = run(pytester, rig, "-n", "2", f"--summary={summary}")
    result.assert_outcomes(passed=3, failed=1)
    tests, data = _summary(summary)
    assert tests["test_dies"]["outcome"] == "failed"
    assert "crashed" in (tests["test_dies"]["reason"] or ""), tests["test_dies"]
    assert all(tests[t]["outcome"] == "passed" for t in ("test_before", "test_after_1", "test_after_2"))
    assert data["interrupted"] is None  # the run reached its end
