"""tools.bisect's manifest, step verdicts and report (tools/bisect/steps.py, report.py) without running
pytest: manifests written here, summaries written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from spec.release_diff import Change, ChangeKind
from tools.bisect.report import (
    documented_release,
    render_text,
    summarise,
    touching,
    transcript_diff,
    transcript_lines,
)
from tools.bisect.search import Bisection, Verdict
from tools.bisect.steps import Build, ManifestError, StepRun, load_manifest, read_step, rig_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_personas_manifest_loads_oldest_first() -> None:
    builds = load_manifest(ROOT / "tools" / "bisect" / "personas.yaml")
    assert [b.id for b in builds] == ["v2.2.0.0", "v2.4.0.0", "v3.2.0.0", "v3.4.0.0", "v4.1.1.0", "v5.0.0.0"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {id: a, image: a.bin}\n- {id: b, profile: p}\n", "build 1 \\(a\\): no image .*a.bin"),
        ("- {id: a, profile: p, rig: r.yaml}\n- {id: b, profile: p}\n", "exactly one of profile:, rig: or"),
        ("- {id: a, profile: p}\n- {id: a, profile: q}\n", "build ids repeat"),
        ("- {id: a, profile: p}\n", "at least two builds"),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_cause(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_manifest(tmp_path / "m.yaml")


def test_a_profile_build_runs_on_the_rig_copy_with_its_at_version_and_the_chosen_guide() -> None:
    _, text = rig_text(Build("v3.2.0.0", profile="v3.2.0.0-esp32"), ROOT / "rigs" / "sim.yaml", "v5.0.0.0")
    import yaml

    board = yaml.safe_load(text)["boards"][0]
    assert board["sim"]["profile"] == "v3.2.0.0-esp32"
    assert board["firmware"]["at_version"] == "3.2.0.0" and board["firmware"]["release"] == "v5.0.0.0"


def test_no_summary_is_an_error_verdict_naming_the_log(tmp_path: Path) -> None:
    run = read_step(Build("x", profile="p"), 1, tmp_path, 4)
    assert run.verdict.value == "error" and "pytest exit 4" in run.reason and "pytest.log" in run.reason


def test_transcripts_compare_by_what_was_said_not_by_how_reads_fell(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("  1.0 sim tx   AT\\r\\n\n  1.1 sim rx   AT\\r\n  1.2 sim rx   \\n\\r\\nOK\\r\\n\n", encoding="utf-8")
    b.write_text("  7.0 sim tx   AT\\r\\n\n  7.5 sim rx   AT\\r\\n\\r\\nERROR\\r\\n\n", encoding="utf-8")
    assert transcript_lines(a) == ["sim tx   AT\\r\\n", "sim rx   AT\\r\\n", "sim rx   \\r\\n", "sim rx   OK\\r\\n"]
    diff = transcript_diff(a, b, ("good", "bad"))
    assert "-sim rx   OK\\r\\n" in diff and "+sim rx   ERROR\\r\\n" in diff
    assert not any(line.startswith(("-sim tx", "+sim tx")) for line in diff)


TEST = "suites/tcpip/test_tcpip_config.py::test_query_default[AT+CIPSTATE/query/default]"


def _run_of(build: Build, verdict: str, at_version: str, forms: list[str]) -> StepRun:
    """A step as read_step gives it: AT+GMR in the guide's form (3.1.3), the test's forms."""
    gmr = [f"AT version:{at_version}(s-0000000 - ESP32 - Jun  1 2022 00:00:00)", "Bin version:x(WROOM-32)"]
    failed = TEST if verdict == "bad" else None
    return StepRun(build, 1, Verdict(verdict), Path("."), {"failed" if failed else "passed": 1}, failed, {},
                   ["v5.0.0.0"], gmr, "", {TEST: forms})  # fmt: skip


def _report(table: list[tuple[str, str, str]], forms: list[str]) -> dict:
    """Bisect builds (id, verdict, AT version), oldest first, as the tool's loop does, and summarise."""
    builds = [Build(b, profile=f"{b}-esp32") for b, _, _ in table]
    search, runs = Bisection(len(builds), reruns=0), []
    while (i := search.next()) is not None:
        runs.append(_run_of(builds[i], table[i][1], table[i][2], forms))
        search.feed(table[i][1])
    return summarise(builds, search, runs)


