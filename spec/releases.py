"""The guide of each release as a :class:`~spec.Spec` (issue 19).

``load_release("v4.1.1.0")`` reads ``spec/data/releases/v4.1.1.0/`` (written by
``python -m spec extract --release v4.1.1.0``); the default release is ``load_spec()``'s ``spec/data/``.
A release lacks the command sets its ``release.yaml`` lists as absent (v2.x: no FS page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from spec import COMMAND_SETS, DATA_DIR, Spec, SpecError, load_set_file, load_spec
from spec.extract.sources import RELEASE, RELEASES, check_release

__all__ = [
    "RELEASE",
    "RELEASES",
    "NoDocumentedRelease",
    "ReleaseChoice",
    "absent_sets",
    "choose_release",
    "load_release",
    "load_release_from",
    "release_dir",
    "version_tuple",
]


def release_dir(release: str, data_dir: Path = DATA_DIR) -> Path:
    """Where a release's data files are."""
    check_release(release)
    return data_dir if release == RELEASE else data_dir / "releases" / release


def absent_sets(release: str, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Command set -> why the release's guide does not have it (empty for the default release)."""
    if release == RELEASE:
        return {}
    manifest = release_dir(release, data_dir) / "release.yaml"
    if not manifest.is_file():
        raise SpecError(f"no data for release {release}: run `python -m spec extract --release {release}`")
    return dict(yaml.safe_load(manifest.read_text(encoding="utf-8")).get("absent") or {})


def load_release_from(release: str, data_dir: Path) -> Spec:
    """Load one release's data (uncached; for tests and tools)."""
    where = release_dir(release, data_dir)
    absent = absent_sets(release, data_dir)
    rebuild = f"python -m spec extract --release {release}"
    sets = [load_set_file(where / f"{n}.yaml", rebuild) for n in COMMAND_SETS if n not in absent]
    return Spec(sorted(sets, key=lambda s: int(s.chapter.split(".")[1])))


@lru_cache(maxsize=len(RELEASES))
def load_release(release: str = RELEASE) -> Spec:
    """The guide of ``release`` (loaded once per process); ``load_spec()`` for the default release."""
    check_release(release)
    return load_spec() if release == RELEASE else load_release_from(release, DATA_DIR)


class NoDocumentedRelease(SpecError):
    """A firmware whose guide is not held, and no rig declaration that chooses one."""


@dataclass(frozen=True)
class ReleaseChoice:
    """The release whose guide a board is judged against, and why: ``source`` is ``rig`` (the rig board's
    ``firmware.release``) or ``at_version`` (AT+GMR's "AT version:" line, 3.1.3); ``exact`` says whether
    the board's AT version is that release's own (False for a newer firmware judged by the newest guide,
    or a build between two releases judged by the older one, or a rig that chose another)."""

    release: str
    source: str
    at_version: str | None
    exact: bool


def version_tuple(text: str) -> tuple[int, ...] | None:
    """The numeric part of a release or AT version: ``v2.2.0.0_esp32`` and ``2.2.0.0-dev`` -> (2, 2, 0, 0);
    None when the text does not start with one."""
    m = _VERSION.match(text.strip())
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)")


def choose_release(declared: str | None, at_version: str | None) -> ReleaseChoice:
    """The guide to judge a board by: the rig's declaration when it makes one (any of RELEASES, whatever
    the board reports: an explicit choice), else the documented release of AT+GMR's AT version: the same
    release, or the newest one not newer than it (a 4.0 build is judged by v3.4.0.0's guide; anything newer
    than v5.0.0.0 by v5.0.0.0's, flagged not exact). A firmware older than every documented release, or an
    AT+GMR without an AT version in the guide's form, is NoDocumentedRelease: the rig must then choose."""
    board = version_tuple(at_version) if at_version else None
    if declared is not None:
        check_release(declared)
        return ReleaseChoice(
            declared, "rig", at_version, board is not None and board == version_tuple(declared)
        )
    hint = "declare the release to judge it by in the rig (board firmware.release)"
    if board is None:
        raise NoDocumentedRelease(
            f"AT+GMR printed no 'AT version:<version>' (3.1.3) to choose a guide by; {hint}"
        )
    older = [r for r in RELEASES if version_tuple(r) <= board]  # type: ignore[operator]
    if not older:
        raise NoDocumentedRelease(
            f"AT version {at_version} is older than every release whose guide is held "
            f"({', '.join(RELEASES)}); {hint}"
        )
    return ReleaseChoice(older[-1], "at_version", at_version, version_tuple(older[-1]) == board)
