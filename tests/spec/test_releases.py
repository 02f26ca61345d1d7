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
