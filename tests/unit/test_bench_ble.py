"""tests/bench/bench_ble.py's reading of a JUnit XML: outcomes, the figures' values and floors, and that a
failure or a slow average misses the target (the run itself is the benchmark's, not a unit test's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_ble import Case, cases, figures

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
<testcase classname="suites.ble.test_a" name="test_ok" time="0.500"/>
<testcase classname="suites.ble.test_a" name="test_slow" time="1.500"/>
<testcase classname="suites.ble.test_b" name="test_skip" time="0.001"><skipped message="no"/></testcase>
<testcase classname="suites.ble.test_b" name="test_bad" time="1.000"><failure message="x"/></testcase>
</testsuite></testsuites>
"""


def test_cases_read_names_times_and_outcomes(tmp_path: Path) -> None:
    path = tmp_path / "ble.xml"
    path.write_text(JUNIT, encoding="utf-8")
    assert cases(path) == [
        Case("suites.ble.test_a::test_ok", 0.5, "passed"),
        Case("suites.ble.test_a::test_slow", 1.5, "passed"),
        Case("suites.ble.test_b::test_skip", 0.001, "skipped"),
        Case("suites.ble.test_b::test_bad", 1.0, "failed"),
    ]


def test_figures_average_the_tests_that_ran_and_a_failure_misses_the_target() -> None:
    ran = [Case("a", 0.5, "passed"), Case("b", 1.5, "passed"), Case("c", 0.0, "skipped")]
    avg, run = figures(ran, wall_s=3.0, workers=2)
    want = ("ble_test_avg", 1.0, "s", 0.5, True)
    assert (avg["figure"], avg["value"], avg["unit"], avg["floor"], avg["ok"]) == want
    assert (run["value"], run["floor"], run["ok"]) == (3.0, 1.0, False)  # 3 s x 2 workers / 2 tests
    assert (avg["detail"]["passed"], avg["detail"]["skipped"], avg["detail"]["failed"]) == (2, 1, 0)
    failed = figures([*ran, Case("d", 0.1, "failed")], wall_s=0.1, workers=1)
    assert not any(row["ok"] for row in failed)


def test_no_test_ran_is_an_error_not_a_figure() -> None:
    with pytest.raises(SystemExit, match="no BLE test ran"):
        figures([Case("a", 0.0, "skipped")], wall_s=1.0, workers=2)
