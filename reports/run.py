"""One run as the report builders see it: ``summary.json`` (reports/summary.py) plus what the JUnit file
beside it adds when the summary lacks it (failure messages, transcript paths, measurements).

Pure logic over files, no pytest. :func:`load_run` takes a report folder (``reports/out``) or a
``summary.json`` path. The summary is authoritative; ``junit.xml`` in the same folder only fills gaps, so a
summary written by an older plugin still gives a full report.

Failure details: :func:`failure_detail` pulls the expected and actual lines out of a failure message
(reports/failures.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from reports.failures import expected_actual, headline
from reports.measurements import PROPERTY as MEASUREMENT_PROPERTY
from reports.measurements import Attempt, Measurement, MeasurementError, group_attempts
from reports.summary import Summary, TestEntry, example_of

SUMMARY_FILE = "summary.json"
JUNIT_FILE = "junit.xml"
PLOTS_DIR = "plots"
#: junit.xml written this much later than summary.json means they come from different runs
STALE_AFTER_S = 120.0
TRANSCRIPT_PROPERTY = "transcript"
#: Outcomes that make a test (and the forms it covers) fail.
FAILING = frozenset({"failed", "error", "xpassed"})


class RunLoadError(Exception):
    """A report folder or summary that cannot be read; names the file and the cause."""


@dataclass(frozen=True)
class FailureDetail:
    """What a failing test reported: the message, and the expected and actual lines when it names them."""

    message: str
    expected: list[str] = field(default_factory=list)
    actual: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        return headline(self.message)


@dataclass
class TestView:
    """One test with everything the report shows about it."""

    id: str
    outcome: str
    duration_s: float
    forms: list[str]
    command_sets: list[str]
    reason: str | None
    #: path of the transcript relative to the report folder (or absolute when outside it)
    transcript: str | None = None
    failure: FailureDetail | None = None
    measurements: list[Measurement] = field(default_factory=list)
    example: str | None = None
    #: screenshot files relative to the report folder (or absolute when outside it)
    screenshots: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING


@dataclass
class Run:
    """A loaded run: its summary, its tests by id, and the plots found for it."""

    summary: Summary
    folder: Path
    source: Path
    tests: dict[str, TestView]
    plots: list[str]
    #: what could not be read beside the summary (a broken junit.xml); the report says so and goes on
    warnings: list[str] = field(default_factory=list)

    def failing_tests(self) -> list[TestView]:
        return [t for t in self.tests.values() if t.failing]

    def measured_tests(self) -> list[TestView]:
        return [t for t in self.tests.values() if t.measurements]

    def examples(self) -> dict[str, list[TestView]]:
        """Tests replaying each chapter-4 example, by section."""
        out: dict[str, list[TestView]] = {}
        for t in self.tests.values():
            if t.example:
                out.setdefault(t.example, []).append(t)
        return out


def failure_detail(message: str) -> FailureDetail:
    """The expected/actual lines of a failure message (spec.matcher's MatchError and alike)."""
    expected, actual = expected_actual(message)
    return FailureDetail(message=message, expected=expected, actual=actual)


def junit_name(test_id: str) -> tuple[str, str]:
    """(classname, name) of a test id in pytest's JUnit XML (pytest's own mangling of node ids)."""
    path, bracket, params = test_id.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


@dataclass
class JunitCase:
    properties: list[tuple[str, str]] = field(default_factory=list)
    message: str | None = None


def read_junit(path: Path) -> dict[tuple[str, str], JunitCase]:
    """Each testcase's properties and failure (or error) message, keyed by (classname, name)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise RunLoadError(f"{path}: not a readable JUnit XML file: {exc}") from exc
    cases: dict[tuple[str, str], JunitCase] = {}
    for case in root.iter("testcase"):
        entry = cases.setdefault((case.get("classname", ""), case.get("name", "")), JunitCase())
        entry.properties += [(p.get("name", ""), p.get("value", "")) for p in case.iter("property")]
        for tag in ("failure", "error"):
            for el in case.findall(tag):
                text = el.get("message") or ""
                body = el.text or ""
                # The body holds the whole traceback; the message attribute is pytest's short one. Keep
                # the body when the short one lost the expected/actual lines.
                if "expected:" not in text and "expected:" in body:
                    text = (
                        _tail_from(body, "expected:")
                        if not text
                        else f"{text}\n{_tail_from(body, 'expected:')}"
                    )
                entry.message = entry.message or text or body[-2000:]
    return cases


def _tail_from(text: str, marker: str) -> str:
    start = text.rfind("\n", 0, text.find(marker))
    return text[max(start, 0) :][:2000]


def measurements_of(properties: Iterable[tuple[str, str]]) -> list[Measurement]:
    attempts = []
    for name, value in properties:
        if name != MEASUREMENT_PROPERTY:
            continue
        try:
            attempts.append(Attempt.from_json(value))
        except MeasurementError:
            continue  # a property someone else named alike: not ours to judge
    return group_attempts(attempts)


def _relative(path: str, folder: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        return path
    try:
        return p.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(p)


def load_summary(path: Path) -> Summary:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunLoadError(f"{path}: cannot read the run summary: {exc.strerror or exc}") from exc
    try:
        return Summary.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise RunLoadError(
            f"{path}: not a run summary of reports/SCHEMA.md: field {where}: {first['msg']} "
            f"({exc.error_count()} problem(s))"
        ) from None


def load_run(path: Path) -> Run:
    """A run from a report folder holding ``summary.json`` (and maybe ``junit.xml``), or a summary path."""
    source = path / SUMMARY_FILE if path.is_dir() else path
    folder = source.parent
    summary = load_summary(source)
    junit_path = folder / JUNIT_FILE
    warnings = []
    junit: dict[tuple[str, str], JunitCase] = {}
    if junit_path.is_file():
        try:
            junit = read_junit(junit_path)
        except RunLoadError as exc:
            warnings.append(f"{exc}; failure details and transcripts come from summary.json only")
        if junit_path.stat().st_mtime > source.stat().st_mtime + STALE_AFTER_S:
            # A later run that wrote no summary (tests of no command set or suite) left this one behind.
            warnings.append(
                f"{source} is older than {junit_path.name} beside it: it may describe an earlier run "
                f"(started {summary.started:%Y-%m-%d %H:%M:%S} UTC)"
            )
    tests = {t.id: _view(t, junit.get(junit_name(t.id)), folder) for t in summary.tests}
    plots = _plots(summary, folder)
    return Run(summary=summary, folder=folder, source=source, tests=tests, plots=plots, warnings=warnings)


def _view(entry: TestEntry, case: JunitCase | None, folder: Path) -> TestView:
    props = case.properties if case else []
    transcript = entry.transcript or next((v for k, v in props if k == TRANSCRIPT_PROPERTY), None)
    measurements: list[Measurement] = list(entry.measurements) or measurements_of(props)
    failure = None
    if entry.outcome in FAILING:
        summary_failure = entry.failure
        if summary_failure is not None and (summary_failure.expected or not case or not case.message):
            failure = FailureDetail(
                message=summary_failure.message,
                expected=list(summary_failure.expected),
                actual=list(summary_failure.actual),
            )
        else:
            message = entry.reason or ""
            if case and case.message and ("expected:" in case.message or not message):
                message = case.message
            failure = failure_detail(message)
    example = entry.example or example_of(entry.id)
    return TestView(
        id=entry.id,
        outcome=entry.outcome,
        duration_s=entry.duration_s,
        forms=list(entry.forms),
        command_sets=list(entry.command_sets),
        reason=entry.reason,
        transcript=_relative(transcript, folder) if transcript else None,
        failure=failure,
        measurements=measurements,
        example=example,
        screenshots=[_relative(p, folder) for p in entry.screenshots],
    )


def _plots(summary: Summary, folder: Path) -> list[str]:
    listed = list(summary.plots)
    found = sorted(
        p.relative_to(folder).as_posix()
        for p in (folder / PLOTS_DIR).glob("**/*")
        if p.suffix.lower() in (".png", ".svg") and p.is_file()
    )
    return list(dict.fromkeys([*listed, *found]))
