"""The error-code tables of a release's command-set pages, for ``python -m spec diff`` (issue 19).

Each release lists its error codes in ``list-table`` s: the AT+SYSLOG subcategories (Basic page, "Error
Type | Error Code"), the MQTT error codes (MQTT page), the HTTP error codes (HTTP page, "Error Code |
Description") and the AT+CWJEAP codes (Wi-Fi page). A row is a code when one of its cells is only a hex
number (optionally followed by the HTTP status in brackets, ``0x7190 (400)``); the first other cell is the
code's name. Bullet lists that happen to start with hex (the WebSocket opcodes, ``- 0x1: text frame``) are
not table rows and are not read. The default release's full catalog stays spec/errors.yaml; this only
compares releases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from spec.extract.rst import load_page

__all__ = ["error_code_rows", "error_tables", "release_error_tables"]

_ROW = re.compile(r"^(\s*)\* - (.*)$")
_CELL = re.compile(r"^(\s*)- (.*)$")
_CODE = re.compile(r"^0x([0-9A-Fa-f]+)(?:\s*\(\d+\))?$")


def _rows(lines: list[str]) -> list[list[str]]:
    """The list-table rows of a page, each its cells' first lines."""
    rows: list[list[str]] = []
    indent = -1
    for line in lines:
        m = _ROW.match(line)
        if m:
            indent = len(m.group(1)) + 2
            rows.append([m.group(2).strip()])
            continue
        c = _CELL.match(line)
        if c and rows and len(c.group(1)) == indent:
            rows[-1].append(c.group(2).strip())
        elif line.strip() and (len(line) - len(line.lstrip())) < indent:
            indent = -1  # left the table
    return rows


def error_code_rows(page_text: str) -> dict[int, str]:
    """Code value -> name (or description) of every error-code row of one RST page."""
    out: dict[int, str] = {}
    for row in _rows(load_page(page_text)):
        codes = [i for i, cell in enumerate(row) if _CODE.match(cell)]
        if len(codes) != 1 or len(row) < 2:
            continue
        m = _CODE.match(row[codes[0]])
        assert m is not None
        name = next(cell for i, cell in enumerate(row) if i != codes[0])
        out[int(m.group(1), 16)] = name.strip("` ")
    return out


def error_tables(pages: Mapping[str, str]) -> dict[str, dict[int, str]]:
    """Command set -> its page's error-code table, for the sets whose page has one."""
    tables = {name: error_code_rows(text) for name, text in pages.items()}
    return {name: rows for name, rows in tables.items() if rows}


def release_error_tables(release: str) -> dict[str, dict[int, str]]:
    """The error-code tables of one release's pages (reads the guide's sources; SourcesMissing when they
    are not on this machine)."""
    from spec.extract.sources import PAGES, Sources

    src = Sources.locate(release)
    pages = {name: src.rst_dir / page for name, (_, page) in PAGES.items()}
    return error_tables({name: p.read_text(encoding="utf-8") for name, p in pages.items() if p.is_file()})
