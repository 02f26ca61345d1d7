"""The run summary (``reports/out/summary.json``): which forms of the guide a run covered, and how.

Pure logic, no pytest: :class:`SummaryBuilder` takes test results (:class:`TestResult`, one per test id,
with the guide forms the test declares and the check records it made) and the forms the guide documents
(from :mod:`spec`), and builds a :class:`Summary`, whose JSON is documented in ``reports/SCHEMA.md``.
``fixtures/coverage.py`` feeds it from pytest's reports on the xdist controller.

Every form of every command set of the guide is listed, touched or not. A form's state comes from the
check records of its tests (reports/checks.py), not from declarations: see :mod:`reports.form_state`.
A chapter-4 example's result still combines the outcomes of the tests replaying it (:func:`combine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from reports.checks import PROVENANCES, CheckRecord
from reports.failures import expected_actual
from reports.flaky import TestRun, is_flaky
from reports.form_state import (
    CheckEntry,
    FormCounts,
    FormEntry,
    FormRef,
    FormTest,
    StrictModel,
    VariantEntry,
    combine_states,
    fold_checks,
    split_form_state,
    state_of_test,
)
from reports.measurements import Attempt, Measurement, group_attempts
from reports.timing import FixtureTiming
from reports.walltime import union_length
from spec import Spec
from spec.examples import Example

SCHEMA_VERSION = 3
#: A chapter-4 example's section in a test id: suites/examples parametrizes with the guide's section.
EXAMPLE_ID = re.compile(r"\[(4\.\d+\.\d+)\]")
ExampleResult = Literal["pass", "fail", "xfail", "skip", "not replayed"]

#: A test's outcome. ``error`` is a failure outside the test body (fixture setup or teardown).
Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
FormResult = Literal["pass", "fail", "xfail", "skip", "not covered"]

_FAILING: frozenset[str] = frozenset({"failed", "error", "xpassed"})


@dataclass(slots=True)
class TestResult:
    """One test's combined outcome over its setup, call and teardown phases."""

    test_id: str
    outcome: Outcome
    duration: float = 0.0
    forms: tuple[FormRef, ...] = ()
    command_sets: tuple[str, ...] = ()
    #: the skip reason, or the first line of the failure
    reason: str | None = None
    #: the test's transcript file (fixtures/transcripts.py), as recorded
    transcript: str | None = None
    #: every measurement attempt the test recorded (fixtures/measurements.py), in order
    attempts: list[Attempt] = field(default_factory=list)
    #: every check record the test made (reports/checks.py), in order
    checks: list[CheckRecord] = field(default_factory=list)
    #: the board crashes seen on the log port during the test (fixtures/crash_check.py ``esp_crash``)
    crashes: list[str] = field(default_factory=list)
    #: what the test left unchecked because its peer is external and records nothing (fixtures/servers.py)
    not_checked: list[str] = field(default_factory=list)
    #: every run of a re-run test (fixtures/flake.py), first to last; empty for a test run once
    runs: list[TestRun] = field(default_factory=list)
    #: what the quarantine file said of the test (reports/flaky.py): applied, or expired
    quarantine: str | None = None
    #: when its first phase started and its last one stopped (epoch seconds, pytest's report start/stop)
    started_at: float | None = None
    stopped_at: float | None = None
    #: the chapter-4 examples the test's ``example(section)`` markers name (besides a ``[4.x.y]`` id)
    examples: tuple[str, ...] = ()
    #: image files the test took of what it drove (a browser page: suites/webserver), in order
    screenshots: list[str] = field(default_factory=list)

    @property
    def flaky(self) -> bool:
        return is_flaky(self.runs)

    @property
    def quarantined(self) -> bool:
        return self.outcome == "xfailed" and (self.quarantine or "").startswith("quarantined")


class BoardInfo(StrictModel):
    """One board of the rig file."""

    id: str
    kind: str
    module: str
    capabilities: list[str]


class RigInfo(StrictModel):
    name: str
    path: str | None
    description: str
    boards: list[BoardInfo]


class Firmware(StrictModel):
    """What a board said about itself: its identity properties and AT+GMR lines (3.1.4)."""

    board: str  #: board id, with ``#<instance>`` for a simulated board launched per worker
    gmr: list[str] = Field(default_factory=list)
    properties: dict[str, str] = Field(default_factory=dict)
    #: the release whose guide the board was judged against (issue 19), how it was chosen (``rig``:
    #: the rig's firmware.release; ``at_version``: AT+GMR's AT version), and whether it is the board's own
    release: str | None = None
    release_source: str | None = None
    release_exact: bool | None = None


