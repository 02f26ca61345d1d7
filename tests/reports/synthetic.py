"""Synthetic runs for the report builders' tests: a summary.json made by reports.summary's own builder over
the real guide data (spec/), a junit.xml beside it as pytest writes one, and transcript files."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reports.checks import CheckRecord
from reports.measurements import PROPERTY, Attempt
from reports.run import junit_name
from reports.summary import (
    BoardInfo,
    FormRef,
    Outcome,
    RigInfo,
    SummaryBuilder,
    TestResult,
    firmware_from_properties,
)
from spec import COMMAND_SETS, load_spec
from spec.examples import load_examples

#: How spec.matcher's MatchError words a response that does not match its template.
MATCH_ERROR = (
    "spec.match_result.MatchError: response line 1, column 12: literal: expected ':'\n"
    "  expected: {expected}\n"
    "  actual:   {actual}\n"
    "            ^"
)
GMR = [
    "AT version:5.0.0.0(s-1a2b3c4 - ESP32 - Jun 12 2025 08:00:00)",
    "SDK version:v5.0.8-dirty",
    "compile time(1a2b3c4):Jun 12 2025 08:00:00",
    "Bin version:v5.0.0.0(WROOM-32)",
]


@dataclass
class SynthTest:
    id: str
    outcome: Outcome
    forms: tuple[FormRef, ...] = ()
    command_sets: tuple[str, ...] = ()
    reason: str | None = None
    measurements: list[Attempt] = field(default_factory=list)
    #: the test's check records; :func:`form_test` gives each declared form one of its outcome
    checks: list[CheckRecord] = field(default_factory=list)
    examples: tuple[str, ...] = ()
    screenshots: list[str] = field(default_factory=list)


def guide_forms(command_set: str | None = None) -> list[tuple[FormRef, str]]:
    """(form, command set) for every form the guide documents, in guide order."""
    spec = load_spec()
    return [
        (FormRef(c.name, f.kind.value), c.command_set)
        for c, f in spec.forms()
        if command_set is None or c.command_set == command_set
    ]


def form_test(
    ref: FormRef, cs: str, outcome: Outcome = "passed", n: int = 0, *, checked: bool = True, **kw: object
) -> SynthTest:
    """A test declaring ``ref``; ``checked``: it also checks the form's response (matched unless the test
    failed; a skipped test checks nothing)."""
    name = ref.key.replace("AT+", "").replace("/", "_").lower()
    test_id = f"suites/{cs}/test_{cs}_forms.py::test_{name}[{n}]"
    checks = []
    if checked and outcome != "skipped":
        checks.append(CheckRecord(ref.key, "response", "expect.ok", outcome not in ("failed", "error")))
    return SynthTest(test_id, outcome, forms=(ref,), command_sets=(cs,), checks=checks, **kw)  # type: ignore[arg-type]


def mismatch(expected: str, actual: str) -> str:
    return MATCH_ERROR.format(expected=expected, actual=actual)


def big_run(n_tests: int = 2000, seed: int = 7) -> list[SynthTest]:
    """``n_tests`` tests over every form of the guide: mostly passing, some failing, skipped, measured."""
    rng = random.Random(seed)
    forms = guide_forms()
    out = []
    for i in range(n_tests):
        ref, cs = forms[i % len(forms)]
        roll = rng.random()
        if roll < 0.03:
            t = form_test(ref, cs, "failed", i, reason=mismatch(f"+X:<v{i}>", f"+X:bogus{i}"))
        elif roll < 0.15:
            t = form_test(
                ref, cs, "skipped", i, reason=f"rig lacks capability {'ble' if i % 2 else 'ethernet'}"
            )
        else:
            t = form_test(ref, cs, "passed", i)
        if i % 100 == 0:
            t.measurements.append(
                Attempt.take("tcp_upload", 50_000 + i, units="B/s", lower=20_000, marginal=5_000)
            )
        out.append(t)
    return out


def write_run(
    folder: Path,
    tests: list[SynthTest],
    *,
    gmr: list[str] | None = None,
    junit: bool = True,
    release: str | None = None,
    started: datetime | None = None,
) -> Path:
    """summary.json, a transcript per test and junit.xml under ``folder``; returns the folder.

    With ``junit``, transcripts and measurements are only in junit.xml (as an older plugin wrote them);
    without, only in summary.json (schema 2 and later). ``release``: the guide the board was judged against
    (the ``release`` run property, issue 19)."""
    folder.mkdir(parents=True, exist_ok=True)
    builder = SummaryBuilder(load_spec(), COMMAND_SETS, examples=load_examples())
    (folder / "transcripts").mkdir(exist_ok=True)
    for i, t in enumerate(tests):
        transcript = folder / "transcripts" / f"t{i}.txt"
        transcript.write_text(f"transcript of {t.id}\n12:00:00.000 > AT\r\n12:00:00.010 < OK\r\n")
        result = TestResult(
            t.id,
            t.outcome,
            0.25,
            t.forms,
            t.command_sets,
            t.reason,
            checks=list(t.checks),
            examples=t.examples,
        )
        result.screenshots = [str(folder / p) for p in t.screenshots]
        if not junit:
            result.transcript = str(transcript)
            result.attempts = list(t.measurements)
        builder.add(result)
    props = [("sim#0.module", "WROOM-32"), ("sim#0.at_port", "socket://127.0.0.1:40001")]
    props += [(f"sim#0.gmr[{i}]", line) for i, line in enumerate(gmr or GMR)]
    if release is not None:
        props += [
            ("sim#0.release", release),
            ("sim#0.release_source", "rig"),
            ("sim#0.release_exact", "true"),
        ]
    started = started or datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    summary = builder.build(
        rig=RigInfo(
            name="sim",
            path="rigs/sim.yaml",
            description="Simulated ESP32",
            boards=[BoardInfo(id="sim", kind="sim", module="WROOM-32", capabilities=["wifi-sta"])],
        ),
        firmware=firmware_from_properties(props),
        started=started,
        finished=started + timedelta(minutes=42, seconds=7),
    )
    (folder / "summary.json").write_text(summary.model_dump_json(indent=2), encoding="utf-8")
    if junit:
        _write_junit(folder, tests)
    return folder


def _write_junit(folder: Path, tests: list[SynthTest]) -> None:
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name="pytest")
    for i, t in enumerate(tests):
        classname, name = junit_name(t.id)
        case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0.25")
        transcript = folder / "transcripts" / f"t{i}.txt"
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="transcript", value=str(transcript))
        for a in t.measurements:
            ET.SubElement(props, "property", name=PROPERTY, value=a.to_json())
        if t.outcome in ("failed", "error"):
            first = (t.reason or "").splitlines()[0] if t.reason else "failed"
            el = ET.SubElement(case, "failure" if t.outcome == "failed" else "error", message=first)
            el.text = f"def test(): ...\nE   {t.reason}"
        elif t.outcome == "skipped":
            ET.SubElement(case, "skipped", message=t.reason or "")
    ET.ElementTree(suites).write(folder / "junit.xml", encoding="utf-8", xml_declaration=True)
