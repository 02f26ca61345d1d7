"""``python -m reports build``: index.html from summary.json (+ junit.xml), on synthetic runs."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from reports.__main__ import main
from reports.index_page import FORM_STATES
from reports.measurements import Attempt
from tests.reports.synthetic import SynthTest, big_run, form_test, guide_forms, mismatch, write_run

# 3.1 of the guide documents 41 forms of Basic AT commands (reports/SCHEMA.md, spec/data).
BASIC_FORMS = 41


def _row_counts(page: str, set_name: str) -> dict[str, int]:
    row = re.search(rf'<tr data-set="{set_name}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, f"no matrix row for {set_name}"
    return {k: int(v) for k, v in re.findall(r'data-count="([^"]+)">(\d+)<', row.group(1))}


def small_run() -> list[SynthTest]:
    basic = [ref for ref, _ in guide_forms("basic")]
    return [
        form_test(basic[0], "basic", "passed"),
        form_test(basic[1], "basic", "passed"),
        form_test(basic[1], "basic", "passed", 1),
        form_test(basic[2], "basic", "failed", reason=mismatch("+CWMODE:<mode>", "+CWMODE:7")),
        form_test(basic[3], "basic", "skipped", reason="rig lacks capability fs"),
        form_test(basic[4], "basic", "passed", checked=False),
        SynthTest("suites/examples/test_examples.py::test_example[4.2.1]", "passed"),
        SynthTest(
            "suites/throughput/test_tcp.py::test_upload",
            "passed",
            measurements=[Attempt.take("tcp_upload", 9_000, units="B/s", lower=5_000, marginal=1_000)],
        ),
    ]


def test_page_shows_the_matrix_counts_failure_lines_and_transcript(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "out", small_run())
    assert main(["build", str(folder)]) == 0
    page = (folder / "index.html").read_text()
    zero = dict.fromkeys(FORM_STATES, 0)
    assert _row_counts(page, "basic") == {
        **zero,
        "forms": BASIC_FORMS,
        "checked-pass": 2,
        "checked-fail": 1,
        "skipped": 1,
        "declared-unchecked": 1,  # basic[4]: its test passed and checked nothing of it
        "not covered": BASIC_FORMS - 5,
    }
    # A set no test touched still has its row: every form of it not covered.
    ble = len(guide_forms("ble"))
    assert _row_counts(page, "ble") == {**zero, "forms": ble, "not covered": ble}
    everything = len(guide_forms())
    assert _row_counts(page, "all")["forms"] == everything == 309
    assert _row_counts(page, "all")["not covered"] == everything - 5
    # Each form row says what each of its tests did with it.
    assert re.search(r"basic_forms.py::test_\w+\[0\] <span class=\"muted\">\(declared-unchecked\)", page)
    # The firmware's AT+GMR lines (3.1.4) are on the page.
    assert "Bin version:v5.0.0.0(WROOM-32)" in page
    # The failure: its expected and actual lines, and a relative link to a transcript that exists.
    assert '<td class="mono exp">+CWMODE:&lt;mode&gt;</td>' in page
    assert '<td class="mono act">+CWMODE:7</td>' in page
    link = re.search(r'<a class="transcript" href="([^"]+)">', page)
    assert link and not link.group(1).startswith("/")
    assert (folder / link.group(1)).read_text().startswith("transcript of suites/basic/")
    # The example replayed by suites/examples (id = the guide's section) and the measurement.
    assert re.search(r'<tr data-example="4.2.1">.*?<span class="b pass">pass</span>', page)
    assert re.search(r'<tr data-example="4.2.2">.*?not replayed', page)
    assert "tcp_upload" in page and "&gt;= 5000 B/s, marginal below 6000 B/s" in page


def test_summary_alone_gives_the_same_page(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "out", small_run(), junit=False)
    assert not (folder / "junit.xml").exists()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["schema_version"] == 3
    failed = next(t for t in summary["tests"] if t["outcome"] == "failed")
    assert failed["failure"]["expected"] == ["+CWMODE:<mode>"] and failed["failure"]["actual"] == [
        "+CWMODE:7"
    ]
    examples = {e["section"]: e for e in summary["examples"]}
    assert examples["4.2.1"]["result"] == "pass" and examples["4.2.2"]["result"] == "not replayed"
    assert main(["build", str(folder)]) == 0
    page = (folder / "index.html").read_text()
    assert '<td class="mono act">+CWMODE:7</td>' in page
    assert page.count('<a class="transcript" href="transcripts/') == 1
    assert "&gt;= 5000 B/s, marginal below 6000 B/s" in page


def test_failure_lines_come_from_junit_when_the_summary_has_only_the_first_line(tmp_path: Path) -> None:
    tests = small_run()
    tests[3].reason = "spec.match_result.MatchError: response line 1, column 12: literal: expected ':'"
    folder = write_run(tmp_path / "out", tests)
    # The JUnit body still has the whole MatchError text.
    junit = (folder / "junit.xml").read_text()
    whole = escape(mismatch("+A:<x>", "+A:9"))
    (folder / "junit.xml").write_text(junit.replace("E   spec.match", "E   " + whole, 1))
    assert main(["build", str(folder)]) == 0
    page = (folder / "index.html").read_text()
    assert '<td class="mono exp">+A:&lt;x&gt;</td>' in page and '<td class="mono act">+A:9</td>' in page


def test_plots_under_plots_are_embedded(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "out", small_run())
    (folder / "plots").mkdir()
    (folder / "plots" / "tcp_upload.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    main(["build", str(folder)])
    assert '<img src="plots/tcp_upload.svg"' in (folder / "index.html").read_text()


class _Checker(HTMLParser):
    """Counts elements and checks every opened <details>, <table>, <section> is closed."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.failures = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("details", "table", "section", "tr"):
            self.stack.append(tag)
        if tag == "div" and "failure" in (a.get("class") or "").split():
            self.failures += 1
        for key in ("src", "href"):
            if (a.get(key) or "").startswith(("http:", "https:", "//")):
                self.external.append(a[key] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("details", "table", "section", "tr"):
            assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
            self.stack.pop()


def test_two_thousand_tests_make_one_well_formed_offline_page(tmp_path: Path) -> None:
    tests = big_run(2000)
    folder = write_run(tmp_path / "out", tests)
    assert main(["build", str(folder)]) == 0
    page = (folder / "index.html").read_text()
    checker = _Checker()
    checker.feed(page)
    assert checker.stack == []
    assert checker.failures == sum(t.outcome == "failed" for t in tests)
    assert checker.external == []  # readable offline: nothing fetched from the network
    assert len(page.encode()) < 3_000_000


def test_a_malformed_summary_is_named_with_its_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_run(tmp_path / "out", small_run())
    data = json.loads((folder / "summary.json").read_text())
    data["totals"]["passed"] = "many"
    (folder / "summary.json").write_text(json.dumps(data))
    assert main(["build", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "summary.json: not a run summary of reports/SCHEMA.md: field totals.passed" in err


def test_a_broken_junit_file_is_reported_and_the_page_still_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_run(tmp_path / "out", small_run())
    (folder / "junit.xml").write_text("<testsuites><testsuite>")
    assert main(["build", str(folder)]) == 0
    assert "junit.xml: not a readable JUnit XML file" in capsys.readouterr().err
    assert "junit.xml: not a readable JUnit XML file" in (folder / "index.html").read_text()


def test_a_summary_older_than_junit_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_run(tmp_path / "out", small_run())
    old = (folder / "summary.json").stat().st_mtime - 3600
    os.utime(folder / "summary.json", (old, old))
    assert main(["build", str(folder)]) == 0
    assert "summary.json is older than junit.xml beside it" in capsys.readouterr().err


def test_a_missing_summary_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path)]) == 2
    assert "summary.json: cannot read the run summary" in capsys.readouterr().err


