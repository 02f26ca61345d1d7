"""``reports/out/index.html``: the page a qualification engineer reads the morning after a nightly run.

Rendered server-side into one static file (inline CSS/JS, no network): the verdict and counts, the
firmware (AT+GMR lines) and rig, the conformance matrix of the guide's command sets and forms (per-form
rows collapsed in ``<details>``), each failure with its expected and actual lines and a link to its
transcript, the chapter-4 examples, measurements, throughput plots, and skips grouped by reason.
"""

from __future__ import annotations

from collections import Counter

from reports.checks import INFERRED_DIFFERS, PROVENANCES
from reports.form_state import COUNT_KEYS, STATES, FormState, FormTest
from reports.html import anchor, badge, esc, href, page, table
from reports.measurements import fmt
from reports.run import Run, TestView
from reports.summary import CommandSetEntry, Counts
from reports.timing_section import timing_section
from spec import load_spec
from spec.examples import Example, load_examples

#: The matrix's columns: checked first, then the failures, then what is short of checked.
FORM_STATES: tuple[FormState, ...] = ("checked-pass", *(s for s in STATES if s != "checked-pass"))
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def render_index(run: Run, examples: list[Example] | None = None) -> str:
    s = run.summary
    failing = sorted(run.failing_tests(), key=lambda t: t.id)
    ok = not failing and not s.interrupted
    verdict = (
        '<span class="verdict-ok">no failures</span>'
        if ok
        else f'<span class="verdict-bad">{len(failing)} failing test{"s" * (len(failing) != 1)}</span>'
        if failing
        else '<span class="verdict-bad">incomplete run</span>'
    )
    fw = s.firmware[0].gmr[0] if s.firmware and s.firmware[0].gmr else "firmware unknown"
    header = (
        f"<h1>ESP-AT conformance: {verdict}</h1>"
        f'<div class="muted">{esc(fw)} &middot; rig {esc(s.rig.name)} &middot; '
        f"{esc(s.started.strftime('%Y-%m-%d %H:%M:%S'))} UTC, {esc(_duration(s.duration_s))}</div>"
        f'<div id="totals">{_counts_line(s.totals)}</div>{_measurement_line(run)}'
    )
    # an interrupted run is reported with what it ran, and never reads as a whole pass
    stopped = f'<p class="act" id="interrupted">Run {esc(s.interrupted)}.</p>' if s.interrupted else ""
    body = [
        stopped,
        "".join(f'<p class="act">{esc(w)}</p>' for w in run.warnings),
        _firmware_section(run),
        _matrix_section(run),
        _err_code_section(run),
        _failures_section(failing),
        _examples_section(run, load_examples() if examples is None else examples),
        _measurements_section(run),
        _plots_section(run),
        _skips_section(run),
        timing_section(s),
        _tests_section(run),
    ]
    title = f"ESP-AT conformance {s.started:%Y-%m-%d %H:%M} ({'pass' if ok else 'FAIL'})"
    return page(title, header, "\n".join(body))


def _duration(seconds: float) -> str:
    m, sec = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{sec:02d}s" if h else f"{m}m{sec:02d}s"


def _counts_line(c: Counts) -> str:
    total = sum(getattr(c, o) for o in OUTCOMES)
    parts = [f'<b data-count="total">{total}</b> tests']
    for o in OUTCOMES:
        n = getattr(c, o)
        if n or o in ("passed", "failed", "skipped"):
            parts.append(f'{badge(o)} <b data-count="{o}">{n}</b>')
    return " &nbsp; ".join(parts)


def _measurement_line(run: Run) -> str:
    outcomes = Counter(m.outcome for t in run.tests.values() for m in t.measurements)
    if not outcomes:
        return ""
    parts = " &nbsp; ".join(f"{badge(o)} {outcomes[o]}" for o in ("pass", "marginal", "fail") if outcomes[o])
    return f'<div><a href="#measurements">{sum(outcomes.values())} measurements</a> &nbsp; {parts}</div>'


