"""The run summary (``reports/out/summary.json``): which forms of the guide a run covered, and how.

Pure logic, no pytest: :class:`SummaryBuilder` takes test results (:class:`TestResult`, one per test id,
with the guide forms the test declares) and the forms the guide documents (from :mod:`spec`), and builds a
:class:`Summary`, whose JSON is documented in ``reports/SCHEMA.md``. ``fixtures/coverage.py`` feeds it from
pytest's reports on the xdist controller.

A form's result combines the results of every test that covers it: ``fail`` if any of them failed,
otherwise ``xfail`` if any failed as expected (a known deviation), otherwise ``pass`` if at least one
passed, otherwise ``skip`` if they were all skipped, and ``not covered`` when no test declares the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reports.failures import expected_actual
from reports.measurements import Attempt, Measurement, group_attempts
from spec import Spec
from spec.examples import Example

SCHEMA_VERSION = 2
#: A chapter-4 example's section in a test id: suites/examples parametrizes with the guide's section.
EXAMPLE_ID = re.compile(r"\[(4\.\d+\.\d+)\]")
ExampleResult = Literal["pass", "fail", "xfail", "skip", "not replayed"]

#: A test's outcome. ``error`` is a failure outside the test body (fixture setup or teardown).
Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
FormResult = Literal["pass", "fail", "xfail", "skip", "not covered"]

_FAILING: frozenset[str] = frozenset({"failed", "error", "xpassed"})


@dataclass(frozen=True, slots=True, order=True)
class FormRef:
    """A form of a command as the ``form(command, kind[, variant])`` marker names it."""

    command: str
    kind: str
    variant: str | None = None

    @property
    def key(self) -> str:
        """``AT+CWMODE/query`` or ``AT+SAVETRANSLINK/set/savetrans-udp``: the id used in test ids too."""
        base = f"{self.command}/{self.kind}"
        return f"{base}/{self.variant}" if self.variant else base

    @classmethod
    def parse(cls, key: str) -> FormRef:
        parts = key.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"expected a form key like 'AT+CWMODE/query[/variant]', got {key!r}")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoardInfo(_Model):
    """One board of the rig file."""

    id: str
    kind: str
    module: str
    capabilities: list[str]


class RigInfo(_Model):
    name: str
    path: str | None
    description: str
    boards: list[BoardInfo]


class Firmware(_Model):
    """What a board said about itself: its identity properties and AT+GMR lines (3.1.4)."""

    board: str  #: board id, with ``#<instance>`` for a simulated board launched per worker
    gmr: list[str] = Field(default_factory=list)
    properties: dict[str, str] = Field(default_factory=dict)


class Counts(_Model):
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class Skip(_Model):
    test: str
    reason: str


class VariantEntry(_Model):
    variant: str
    result: FormResult
    tests: list[str]


class FormEntry(_Model):
    """One form of the guide in this run. ``tests`` covers the form as a whole and its variants."""

    command: str
    section: str
    kind: str
    key: str
    result: FormResult
    tests: list[str]
    variants: list[VariantEntry] = Field(default_factory=list)


class CommandSetEntry(_Model):
    name: str
    chapter: str
    title: str
    forms_in_guide: int
    forms_covered: int  #: forms with at least one passing test
    forms_failed: int
    tests: Counts
    skips: list[Skip]
    forms: list[FormEntry]


class Failure(_Model):
    """A failing test's message and, when it names them, the expected and actual lines (schema 2)."""

    message: str
    expected: list[str] = Field(default_factory=list)
    actual: list[str] = Field(default_factory=list)


class TestEntry(_Model):
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


class ExampleEntry(_Model):
    """One chapter-4 example of the guide (spec/examples) and the tests that replayed it (schema 2)."""

    section: str
    title: str
    command_set: str
    result: ExampleResult
    tests: list[str]


class Summary(_Model):
    schema_version: int = SCHEMA_VERSION
    rig: RigInfo
    firmware: list[Firmware]
    started: datetime
    finished: datetime
    duration_s: float
    totals: Counts
    command_sets: list[CommandSetEntry]
    tests: list[TestEntry]
    #: form markers naming no form of the guide (a typo in a suite); should be empty
    unknown_forms: list[str] = Field(default_factory=list)
    # schema 2
    examples: list[ExampleEntry] = Field(default_factory=list)
    #: plot files (PNG/SVG) relative to the summary's folder
    plots: list[str] = Field(default_factory=list)


def combine(outcomes: Iterable[Outcome]) -> FormResult:
    """The result of a form from the outcomes of the tests covering it (see the module docstring)."""
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
    ) -> Summary:
        known: set[FormRef] = set()
        sets: list[CommandSetEntry] = []
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
                        vtests = self._tests_of(lambda r, vref=vref: r == vref)
                        variants.append(
                            VariantEntry(
                                variant=v,
                                result=combine(self.results[t].outcome for t in vtests),
                                tests=vtests,
                            )
                        )
                    tests = self._tests_of(lambda r, ref=ref: (r.command, r.kind) == (ref.command, ref.kind))
                    entries.append(
                        FormEntry(
                            command=command.name,
                            section=command.section,
                            kind=ref.kind,
                            key=ref.key,
                            result=combine(self.results[t].outcome for t in tests),
                            tests=tests,
                            variants=variants,
                        )
                    )
            counts = Counts()
            skips: list[Skip] = []
            for r in self.results.values():
                if cs.command_set in r.command_sets:
                    counts.add(r.outcome)
                    if r.outcome == "skipped":
                        skips.append(Skip(test=r.test_id, reason=r.reason or ""))
            sets.append(
                CommandSetEntry(
                    name=cs.command_set,
                    chapter=cs.chapter,
                    title=cs.title,
                    forms_in_guide=len(entries),
                    forms_covered=sum(1 for e in entries if e.result == "pass"),
                    forms_failed=sum(1 for e in entries if e.result == "fail"),
                    tests=counts,
                    skips=skips,
                    forms=entries,
                )
            )
        totals = Counts()
        for r in self.results.values():
            totals.add(r.outcome)
        all_known = {FormRef(c.name, f.kind.value) for c, f in self.spec.forms()} | known
        unknown = sorted({f.key for r in self.results.values() for f in r.forms if f not in all_known})
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
        )

    def _examples(self) -> list[ExampleEntry]:
        by_section: dict[str, list[str]] = {}
        for r in self.results.values():
            section = example_of(r.test_id)
            if section is not None:
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

    def _tests_of(self, wanted: Callable[[FormRef], bool]) -> list[str]:
        return sorted(t for t, r in self.results.items() if any(wanted(f) for f in r.forms))


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
        failure=failure,
        measurements=group_attempts(r.attempts),
        example=example_of(r.test_id),
    )
