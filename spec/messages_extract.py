"""Rebuild the facts of spec/urcs.yaml and spec/errors.yaml from the guide's reStructuredText.

The YAML files are curated (they add wire templates, fields and conditions the tables do not hold); this
module reads the tables they come from so that tests can show the curated data still covers the guide:

- 3.17 "AT Messages" (AT_Command_Set/index.rst): the response-message and message-report tables.
- 3.1 AT+SYSLOG (Basic_AT_Commands.rst): the error-code bit layout and the subcategory table.
- 3.6.15 MQTT AT error codes (MQTT_AT_Commands.rst), 3.7.10 HTTP AT error codes (HTTP_AT_Commands.rst),
  and the WPA2 Enterprise error codes of AT+CWJEAP (Wi-Fi_AT_Commands.rst).

Run ``python -m spec.messages_extract [GUIDE_DIR]`` to print what was found as YAML.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

#: Where the guide's release v5.0.0.0 lives in the shared workspace, unless ESP_AT_GUIDE says otherwise.
_DEFAULT_GUIDE = Path(__file__).resolve().parent.parent.parent / "shared" / "esp-at-docs" / "v5.0.0.0"


class GuideSourceError(Exception):
    """The guide's source is missing, or a table the extractor expects is not where it should be."""


def guide_dir() -> Path:
    """The release directory of the guide (holding docs/en): $ESP_AT_GUIDE or the shared workspace copy."""
    return Path(os.environ.get("ESP_AT_GUIDE", _DEFAULT_GUIDE))


def guide_file(relative: str, guide: Path | None = None, lang: str = "en") -> Path:
    """Path of one RST file of the guide, e.g. ``guide_file("AT_Command_Set/index.rst")``."""
    path = (guide or guide_dir()) / "docs" / lang / relative
    if not path.is_file():
        raise GuideSourceError(f"guide file not found: {path} (set ESP_AT_GUIDE to the release directory)")
    return path


