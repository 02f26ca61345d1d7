"""Flake accounting: the runs of a re-run test, and the quarantine file that makes known flakes non-blocking.

A test that fails is run again up to ``--esp-reruns`` times (fixtures/flake.py). Each run is a
:class:`TestRun`; a test whose last run passed after an earlier one failed is *flaky*: it stays a failing
verdict (never a plain pass) and the report shows every run with its own transcript.

A quarantine file names known flakes, each with the reason and the day it expires::

    quarantine:
      - test: suites/tcpip/test_cipsend.py::test_cipsend_passive   # a node id, or a glob of node ids
        reason: "board drops +IPD under load, espressif/esp-at#1234"
        until: 2027-01-31

A quarantined test that fails (or is flaky) gets a non-blocking verdict (``xfailed``, reason
``quarantined: ...``) that still shows in the report; an entry past its ``until`` day no longer applies and
is reported as expired. This module is pure (no pytest): parsing, validation and matching.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "RUN_PROPERTY",
    "Quarantine",
    "QuarantineEntry",
    "QuarantineError",
    "TestRun",
    "is_flaky",
    "load_quarantine",
    "parse_quarantine",
]

#: The user property (one per run of a re-run test, in order) carrying a :class:`TestRun` as JSON.
RUN_PROPERTY = "esp_run"


@dataclass(frozen=True, slots=True)
class TestRun:
    """One run of a test that was run more than once: its number (1 = first), the outcome of that run
    alone (``passed``, ``failed``, ``error``, ``skipped``), the first line of its failure and the
    transcript file it left."""

    __test__ = False  # not a pytest test class, despite the name

    attempt: int
    outcome: str
    reason: str | None = None
    transcript: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TestRun:
        data = json.loads(text)
        return cls(
            attempt=int(data["attempt"]),
            outcome=str(data["outcome"]),
            reason=data.get("reason"),
            transcript=data.get("transcript"),
        )


_FAILING_RUN = frozenset({"failed", "error"})


def is_flaky(runs: list[TestRun]) -> bool:
    """True when the last run passed and an earlier one failed."""
    return len(runs) > 1 and runs[-1].outcome == "passed" and any(r.outcome in _FAILING_RUN for r in runs)


class QuarantineError(ValueError):
    """A quarantine file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    test: str  #: a node id or a glob (fnmatch) of node ids
    reason: str
    until: dt.date

    def matches(self, nodeid: str) -> bool:
        return nodeid == self.test or fnmatch.fnmatchcase(nodeid, self.test)

    def expired(self, today: dt.date) -> bool:
        return today > self.until

    def verdict_reason(self) -> str:
        return f"quarantined until {self.until.isoformat()}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Quarantine:
    entries: tuple[QuarantineEntry, ...] = ()
    source: str = ""

    def lookup(self, nodeid: str, today: dt.date) -> tuple[QuarantineEntry | None, QuarantineEntry | None]:
        """(the entry in force for ``nodeid``, an expired entry that names it): at most one of each, the
        first in file order."""
        active = expired = None
        for entry in self.entries:
            if not entry.matches(nodeid):
                continue
            if entry.expired(today):
                expired = expired or entry
            elif active is None:
                active = entry
        return active, expired


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise QuarantineError(f"{where}: until: expected a date YYYY-MM-DD, got {value!r}")


def parse_quarantine(text: str, source: str = "<quarantine>") -> Quarantine:
    """Parse a quarantine file's text; every problem raises :class:`QuarantineError` naming ``source``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuarantineError(f"{source}: not YAML: {exc}") from None
    if data is None:
        return Quarantine((), source)
    if not isinstance(data, dict) or set(data) != {"quarantine"}:
        raise QuarantineError(f"{source}: expected a mapping with the one key 'quarantine'")
    items = data["quarantine"] or []
    if not isinstance(items, list):
        raise QuarantineError(f"{source}: quarantine: expected a list of entries")
    entries = []
    for i, item in enumerate(items):
        where = f"{source}: quarantine[{i}]"
        if not isinstance(item, dict):
            raise QuarantineError(f"{where}: expected a mapping with test, reason, until")
        unknown = set(item) - {"test", "reason", "until"}
        if unknown:
            raise QuarantineError(f"{where}: unknown keys {sorted(unknown)} (known: test, reason, until)")
        for key in ("test", "reason", "until"):
            if item.get(key) in (None, ""):
                raise QuarantineError(f"{where}: {key}: missing (each entry names test, reason, until)")
        test, reason = item["test"], item["reason"]
        if not isinstance(test, str) or not isinstance(reason, str):
            raise QuarantineError(f"{where}: test and reason must be strings")
        entries.append(QuarantineEntry(test.strip(), reason.strip(), _date(item["until"], where)))
    return Quarantine(tuple(entries), source)


def load_quarantine(path: Path) -> Quarantine:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuarantineError(f"{path}: cannot read the quarantine file: {exc.strerror or exc}") from None
    return parse_quarantine(text, str(path))
