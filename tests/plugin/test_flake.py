"""--esp-reruns and --esp-quarantine (fixtures/flake.py): a test that passes only on a re-run is flaky (a
failure with every run's transcript), a quarantined failure is a non-blocking verdict that still shows."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.fakes.scripted_board import ScriptedBoardServer
from tests.plugin.plugin_helpers import run, serial_rig

# A test that fails on its first run only (a file beside it remembers the runs), one that always fails, one
# that passes, and one whose fixture fails to set up on the first run.
TESTS = """
import pathlib, pytest

def _count(name):
    f = pathlib.Path(__file__).parent / (name + ".count")
    n = int(f.read_text()) + 1 if f.exists() else 1
    f.write_text(str(n))
    return n

def test_flaky(dut):
    dut.cmd('AT').assert_ok()
    assert _count("flaky") > 1, "first run fails"

def test_broken(dut):
    dut.cmd('AT').assert_ok()
    assert False, "always fails"

def test_fine(dut):
    dut.cmd('AT').assert_ok()

@pytest.fixture
def shaky():
    assert _count("shaky") > 1, "setup fails once"

def test_setup_flaky(dut, shaky):
    dut.cmd('AT').assert_ok()
"""


def _summary(pytester: pytest.Pytester) -> dict[str, dict]:
    data = json.loads((pytester.path / "s.json").read_text())
    return {t["id"].split("::")[-1]: t for t in data["tests"]}, data["totals"]


def test_reruns_make_flaky_a_failure_with_every_run(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer() as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile(test_runs=TESTS)
        result = run(pytester, rig, "--esp-reruns", "2", f"--summary={pytester.path / 's.json'}")
    result.assert_outcomes(passed=1, failed=3)  # flaky (twice) and broken: none of them a pass
    tests, totals = _summary(pytester)
    flaky = tests["test_flaky"]
    assert flaky["outcome"] == "failed" and flaky["flaky"] is True
    assert [(r["attempt"], r["outcome"]) for r in flaky["runs"]] == [(1, "failed"), (2, "passed")]
    assert "first run fails" in (flaky["runs"][0]["reason"] or "")
    first, second = (r["transcript"] for r in flaky["runs"])
    assert first != second and second.endswith(".run2.txt")
    assert "AT\\r\\n" in (pytester.path / "transcripts").joinpath(first.rsplit("/", 1)[-1]).read_text()
    assert flaky["reason"].startswith("flaky: failed 1 of 2 runs, passed on run 2")
    broken = tests["test_broken"]
    assert broken["outcome"] == "failed" and broken["flaky"] is False
    assert [r["outcome"] for r in broken["runs"]] == ["failed"] * 3
    assert tests["test_fine"]["runs"] == [] and tests["test_fine"]["outcome"] == "passed"
    setup = tests["test_setup_flaky"]
    assert setup["flaky"] is True and [r["outcome"] for r in setup["runs"]] == ["error", "passed"]
    assert totals["flaky"] == 2 and totals["failed"] == 3
    assert "flaky: failed 1 of 2 runs" in result.stdout.str()


def test_quarantine_makes_failures_non_blocking_until_its_day(pytester: pytest.Pytester) -> None:
    today = dt.datetime.now(dt.UTC).date()
    (pytester.path / "q.yaml").write_text(
        "quarantine:\n"
        f"  - {{test: '*::test_broken', reason: 'esp-at#0 known', until: {today + dt.timedelta(days=3)}}}\n"
        f"  - {{test: '*::test_flaky', reason: 'was fixed', until: {today - dt.timedelta(days=1)}}}\n"
        f"  - {{test: '*::test_fine', reason: 'passes anyway', until: {today}}}\n"
    )
    with ScriptedBoardServer() as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile(test_runs=TESTS)
        result = run(
            pytester,
            rig,
            "--esp-quarantine",
            str(pytester.path / "q.yaml"),
            f"--summary={pytester.path / 's.json'}",
        )
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)
    tests, totals = _summary(pytester)
    broken = tests["test_broken"]
    assert broken["outcome"] == "xfailed"
    assert broken["quarantine"] == f"quarantined until {today + dt.timedelta(days=3)}: esp-at#0 known"
    assert totals["quarantined"] == 1
    flaky = tests["test_flaky"]  # its entry expired: the failure stands, and the summary says why
    assert flaky["outcome"] == "failed" and flaky["quarantine"].startswith("expired ")
    assert tests["test_fine"]["outcome"] == "passed" and tests["test_fine"]["quarantine"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quarantine:\n  - {test: a, reason: b}\n", "quarantine[0]: until: missing"),
        (
            "quarantine:\n  - {test: a, reason: b, until: soon}\n",
            "until: expected a date YYYY-MM-DD, got 'soon'",
        ),
        ("quarantine:\n  - {test: a, reason: b, until: 2027-01-01, owner: me}\n", "unknown keys ['owner']"),
        ("flakes: []\n", "the one key 'quarantine'"),
    ],
)
def test_bad_quarantine_file_stops_the_run_naming_the_entry(
    pytester: pytest.Pytester, text: str, message: str
) -> None:
    (pytester.path / "q.yaml").write_text(text)
    with ScriptedBoardServer() as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile("def test_a():\n    pass\n")
        result = run(pytester, rig, "--esp-quarantine", str(pytester.path / "q.yaml"))
    assert result.ret != 0
    assert f"{pytester.path / 'q.yaml'}: " in result.stderr.str() and message in result.stderr.str()
