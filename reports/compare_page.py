"""The comparison of two runs (reports/compare.py) as one static HTML page (``compare --html OUT``)."""

from __future__ import annotations

import os
from pathlib import Path

from reports.compare import FormChange, RunDiff, TestChange, movement_text
from reports.html import badge, esc, href, page, table
from reports.measurements import Movement
from reports.run import Run


def render_compare(diff: RunDiff, out: Path | None = None) -> str:
    """``out`` is where the page will live, so transcript links of run B resolve from there."""
    n = diff.regressions
    verdict = (
        f'<span class="verdict-bad">{n} regression{"s" * (n != 1)}</span>'
        if n
        else '<span class="verdict-ok">no regressions</span>'
    )
    header = f"<h1>ESP-AT run comparison: {verdict}</h1>" + table(
        ["", "summary", "started", "firmware", "tests"], [_run_row("A", diff.a), _run_row("B", diff.b)]
    )
    body = [
        '<section id="regressions"><h2>Regressions</h2>',
        _tests("started failing", "started-failing", diff.started_failing, out, detail=True),
        _moves(
            "measurements beyond their marginal band, worse",
            "measurements-regressed",
            diff.measurements_regressed,
        ),
    ]
    if diff.strict:
        body += [
            _tests("newly skipped", "newly-skipped", diff.newly_skipped, out),
            _forms("forms no longer covered", "forms-lost", diff.forms_lost),
        ]
    body += [
        _forms("forms started failing", "forms-started-failing", diff.forms_started_failing),
        "" if n else '<p class="verdict-ok">None.</p>',
        '</section><section id="other"><h2>Other changes</h2>',
        _tests("started passing", "started-passing", diff.started_passing, out),
        _forms("forms started passing", "forms-started-passing", diff.forms_started_passing),
    ]
    if not diff.strict:
        body += [
            _tests("newly skipped", "newly-skipped", diff.newly_skipped, out),
            _forms("forms no longer covered", "forms-lost", diff.forms_lost),
        ]
    body += [
        _forms("forms newly covered", "forms-gained", diff.forms_gained),
        _forms("forms changed otherwise", "forms-other", diff.forms_other),
        _moves(
            "measurements beyond their marginal band, better",
            "measurements-improved",
            diff.measurements_improved,
        ),
        _moves("measurements within their band", "measurements-within", diff.measurements_within_band),
        _tests("tests only in A", "only-in-a", diff.only_in_a, out),
        _tests("tests only in B", "only-in-b", diff.only_in_b, out),
        _tests("still failing", "still-failing", diff.still_failing, out),
        "</section>",
    ]
    return page(f"ESP-AT comparison ({n} regressions)", header, "\n".join(body))


def _run_row(label: str, run: Run) -> str:
    s = run.summary
    fw = "<br>".join(esc(line) for fw in s.firmware[:1] for line in fw.gmr) or "unknown"
    t = s.totals
    counts = f"{t.passed} passed, {t.failed + t.error + t.xpassed} failed, {t.skipped} skipped"
    return (
        f'<tr><th>{label}</th><td class="mono small">{esc(run.source)}</td>'
        f'<td>{esc(f"{s.started:%Y-%m-%d %H:%M}")} UTC</td><td class="mono small">{fw}</td>'
        f"<td>{esc(counts)}</td></tr>"
    )


def _link(transcript: str | None, out: Path | None) -> str:
    if not transcript:
        return ""
    target = Path(transcript)
    where = os.path.relpath(target, out.parent) if out is not None else str(target)
    return f'<a href="{href(Path(where).as_posix())}">transcript</a>'


def _tests(title: str, key: str, changes: list[TestChange], out: Path | None, *, detail: bool = False) -> str:
    if not changes:
        return ""
    rows = []
    for c in changes:
        lines = "".join(f'<div class="mono exp">expected: {esc(e)}</div>' for e in c.expected) + "".join(
            f'<div class="mono act">actual: {esc(a)}</div>' for a in c.actual
        )
        why = lines if detail and lines else esc(c.reason)
        rows.append(
            f'<tr data-test="{esc(c.id)}"><td class="mono small">{esc(c.id)}</td>'
            f'<td class="nowrap">{badge(c.before or "absent")} &rarr; {badge(c.after or "absent")}</td>'
            f'<td class="small mono">{esc(", ".join(c.forms))}</td><td class="small">{why}</td>'
            f"<td>{_link(c.transcript, out)}</td></tr>"
        )
    return f'<h3 id="{key}">{esc(title)} ({len(changes)})</h3>' + table(
        ["test", "A → B", "forms", "detail", ""], rows
    )


def _forms(title: str, key: str, changes: list[FormChange]) -> str:
    if not changes:
        return ""
    rows = [
        f'<tr><td class="mono">{esc(c.key)}</td><td>{esc(c.section)}</td>'
        f'<td class="nowrap">{badge(c.before)} &rarr; {badge(c.after)}</td></tr>'
        for c in changes
    ]
    return f'<h3 id="{key}">{esc(title)} ({len(changes)})</h3>' + table(["form", "section", "A → B"], rows)


def _moves(title: str, key: str, moves: list[Movement]) -> str:
    if not moves:
        return ""
    rows = [
        f'<tr><td class="mono small">{esc(m.test)}</td><td class="mono">{esc(movement_text(m))}</td>'
        f"<td>{badge(m.outcome_after)}</td></tr>"
        for m in moves
    ]
    return f'<h3 id="{key}">{esc(title)} ({len(moves)})</h3>' + table(["test", "measurement", "B"], rows)
