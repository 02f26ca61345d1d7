"""Runs on different firmware side by side (issue 19): ``python -m reports versions RUN...``.

Pure logic over loaded runs (reports/run.py) and the guide of each release (spec/releases.py): one column
per run, ordered by the release its boards were judged against (``summary.releases``, then start time), one
row per form of the guide and per chapter-4 example. A form's cell is its state in that run
(reports/form_state.py: ``checked-pass``, ``checked-fail`` ...) or ``lacks`` when the run's release does not
document the form at all (its guide has no such command, or not that form of it). A row whose cells are not
all alike, with a verdict in at least one of them, is a *difference* (a form one guide lacks and no run
covered differs in the guides only: ``python -m spec diff`` lists it), and each one is explained, where
the guide explains it, by the changes ``python -m spec diff`` lists for that command between the two
releases on either side of the step (spec/release_diff.py).

*Docs drift* (an example whose documented output no longer matches): a chapter-4 example replayed (``pass``)
on one release's run and failing on a later one's, or the other way round; the row says which, since the
guide's own text of chapter 4 is held for v5.0.0.0 only (spec/examples.py), and this report does not guess
whether the firmware or the guide moved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.run import Run
from spec import Spec
from spec.release_diff import Change
from spec.releases import version_tuple

#: A form the run's release does not document.
LACKS = "lacks"
#: An example the run has no entry for (written before examples were reported, or not collected).
ABSENT = "absent"
#: Cells that say nothing of the firmware.
_NO_VERDICT = frozenset({LACKS, ABSENT, "not covered", "not replayed"})


@dataclass(frozen=True)
class Column:
    """One run: its label in the table and the release (None: unknown) it was judged against."""

    label: str
    release: str | None
    run: Run


@dataclass
class Row:
    """A form (``key`` = ``AT+CWJAP/set``) or an example (``key`` = ``4.2.1``) across the columns."""

    kind: str  # "form" or "example"
    key: str
    section: str
    cells: list[str]
    #: why the cells differ: guide changes between the releases of adjacent columns, and drift notes
    explained: list[str] = field(default_factory=list)
    #: per column, the failing tests of the row (ids), for the reader to open their transcripts
    failing: list[list[str]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        """Cells not all alike, where some run has a verdict: a form one guide lacks and no run covers
        differs only in the guides (``python -m spec diff`` lists those), not in the runs."""
        return len(set(self.cells)) > 1 and not set(self.cells) <= _NO_VERDICT


@dataclass
class VersionReport:
    columns: list[Column]
    forms: list[Row]
    examples: list[Row]
    #: releases a run was judged against that spec/ holds no guide for (their forms cannot say ``lacks``)
    unknown_releases: list[str] = field(default_factory=list)

    def differences(self) -> list[Row]:
        return [r for r in [*self.forms, *self.examples] if r.differs]


def _release_key(release: str | None) -> tuple[int, ...]:
    return (version_tuple(release) or ()) if release else ()


def columns_of(runs: Sequence[Run]) -> list[Column]:
    """The runs as columns, oldest release first (a run judged against several releases by its newest),
    then by start time; labels are the release, with the folder added where two runs share one."""

    def release_of(run: Run) -> str | None:
        return run.summary.releases[-1] if run.summary.releases else None

    ordered = sorted(runs, key=lambda r: (_release_key(release_of(r)), r.summary.started))
    labels = [release_of(r) or r.folder.name for r in ordered]
    columns = []
    for run, label in zip(ordered, labels, strict=True):
        if labels.count(label) > 1:
            label = f"{label} ({run.folder.name})"
        columns.append(Column(label, release_of(run), run))
    return columns


def _documents(spec: Spec | None, command: str, kind: str) -> bool | None:
    """Whether the guide ``spec`` documents form ``kind`` of ``command`` (None: no guide to say)."""
    if spec is None:
        return None
    if command not in spec:
        return False
    return any(f.kind.value == kind for f in spec.command(command).forms)


def _explain(
    command: str,
    cells: list[str],
    columns: list[Column],
    diffs: Callable[[str, str], list[Change]],
    unknown: Sequence[str],
) -> list[str]:
    """The guide's changes to ``command`` at each step between adjacent columns whose cells differ."""
    out: list[str] = []
    for i in range(len(columns) - 1):
        old, new = columns[i].release, columns[i + 1].release
        if cells[i] == cells[i + 1] or old is None or new is None or old == new:
            continue
        missing = [r for r in (old, new) if r in unknown]
        if missing:
            out.append(f"{old} -> {new}: spec/ holds no guide for {', '.join(missing)} to compare")
            continue
        changes = [c for c in diffs(old, new) if c.subject == command]
        if not changes:
            out.append(f"{old} -> {new}: the guide documents no change to {command}")
            continue
        for c in changes:
            what = f"{c.kind.value}" + (f" [{c.detail}]" if c.detail else "")
            out.append(f"{old} -> {new}: {what} ({c.section})")
    return out


