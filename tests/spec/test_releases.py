"""The guide per release (issue 19): which releases the extractor knows, and where each one's pages are."""

from __future__ import annotations

from pathlib import Path

import pytest

from spec.extract.sources import RELEASE, RELEASES, Sources, UnknownRelease, check_release


def test_default_release_is_the_newest_and_unchanged() -> None:
    assert RELEASE == "v5.0.0.0"
    assert RELEASES[-1] == RELEASE


def test_pages_of_a_release_are_under_its_own_folder() -> None:
    src = Sources(Path("/shared"), "v3.2.0.0")
    assert src.rst_dir == Path("/shared/esp-at-docs/v3.2.0.0/docs/en/AT_Command_Set")
    assert Sources(Path("/shared")).rst_dir.parts[-4] == RELEASE


def test_unknown_release_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(UnknownRelease, match="v4.1.1.0"):
        check_release("v9.9")
    with pytest.raises(UnknownRelease, match="'v1.0'"):
        Sources(Path("/shared"), "v1.0")


@pytest.mark.parametrize("release", RELEASES)
def test_every_release_has_its_guide_in_the_shared_workspace(release: str) -> None:
    try:
        src = Sources.locate(release)
    except FileNotFoundError:
        pytest.skip("shared workspace not on this machine")
    assert (src.rst_dir / "Basic_AT_Commands.rst").is_file()


# -- section numbering from the release's own toctree (spec/extract/toctree.py) --------------------------

_INDEX = """\
AT Command Set
==============

.. toctree::
   :maxdepth: 1

   Basic AT Commands <Basic_AT_Commands>
   :esp32: Bluetooth® AT Commands <BT_AT_Commands>
   [ESP8266 Only] Signaling Test AT Commands <Signaling_Test_AT_Commands>

Some prose after the toctree <not_a_page>
"""


def test_toctree_pages_in_order_chip_prefixes_dropped() -> None:
    from spec.extract.toctree import toctree_pages

    assert toctree_pages(_INDEX) == ["Basic_AT_Commands", "BT_AT_Commands", "Signaling_Test_AT_Commands"]


def test_an_index_without_toctree_is_refused() -> None:
    from spec.extract.toctree import ToctreeError, toctree_pages

    with pytest.raises(ToctreeError, match="toctree"):
        toctree_pages("Title\n=====\n\nno directive here\n")


def test_chip_tags_of_v2_headings() -> None:
    from spec.extract.commands import chip_tag, for_target

    tagged = "[ESP32 Only] :ref:`AT+BLEINIT <BLE-AT>`: x"
    assert chip_tag(tagged) == (frozenset({"esp32"}), ":ref:`AT+BLEINIT <BLE-AT>`: x")
    assert chip_tag("[ESP32 & ESP32-S2 & ESP32-C3] Driver AT Commands")[0] == {"esp32", "esp32s2", "esp32c3"}
    assert chip_tag(":ref:`AT <Basic-AT>`: Test") == (None, ":ref:`AT <Basic-AT>`: Test")
    assert for_target("[ESP32 Only] x") and for_target("untagged")
    assert not for_target("[ESP32-S2 Only] :ref:`AT+SYSTEMP <Basic-AT>`: y")
    assert not for_target("[ESP8266 Only] Signaling Test AT Commands")


# -- release-scoped corrections (spec/extract/corrections.py) --------------------------------------------


def _corr(**entry: object):
    from spec.extract.corrections import Corrections

    base = {"section": "3.1.20", "guide": "AT", "spec": "AT+RFCAL", "why": "w"}
    return Corrections.model_validate({"names": [{**base, **entry}]})


def test_a_correction_applies_to_its_own_release_by_default() -> None:
    corr = _corr(evidence="Basic_AT_Commands.rst:1")
    assert corr.written_against == RELEASE
    assert len(corr.for_release(RELEASE).names) == 1
    assert corr.for_release("v4.1.1.0").names == []


