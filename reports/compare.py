"""Run-to-run comparison: what changed from run A (the reference: last night, the previous firmware) to run
B (the run under judgement). Pure logic over two loaded runs (reports/run.py); the text is for the terminal,
reports/compare_page.py renders the same diff as HTML.

Tests are matched by id, forms by key (``AT+CWJAP/set``), measurements by (test id, name). A test outcome is
one of three states: *pass* (passed, xfailed: a known deviation), *fail* (failed, error, xpassed: as for
forms in reports/SCHEMA.md) and *skip* (skipped); a test missing from a run is *absent*.

Regressions (exit status 1 of ``python -m reports compare``):

- a test that fails in B and did not fail in A (passed, skipped, or absent: a new test that fails counts);
- a measurement that got a worse outcome (pass < marginal < fail) or moved by more than its marginal band
  towards its limit (reports/measurements.py, :class:`~reports.measurements.Movement`);
- with ``strict``: lost coverage too, i.e. a test that passed or failed in A and is skipped in B, and a form
  covered in A (checked-pass, checked-fail, xfail, test-failed: reports/form_state.py) that B did not
  cover so (skipped, not covered, declared-unchecked, refusals only, or only partly checked).

Everything else is listed but is no regression: tests that started passing, forms newly covered, tests only
in one run, tests still failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.measurements import Movement, fmt
from reports.run import Run, TestView

PASS_OUTCOMES = frozenset({"passed", "xfailed"})
FAIL_OUTCOMES = frozenset({"failed", "error", "xpassed"})


def state(outcome: str | None) -> str:
    """``pass``, ``fail``, ``skip`` or ``absent`` for a test outcome (None: the run lacks the test)."""
    if outcome is None:
        return "absent"
    if outcome in FAIL_OUTCOMES:
        return "fail"
    if outcome in PASS_OUTCOMES:
        return "pass"
    return "skip"


@dataclass(frozen=True)
class TestChange:
    id: str
    before: str | None  #: outcome in A (None: absent)
    after: str | None  #: outcome in B
    forms: tuple[str, ...] = ()
    #: the failure headline or skip reason in B (in A for a test that disappeared); transcript likewise
    reason: str = ""
    expected: tuple[str, ...] = ()
    actual: tuple[str, ...] = ()
    transcript: str | None = None


@dataclass(frozen=True)
class FormChange:
    key: str
    section: str
    before: str  #: a form state of reports/form_state.py (checked-pass, declared-unchecked ...)
    after: str


@dataclass
class RunDiff:
    a: Run
    b: Run
    strict: bool = False
    started_failing: list[TestChange] = field(default_factory=list)
    started_passing: list[TestChange] = field(default_factory=list)
    still_failing: list[TestChange] = field(default_factory=list)
    newly_skipped: list[TestChange] = field(default_factory=list)
    only_in_a: list[TestChange] = field(default_factory=list)
    only_in_b: list[TestChange] = field(default_factory=list)
    forms_started_failing: list[FormChange] = field(default_factory=list)
    forms_started_passing: list[FormChange] = field(default_factory=list)
    forms_lost: list[FormChange] = field(default_factory=list)  #: covered in A, not in B
    forms_gained: list[FormChange] = field(default_factory=list)  #: not covered in A, covered in B
    #: e.g. checked-pass <-> xfail, skipped <-> not covered, checked-fail <-> test-failed
    forms_other: list[FormChange] = field(default_factory=list)
    measurements_regressed: list[Movement] = field(default_factory=list)
    measurements_improved: list[Movement] = field(default_factory=list)
    measurements_within_band: list[Movement] = field(default_factory=list)
    measurements_missing: list[tuple[str, str]] = field(default_factory=list)  #: (test, name) only in A

    @property
    def regressions(self) -> int:
        n = len(self.started_failing) + len(self.measurements_regressed)
        if self.strict:
            n += len(self.newly_skipped) + len(self.forms_lost)
        return n


def _change(test_id: str, a: TestView | None, b: TestView | None, runs: tuple[Run, Run]) -> TestChange:
    source, run = (b, runs[1]) if b is not None else (a, runs[0])
    assert source is not None
    f = source.failure if source.failing else None
    reason = f.headline if f else (source.reason or "").strip().splitlines()[0] if source.reason else ""
    return TestChange(
        id=test_id,
        before=a.outcome if a else None,
        after=b.outcome if b else None,
        forms=tuple(source.forms),
        reason=reason[:300],
        expected=tuple(f.expected) if f else (),
        actual=tuple(f.actual) if f else (),
        transcript=str(run.folder / source.transcript) if source.transcript else None,
    )


def _form_results(run: Run) -> dict[str, tuple[str, str]]:
    """(section, state) per form key, variants included (an older summary lacks the sets no test
    touched: those read as not covered)."""
    out: dict[str, tuple[str, str]] = {}
    for cs in run.summary.command_sets:
        for f in cs.forms:
            out[f.key] = (f.section, f.state)
            for v in f.variants:
                out[f"{f.key}/{v.variant}"] = (f.section, v.state)
    return out


#: States in which a run says something of the form's response: checked, or a test of it failed.
_COVERED = ("checked-pass", "checked-fail", "xfail", "test-failed")
_FAILED = ("checked-fail", "test-failed")


def compare_runs(a: Run, b: Run, *, strict: bool = False) -> RunDiff:
    diff = RunDiff(a=a, b=b, strict=strict)
    for test_id in sorted(set(a.tests) | set(b.tests)):
        ta, tb = a.tests.get(test_id), b.tests.get(test_id)
        sa, sb = state(ta.outcome if ta else None), state(tb.outcome if tb else None)
        change = _change(test_id, ta, tb, (a, b))
        if sb == "fail":
            (diff.still_failing if sa == "fail" else diff.started_failing).append(change)
        elif sa == "fail" and sb == "pass":
            diff.started_passing.append(change)
        elif sb == "skip" and sa in ("pass", "fail"):
            diff.newly_skipped.append(change)
        if sb == "absent":
            diff.only_in_a.append(change)
        elif sa == "absent" and sb != "fail":
            diff.only_in_b.append(change)
    fa, fb = _form_results(a), _form_results(b)
    for key in sorted(set(fa) | set(fb)):
        section = (fb.get(key) or fa[key])[0]
        ra = fa.get(key, ("", "not covered"))[1]
        rb = fb.get(key, ("", "not covered"))[1]
        if ra == rb:
            continue
        form = FormChange(key, section, ra, rb)
        if rb in _FAILED and ra not in _FAILED:
            diff.forms_started_failing.append(form)
        elif ra in _FAILED and rb == "checked-pass":
            diff.forms_started_passing.append(form)
        elif ra in _COVERED and rb not in _COVERED:
            diff.forms_lost.append(form)
        elif ra not in _COVERED and rb in _COVERED:
            diff.forms_gained.append(form)
        else:
            diff.forms_other.append(form)
    _compare_measurements(diff)
    return diff


def _compare_measurements(diff: RunDiff) -> None:
    for test_id, ta in sorted(diff.a.tests.items()):
        tb = diff.b.tests.get(test_id)
        after = {m.name: m for m in tb.measurements} if tb else {}
        for ma in ta.measurements:
            mb = after.get(ma.name)
            if mb is None:
                diff.measurements_missing.append((test_id, ma.name))
                continue
            move = Movement(
                test=test_id,
                name=ma.name,
                units=mb.units,
                before=ma.value,
                after=mb.value,
                limits=mb.limits,
                outcome_before=ma.outcome,
                outcome_after=mb.outcome,
            )
            if move.regressed:
                diff.measurements_regressed.append(move)
            elif move.improved:
                diff.measurements_improved.append(move)
            else:
                diff.measurements_within_band.append(move)


# ---- text ----------------------------------------------------------------------------------------------


def _run_line(label: str, run: Run) -> str:
    s = run.summary
    fw = next((fw.gmr[0] for fw in s.firmware if fw.gmr), "firmware unknown")
    t = s.totals
    total = t.passed + t.failed + t.error + t.skipped + t.xfailed + t.xpassed
    counts = f"{total} tests: {t.passed} passed, {t.failed + t.error + t.xpassed} failed, {t.skipped} skipped"
    return f"{label}  {run.source}\n   {s.started:%Y-%m-%d %H:%M} UTC  rig {s.rig.name}  {fw}\n   {counts}"


def movement_text(m: Movement) -> str:
    pct = f"{m.percent:+.1f} %" if m.percent is not None else "n/a"
    band = f"band {fmt(m.band)}" if m.band else "no band"
    units = f" {m.units}" if m.units else ""
    outcome = (
        f"{m.outcome_before} -> {m.outcome_after}" if m.outcome_before != m.outcome_after else m.outcome_after
    )
    return f"{m.name}: {fmt(m.before)} -> {fmt(m.after)}{units} ({pct}; {band}) {outcome}"


def _outcomes(c: TestChange) -> str:
    return f"{c.before or 'absent'} -> {c.after or 'absent'}"


def _test_line(c: TestChange) -> str:
    forms = f"  [{', '.join(c.forms)}]" if c.forms else ""
    return f"  {c.id}  {_outcomes(c)}{forms}"


def _signature(c: TestChange) -> tuple[str, ...]:
    """What a failure says, without where: tests failing alike are listed under one explanation."""
    if c.expected or c.actual:
        return ("expected: " + " | ".join(c.expected), "actual:   " + " | ".join(c.actual))
    return tuple(c.reason.splitlines()) or ("(no message)",)


def _test_block(title: str, changes: list[TestChange], *, detail: bool) -> list[str]:
    if not changes:
        return []
    out = [f"{title} ({len(changes)})"]
    if not detail:
        for c in changes:
            out.append(_test_line(c))
            if c.reason and c.after == "skipped":
                out.append(f"      {c.reason}")
        return out
    # Failures grouped by what they say (one fault usually breaks many tests the same way), the largest
    # group first; each group shows its explanation once and the transcript of its first test.
    groups: dict[tuple[str, ...], list[TestChange]] = {}
    for c in changes:
        groups.setdefault(_signature(c), []).append(c)
    for signature, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1][0].id)):
        n = len(members)
        out.append(f"  * {n} test{'s' * (n != 1)} failing with")
        out += [f"      {line}" for line in signature]
        first = next((m.transcript for m in members if m.transcript), None)
        if first:
            out.append(f"      transcript: {first}" + (" (first of them)" if n > 1 else ""))
        out += ["  " + _test_line(m) for m in members]
    return out


def _form_block(title: str, changes: list[FormChange]) -> list[str]:
    if not changes:
        return []
    out = [f"{title} ({len(changes)})"]
    out += [f"  {c.key:<40} {c.section:<8} {c.before} -> {c.after}" for c in changes]
    return out


def firmware_change(diff: RunDiff) -> list[str]:
    """The AT+GMR lines (3.1.4) that differ between the runs (over all their boards); empty if none."""
    gmr_a = {line for fw in diff.a.summary.firmware for line in fw.gmr}
    gmr_b = {line for fw in diff.b.summary.firmware for line in fw.gmr}
    return [f"  - {line}" for line in sorted(gmr_a - gmr_b)] + [
        f"  + {line}" for line in sorted(gmr_b - gmr_a)
    ]


def render_text(diff: RunDiff) -> str:
    lines = [_run_line("A", diff.a), _run_line("B", diff.b)]
    changed = firmware_change(diff)
    lines += ["firmware: AT+GMR differs", *changed] if changed else ["firmware: same AT+GMR lines"]
    lines.append("")
    n = diff.regressions
    lines.append(f"REGRESSIONS: {n}" if n else "REGRESSIONS: none")
    lines += _test_block("started failing", diff.started_failing, detail=True)
    if diff.measurements_regressed:
        lines.append(f"measurements beyond their marginal band, worse ({len(diff.measurements_regressed)})")
        lines += [f"  {m.test}  {movement_text(m)}" for m in diff.measurements_regressed]
    if diff.strict:
        lines += _test_block("newly skipped", diff.newly_skipped, detail=False)
        lines += _form_block("forms no longer covered", diff.forms_lost)
    lines += _form_block("forms started failing", diff.forms_started_failing)
    lines.append("")
    lines.append("OTHER CHANGES")
    before = len(lines)
    lines += _test_block("started passing", diff.started_passing, detail=False)
    lines += _form_block("forms started passing", diff.forms_started_passing)
    if not diff.strict:
        lines += _test_block("newly skipped", diff.newly_skipped, detail=False)
        lines += _form_block("forms no longer covered", diff.forms_lost)
    lines += _form_block("forms newly covered", diff.forms_gained)
    lines += _form_block("forms changed otherwise", diff.forms_other)
    if diff.measurements_improved:
        lines.append(f"measurements beyond their marginal band, better ({len(diff.measurements_improved)})")
        lines += [f"  {m.test}  {movement_text(m)}" for m in diff.measurements_improved]
    if diff.measurements_missing:
        lines.append(f"measured in A only ({len(diff.measurements_missing)})")
        lines += [f"  {t}  {name}" for t, name in diff.measurements_missing]
    lines += _test_block("tests only in A", diff.only_in_a, detail=False)
    lines += _test_block("tests only in B", diff.only_in_b, detail=False)
    if diff.still_failing:
        lines.append(f"still failing ({len(diff.still_failing)})")
        lines += [f"  {c.id}  {c.reason.splitlines()[0] if c.reason else ''}" for c in diff.still_failing]
    if len(lines) == before:
        lines.append("  none")
    lines.append("")
    if n:
        lines.append(f"verdict: B REGRESSED against A ({n} regression{'s' * (n != 1)}); exit status 1")
    else:
        lines.append("verdict: no regressions; exit status 0")
    return "\n".join(lines) + "\n"
