"""Where an expected ERR CODE comes from: the loader of spec/err_provenance.yaml (issue 14).

:func:`provenance_of` names, for one expectation (the subcategory it was composed with, the command and the
class of mistake), the evidence behind it: the guide's own case, a real board's public transcript, the
public firmware source, or the layout of 3.1.26 alone (``inferred``). :func:`expected_error` also applies
an entry's replacement code, where the evidence shows the layout's code is not what the board prints
(AT+UART_CUR/AT+UART_DEF: the public handler returns a plain ERROR).

Pure data and logic: no pytest, no board.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import Field

from spec.datafile import FrozenModel as _Model
from spec.datafile import SpecDataError, UnknownMessageError
from spec.datafile import read_yaml as _read_yaml
from spec.datafile import validate as _validate
from spec.error_codes import load_error_codes

PROVENANCE_FILE = Path(__file__).resolve().parent / "err_provenance.yaml"

#: The classes of mistake fixtures/cases.py derives (the first word of a case id).
CASE_KINDS: tuple[str, ...] = ("out-of-range", "wrong-type", "over-long", "bad-escape", "wrong-count")


class Provenance(StrEnum):
    """What an expected ERR CODE rests on."""

    GUIDE = "guide"
    REAL_BOARD = "real-board"
    FIRMWARE_SOURCE = "firmware-source"
    INFERRED = "inferred"


class _Replacement(_Model):
    subcategory: str
    result: int | None = None


class ProvenanceEntry(_Model):
    """One row of spec/err_provenance.yaml."""

    id: str
    kind: Provenance
    evidence: str
    subcategory: str | None = None
    commands: list[str] = Field(default_factory=list)
    cases: list[str] = Field(default_factory=list)
    expect: _Replacement | None = None

    def matches(self, subcategory: str, command: str | None, case: str | None) -> bool:
        if self.subcategory is not None and self.subcategory != subcategory:
            return False
        if self.commands and command not in self.commands:
            return False
        return not self.cases or case in self.cases


class _File(_Model):
    release: str
    entries: list[ProvenanceEntry]


#: What an expectation no entry matches rests on.
INFERRED = ProvenanceEntry(
    id="layout",
    kind=Provenance.INFERRED,
    evidence="3.1.26 AT+SYSLOG: the subcategory and extension layout only (fixtures/cases.py composes it)",
)


@cache
def load_provenance(path: Path = PROVENANCE_FILE) -> tuple[ProvenanceEntry, ...]:
    """The entries of spec/err_provenance.yaml (or ``path``), checked: unique ids, known subcategories and
    case kinds, no entry that matches everything, none that says ``inferred`` (what no entry means)."""
    data = _validate(_File, _read_yaml(path), path)
    catalog = load_error_codes()
    seen: set[str] = set()
    for e in data.entries:
        where = f"{path}: entry {e.id!r}"
        if e.id in seen:
            raise SpecDataError(f"{where} appears twice")
        seen.add(e.id)
        for name in [e.subcategory, e.expect.subcategory if e.expect else None]:
            if name is not None:
                catalog.subcategory(name)  # raises UnknownMessageError naming the file
        unknown = sorted(set(e.cases) - set(CASE_KINDS))
        if unknown:
            raise SpecDataError(f"{where}: unknown case kinds {unknown}; known: {list(CASE_KINDS)}")
        if e.subcategory is None and not e.commands:
            raise SpecDataError(f"{where} matches every expectation: name a subcategory or commands")
        if not e.evidence.strip():
            raise SpecDataError(f"{where} names no evidence")
        if e.kind is Provenance.INFERRED:
            raise SpecDataError(f"{where}: inferred is what no entry means; drop the entry instead")
    return tuple(data.entries)


def provenance_of(subcategory: str, command: str | None = None, case: str | None = None) -> ProvenanceEntry:
    """The first entry matching the expectation, or :data:`INFERRED`."""
    catalog = load_error_codes()
    try:
        name = catalog.subcategory(subcategory).name  # a macro name reads as its subcategory
    except UnknownMessageError:
        # An MQTT or WPA2 Enterprise code (3.6.15, 3.2.27 tables) reads as the subcategory that carries it.
        name = catalog.module_code(subcategory)[1]
    for entry in load_provenance():
        if entry.matches(name, command, case):
            return entry
    return INFERRED


@dataclass(frozen=True)
class ExpectedError:
    """An expected ERR CODE as the suites check it, with what it rests on."""

    name: str  #: the subcategory (spec/errors.yaml)
    param_index: int | None
    given: int | None
    result: int | None
    provenance: ProvenanceEntry


def expected_error(
    subcategory: str,
    param_index: int | None = None,
    *,
    command: str | None = None,
    case: str | None = None,
    given: int | None = None,
) -> ExpectedError:
    """The ERR CODE expectation for a mistake of class ``case`` in ``command`` whose layout code is
    ``subcategory`` (``param_index``, ``given``), after the provenance table's replacement, if any."""
    entry = provenance_of(subcategory, command, case)
    if entry.expect is not None:
        return ExpectedError(entry.expect.subcategory, None, None, entry.expect.result, entry)
    return ExpectedError(subcategory, param_index, given, None, entry)


__all__ = [
    "CASE_KINDS",
    "INFERRED",
    "PROVENANCE_FILE",
    "ExpectedError",
    "Provenance",
    "ProvenanceEntry",
    "expected_error",
    "load_provenance",
    "provenance_of",
]
