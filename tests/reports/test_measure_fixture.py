"""The ``measure`` fixture (fixtures/measurements.py) in inner pytest runs: JUnit properties, Allure
attachments, failing out of limits while keeping what was measured."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from reports.measurements import PROPERTY, Attempt

pytest_plugins = ["pytester"]

TESTS = """
def test_in_limits(measure):
    a = measure("tcp_upload", 90_000, units="B/s", lower=50_000, marginal=5_000)
    assert a.outcome == "pass"

def test_marginal(measure):
    measure("tcp_upload", 52_000, units="B/s", lower=50_000, marginal=5_000)

def test_retry_then_out_of_limits(measure):
    measure("connect_time", 0.5, units="s", upper=2.0)
    measure("connect_time", 3.25, units="s", upper=2.0)
    raise RuntimeError("never reached: the attempt above fails the test")

def test_remeasured_after_a_low_attempt(measure):
    a = measure("rate", 10.0, units="B/s", lower=50.0, final=False)
    assert a.outcome == "fail"  # recorded and judged, but not the verdict: the test measures again
    assert measure("rate", 60.0, units="B/s", lower=50.0).outcome == "pass"

def test_every_attempt_low(measure):
    measure("rate", 10.0, units="B/s", lower=50.0, final=False)
    measure("rate", 20.0, units="B/s", lower=50.0, attempts=2)
"""


def _attempts(root: ET.Element, name: str) -> list[Attempt]:
    case = next(c for c in root.iter("testcase") if c.get("name") == name)
    return [Attempt.from_json(p.get("value", "")) for p in case.iter("property") if p.get("name") == PROPERTY]


def test_measure_records_every_attempt_and_fails_out_of_limits(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TESTS)
    allure_dir = pytester.path / "allure"
    result = pytester.runpytest_subprocess(
        "-p", "fixtures.measurements", "-p", "no:cacheprovider", "-n", "2",
        f"--junitxml={pytester.path / 'j.xml'}", f"--alluredir={allure_dir}", timeout=120,
    )  # fmt: skip
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*measurement out of limits: connect_time = 3.25 s (<= 2 s): fail*"])
    result.stdout.fnmatch_lines(
        ["*measurement out of limits: rate = 20 B/s (>= 50 B/s): fail (attempt 2 of 2; every attempt out*"]
    )
    root = ET.parse(pytester.path / "j.xml").getroot()
    assert [a.outcome for a in _attempts(root, "test_in_limits")] == ["pass"]
    assert [a.outcome for a in _attempts(root, "test_marginal")] == ["marginal"]
    # Both attempts are kept, the failing one included.
    retry = _attempts(root, "test_retry_then_out_of_limits")
    assert [(a.value, a.outcome) for a in retry] == [(0.5, "pass"), (3.25, "fail")]
    assert retry[1].limits.upper == 2.0 and retry[1].units == "s"
    again = _attempts(root, "test_remeasured_after_a_low_attempt")
    assert [(a.value, a.outcome) for a in again] == [(10.0, "fail"), (60.0, "pass")]
    # Allure: each attempt is a JSON attachment of its test.
    names = []
    for path in allure_dir.glob("*-result.json"):
        names += [a["name"] for a in json.loads(path.read_text())["attachments"]]
    assert sorted(names) == sorted(
        [
            "measurement tcp_upload = 90000 B/s (>= 50000 B/s, marginal below 55000 B/s): pass",
            "measurement tcp_upload = 52000 B/s (>= 50000 B/s, marginal below 55000 B/s): marginal",
            "measurement connect_time = 0.5 s (<= 2 s): pass",
            "measurement connect_time = 3.25 s (<= 2 s): fail",
            "measurement rate = 10 B/s (>= 50 B/s): fail",
            "measurement rate = 60 B/s (>= 50 B/s): pass",
            "measurement rate = 10 B/s (>= 50 B/s): fail",
            "measurement rate = 20 B/s (>= 50 B/s): fail",
        ]
    )


def test_measure_refuses_a_value_that_is_not_a_number(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_bad(measure):\n    measure('rate', '12')\n")
    result = pytester.runpytest_subprocess("-p", "fixtures.measurements", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*MeasurementError: measurement rate: value '12' is not a number*"])
