"""fixtures/coverage.py writes summary.json for a run of only the examples, throughput or robustness suites
too (so ``./run conformance -m throughput`` gets its page), and not for a run of tests of none of them."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]


def _run(pytester: pytest.Pytester, marker: str | None) -> pytest.RunResult:
    mark = f"@pytest.mark.{marker}\n" if marker else ""
    pytester.makepyfile(
        "import pytest\n\n"
        f"{mark}def test_rate(measure):\n"
        "    measure('tcp_upload', 9000, units='B/s', lower=5000, marginal=1000)\n"
    )
    pytester.makeini(
        "[pytest]\nmarkers =\n    throughput: throughput measurements\n    examples: chapter 4\n"
    )
    return pytester.runpytest_subprocess(
        "-p", "fixtures.coverage", "-p", "fixtures.measurements", "-p", "no:cacheprovider", timeout=120
    )  # fmt: skip


def test_a_throughput_only_run_gets_a_summary_with_its_measurements(pytester: pytest.Pytester) -> None:
    _run(pytester, "throughput").assert_outcomes(passed=1)
    summary = json.loads((pytester.path / "reports" / "out" / "summary.json").read_text())
    (test,) = summary["tests"]
    (m,) = test["measurements"]
    assert (m["name"], m["value"], m["outcome"], m["limits"]["marginal"]) == (
        "tcp_upload",
        9000,
        "pass",
        1000,
    )


def test_a_run_outside_the_suites_writes_no_summary(pytester: pytest.Pytester) -> None:
    _run(pytester, None).assert_outcomes(passed=1)
    assert not (pytester.path / "reports" / "out" / "summary.json").exists()