class Counts(StrictModel):
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0
    # schema 3 additions: flaky tests are among the failed, quarantined ones among the xfailed
    flaky: int = 0
    quarantined: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def add_result(self, r: TestResult) -> None:
        self.add(r.outcome)
        self.flaky += r.flaky
        self.quarantined += r.quarantined


class Skip(StrictModel):
    test: str
    reason: str


class CommandSetEntry(FormCounts):
    name: str
    chapter: str
    title: str
    tests: Counts
    skips: list[Skip]
    forms: list[FormEntry]
    #: tests of the set whose verdict rests on an ERR CODE inferred from the layout alone (reports/SCHEMA.md
    #: "ERR CODE provenance"); ``err_code_provenance`` counts the tests per provenance of their ERR CODE
    #: checks; ``err_codes_inferred_differs`` the tests that got the distinct verdict (xfailed on an inferred
    #: code the board did not print, rig option ``err_codes: inferred-differs``)
    err_codes_inferred: int = 0
    err_codes_inferred_differs: int = 0
    err_code_provenance: dict[str, int] = Field(default_factory=dict)
    #: seconds at least one test of the set was running (reports/walltime.py), and the sum of their durations
    wall_s: float = 0.0
    test_s: float = 0.0


class Failure(StrictModel):
    """A failing test's message and, when it names them, the expected and actual lines (schema 2)."""

    message: str
    expected: list[str] = Field(default_factory=list)
    actual: list[str] = Field(default_factory=list)


class RunEntry(StrictModel):
    """One run of a re-run test (reports/flaky.py ``TestRun``)."""

    attempt: int
    outcome: str
    reason: str | None = None
    transcript: str | None = None


class TestEntry(StrictModel):
    id: str
    outcome: Outcome
    duration_s: float
    forms: list[str]
    command_sets: list[str]
    reason: str | None = None
    # schema 2
    transcript: str | None = None
    failure: Failure | None = None
    measurements: list[Measurement] = Field(default_factory=list)
    example: str | None = None
    # schema 3
    checks: list[CheckEntry] = Field(default_factory=list)
    crashes: list[str] = Field(default_factory=list)
    #: every run of a re-run test (``--esp-reruns``), first to last; ``flaky``: the last passed after a
    #: failing one (the outcome stays a failure); ``quarantine``: what the quarantine file said of it
    runs: list[RunEntry] = Field(default_factory=list)
    flaky: bool = False
    quarantine: str | None = None
    #: image files the test took (a browser page), in the order taken
    screenshots: list[str] = Field(default_factory=list)
    #: checks left out because the rig's peer is external and records nothing (fixtures/servers.py)
    not_checked: list[str] = Field(default_factory=list)


class ExampleEntry(StrictModel):
    """One chapter-4 example of the guide (spec/examples) and the tests that replayed it (schema 2)."""

    section: str
    title: str
    command_set: str
    result: ExampleResult
    tests: list[str]


class Summary(StrictModel):
    schema_version: int = SCHEMA_VERSION
    rig: RigInfo
    firmware: list[Firmware]
    started: datetime
    finished: datetime
    duration_s: float
    totals: Counts
    command_sets: list[CommandSetEntry]
    tests: list[TestEntry]
    #: form markers or check records naming no form of the guide (a typo in a suite); should be empty
    unknown_forms: list[str] = Field(default_factory=list)
    # schema 2
    examples: list[ExampleEntry] = Field(default_factory=list)
    #: plot files (PNG/SVG) relative to the summary's folder
    plots: list[str] = Field(default_factory=list)
    # schema 3
    #: the form counts over every command set
    form_totals: FormCounts = Field(default_factory=FormCounts)
    #: why the run stopped before its last test (Ctrl-C, ``-x``, a worker limit); None for a whole run
    interrupted: str | None = None
    #: the releases whose guide the run's boards were judged against (issue 19), oldest first
    releases: list[str] = Field(default_factory=list)
    #: the fixtures whose setups took longest over the run, slowest total first (reports/timing.py)
    slowest_fixtures: list[FixtureTiming] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: object) -> object:
        from reports.summary_legacy import upgrade

        return upgrade(data)


def combine(outcomes: Iterable[Outcome]) -> FormResult:
    """A result from test outcomes alone: what a chapter-4 example shows from the tests replaying it (a
    form's state comes from check records instead, :mod:`reports.form_state`)."""
    seen = list(outcomes)
    if not seen:
        return "not covered"
    if any(o in _FAILING for o in seen):
        return "fail"
    if any(o == "xfailed" for o in seen):
        # a known failure (e.g. a simulator deviation) is not hidden by other tests of the form passing
        return "xfail"
    if any(o == "passed" for o in seen):
        return "pass"
    return "skip"


