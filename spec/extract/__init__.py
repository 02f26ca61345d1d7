"""The extractor: rebuilds ``spec/data/*.yaml`` from the guide's RST pages, the seed and the corrections.

Run ``python -m spec extract [--release vX]`` (or ``python -m spec.extract``); ``--check`` compares instead
of writing. Releases other than v5.0.0.0 go to ``spec/data/releases/<release>/`` (spec/extract/releases.py).
"""

from __future__ import annotations

from pathlib import Path

from spec.extract.build import extract, render, write
from spec.extract.corrections import Corrections
from spec.extract.sources import CORRECTIONS, DATA_DIR, RELEASE, Sources, SourcesMissing, UnknownRelease

__all__ = ["Corrections", "Sources", "SourcesMissing", "extract", "render", "write", "run", "stale_files"]


def stale_files(sources: Sources | None = None, data_dir: Path = DATA_DIR) -> list[str]:
    """Names of the data files that differ from a fresh extraction (empty when all are current)."""
    files = extract(sources or Sources.locate(), Corrections.load(CORRECTIONS))
    stale: list[str] = []
    expected = {f"{f.command_set}.yaml" for f in files}
    for f in files:
        path = data_dir / f"{f.command_set}.yaml"
        if not path.is_file() or path.read_text(encoding="utf-8") != render(f):
            stale.append(path.name)
    stale += sorted(p.name for p in data_dir.glob("*.yaml") if p.name not in expected)
    return stale


def run(check: bool = False, release: str = RELEASE) -> int:
    """Extract and write (or, with ``check``, only compare) one release's data; returns an exit status."""
    from spec.extract.releases import stale, write_release

    try:
        sources = Sources.locate(release)
    except (SourcesMissing, UnknownRelease) as exc:
        print(f"error: {exc}")
        return 2
    if check:
        found = stale(sources)
        for name in found:
            print(f"stale: spec/data/{name}")
        return 1 if found else 0
    for path in write_release(sources):
        print(f"wrote {path.relative_to(DATA_DIR.parents[1])}")
    return 0
