"""tools.bisect's manifest, step verdicts and report (tools/bisect/steps.py, report.py) without running
pytest: manifests written here, summaries written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.bisect.report import transcript_diff, transcript_lines
from tools.bisect.steps import Build, ManifestError, load_manifest, read_step, rig_text

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