def _firmware_section(run: Run) -> str:
    s = run.summary
    modules = {b.id: b.module for b in s.rig.boards}
    rows = []
    for fw in s.firmware:
        base_id = fw.board.split("#", 1)[0]
        module = fw.properties.get("module") or modules.get(base_id, "")
        gmr = "\n".join(fw.gmr) or "(no AT+GMR lines recorded)"
        rows.append(
            f"<tr><td>{esc(fw.board)}</td><td>{esc(module)}</td><td><pre>{esc(gmr)}</pre></td>"
            f'<td class="small mono">{esc(fw.properties.get("at_port", ""))}</td></tr>'
        )
    fw_table = (
        table(["board", "module", "AT+GMR (3.1.4)", "AT port"], rows)
        if rows
        else ('<p class="muted">No board identity was recorded (no test opened a board).</p>')
    )
    boards = [
        f"<tr><td>{esc(b.id)}</td><td>{esc(b.kind)}</td><td>{esc(b.module)}</td>"
        f'<td class="small">{esc(", ".join(b.capabilities))}</td></tr>'
        for b in s.rig.boards
    ]
    rig = (
        f'<p><b>{esc(s.rig.name)}</b> <span class="mono small">{esc(s.rig.path or "")}</span> '
        f"&mdash; {esc(s.rig.description)}</p>" + table(["board", "kind", "module", "capabilities"], boards)
    )
    return f'<section id="firmware"><h2>Firmware</h2>{fw_table}<h3>Rig</h3>{rig}</section>'


def _test_link(run: Run, test_id: str, states: dict[str, str] | None = None) -> str:
    t = run.tests.get(test_id)
    state = (states or {}).get(test_id)
    said = f' <span class="muted">({esc(state)})</span>' if state else ""
    if t is not None and t.failing:
        return f'<a href="#{anchor("fail", test_id)}" class="act">{esc(test_id)}</a>{said}'
    outcome = t.outcome if t else "?"
    return f'<span title="{esc(outcome)}">{esc(test_id)}{said}</span>'


def _test_links(run: Run, test_ids: list[str], shown: int = 4, states: dict[str, str] | None = None) -> str:
    """Failing tests first and always shown; past ``shown`` the others fold into a <details>. ``states``:
    what each test says of the form (checked-pass, declared-unchecked ...), shown beside its id."""
    if not test_ids:
        return '<span class="muted">-</span>'
    failing = [t for t in test_ids if (v := run.tests.get(t)) is not None and v.failing]
    rest = [t for t in test_ids if t not in set(failing)]
    head = failing + rest[: max(shown - len(failing), 0)]
    more = rest[len(head) - len(failing) :]
    out = "".join(_test_link(run, t, states) for t in head)
    if more:
        folded = "".join(_test_link(run, t, states) for t in more)
        out += f"<details><summary>{len(more)} more</summary>{folded}</details>"
    return out


def _form_tests(run: Run, tests: list[FormTest]) -> str:
    """A form's tests, those that say most of it first (failed checks, then passed ones, then refusals)."""
    ordered = sorted(tests, key=lambda t: (STATES.index(t.state), t.id))
    return _test_links(run, [t.id for t in ordered], states={t.id: t.state for t in tests})


def _form_counts(cs: CommandSetEntry) -> Counter[str]:
    return Counter({state: getattr(cs, COUNT_KEYS[state]) for state in FORM_STATES})


def _transcript_link(t: TestView) -> str:
    return f'<a href="{href(t.transcript)}">transcript</a>' if t.transcript else ""


