"""``python -m reports compare A B``: what started failing or passing, lost coverage, measurements that
moved beyond their marginal band; text, HTML and exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.__main__ import main
from reports.compare import compare_runs, render_text
from reports.measurements import Attempt
from reports.run import load_run
from reports.summary import FormRef
from tests.reports.synthetic import GMR, SynthTest, form_test, guide_forms, mismatch, write_run

BASIC = [ref for ref, _ in guide_forms("basic")]


def rate(value: float) -> Attempt:
    return Attempt.take("tcp_upload", value, units="B/s", lower=20_000, marginal=5_000)


def night_a() -> list[SynthTest]:
    return [
        form_test(BASIC[0], "basic", "passed", 1),
        form_test(BASIC[1], "basic", "passed", 2),
        form_test(BASIC[2], "basic", "failed", 3, reason=mismatch("OK", "ERROR")),
        form_test(BASIC[3], "basic", "passed", 4),
        SynthTest("suites/throughput/test_tcp.py::test_upload", "passed", measurements=[rate(50_000)]),
        SynthTest("suites/throughput/test_tcp.py::test_download", "passed", measurements=[rate(60_000)]),
        form_test(BASIC[5], "basic", "passed", 7),
    ]


def night_b() -> list[SynthTest]:
    return [
        form_test(
            BASIC[0], "basic", "failed", 1, reason=mismatch("AT version:<version>", "AT version:bogus")
        ),
        form_test(BASIC[1], "basic", "passed", 2),
        form_test(BASIC[2], "basic", "passed", 3),
        form_test(BASIC[3], "basic", "skipped", 4, reason="rig lacks capability fs"),
        # 10,000 B/s down: more than the 5,000 B/s band, towards the lower limit
        SynthTest("suites/throughput/test_tcp.py::test_upload", "passed", measurements=[rate(40_000)]),
        # 3,000 B/s down: inside the band
        SynthTest("suites/throughput/test_tcp.py::test_download", "passed", measurements=[rate(57_000)]),
        form_test(BASIC[6], "basic", "passed", 8),
    ]


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    return write_run(tmp_path / "a", night_a()), write_run(tmp_path / "b", night_b())


def test_each_kind_of_change_is_sorted_out(runs: tuple[Path, Path]) -> None:
    a, b = night_a(), night_b()
    diff = compare_runs(load_run(runs[0]), load_run(runs[1]))
    assert [c.id for c in diff.started_failing] == [b[0].id]
    assert diff.started_failing[0].expected == ("AT version:<version>",)
    assert diff.started_failing[0].actual == ("AT version:bogus",)
    assert [c.id for c in diff.started_passing] == [b[2].id]
    assert [c.id for c in diff.newly_skipped] == [b[3].id]
    assert [c.id for c in diff.only_in_a] == [a[6].id]
    assert [c.id for c in diff.only_in_b] == [b[6].id]
    assert [(m.test, m.before, m.after) for m in diff.measurements_regressed] == [(b[4].id, 50_000, 40_000)]
    assert [m.test for m in diff.measurements_within_band] == [b[5].id]
    assert [(f.key, f.before, f.after) for f in diff.forms_started_failing] == [
        (BASIC[0].key, "checked-pass", "checked-fail")
    ]
    assert [(f.key, f.after) for f in diff.forms_started_passing] == [(BASIC[2].key, "checked-pass")]
    assert {(f.key, f.after) for f in diff.forms_lost} == {
        (BASIC[3].key, "skipped"),
        (BASIC[5].key, "not covered"),
    }
    assert diff.regressions == 2  # one test started failing, one measurement moved beyond its band
    assert compare_runs(load_run(runs[0]), load_run(runs[1]), strict=True).regressions == 5


def test_firmware_change_is_named(tmp_path: Path) -> None:
    gmr_b = [*GMR[:3], "Bin version:v5.1.0.0(WROOM-32)"]
    a = load_run(write_run(tmp_path / "a", night_a()))
    b = load_run(write_run(tmp_path / "b", night_a(), gmr=gmr_b))
    text = render_text(compare_runs(a, b))
    assert (
        "firmware: AT+GMR differs\n  - Bin version:v5.0.0.0(WROOM-32)\n  + Bin version:v5.1.0.0(WROOM-32)\n"
        in text
    )
    assert "firmware: same AT+GMR lines" in render_text(compare_runs(a, a))


def test_text_lists_regressions_first_with_expected_and_actual(runs: tuple[Path, Path]) -> None:
    text = render_text(compare_runs(load_run(runs[0]), load_run(runs[1])))
    regressions, other = text.split("OTHER CHANGES")
    assert "REGRESSIONS: 2" in regressions
    assert "started failing (1)" in regressions
    assert "      expected: AT version:<version>\n      actual:   AT version:bogus" in regressions
    assert "tcp_upload: 50000 -> 40000 B/s (-20.0 %; band 5000) marginal" not in regressions
    assert "tcp_upload: 50000 -> 40000 B/s (-20.0 %; band 5000) pass" in regressions
    assert "started passing (1)" in other and "newly skipped (1)" in other
    assert "rig lacks capability fs" in other
    assert text.rstrip().endswith("verdict: B REGRESSED against A (2 regressions); exit status 1")


def test_exit_status_and_html_page(
    runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp" / "compare.html"
    assert main(["compare", str(runs[0]), str(runs[1]), "--html", str(out)]) == 1
    assert "REGRESSIONS: 2" in capsys.readouterr().out
    page = out.read_text()
    assert '<h3 id="started-failing">started failing (1)</h3>' in page
    assert 'href="../b/transcripts/' in page  # transcript links resolve from where the page is
    # The same run against itself: nothing changed, exit 0.
    assert main(["compare", str(runs[0]), str(runs[0] / "summary.json")]) == 0
    assert "verdict: no regressions; exit status 0" in capsys.readouterr().out


def test_strict_counts_lost_coverage(runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    b_only_skips = runs[1].parent / "c"
    tests = night_a()
    tests[3] = form_test(BASIC[3], "basic", "skipped", 4, reason="rig lacks capability fs")
    write_run(b_only_skips, tests)
    assert main(["compare", str(runs[0]), str(b_only_skips)]) == 0
    assert main(["compare", str(runs[0]), str(b_only_skips), "--strict"]) == 1
    assert "REGRESSIONS: 2" in capsys.readouterr().out.split("verdict")[-2]


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(tmp_path / "nope"), str(tmp_path)]) == 2
    assert "cannot read the run summary" in capsys.readouterr().err


def test_failures_alike_are_grouped_under_one_explanation(tmp_path: Path) -> None:
    same = mismatch("Bin version:<Bin version>(<module_name>)", "Bin version=bogus")
    a = [form_test(BASIC[i], "basic", "passed", i) for i in range(3)]
    b = [
        form_test(BASIC[0], "basic", "failed", 0, reason=same),
        form_test(BASIC[1], "basic", "failed", 1, reason=mismatch("OK", "ERROR")),
        form_test(BASIC[2], "basic", "failed", 2, reason=same),
    ]
    text = render_text(
        compare_runs(load_run(write_run(tmp_path / "a", a)), load_run(write_run(tmp_path / "b", b)))
    )
    largest, other = text.split("  * 2 tests failing with\n", 1)[1].split("  * 1 test failing with\n", 1)
    assert largest.startswith(
        "      expected: Bin version:<Bin version>(<module_name>)\n      actual:   Bin version=bogus\n"
    )
    assert f"    {b[0].id}  passed -> failed" in largest and f"    {b[2].id}  passed -> failed" in largest
    assert other.startswith("      expected: OK\n      actual:   ERROR\n") and b[1].id in other


def test_an_older_summary_compares_as_declared_not_checked(tmp_path: Path) -> None:
    """A schema-2 summary (forms judged by declarations) against today's: its passing forms read as
    declared-unchecked (reports/summary_legacy.py), so the checks of B show as newly covered, no loss."""
    import json

    from tests.reports.test_form_state import _legacy_summary

    old = tmp_path / "old"
    old.mkdir()
    (old / "summary.json").write_text(json.dumps(_legacy_summary()))
    udp = FormRef("AT+SAVETRANSLINK", "set", "savetrans-udp")
    new = write_run(tmp_path / "new", [form_test(udp, "basic", "passed", 1)])
    diff = compare_runs(load_run(old), load_run(new), strict=True)
    assert diff.regressions == 0
    assert [(f.key, f.before, f.after) for f in diff.forms_gained] == [
        ("AT+SAVETRANSLINK/set/savetrans-udp", "declared-unchecked", "checked-pass")
    ]
    # one variant of four checked: the form is only partly checked
    other = {f.key: (f.before, f.after) for f in diff.forms_other}
    assert other["AT+SAVETRANSLINK/set"] == ("declared-unchecked", "partly checked")
    assert main(["compare", str(old), str(new)]) == 0
