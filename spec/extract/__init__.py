"""The extractor: rebuilds ``spec/data/*.yaml`` from the guide's RST pages, the seed and the corrections.

Run ``python -m spec extract`` (or ``python -m spec.extract``); ``--check`` compares instead of writing.
"""

from __future__ import annotations

from pathlib import Path

from spec.extract.build import extract, render, write
from spec.extract.corrections import Corrections
from spec.extract.sources import CORRECTIONS, DATA_DIR, Sources, SourcesMissing

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


def run(check: bool = False) -> int:
    """Extract and write (or, with ``check``, only compare); returns a process exit status."""
    try:
        sources = Sources.locate()
    except SourcesMissing as exc:
        print(f"error: {exc}")
        return 2
    if check:
        stale = stale_files(sources)
        for name in stale:
            print(f"stale: spec/data/{name}")
        return 1 if stale else 0
    for path in write(extract(sources, Corrections.load(CORRECTIONS))):
        print(f"wrote {path.relative_to(DATA_DIR.parents[1])}")
    return 0