def _failing(run: Run, ids: Sequence[str]) -> list[str]:
    return [i for i in ids if i in run.tests and run.tests[i].failing]


def version_report(
    runs: Sequence[Run],
    *,
    guide: Callable[[str], Spec | None],
    diffs: Callable[[str, str], list[Change]],
) -> VersionReport:
    """The side-by-side table. ``guide(release)`` is that release's Spec (None when spec/ lacks it);
    ``diffs(old, new)`` the guide changes between two releases (spec.release_diff.diff_specs)."""
    columns = columns_of(runs)
    specs = {c.release: guide(c.release) for c in columns if c.release is not None}
    unknown = sorted((r for r, s in specs.items() if s is None), key=_release_key)
    keys: dict[str, tuple[str, str, str]] = {}
    for col in columns:
        for cs in col.run.summary.command_sets:
            for f in cs.forms:
                keys.setdefault(f.key, (f.command, f.kind, f.section))
    forms = []
    for key, (command, kind, section) in keys.items():
        cells, failing = [], []
        for col in columns:
            entry = next((f for cs in col.run.summary.command_sets for f in cs.forms if f.key == key), None)
            documented = _documents(specs.get(col.release) if col.release else None, command, kind)
            state = entry.state if entry is not None else "not covered"
            cells.append(LACKS if documented is False and state == "not covered" else state)
            failing.append(_failing(col.run, [t.id for t in entry.all_tests()] if entry else []))
        row = Row("form", key, section, cells, failing=failing)
        if row.differs:
            row.explained = _explain(command, cells, columns, diffs, unknown)
        forms.append(row)
    examples = _example_rows(columns)
    return VersionReport(columns, forms, examples, unknown)


def _example_rows(columns: list[Column]) -> list[Row]:
    sections: dict[str, str] = {}
    for col in columns:
        for e in col.run.summary.examples:
            sections.setdefault(e.section, e.title)
    rows = []
    for section in sorted(sections, key=lambda s: tuple(int(p) for p in s.split(".") if p.isdigit())):
        cells, failing = [], []
        for col in columns:
            entry = next((e for e in col.run.summary.examples if e.section == section), None)
            cells.append(entry.result if entry is not None else ABSENT)
            failing.append(_failing(col.run, entry.tests if entry else []))
        row = Row("example", section, sections[section], cells, failing=failing)
        row.explained = _drift(cells, columns)
        rows.append(row)
    return rows


def _drift(cells: list[str], columns: list[Column]) -> list[str]:
    """Docs drift notes: an example that passes on one column and fails on the next, or the reverse."""
    notes = []
    for i in range(len(columns) - 1):
        a, b = cells[i], cells[i + 1]
        if {a, b} != {"pass", "fail"}:
            continue
        old, new = columns[i].label, columns[i + 1].label
        if a == "pass":
            notes.append(f"docs drift: replayed on {old}, fails on {new} (the later output left the guide)")
        else:
            notes.append(f"docs drift: fails on {old}, replayed on {new} (it fits the later firmware only)")
    return notes


def render_text(report: VersionReport, *, every_row: bool = False) -> str:
    """The table as terminal text: the differences (or every row), each with its explanations."""
    labels = [c.label for c in report.columns]
    lines = [f"runs side by side: {' | '.join(labels)}"]
    if report.unknown_releases:
        lines.append(f"(spec/ holds no guide for {', '.join(report.unknown_releases)}: no 'lacks' for them)")
    for title, rows in (("forms", report.forms), ("examples", report.examples)):
        shown = [r for r in rows if every_row or r.differs]
        lines.append("")
        lines.append(f"== {title}: {sum(r.differs for r in rows)} of {len(rows)} differ")
        width = max((len(r.key) for r in shown), default=0)
        for r in shown:
            lines.append(f"  {r.key:<{width}}  {r.section:<8} " + " | ".join(r.cells))
            lines += [f"      {note}" for note in r.explained]
            for col, ids in zip(report.columns, r.failing, strict=True):
                lines += [f"      failing on {col.label}: {i}" for i in ids[:3]]
    return "\n".join(lines) + "\n"


def to_json(report: VersionReport) -> dict[str, Any]:
    def row(r: Row) -> dict[str, Any]:
        return {
            "kind": r.kind,
            "key": r.key,
            "section": r.section,
            "cells": dict(zip((c.label for c in report.columns), r.cells, strict=True)),
            "differs": r.differs,
            "explained": r.explained,
            "failing": {c.label: ids for c, ids in zip(report.columns, r.failing, strict=True) if ids},
        }

    return {
        "columns": [
            {"label": c.label, "release": c.release, "summary": str(c.run.source)} for c in report.columns
        ],
        "unknown_releases": report.unknown_releases,
        "forms": [row(r) for r in report.forms],
        "examples": [row(r) for r in report.examples],
    }
