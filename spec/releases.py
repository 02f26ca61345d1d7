"""The guide of each release as a :class:`~spec.Spec` (issue 19).

``load_release("v4.1.1.0")`` reads ``spec/data/releases/v4.1.1.0/`` (written by
``python -m spec extract --release v4.1.1.0``); the default release is ``load_spec()``'s ``spec/data/``.
A release lacks the command sets its ``release.yaml`` lists as absent (v2.x: no FS page).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from spec import COMMAND_SETS, DATA_DIR, Spec, SpecError, load_set_file, load_spec
from spec.extract.sources import RELEASE, RELEASES, check_release

__all__ = ["RELEASE", "RELEASES", "absent_sets", "load_release", "load_release_from", "release_dir"]


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
