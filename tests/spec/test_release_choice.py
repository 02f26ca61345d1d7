"""Which release's guide a board is judged against (issue 19): spec.releases.choose_release."""

from __future__ import annotations

import pytest

from spec.extract.sources import UnknownRelease
from spec.releases import NoDocumentedRelease, choose_release, version_tuple


def test_version_tuples_of_releases_and_at_versions() -> None:
    assert version_tuple("v2.2.0.0_esp32") == (2, 2, 0, 0)
    # the AT+GMR example of the guide (Basic_AT_Commands.rst, AT+GMR): "AT version:2.2.0.0-dev(...)"
    assert version_tuple("2.2.0.0-dev") == (2, 2, 0, 0)
    assert version_tuple("dev") is None


def test_the_boards_own_release() -> None:
    c = choose_release(None, "4.1.1.0")
    assert (c.release, c.source, c.exact) == ("v4.1.1.0", "at_version", True)
    assert choose_release(None, "2.2.0.0-dev").release == "v2.2.0.0_esp32"


def test_a_build_between_releases_is_judged_by_the_older_guide() -> None:
    c = choose_release(None, "4.0.0.0")
    assert (c.release, c.exact) == ("v3.4.0.0", False)


def test_a_firmware_newer_than_every_guide_is_judged_by_the_newest() -> None:
    c = choose_release(None, "5.1.0.0")
    assert (c.release, c.exact) == ("v5.0.0.0", False)


def test_older_than_every_guide_or_no_version_is_a_clear_error() -> None:
    with pytest.raises(NoDocumentedRelease, match=r"2\.1\.0\.0 is older .*firmware\.release"):
        choose_release(None, "2.1.0.0")
    with pytest.raises(NoDocumentedRelease, match="no 'AT version"):
        choose_release(None, None)


def test_the_rig_chooses_explicitly() -> None:
    c = choose_release("v4.1.1.0", "5.0.0.0")
    assert (c.release, c.source, c.exact) == ("v4.1.1.0", "rig", False)
    assert choose_release("v4.1.1.0", "4.1.1.0").exact
    # an old firmware no guide documents can still be judged, by the rig's explicit choice
    assert choose_release("v2.2.0.0_esp32", "2.1.0.0").release == "v2.2.0.0_esp32"
    with pytest.raises(UnknownRelease, match="v4.1.1.0"):
        choose_release("v4.1", "4.1.1.0")
