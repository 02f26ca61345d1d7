"""``python -m reports versions`` (reports/versions.py, issue 19): runs judged against different releases
side by side, per form and per example, with the guide's changes that explain each difference. The runs are
synthetic summaries (tests/reports/synthetic.py); the guides and their differences are the real spec/ data
of v4.1.1.0 and v5.0.0.0."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reports.__main__ import main
from reports.run import load_run
from reports.summary import FormRef
from reports.versions import LACKS, render_text, to_json, version_report
from spec.release_diff import diff_specs
from spec.releases import load_release
from tests.reports.synthetic import SynthTest, form_test, mismatch, write_run

CWJAP = FormRef("AT+CWJAP", "set")
CWLAP = FormRef("AT+CWLAP", "set")  # v4.1.1.0 -> v5.0.0.0: parameters added (spec diff)
BANDWIDTH = FormRef("AT+CWBANDWIDTH", "query")  # added in v5.0.0.0


def example_test(section: str, outcome: str) -> SynthTest:
    return SynthTest(f"suites/examples/test_ex.py::test_example[{section}]", outcome, examples=(section,))  # type: ignore[arg-type]


@pytest.fixture
def runs(tmp_path: Path) -> list[Path]:
    # given newest first: the report orders by release, not by argument order
    v5 = write_run(
        tmp_path / "night-v5",
        [
            form_test(CWJAP, "wifi", "passed"),
            form_test(CWLAP, "wifi", "failed", reason=mismatch("OK", "ERROR")),
            form_test(BANDWIDTH, "wifi", "passed"),
            example_test("4.2.1", "failed"),
        ],
        release="v5.0.0.0",
        started=datetime(2026, 12, 6, 2, 0, tzinfo=UTC),
    )
    v4 = write_run(
        tmp_path / "night-v4",
        [
            form_test(CWJAP, "wifi", "passed"),
            form_test(CWLAP, "wifi", "passed"),
            example_test("4.2.1", "passed"),
        ],
        release="v4.1.1.0",
        started=datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
    )
    return [v5, v4]


def report_of(paths: list[Path]):  # type: ignore[no-untyped-def]
    return version_report(
        [load_run(p) for p in paths],
        guide=load_release,
        diffs=lambda a, b: diff_specs(load_release(a), load_release(b)),
    )


def test_columns_follow_the_releases_and_differences_are_explained(runs: list[Path]) -> None:
    report = report_of(runs)
    assert [c.label for c in report.columns] == ["v4.1.1.0", "v5.0.0.0"]
    rows = {r.key: r for r in report.forms}
    assert rows["AT+CWJAP/set"].cells == ["checked-pass", "checked-pass"] and not rows["AT+CWJAP/set"].differs
    cwlap = rows["AT+CWLAP/set"]
    assert cwlap.cells == ["checked-pass", "checked-fail"]
    added = "v4.1.1.0 -> v5.0.0.0: parameter added [<2ghz_channel_bitmap>]"
    assert any(e.startswith(added) for e in cwlap.explained), cwlap.explained
    assert cwlap.failing == [[], [next(t for t in load_run(runs[0]).tests if "cwlap" in t)]]
    # not in the v4.1.1.0 guide at all: "lacks", not "not covered"; the diff names the addition
    bandwidth = rows["AT+CWBANDWIDTH/query"]
    assert bandwidth.cells == [LACKS, "checked-pass"]
    assert any("command added" in e for e in bandwidth.explained), bandwidth.explained
    # a form both guides document and neither run covered is alike, so no difference
    assert rows["AT+CWMODE/query"].cells == ["not covered", "not covered"]
    example = next(r for r in report.examples if r.key == "4.2.1")
    assert example.cells == ["pass", "fail"]
    assert example.explained == [
        "docs drift: replayed on v4.1.1.0, fails on v5.0.0.0 (the later output left the guide)"
    ]
    assert {r.key for r in report.differences()} == {"AT+CWLAP/set", "AT+CWBANDWIDTH/query", "4.2.1"}


def test_text_and_json(runs: list[Path]) -> None:
    report = report_of(runs)
    text = render_text(report)
    assert text.startswith("runs side by side: v4.1.1.0 | v5.0.0.0\n")
    assert "  AT+CWLAP/set" in text and "checked-pass | checked-fail" in text
    assert "AT+CWJAP/set" not in text  # alike rows only with --all
    assert "AT+CWJAP/set" in render_text(report, every_row=True)
    data = to_json(report)
    assert [c["release"] for c in data["columns"]] == ["v4.1.1.0", "v5.0.0.0"]
    cwlap = next(r for r in data["forms"] if r["key"] == "AT+CWLAP/set")
    assert cwlap["cells"] == {"v4.1.1.0": "checked-pass", "v5.0.0.0": "checked-fail"} and cwlap["differs"]
    assert list(cwlap["failing"]) == ["v5.0.0.0"]


def test_the_command_line(runs: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["versions", *map(str, runs), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["label"] for c in data["columns"]] == ["v4.1.1.0", "v5.0.0.0"]
    assert main(["versions", str(runs[0])]) == 2
    assert "needs two runs or more" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "summary.json").write_text("{}")
    assert main(["versions", str(runs[0]), str(tmp_path / "broken")]) == 2
    assert "not a run summary" in capsys.readouterr().err


def test_two_runs_of_one_release_and_a_release_without_a_guide(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", [form_test(CWJAP, "wifi", "passed")], release="v5.0.0.0")
    b = write_run(tmp_path / "b", [form_test(CWJAP, "wifi", "failed")], release="v5.0.0.0")
    c = write_run(tmp_path / "c", [form_test(CWJAP, "wifi", "passed")], release="v9.9.9.9")
    report = version_report(
        [load_run(p) for p in (a, b, c)],
        guide=lambda r: load_release(r) if r == "v5.0.0.0" else None,
        diffs=lambda x, y: [],
    )
    assert [col.label for col in report.columns] == ["v5.0.0.0 (a)", "v5.0.0.0 (b)", "v9.9.9.9"]
    assert report.unknown_releases == ["v9.9.9.9"]
    row = next(r for r in report.forms if r.key == "AT+CWBANDWIDTH/query")
    assert row.cells == ["not covered"] * 3  # no guide for v9.9.9.9: never "lacks" by guesswork
    cwjap = next(r for r in report.forms if r.key == "AT+CWJAP/set")
    # a v5.0.0.0 -> v5.0.0.0 step has nothing to explain; the step to v9.9.9.9 has no guide to compare
    assert cwjap.cells == ["checked-pass", "checked-fail", "checked-pass"]
    assert cwjap.explained == ["v5.0.0.0 -> v9.9.9.9: spec/ holds no guide for v9.9.9.9 to compare"]
