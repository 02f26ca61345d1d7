"""Every departure of spec/ from the guide's text (spec/corrections.yaml) says where its evidence is: a file
and line of the guide's RST, a public issue, or a public firmware (or host library) source file. Cited RST
lines must exist in the stored guide, so that a reader can open them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spec.extract.corrections import Corrections
from spec.extract.sources import CORRECTIONS, RELEASE, Sources, SourcesMissing

# Kinds of entry that are explanations checked against the guide by other self-tests, not departures that
# need a citation of their own.
EXEMPT_KINDS: dict[str, str] = {
    "seed_damage": (
        "each entry quotes the seed's spelling and the RST name; tests/spec/test_data.py "
        "(test_every_seed_name_matches_or_is_explained) finds both in the two texts"
    ),
    "counts": (
        "each entry gives the seed's and the data's counts; tests/spec/test_data.py "
        "(test_syntax_block_count_with_listed_differences) recounts them"
    ),
}

_RST = re.compile(r"(?P<path>[\w./-]+\.rst):(?P<line>\d+)")
_ISSUE = re.compile(
    r"\b[\w.-]+/[\w.-]+ (?:issue|issues|pull request) #?\d+|github\.com/[\w.-]+/[\w.-]+/(?:issues|pull)/\d+"
)
_SOURCE = re.compile(r"\b[\w./-]+\.(?:c|h|cpp)\b")


def _entries() -> list[tuple[str, int, object]]:
    corr = Corrections.load(CORRECTIONS)
    return [
        (kind, i, entry)
        for kind in type(corr).model_fields
        if kind not in EXEMPT_KINDS and isinstance(getattr(corr, kind), list)
        for i, entry in enumerate(getattr(corr, kind))
    ]


def _evidence(entry: object) -> str:
    ev = getattr(entry, "evidence", None)
    return " ; ".join(ev) if isinstance(ev, list) else (ev or "")


def _label(kind: str, i: int, entry: object) -> str:
    key = next((getattr(entry, f) for f in ("id", "section", "topic", "sections") if hasattr(entry, f)), "")
    return f"{kind}[{i}] {key}"


def cites(text: str) -> bool:
    """Whether ``text`` names an RST file and line, a public issue or a public source file."""
    return bool(_RST.search(text) or _ISSUE.search(text) or _SOURCE.search(text))


def test_cites_accepts_the_three_kinds_and_nothing_else() -> None:
    assert cites("Wi-Fi_AT_Commands.rst:945")
    assert cites("espressif/esp-at issue 540")
    assert cites("components/at/src/at_uart_cmd.c")
    assert not cites("the guide says so in prose")
    assert not cites("TCP-IP_AT_Commands.rst AT+CIPV6?")  # a file without a line


def test_exempt_kinds_are_kinds_of_the_file() -> None:
    assert set(EXEMPT_KINDS) <= set(Corrections.model_fields)


@pytest.mark.parametrize(("kind", "i", "entry"), _entries(), ids=lambda x: x if isinstance(x, str) else None)
def test_every_correction_cites_its_evidence(kind: str, i: int, entry: object) -> None:
    assert "evidence" in type(entry).model_fields, f"{kind}: the entry kind has no evidence field"
    text = _evidence(entry)
    assert text, f"{_label(kind, i, entry)}: no evidence"
    assert cites(text), (
        f"{_label(kind, i, entry)}: the evidence {text!r} names no RST file:line, public issue or source file"
    )


def _rst_files() -> dict[str, list[Path]]:
    try:
        docs = Sources.locate().shared / "esp-at-docs"
    except SourcesMissing:
        pytest.skip("guide sources not found")
    found: dict[str, list[Path]] = {}
    for p in sorted(docs.glob("*/docs/*/**/*.rst")):
        found.setdefault(p.name, []).append(p)
    return found


def test_cited_rst_lines_exist() -> None:
    """A citation "File.rst:N" names a line of that file in the guide of this release (English first)."""
    files = _rst_files()
    bad = []
    for kind, i, entry in _entries():
        for m in _RST.finditer(_evidence(entry)):
            name, line = Path(m.group("path")).name, int(m.group("line"))
            candidates = files.get(name, [])
            if not candidates:
                bad.append(f"{_label(kind, i, entry)}: no file {name} in the stored guide")
                continue
            # "v3.2.0.0/TCP-IP_AT_Commands.rst:2100" names a release; a bare name means this release
            prefix = [x for x in Path(m.group("path")).parts[:-1] if x]
            if prefix:
                ours = [p for p in candidates if all(f"/{x}/" in str(p) for x in prefix)]
            else:
                ours = [p for p in candidates if f"/{RELEASE}/docs/en/" in str(p)] or candidates
            if not ours:
                bad.append(f"{_label(kind, i, entry)}: no file {m.group('path')} in the stored guide")
                continue
            if not any(line <= len(p.read_text(encoding="utf-8").split("\n")) for p in ours):
                bad.append(f"{_label(kind, i, entry)}: {name} has no line {line}")
    assert not bad, "\n".join(bad)