def test_a_correction_listing_releases_applies_to_those_only() -> None:
    corr = _corr(releases=["v4.1.1.0"], evidence="v4.1.1.0/Basic_AT_Commands.rst:1728")
    assert len(corr.for_release("v4.1.1.0").names) == 1
    assert corr.for_release(RELEASE).names == []


def test_a_further_release_needs_evidence_from_that_release() -> None:
    with pytest.raises(ValueError, match="v3.2.0.0 but its evidence cites nothing"):
        _corr(releases=["v3.2.0.0"], evidence="Basic_AT_Commands.rst:1802")
    with pytest.raises(ValueError, match="unknown release 'v9'"):
        _corr(releases=["v9"], evidence="v9/Basic_AT_Commands.rst:1")


# -- the committed data of every release (guarded on the shared workspace, like test_data.py) ------------


def _located(release: str) -> Sources:
    try:
        return Sources.locate(release)
    except FileNotFoundError:
        pytest.skip("shared workspace not on this machine")


def test_toctree_numbering_of_v5_agrees_with_the_seed() -> None:
    """The derivation used for releases without a seed gives the seed's chapters on the one that has it."""
    from spec.extract.seed import CHAPTERS
    from spec.extract.sources import PAGES
    from spec.extract.toctree import chapters

    src = _located(RELEASE)
    derived = chapters(src.numbering_index)
    assert {k: derived[v[1]] for k, v in PAGES.items()} == {v: k for k, v in CHAPTERS.items()}


@pytest.mark.parametrize("release", [r for r in RELEASES if r != RELEASE])
def test_committed_release_data_equals_fresh_extraction(release: str) -> None:
    from spec.extract.releases import stale

    found = stale(_located(release))
    assert not found, f"run `python -m spec extract --release {release}`: stale {found}"


def test_extraction_is_deterministic() -> None:
    from spec.extract.releases import expected

    src = _located("v3.2.0.0")
    assert expected(src) == expected(src)


def test_each_release_loads_with_its_own_sets_and_numbers() -> None:
    from spec.releases import absent_sets, load_release

    v22, v32, v41 = load_release("v2.2.0.0_esp32"), load_release("v3.2.0.0"), load_release("v4.1.1.0")
    # v2.x has no FS, WebSocket or (2.2) User page; 2.2's Signaling Test page is for the ESP8266 only
    assert set(absent_sets("v2.2.0.0_esp32")) == {"fs", "websocket", "user", "signaling"}
    assert "AT+FSMOUNT" not in v22 and "AT+FSMOUNT" in v32
    # ... but 2.2 documents AT+FS itself in its Basic page (Basic_AT_Commands.rst of v2.2.0.0_esp32)
    assert v22.command("AT+FS").command_set == "basic" and v32.command("AT+FS").command_set == "fs"
    assert absent_sets("v4.1.1.0") == {} and absent_sets(RELEASE) == {}
    # the v3.2.0.0 basic page has 25 command sections (v5.0.0.0: 26), numbered by its own order
    assert len(v32.command_set("basic").commands) == 25
    assert v32.command("AT+SYSMSGFILTER").section == "3.1.15"
    # AT+CIPRECVMODE is the RST's own name up to v3.2.0.0 (the v5.0.0.0 rename does not apply there)
    assert v32.command("AT+CIPRECVMODE").aliases == []
    # the release-scoped name correction of v4.1.1.0 (spec/corrections.yaml names)
    assert v41.command("AT+RFCAL").section == "3.1.20"
    # v2.2.0.0 lists AT+SYSTEMP as "[ESP32-S2 Only]": not in the ESP32 data set
    assert "AT+SYSTEMP" not in v22


def test_stats_of_a_release_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from spec.__main__ import main

    assert main(["stats", "--release", "v2.4.0.0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["release"] == "v2.4.0.0" and "fs" in out["absent"] and out["commands"] == 192
    assert main(["stats", "--release", "v1"]) == 2
    assert "unknown release" in capsys.readouterr().err
