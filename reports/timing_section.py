"""The "Run time" section of ``reports/out/index.html`` (issue 23): tests per second, each command set's
wall time against its summed test time, and the slowest fixtures (reports/timing.py)."""

from __future__ import annotations

from reports.html import esc, table
from reports.summary import Counts, Summary

__all__ = ["timing_section"]


def _tests(c: Counts) -> int:
    return (
        c.passed + c.failed + c.error + c.skipped + c.xfailed + c.xpassed
    )  # (flaky, quarantined: among them)


def timing_section(s: Summary) -> str:
    ran = _tests(s.totals)
    if not ran or s.duration_s <= 0:
        return ""
    head = (
        f"<p>{ran} tests in {s.duration_s:.1f} s: <b>{ran / s.duration_s:.2f} tests/s</b> "
        f"({s.duration_s / ran * 1000:.0f} ms of wall time per test).</p>"
    )
    sets = sorted((cs for cs in s.command_sets if cs.wall_s > 0), key=lambda cs: -cs.wall_s)
    set_rows = [
        f'<tr><td>{esc(cs.name)}</td><td class="n">{_tests(cs.tests)}</td>'
        f'<td class="n">{cs.wall_s:.1f}</td><td class="n">{cs.test_s:.1f}</td>'
        f'<td class="n">{cs.test_s / cs.wall_s:.2f}</td></tr>'
        for cs in sets
    ]
    fixture_rows = [
        f'<tr><td class="mono">{esc(f.name)}</td><td>{esc(f.scope)}</td><td class="n">{f.setups}</td>'
        f'<td class="n">{f.total_s:.2f}</td><td class="n">{f.max_s:.2f}</td></tr>'
        for f in s.slowest_fixtures
    ]
    parts = [head]
    if set_rows:
        parts.append(table(("command set", "tests", "wall s", "test s", "parallelism"), set_rows))
    if fixture_rows:
        parts.append("<h3>Slowest fixtures (setup)</h3>")
        parts.append(table(("fixture", "scope", "setups", "total s", "longest s"), fixture_rows))
    return f'<section id="run-time"><h2>Run time</h2>{"".join(parts)}</section>'
