"""summary.json names the release each board was judged against (issue 19; reports/SCHEMA.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from reports.summary import RigInfo, Summary, SummaryBuilder, firmware_from_properties
from spec import COMMAND_SETS, load_spec

_PROPS = [
    ("sim#0.gmr[0]", "AT version:4.1.1.0(x - ESP32 - Jan  1 2025 00:00:00)"),
    ("sim#0.release", "v4.1.1.0"),
    ("sim#0.release_source", "at_version"),
    ("sim#0.release_exact", "true"),
    ("sim#1.release", "v2.2.0.0_esp32"),
    ("sim#1.release_source", "rig"),
    ("sim#1.release_exact", "false"),
]


def test_release_properties_become_firmware_fields() -> None:
    fw = {f.board: f for f in firmware_from_properties(_PROPS)}
    assert (fw["sim#0"].release, fw["sim#0"].release_source, fw["sim#0"].release_exact) == (
        "v4.1.1.0", "at_version", True,
    )  # fmt: skip
    assert fw["sim#1"].release_exact is False
    assert "release" not in fw["sim#0"].properties


def test_summary_lists_the_releases_oldest_first_and_round_trips() -> None:
    now = datetime.now(UTC)
    summary = SummaryBuilder(load_spec(), COMMAND_SETS).build(
        rig=RigInfo(name="r", path=None, description="", boards=[]),
        firmware=firmware_from_properties(_PROPS),
        started=now,
        finished=now,
    )
    assert summary.releases == ["v2.2.0.0_esp32", "v4.1.1.0"]
    again = Summary.model_validate_json(summary.model_dump_json())
    assert again.releases == summary.releases


def test_a_summary_written_before_issue_19_still_loads() -> None:
    now = datetime.now(UTC)
    data = (
        SummaryBuilder(load_spec(), COMMAND_SETS)
        .build(
            rig=RigInfo(name="r", path=None, description="", boards=[]),
            firmware=[],
            started=now,
            finished=now,
        )
        .model_dump(mode="json")
    )
    del data["releases"]
    assert Summary.model_validate(data).releases == []