def _err_code_section(run: Run) -> str:
    """Per command set, the tests whose ERR CODE checks rest on each kind of evidence
    (spec/err_provenance.yaml); ``inferred`` is the layout of 3.1.26 alone, the count a real board's first
    run should read first."""
    kinds = PROVENANCES
    rows = [
        f'<tr data-set="{esc(cs.name)}"><td>{esc(cs.chapter)}</td><td>{esc(cs.title)}</td>'
        + "".join(f'<td class="n" data-count="{k}">{cs.err_code_provenance.get(k, 0)}</td>' for k in kinds)
        + f'<td class="n" data-count="inferred-differs">{cs.err_codes_inferred_differs}</td></tr>'
        for cs in run.summary.command_sets
        if cs.err_code_provenance
    ]
    if not rows:
        return ""
    # The distinct verdicts, each with its transcript: what a bench's first run reads to sort our guesses.
    differs = [
        f'<div>{esc(t.id)} {_transcript_link(t)}<div class="muted">{esc(t.reason or "")}</div></div>'
        for t in sorted(run.tests.values(), key=lambda t: t.id)
        if t.outcome == "xfailed" and INFERRED_DIFFERS in (t.reason or "")
    ]
    listing = (
        f"<details><summary><b>{len(differs)}</b> &times; {esc(INFERRED_DIFFERS)}</summary>"
        f'<div class="small mono">{"".join(differs)}</div></details>'
        if differs
        else ""
    )
    head = ["chapter", "command set", *kinds, "inferred code differs"]
    return (
        '<section id="err-codes"><h2>ERR CODE provenance</h2>'
        '<p class="muted small">Tests per command set whose ERR CODE checks rest on the guide\'s own case, '
        "a real board's public transcript, the public firmware source, or on <b>inferred</b> codes (the "
        "layout of 3.1.26 only); <b>inferred code differs</b>: xfailed on an inferred code the board did "
        "not print (rig option <code>err_codes: inferred-differs</code>).</p>"
        + table(head, rows)
        + listing
        + "</section>"
    )


def _matrix_section(run: Run) -> str:
    s = run.summary
    head = [
        "chapter", "command set", "forms", *FORM_STATES,
        "tests passed", "failed", "error", "skipped", "wall time",
    ]  # fmt: skip
    rows = []
    totals: Counter[str] = Counter()
    ran = {cs.name: cs for cs in s.command_sets}
    for guide_set in load_spec().sets:
        cs = ran.get(guide_set.command_set)
        if cs is None:
            # A set missing from an older summary (schema 1-2 listed touched sets only): not covered.
            n = sum(len(c.forms) for c in guide_set.commands)
            totals["forms"] += n
            totals["not covered"] += n
            rows.append(
                f'<tr data-set="{esc(guide_set.command_set)}" class="muted"><td>{esc(guide_set.chapter)}</td>'
                f'<td>{esc(guide_set.title)}</td><td class="n" data-count="forms">{n}</td>'
                + "".join(
                    f'<td class="n" data-count="{r}">{n if r == "not covered" else 0}</td>'
                    for r in FORM_STATES
                )
                + '<td colspan=5 class="small">no test of this set ran</td></tr>'
            )
            continue
        fc = _form_counts(cs)
        totals.update(fc)
        totals["forms"] += cs.forms_in_guide
        cells = "".join(f'<td class="n" data-count="{r}">{fc.get(r, 0)}</td>' for r in FORM_STATES)
        t = cs.tests
        any_ran = t.passed + t.failed + t.error
        rows.append(
            f'<tr data-set="{esc(cs.name)}"><td>{esc(cs.chapter)}</td>'
            f'<td><a href="#set-{esc(cs.name)}">{esc(cs.title)}</a></td>'
            f'<td class="n" data-count="forms">{cs.forms_in_guide}</td>{cells}'
            f'<td class="n">{t.passed}</td><td class="n">{t.failed}</td><td class="n">{t.error}</td>'
            f'<td class="n">{t.skipped}</td>'
            # wall time: while at least one of the set's tests ran; the title has the summed test time
            f'<td class="n" data-wall="{cs.wall_s:.3f}" title="sum of test durations {cs.test_s:.1f} s">'
            f"{esc(_duration(cs.wall_s)) if any_ran else ''}</td></tr>"
        )
    total_cells = "".join(f'<td class="n" data-count="{r}">{totals.get(r, 0)}</td>' for r in FORM_STATES)
    rows.append(
        f'<tr data-set="all"><th></th><th>all</th><td class="n" data-count="forms">{totals["forms"]}</td>'
        f'{total_cells}<td colspan=4></td><td class="n">{esc(_duration(s.duration_s))}</td></tr>'
    )
    details = "".join(_set_details(run, cs) for cs in s.command_sets)
    unknown = (
        f'<p class="act">Form markers naming no form of the guide: {esc(", ".join(s.unknown_forms))}</p>'
        if s.unknown_forms
        else ""
    )
    return (
        '<section id="matrix"><h2>Conformance matrix</h2>'
        '<p class="muted small">A form is <b>checked-pass</b> only where a passing test matched its '
        "response against the guide (a split form: every variant's); <b>checked-fail</b> where a check of "
        "it did not match; <b>xfail</b> where that is a known deviation; <b>test-failed</b> where a test "
        "of it failed elsewhere; <b>partly checked</b>: some variants checked, not all; <b>refusals "
        "only</b>: only its ERROR to invalid invocations was checked; <b>declared-unchecked</b>: a test "
        "names it and checks nothing of it; <b>skipped</b>: all its tests were skipped; <b>not "
        "covered</b>: no test names or checks it (reports/SCHEMA.md).</p>"
        + table(head, rows, attrs=' id="matrix-table"')
        + unknown
        + details
        + "</section>"
    )