_ROLE = re.compile(r":(?:ref|term|doc|cpp:\w+):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def strip_markup(text: str) -> str:
    """Plain text of an RST table cell: roles reduced to their title, literals unquoted, spaces trimmed."""
    text = _ROLE.sub(lambda m: m.group(1), text)
    text = text.replace("``", "")
    return " ".join(text.split())


@dataclass(frozen=True)
class ListTable:
    """One ``.. list-table::`` directive: its title, the line it starts on, and rows of cell text.

    A cell keeps only its first paragraph line joined with its continuation lines; nested bullet lists in a
    cell (as in the +IPD row of 3.17) stay in the text so callers can look at them.
    """

    title: str
    line: int
    rows: list[list[str]]


def parse_list_tables(text: str) -> list[ListTable]:
    """All list-tables of an RST document, in order."""
    lines = text.splitlines()
    tables: list[ListTable] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)\.\. list-table::\s*(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent = len(m.group(1))
        title = m.group(2).strip()
        start = i + 1
        i += 1
        body: list[str] = []
        while i < len(lines):
            line = lines[i]
            if line.strip() and (len(line) - len(line.lstrip())) <= indent:
                break
            body.append(line)
            i += 1
        tables.append(ListTable(title=title, line=start, rows=_rows(body)))
    return tables


def _rows(body: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    cell: list[str] | None = None
    cell_indent = 0
    for line in body:
        stripped = line.strip()
        row = re.match(r"^(\s*)\* - (.*)$", line)
        col = re.match(r"^(\s*)- (.*)$", line)
        if row:
            rows.append([])
            cell = [row.group(2)]
            rows[-1].append("")
            cell_indent = len(row.group(1)) + 2
        elif col and rows and len(col.group(1)) == cell_indent:
            cell = [col.group(2)]
            rows[-1].append("")
        elif cell is not None and stripped and not stripped.startswith(":"):
            cell.append(stripped)
        elif cell is not None and not stripped:
            cell.append("")
        if rows and cell is not None:
            rows[-1][-1] = "\n".join(cell).strip()
    return rows


def _table(tables: list[ListTable], header: str, where: str) -> ListTable:
    for table in tables:
        if table.rows and strip_markup(table.rows[0][0]) == header:
            return table
    raise GuideSourceError(f"no list-table with header {header!r} in {where}")


@dataclass(frozen=True)
class MessageRow:
    """One row of a 3.17 table: the message as printed (markup removed) and the guide's description."""

    entry: str
    description: str


def extract_message_tables(guide: Path | None = None) -> tuple[list[MessageRow], list[MessageRow]]:
    """(responses, reports): the two tables of 3.17 "AT Messages"."""
    path = guide_file("AT_Command_Set/index.rst", guide)
    tables = parse_list_tables(path.read_text(encoding="utf-8"))
    responses = _table(tables, "AT Response Messages", str(path))
    reports = _table(tables, "ESP-AT Message Report", str(path))

    def rows(table: ListTable) -> list[MessageRow]:
        return [MessageRow(strip_markup(r[0]), strip_markup(r[1].split("\n")[0])) for r in table.rows[1:]]

    return rows(responses), rows(reports)


def extract_ipd_forms(guide: Path | None = None) -> list[str]:
    """The six +IPD wire forms listed inside the +IPD row of 3.17, in the guide's notation."""
    path = guide_file("AT_Command_Set/index.rst", guide)
    tables = parse_list_tables(path.read_text(encoding="utf-8"))
    reports = _table(tables, "ESP-AT Message Report", str(path))
    for row in reports.rows:
        if strip_markup(row[0]) == "+IPD":
            return re.findall(r"``(\+IPD,[^`]*)``", row[1])
    raise GuideSourceError(f"no +IPD row in the message-report table of {path}")


@dataclass(frozen=True)
class CodeRow:
    """A named error code as a table of the guide lists it."""

    name: str
    value: int


@dataclass(frozen=True)
class HttpCodeRow:
    """One row of the HTTP error-code table (3.7.10): the 0x7xxx code, its HTTP status if any, the reason."""

    value: int
    status: int | None
    reason: str


@dataclass(frozen=True)
class ErrorTables:
    """Every error-code table of the guide."""

    layout: list[str]
    subcategories: list[CodeRow]
    mqtt: list[CodeRow]
    http: list[HttpCodeRow]
    eap: list[CodeRow]
    syslog_examples: list[str]


def extract_error_tables(guide: Path | None = None) -> ErrorTables:
    """Read the error-code tables of 3.1 (AT+SYSLOG), 3.6.15 (MQTT), 3.7.10 (HTTP) and AT+CWJEAP."""
    basic_path = guide_file("AT_Command_Set/Basic_AT_Commands.rst", guide)
    basic_text = basic_path.read_text(encoding="utf-8")
    basic = parse_list_tables(basic_text)
    layout = _table(basic, "category", str(basic_path))
    subcats = _table(basic, "Error Type", str(basic_path))
    mqtt_path = guide_file("AT_Command_Set/MQTT_AT_Commands.rst", guide)
    mqtt = _table(parse_list_tables(mqtt_path.read_text(encoding="utf-8")), "Error Type", str(mqtt_path))
    http_path = guide_file("AT_Command_Set/HTTP_AT_Commands.rst", guide)
    http = _table(
        parse_list_tables(http_path.read_text(encoding="utf-8")),
        "HTTP Error Code (HTTP Status Code)",
        str(http_path),
    )
    wifi_path = guide_file("AT_Command_Set/Wi-Fi_AT_Commands.rst", guide)
    wifi_tables = parse_list_tables(wifi_path.read_text(encoding="utf-8"))
    eap = _table(wifi_tables, "AT_EAP_MALLOC_FAILED", str(wifi_path))

    def named(rows: list[list[str]]) -> list[CodeRow]:
        return [CodeRow(strip_markup(r[0]), int(strip_markup(r[1]), 16)) for r in rows]

    http_rows = []
    for r in http.rows[1:]:
        m = re.fullmatch(r"(0x[0-9a-fA-F]+)(?:\s*\((\d+)\))?", strip_markup(r[0]))
        if not m:
            raise GuideSourceError(f"unexpected HTTP error-code cell {r[0]!r} in {http_path}")
        http_rows.append(
            HttpCodeRow(int(m.group(1), 16), int(m.group(2)) if m.group(2) else None, strip_markup(r[1]))
        )
    return ErrorTables(
        layout=[strip_markup(c) for c in layout.rows[1]],
        subcategories=named(subcats.rows[1:]),
        mqtt=named(mqtt.rows[1:]),
        http=http_rows,
        # the EAP table has no header row: its first row is already a code
        eap=named(eap.rows),
        syslog_examples=re.findall(r"ERR CODE:(0x[0-9a-fA-F]{8})", basic_text),
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    guide = Path(args[0]) if args else None
    try:
        responses, reports = extract_message_tables(guide)
        errors = extract_error_tables(guide)
    except GuideSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = {
        "responses": [asdict(r) for r in responses],
        "reports": [asdict(r) for r in reports],
        "ipd_forms": extract_ipd_forms(guide),
        "errors": asdict(errors),
    }
    yaml.safe_dump(out, sys.stdout, sort_keys=False, allow_unicode=True, width=110)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