def _release_order(release: str) -> tuple[int, ...]:
    from spec.releases import version_tuple

    return version_tuple(release) or ()


def firmware_from_properties(properties: Sequence[tuple[str, str]]) -> list[Firmware]:
    """Group the run properties ``<label>.<name>`` that fixtures/transcripts.py records per board.

    ``<name>`` is ``gmr[<i>]`` or one identity property (no dots); the label is everything before the last
    dot, so a board id with dots still parses.
    """
    boards: dict[str, Firmware] = {}
    gmr: dict[str, dict[int, str]] = {}
    for name, value in properties:
        label, dot, prop = name.rpartition(".")
        if not dot:
            continue
        fw = boards.setdefault(label, Firmware(board=label))
        if prop.startswith("gmr[") and prop.endswith("]") and prop[4:-1].isdigit():
            gmr.setdefault(label, {})[int(prop[4:-1])] = value
        elif prop in ("release", "release_source"):
            setattr(fw, prop, value)
        elif prop == "release_exact":
            fw.release_exact = value == "true"
        else:
            fw.properties[prop] = value
    for label, lines in gmr.items():
        boards[label].gmr = [lines[i] for i in sorted(lines)]
    return list(boards.values())


@dataclass
class SummaryBuilder:
    """Collects test results; :meth:`build` lays them over the guide's forms."""

    spec: Spec
    command_sets: Sequence[str]
    results: dict[str, TestResult] = field(default_factory=dict)
    #: the guide's chapter-4 examples, listed in the summary whether replayed or not
    examples: Sequence[Example] = ()

    def add(self, result: TestResult) -> None:
        self.results[result.test_id] = result

    def build(
        self,
        *,
        rig: RigInfo,
        firmware: list[Firmware],
        started: datetime,
        finished: datetime,
        plots: Sequence[str] = (),
        interrupted: str | None = None,
        slowest_fixtures: Sequence[FixtureTiming] = (),
    ) -> Summary:
        known: set[FormRef] = set()
        sets: list[CommandSetEntry] = []
        form_totals = FormCounts()
        touch = self._touches()
        wanted = [s for s in self.spec.sets if s.command_set in self.command_sets]
        for cs in wanted:
            entries: list[FormEntry] = []
            for command in cs.commands:
                for form in command.forms:
                    ref = FormRef(command.name, form.kind.value)
                    known.add(ref)
                    variants = []
                    for v in form.variants:
                        vref = FormRef(ref.command, ref.kind, v)
                        known.add(vref)
                        vtests = touch.get(vref.key, [])
                        variants.append(
                            VariantEntry(
                                variant=v, state=combine_states(t.state for t in vtests), tests=vtests
                            )
                        )
                    tests = touch.get(ref.key, [])
                    whole = combine_states(t.state for t in tests)
                    entries.append(
                        FormEntry(
                            command=command.name,
                            section=command.section,
                            kind=ref.kind,
                            key=ref.key,
                            state=split_form_state(whole, [v.state for v in variants]),
                            tests=tests,
                            variants=variants,
                        )
                    )
            counts = Counts()
            skips: list[Skip] = []
            spans: list[tuple[float, float]] = []
            test_s = 0.0
            for r in self.results.values():
                if cs.command_set in self._sets_of(r):
                    counts.add_result(r)
                    test_s += r.duration
                    if r.started_at is not None and r.stopped_at is not None:
                        spans.append((r.started_at, r.stopped_at))
                    if r.outcome == "skipped":
                        skips.append(Skip(test=r.test_id, reason=r.reason or ""))
            form_counts = FormCounts()
            for e in entries:
                form_counts.add(e.state)
                form_totals.add(e.state)
            provenance, differs = self._err_code_counts(cs.command_set)
            sets.append(
                CommandSetEntry(
                    name=cs.command_set,
                    chapter=cs.chapter,
                    title=cs.title,
                    **form_counts.model_dump(),
                    tests=counts,
                    skips=skips,
                    forms=entries,
                    err_codes_inferred=provenance.get("inferred", 0),
                    err_codes_inferred_differs=differs,
                    err_code_provenance=provenance,
                    wall_s=round(union_length(spans), 3),
                    test_s=round(test_s, 3),
                )
            )
        totals = Counts()
        for r in self.results.values():
            totals.add_result(r)
        all_known = {FormRef(c.name, f.kind.value) for c, f in self.spec.forms()} | known
        known_keys = {f.key for f in all_known}
        unknown = sorted(
            {f.key for r in self.results.values() for f in r.forms if f not in all_known}
            | {c.form for r in self.results.values() for c in r.checks if c.category != "urc"} - known_keys
        )
        return Summary(
            rig=rig,
            firmware=firmware,
            started=started,
            finished=finished,
            duration_s=round((finished - started).total_seconds(), 3),
            totals=totals,
            command_sets=sets,
            tests=[_test_entry(r) for r in sorted(self.results.values(), key=lambda r: r.test_id)],
            unknown_forms=unknown,
            examples=self._examples(),
            plots=list(plots),
            form_totals=form_totals,
            interrupted=interrupted,
            releases=sorted({fw.release for fw in firmware if fw.release}, key=_release_order),
            slowest_fixtures=list(slowest_fixtures),
        )

    def _touches(self) -> dict[str, list[FormTest]]:
        """Per form key (with its variant, if any), each test that declares or checks it and its state."""
        out: dict[str, list[FormTest]] = {}
        for r in sorted(self.results.values(), key=lambda r: r.test_id):
            declared = {f.key for f in r.forms}
            by_key: dict[str, list[CheckRecord]] = {}
            for rec in r.checks:
                by_key.setdefault(rec.form, []).append(rec)
            for key in sorted(declared | set(by_key)):
                state = state_of_test(r.outcome, key in declared, by_key.get(key, []))
                if state is not None:
                    out.setdefault(key, []).append(FormTest(id=r.test_id, state=state))
        return out

    def _err_code_counts(self, command_set: str) -> tuple[dict[str, int], int]:
        """Per provenance, the tests holding an ERR CODE check of a form of ``command_set`` that rests on
        it (a test counts once per provenance); and how many of them xfailed on an ``inferred`` code that
        did not match (the distinct verdict of ``err_codes: inferred-differs``)."""
        per: dict[str, int] = {}
        differs = 0
        for r in self.results.values():
            mine = [
                c
                for c in r.checks
                if c.provenance and self._set_of_form(c.form) == command_set and c.category == "refusal"
            ]
            for kind in PROVENANCES:
                if any(c.provenance == kind for c in mine):
                    per[kind] = per.get(kind, 0) + 1
            if r.outcome == "xfailed" and any(c.provenance == "inferred" and not c.passed for c in mine):
                differs += 1
        return {k: per[k] for k in PROVENANCES if k in per}, differs

    def _set_of_form(self, key: str) -> str | None:
        name = key.split("/", 1)[0]
        return self.spec.command(name).command_set if name in self.spec else None

    def _sets_of(self, r: TestResult) -> set[str]:
        """The command sets a test belongs to: its markers' and declared forms', and those of the forms it
        checked (a check without a declaration still counts)."""
        sets = set(r.command_sets)
        for rec in r.checks:
            if rec.category == "urc":
                continue
            name = rec.form.split("/", 1)[0]
            if name in self.spec:
                sets.add(self.spec.command(name).command_set)
        return sets

    def _examples(self) -> list[ExampleEntry]:
        by_section: dict[str, list[str]] = {}
        for r in self.results.values():
            sections = set(r.examples)
            if (from_id := example_of(r.test_id)) is not None:
                sections.add(from_id)
            for section in sections:
                by_section.setdefault(section, []).append(r.test_id)
        out = []
        for ex in self.examples:
            tests = sorted(by_section.get(ex.section, []))
            result = combine(self.results[t].outcome for t in tests)
            out.append(
                ExampleEntry(
                    section=ex.section,
                    title=ex.title,
                    command_set=ex.command_set,
                    result="not replayed" if result == "not covered" else result,
                    tests=tests,
                )
            )
        return out


def example_of(test_id: str) -> str | None:
    """The chapter-4 section a test replays, from its id (``test_example[4.2.1]``), or None."""
    m = EXAMPLE_ID.search(test_id)
    return m.group(1) if m else None


def _test_entry(r: TestResult) -> TestEntry:
    failure = None
    if r.outcome in _FAILING and r.reason:
        expected, actual = expected_actual(r.reason)
        failure = Failure(message=r.reason, expected=expected, actual=actual)
    return TestEntry(
        id=r.test_id,
        outcome=r.outcome,
        duration_s=round(r.duration, 3),
        forms=[f.key for f in r.forms],
        command_sets=list(r.command_sets),
        reason=r.reason,
        transcript=r.transcript,
        screenshots=list(r.screenshots),
        failure=failure,
        measurements=group_attempts(r.attempts),
        example=example_of(r.test_id) or (r.examples[0] if r.examples else None),
        checks=fold_checks(r.checks),
        crashes=list(r.crashes),
        not_checked=list(r.not_checked),
        runs=[
            RunEntry(attempt=x.attempt, outcome=x.outcome, reason=x.reason, transcript=x.transcript)
            for x in r.runs
        ],
        flaky=r.flaky,
        quarantine=r.quarantine,
    )