def _set_details(run: Run, cs: CommandSetEntry) -> str:
    fc = _form_counts(cs)
    summary_counts = " ".join(f"{badge(r)} {fc[r]}" for r in FORM_STATES if fc.get(r))
    rows = []
    for f in cs.forms:
        tests = _form_tests(run, f.tests)
        rows.append(
            f'<tr><td class="mono">{esc(f.key)}</td><td>{esc(f.section)}</td><td>{badge(f.state)}</td>'
            f'<td class="tests small mono">{tests}</td></tr>'
        )
        for v in f.variants:
            vt = _form_tests(run, v.tests)
            rows.append(
                f'<tr><td class="mono">&nbsp;&nbsp;{esc(f.key)}/{esc(v.variant)}</td><td></td>'
                f'<td>{badge(v.state)}</td><td class="tests small mono">{vt}</td></tr>'
            )
    return (
        f'<details id="set-{esc(cs.name)}">'
        f"<summary><b>{esc(cs.chapter)} {esc(cs.title)}</b>: {cs.forms_in_guide} forms &nbsp; "
        f"{summary_counts}</summary>" + table(["form", "section", "result", "tests"], rows) + "</details>"
    )


def _failures_section(failing: list[TestView]) -> str:
    if not failing:
        return '<section id="failures"><h2>Failures</h2><p class="verdict-ok">None.</p></section>'
    items = [_failure(t) for t in failing]
    return f'<section id="failures"><h2>Failures ({len(failing)})</h2>{"".join(items)}</section>'


def _failure(t: TestView) -> str:
    f = t.failure
    lines = []
    if f is not None and (f.expected or f.actual):
        for e in f.expected:
            lines.append(f'<tr><th>expected</th><td class="mono exp">{esc(e)}</td></tr>')
        for a in f.actual:
            lines.append(f'<tr><th>actual</th><td class="mono act">{esc(a)}</td></tr>')
    detail = f"<table>{''.join(lines)}</table>" if lines else ""
    transcript = (
        f'<a class="transcript" href="{href(t.transcript)}">transcript</a>'
        if t.transcript
        else '<span class="muted">no transcript</span>'
    )
    headline = esc(f.headline) if f else ""
    message = (
        f'<details><summary class="small">full message</summary><pre>{esc(f.message)}</pre></details>'
        if f and f.message.strip()
        else ""
    )
    forms = f' <span class="small mono muted">{esc(", ".join(t.forms))}</span>' if t.forms else ""
    return (
        f'<div class="failure" id="{anchor("fail", t.id)}" data-test="{esc(t.id)}">'
        f'<div>{badge(t.outcome)} <b class="mono">{esc(t.id)}</b>{forms} &middot; {transcript}</div>'
        f'<div class="mono small headline">{headline}</div>{detail}{message}</div>'
    )


def _examples_section(run: Run, examples: list[Example]) -> str:
    replayed = run.examples()
    rows = []
    counts: Counter[str] = Counter()
    for ex in examples:
        tests = replayed.get(ex.section, [])
        result = _example_result(tests)
        counts[result] += 1
        links = _test_links(run, [t.id for t in tests])
        rows.append(
            f'<tr data-example="{esc(ex.section)}"><td>{esc(ex.section)}</td><td>{esc(ex.title)}</td>'
            f"<td>{esc(ex.command_set)}</td><td>{esc(ex.fidelity)}</td><td>{badge(result)}</td>"
            f'<td class="tests small mono">{links}</td><td class="small">{_evidence(tests)}</td></tr>'
        )
    line = " ".join(f"{badge(r)} {n}" for r, n in sorted(counts.items()))
    return (
        f'<section id="examples"><h2>Examples of chapter 4</h2><details><summary>{len(examples)} examples '
        f"&nbsp; {line}</summary>"
        + table(["section", "example", "set", "data", "result", "tests", "evidence"], rows)
        + "</details></section>"
    )


