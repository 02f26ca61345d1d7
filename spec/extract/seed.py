"""Reader for the seed: the PDF-to-text of the Chinese user guide, release v5.0.0.0.

The seed is damaged (misspelt names, lost fences), so it is only used for what the RST pages do not
carry: the section numbers of chapter 3 (``3.3.8``) and the command names as the printed guide spells
them in its table of contents, its section headings and its per-chapter command indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: chapter number -> command set key (seed table of contents, chapter 3)
CHAPTERS: dict[str, str] = {
    "3.1": "basic",
    "3.2": "wifi",
    "3.3": "tcpip",
    "3.4": "ble",
    "3.5": "bt",
    "3.6": "mqtt",
    "3.7": "http",
    "3.8": "fs",
    "3.9": "websocket",
    "3.10": "eth",
    "3.11": "signaling",
    "3.12": "driver",
    "3.13": "webserver",
    "3.14": "user",
}

_NAME = r"(\[[^\]]*\]\s*\+\+\+|\+\+\+|AT[A-Za-z0-9_+]*)"
_TOC = re.compile(r"^(3\.\d+\.\d+)\s+" + _NAME + r"\s*[:：]\s*(.*?)\s+\d+\s*$")
_HEADING = re.compile(r"^(3\.\d+\.\d+)\s+" + _NAME + r"\s*[:：]\s*(.*)$")
_INDEX = re.compile(r"^- (?:\*\*?|\[|`)" + _NAME + r"(?:\*\*?|\]\(#\)|`)\s*[:：]?")
_CHAPTER = re.compile(r"^(3\.\d+)\s+(\S.*)$")


class SeedError(ValueError):
    """The seed does not have the table of contents or chapter layout the reader expects."""


@dataclass(frozen=True)
class SeedName:
    """A command name as the seed prints it at one place."""

    section: str  #: the command's section (for index entries: the chapter, e.g. "3.3")
    where: str  #: "toc", "heading" or "index"
    name: str
    line: int


@dataclass(frozen=True)
class SeedSection:
    """One command section of chapter 3 in the seed's table of contents."""

    section: str
    chapter: str
    name: str
    title: str

    @property
    def command_set(self) -> str:
        return CHAPTERS[self.chapter]


def _bare(name: str) -> str:
    return "+++" if name.endswith("+++") else name


@dataclass
class Seed:
    """What the extractor takes from the seed."""

    lines: list[str]

    @classmethod
    def load(cls, path: Path) -> Seed:
        return cls(path.read_text(encoding="utf-8").split("\n"))

    def _body_range(self) -> tuple[int, int]:
        start = next((i for i, x in enumerate(self.lines) if x.strip() == "Chapter 3"), None)
        end = next((i for i, x in enumerate(self.lines) if x.strip() == "Chapter 4"), None)
        if start is None or end is None:
            raise SeedError("seed has no 'Chapter 3' ... 'Chapter 4' body")
        return start, end

    def toc(self) -> list[SeedSection]:
        """Command sections of chapter 3, from the table of contents (before the body starts)."""
        start, _ = self._body_range()
        found: list[SeedSection] = []
        for line in self.lines[:start]:
            m = _TOC.match(line.strip())
            if m and m.group(1).rsplit(".", 1)[0] in CHAPTERS:
                found.append(
                    SeedSection(m.group(1), m.group(1).rsplit(".", 1)[0], _bare(m.group(2)), m.group(3))
                )
        if not found:
            raise SeedError("no chapter-3 command entries in the seed's table of contents")
        return found

    def names(self) -> list[SeedName]:
        """Every printing of a command name in the TOC, the section headings and the chapter indexes."""
        start, end = self._body_range()
        out = [SeedName(s.section, "toc", s.name, 0) for s in self.toc()]
        chapter: str | None = None
        in_index = False
        for i in range(start, end):
            line = self.lines[i].strip()
            hm = _HEADING.match(line)
            if hm and hm.group(1).rsplit(".", 1)[0] in CHAPTERS:
                out.append(SeedName(hm.group(1), "heading", _bare(hm.group(2)), i + 1))
                in_index = False
                continue
            cm = _CHAPTER.match(line)
            if cm and cm.group(1) in CHAPTERS:
                chapter, in_index = cm.group(1), True
                continue
            if re.match(r"^3\.\d+\.\d+", line):
                in_index = False
                continue
            if in_index and chapter:
                im = _INDEX.match(line)
                if im:
                    out.append(SeedName(chapter, "index", _bare(im.group(1)), i + 1))
        return out

    def section_text(self, section: str) -> list[str]:
        """Body lines of one numbered section (heading excluded)."""
        start, end = self._body_range()
        out: list[str] = []
        inside = False
        for line in self.lines[start:end]:
            m = re.match(r"^(3\.\d+(?:\.\d+)?)[\s]", line)
            if m:
                if inside:
                    break
                inside = m.group(1) == section
                continue
            if inside:
                out.append(line)
        return out
