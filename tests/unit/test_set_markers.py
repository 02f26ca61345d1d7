"""pytest.ini: every command set of the guide has a marker named as spec/ names the set, whose description
starts with the set's chapter number (issue 21: the markers carry the guide's chapter numbers)."""

from __future__ import annotations

import configparser
from pathlib import Path

from spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _markers() -> dict[str, str]:
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini", encoding="utf-8")
    out = {}
    for line in ini["pytest"]["markers"].strip().splitlines():
        name, _, description = line.strip().partition(":")
        out[name.split("(", 1)[0].strip()] = description.strip()
    return out


def test_each_command_set_has_its_chapter_marker() -> None:
    markers = _markers()
    spec = load_spec()
    wrong = {}
    for command_set in spec.sets:
        name, chapter = command_set.command_set, command_set.chapter
        description = markers.get(name)
        if description is None or description.split(" ", 1)[0] != chapter:
            wrong[name] = (chapter, description)
    assert not wrong, f"pytest.ini markers (set: (guide's chapter, marker description)): {wrong}"