def _evidence(tests: list[TestView]) -> str:
    """What a reader checks an example's verdict against: each replaying test's transcript and the
    screenshots it took (thumbnails linking to the full image)."""
    parts = []
    for t in tests:
        shots = "".join(
            f'<a href="{href(p)}"><img src="{href(p)}" alt="{esc(p)}" loading="lazy" '
            'style="max-width:120px;max-height:90px;margin:2px;border:1px solid #ccc"></a>'
            for p in t.screenshots
        )
        if t.transcript or shots:
            parts.append(f"<div>{_transcript_link(t)}{shots}</div>")
    return "".join(parts) or '<span class="muted">-</span>'


def _example_result(tests: list[TestView]) -> str:
    if not tests:
        return "not replayed"
    if any(t.failing for t in tests):
        return "fail"
    if any(t.outcome == "xfailed" for t in tests):
        return "xfail"
    if any(t.outcome == "passed" for t in tests):
        return "pass"
    return "skip"


def _measurements_section(run: Run) -> str:
    rows = []
    for t in sorted(run.measured_tests(), key=lambda t: t.id):
        for m in t.measurements:
            attempts = ", ".join(fmt(a) for a in m.attempts) if len(m.attempts) > 1 else ""
            rows.append(
                f'<tr><td class="small mono">{esc(t.id)}</td><td class="mono">{esc(m.name)}</td>'
                f'<td class="n">{esc(fmt(m.value))}</td><td>{esc(m.units)}</td>'
                f"<td>{esc(m.describe_limits())}</td><td>{badge(m.outcome)}</td>"
                f'<td class="small">{esc(attempts)}</td></tr>'
            )
    if not rows:
        return ""
    return (
        '<section id="measurements"><h2>Measurements</h2>'
        + table(["test", "measurement", "value", "units", "limits", "outcome", "all attempts"], rows)
        + "</section>"
    )


def _plots_section(run: Run) -> str:
    if not run.plots:
        return ""
    figs = "".join(
        f'<figure><img src="{href(p)}" alt="{esc(p)}" loading="lazy"><figcaption class="small mono">'
        f"{esc(p)}</figcaption></figure>"
        for p in run.plots
    )
    return f'<section id="plots" class="plots"><h2>Throughput</h2><div class="grid">{figs}</div></section>'


def _skips_section(run: Run) -> str:
    by_reason: dict[str, list[str]] = {}
    for t in run.tests.values():
        if t.outcome == "skipped":
            by_reason.setdefault(t.reason or "(no reason given)", []).append(t.id)
    if not by_reason:
        return ""
    items = []
    for reason, ids in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        listing = "".join(f"<div>{esc(i)}</div>" for i in sorted(ids))
        items.append(
            f"<details><summary><b>{len(ids)}</b> &times; {esc(reason)}</summary>"
            f'<div class="small mono">{listing}</div></details>'
        )
    total = sum(len(v) for v in by_reason.values())
    return f'<section id="skips"><h2>Skipped ({total}), by reason</h2>{"".join(items)}</section>'


def _tests_section(run: Run) -> str:
    rows = []
    for t in sorted(run.tests.values(), key=lambda t: t.id):
        link = f'<a href="{href(t.transcript)}">transcript</a>' if t.transcript else ""
        rows.append(
            f'<tr><td class="mono small">{esc(t.id)}</td><td>{badge(t.outcome)}</td>'
            f'<td class="n">{t.duration_s:.2f}</td><td class="small mono">{esc(" ".join(t.forms))}</td>'
            f"<td>{link}</td></tr>"
        )
    return (
        f'<section id="tests"><h2>All tests</h2><details><summary>{len(rows)} tests</summary>'
        '<input id="filter" placeholder="filter: words of the id, outcome or form">'
        + table(["test", "outcome", "s", "forms", ""], rows, attrs=" data-filter")
        + "</details></section>"
    )