def test_an_example_row_shows_each_replay_with_its_transcript_and_screenshots(tmp_path: Path) -> None:
    """4.7.1 replayed by two browser tests (``example`` markers, no [4.x.y] in their ids): the row lists
    both, each test's transcript link and the screenshots it took, as thumbnails linking to the image."""
    tests = [
        SynthTest(
            "suites/webserver/test_webserver.py::test_4_7_1_provisioning_from_a_browser",
            "passed",
            examples=("4.7.1",),
            screenshots=["screenshots/a-1-page.png", "screenshots/a-2-filled.png"],
        ),
        SynthTest(
            "suites/webserver/test_webserver.py::test_4_7_1_wrong_password", "passed", examples=("4.7.1",)
        ),
    ]
    folder = write_run(tmp_path / "out", tests, junit=False)
    assert main(["build", str(folder)]) == 0
    page = (folder / "index.html").read_text()
    row = re.search(r'<tr data-example="4.7.1">(.*?)</tr>', page, re.S)
    assert row and '<span class="b pass">pass</span>' in row.group(1)
    assert "test_4_7_1_provisioning_from_a_browser" in row.group(
        1
    ) and "test_4_7_1_wrong_password" in row.group(1)
    assert row.group(1).count(">transcript</a>") == 2
    assert re.findall(r'<a href="([^"]+)"><img src="\1"', row.group(1)) == [
        "screenshots/a-1-page.png",
        "screenshots/a-2-filled.png",
    ]
    summary = json.loads((folder / "summary.json").read_text())
    entry = next(t for t in summary["tests"] if t["id"].endswith("from_a_browser"))
    assert entry["example"] == "4.7.1" and len(entry["screenshots"]) == 2