@pytest.mark.parametrize(
    ("at_version", "release"),
    [("2.4.0.0", "v2.4.0.0"), ("2.2.0.0", "v2.2.0.0_esp32"), ("5.0.0.0", "v5.0.0.0"),
     ("4.0.0.0", None), ("9.9.9.9", None), ("1.0.0.0", None)],
)  # fmt: skip
def test_a_build_is_the_release_its_own_at_version_names(at_version: str, release: str | None) -> None:
    """A build between two releases or past the newest has no guide of its own to diff."""
    run = _run_of(Build("b", profile="p"), "good", at_version, [])
    assert documented_release(run) == release
    assert documented_release(StepRun(Build("b"), 1, Verdict.error, Path("."), {}, None, {}, [], [])) is None


def test_only_changes_of_the_tests_forms_and_their_commands_touch_it() -> None:
    def ch(kind: ChangeKind, subject: str, detail: str = "") -> Change:
        return Change(kind, "wifi", "3.2.1", subject, detail)

    changes = [
        ch(ChangeKind.form_added, "AT+CWX", "query"),
        ch(ChangeKind.response_changed, "AT+CWX", "set"),
        ch(ChangeKind.param_changed, "AT+CWX", "<mode> range"),
        ch(ChangeKind.command_added, "AT+CWY", "Other"),
        ch(ChangeKind.error_code_added, "AT+CWX"),
    ]
    kept = touching(changes, ["AT+CWX/query", "AT+CWZ/set/variant"])
    assert [(c.kind, c.detail) for c in kept] == [
        (ChangeKind.form_added, "query"), (ChangeKind.param_changed, "<mode> range")
    ]  # fmt: skip
    assert touching(changes, ["AT+CWY/execute"]) == [changes[3]]


def test_the_report_holds_the_spec_diff_lines_of_the_failing_tests_form() -> None:
    """v2.2.0.0_esp32 lacks AT+CIPSTATE, v2.4.0.0 adds it: `spec diff v2.2.0.0_esp32 v2.4.0.0`'s line."""
    report = _report(
        [("v2.2.0.0", "bad", "2.2.0.0"), ("v2.4.0.0", "good", "2.4.0.0"), ("v3.2.0.0", "good", "3.2.0.0")],
        ["AT+CIPSTATE/query"],
    )
    assert report["first_good"] == "v2.4.0.0" and report["last_bad"] == "v2.2.0.0"
    section = report["spec_diff"]
    assert section["command"] == "python -m spec diff v2.2.0.0_esp32 v2.4.0.0"
    assert [(c["kind"], c["subject"]) for c in section["changes"]] == [("command added", "AT+CIPSTATE")]
    assert "note" not in section
    text = render_text(report)
    assert "python -m spec diff v2.2.0.0_esp32 v2.4.0.0, the changes that touch AT+CIPSTATE/query:" in text
    assert "+ AT+CIPSTATE (3.3.2) command added" in text


def test_a_change_the_guide_does_not_document_is_said_so() -> None:
    """AT+CWMODE? reads the same in the v4.1.1.0 and v5.0.0.0 guides: a regression, not a documented one."""
    report = _report([("v4.1.1.0", "good", "4.1.1.0"), ("v5.0.0.0", "bad", "5.0.0.0")], ["AT+CWMODE/query"])
    section = report["spec_diff"]
    assert section["changes"] == [] and section["lines"] == []
    assert "document no change of AT+CWMODE/query" in section["note"]
    assert section["note"] in render_text(report)


def test_no_spec_diff_for_a_build_that_is_no_release() -> None:
    report = _report([("a", "good", "4.1.1.0"), ("b", "bad", "4.2.0.0")], ["AT+CWMODE/query"])
    assert report["spec_diff"] == {"note": "no spec diff: b is no documented release by its AT+GMR"}
