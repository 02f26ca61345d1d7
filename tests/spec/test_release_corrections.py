"""Corrections written against an older release's text (spec/corrections/<release>*.yaml, issue 19): they
join spec/corrections.yaml scoped to that release, must cite it, and the porter drafts them from the
v5.0.0.0 corrections whose text the older page prints unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from spec.extract.corrections import Corrections
from spec.extract.sources import CORRECTIONS, RELEASE, Sources

_MAIN = "names:\n  - {section: '3.1.22', guide: AT, spec: AT+RFCAL, why: w, evidence: 'Basic_AT_Commands.rst:1'}\n"


def _write(tmp_path: Path, release_file: str) -> Path:
    main = tmp_path / "corrections.yaml"
    main.write_text(_MAIN, encoding="utf-8")
    (tmp_path / "corrections").mkdir()
    (tmp_path / "corrections" / "v4.1.1.0.yaml").write_text(release_file, encoding="utf-8")
    return main


def test_a_release_file_joins_the_corrections_scoped_to_its_release(tmp_path: Path) -> None:
    main = _write(
        tmp_path,
        "written_against: v4.1.1.0\nnames:\n  - {section: '3.1.20', guide: AT, spec: AT+RFCAL, why: w,"
        " evidence: 'v4.1.1.0/Basic_AT_Commands.rst:1728'}\n",
    )
    corr = Corrections.load(main)
    assert corr.written_against == RELEASE
    assert [n.section for n in corr.for_release(RELEASE).names] == ["3.1.22"]
    assert [n.section for n in corr.for_release("v4.1.1.0").names] == ["3.1.20"]


def test_a_release_file_entry_must_cite_that_release(tmp_path: Path) -> None:
    main = _write(
        tmp_path,
        "written_against: v4.1.1.0\nnames:\n  - {section: '3.1.20', guide: AT, spec: AT+RFCAL, why: w,"
        " evidence: 'Basic_AT_Commands.rst:1728'}\n",
    )
    with pytest.raises(ValueError, match="written against v4.1.1.0 but its evidence cites nothing"):
        Corrections.load(main)


def test_the_committed_v4_files_apply_to_v4_only() -> None:
    corr = Corrections.load(CORRECTIONS)
    v4 = corr.for_release("v4.1.1.0")
    assert any(f.section == "3.1.17" and f.form == "query" for f in v4.lines)  # AT+SYSFLASH? rows
    assert not any("v4.1.1.0/" in f.evidence for f in corr.for_release(RELEASE).lines)


def test_the_porter_carries_an_unchanged_line_with_the_older_section() -> None:
    try:
        Sources.locate("v4.1.1.0")
    except FileNotFoundError:
        pytest.skip("shared workspace not on this machine")
    from spec.extract.port_corrections import port

    out, skipped = port("v4.1.1.0", ["wifi"])
    ip6ll = [e for e in out["lines"] if e["guide"] == '+CIPSTA:ip6ll:<"ipv6 addr">']
    # v5.0.0.0 3.2.22 is 3.2.20 in v4.1.1.0's own numbering
    assert [e["section"] for e in ip6ll] == ["3.2.20"]
    assert ip6ll[0]["evidence"].startswith("v4.1.1.0/Wi-Fi_AT_Commands.rst:")
    assert any("AT+CWBANDWIDTH: not in v4.1.1.0" in s for s in skipped)
