"""The state of one form of the guide in a run, from what its tests declared and what they checked.

Pure logic, no pytest. A form is *checked* only where a passing test holds a matched ``response`` check
record of it (reports/checks.py): a ``form(...)`` marker alone checks nothing, and a form whose only
matched checks are ``refusal`` ones (an invalid invocation's ERROR / ERR CODE) is counted apart, so
"checked" never means "only its ERROR was seen". The states, documented in reports/SCHEMA.md:

- ``checked-pass``: a passing test matched the form's response (for a split form: every variant's);
- ``checked-fail``: a check of the form did not match in a failing test;
- ``xfail``: a check of the form did not match in a test marked as a known deviation;
- ``test-failed``: a test declaring or checking the form failed, but no check of the form failed (it
  failed elsewhere, or before it reached the form's check); no other test checked it;
- ``partly checked``: a split form (3.1.9 AT+SAVETRANSLINK) some but not all of whose variants are checked;
- ``refusals only``: passing tests matched only refusals of the form;
- ``declared-unchecked``: a passing test declares the form and checks nothing of it;
- ``skipped``: every test of the form was skipped;
- ``not covered``: no test declares or checks the form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reports.checks import Category, CheckRecord


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


FormState = Literal[
    "checked-pass",
    "checked-fail",
    "xfail",
    "test-failed",
    "partly checked",
    "refusals only",
    "declared-unchecked",
    "skipped",
    "not covered",
]
#: Display order; also the precedence when tests of one form disagree (the first state present wins),
#: except that ``partly checked`` only arises from variants (:func:`split_form_state`).
STATES: tuple[FormState, ...] = (
    "checked-fail",
    "xfail",
    "checked-pass",
    "test-failed",
    "partly checked",
    "refusals only",
    "declared-unchecked",
    "skipped",
    "not covered",
)
#: The per-set count key of each state in summary.json (reports/SCHEMA.md).
COUNT_KEYS: dict[FormState, str] = {
    "checked-pass": "forms_checked",
    "checked-fail": "forms_failed",
    "xfail": "forms_xfailed",
    "test-failed": "forms_test_failed",
    "partly checked": "forms_partly_checked",
    "refusals only": "forms_refusals_only",
    "declared-unchecked": "forms_declared_unchecked",
    "skipped": "forms_skipped",
    "not covered": "forms_not_covered",
}
_FAILING = frozenset({"failed", "error", "xpassed"})


def state_of_test(outcome: str, declared: bool, records: Sequence[CheckRecord]) -> FormState | None:
    """What one test says of one form key: ``outcome`` is the test's, ``records`` its check records of
    exactly that key (``response`` and ``refusal`` ones). None: the test does not touch the form."""
    records = [r for r in records if r.category in ("response", "refusal")]
    if not declared and not records:
        return None
    mismatched = any(not r.passed for r in records)
    if outcome in _FAILING:
        return "checked-fail" if mismatched else "test-failed"
    if outcome == "xfailed":
        return "xfail" if mismatched else "declared-unchecked"
    if outcome == "skipped":
        return "skipped"
    if any(r.passed and r.category == "response" for r in records):
        return "checked-pass"
    if any(r.passed for r in records):
        return "refusals only"
    # A passing test whose only checks of the form did not match caught its own mismatch: no verdict.
    return "declared-unchecked" if declared else None


def combine_states(states: Iterable[FormState | None]) -> FormState:
    """The form's state from its tests' states (the first of :data:`STATES` present)."""
    seen = {s for s in states if s is not None}
    return next((s for s in STATES if s in seen), "not covered")


def split_form_state(whole: FormState, variants: Sequence[FormState]) -> FormState:
    """The state of a form split into variants: ``whole`` from the checks of the form without a variant,
    ``variants`` each variant's. Checked only when every variant is; a skipped or unchecked variant leaves
    the form ``partly checked`` (or worse), never ``checked-pass``."""
    if not variants:
        return whole
    every = [whole, *variants]
    for bad in ("checked-fail", "xfail"):
        if bad in every:
            return bad
    if all(v == "checked-pass" for v in variants):
        return "checked-pass"
    if "checked-pass" in every:
        return "partly checked"
    return combine_states(every)


#: How a schema-1/2 summary's form ``result`` (from declarations alone) reads as a state: a declaration
#: that passed was never known to be checked.
LEGACY_RESULT: dict[str, FormState] = {
    "pass": "declared-unchecked",
    "fail": "test-failed",
    "xfail": "xfail",
    "skip": "skipped",
    "not covered": "not covered",
}


# ---- the form entries of summary.json (reports/summary.py lays them out per command set) ----------------


class StrictModel(BaseModel):
    """The base of every model of summary.json: an unknown key is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class FormTest(StrictModel):
    """One test of a form and what it says of the form (reports/form_state.py, schema 3)."""

    id: str
    state: FormState


class VariantEntry(StrictModel):
    variant: str
    state: FormState
    tests: list[FormTest]


class FormEntry(StrictModel):
    """One form of the guide in this run. ``tests`` are those of the form without a variant; a split form's
    variants have their own, and its ``state`` is checked only when every variant is."""

    command: str
    section: str
    kind: str
    key: str
    state: FormState
    tests: list[FormTest]
    variants: list[VariantEntry] = Field(default_factory=list)

    def all_tests(self) -> list[FormTest]:
        """The form's tests and its variants' tests."""
        return [*self.tests, *(t for v in self.variants for t in v.tests)]


class FormCounts(StrictModel):
    """How many forms are in each state (reports/form_state.py ``COUNT_KEYS``); they add up to
    ``forms_in_guide``."""

    forms_in_guide: int = 0
    forms_checked: int = 0
    forms_failed: int = 0
    forms_xfailed: int = 0
    forms_test_failed: int = 0
    forms_partly_checked: int = 0
    forms_refusals_only: int = 0
    forms_declared_unchecked: int = 0
    forms_skipped: int = 0
    forms_not_covered: int = 0

    def add(self, state: FormState) -> None:
        self.forms_in_guide += 1
        key = COUNT_KEYS[state]
        setattr(self, key, getattr(self, key) + 1)


class CheckEntry(StrictModel):
    """Check records of one test alike in form, category, check and verdict, folded into one (schema 3);
    ``detail`` is the first one's."""

    form: str
    category: Category
    check: str
    passed: bool
    count: int = 1
    detail: str = ""


def fold_checks(records: Sequence[CheckRecord]) -> list[CheckEntry]:
    """Records alike in (form, category, check, passed) as one entry with a count, in first-seen order."""
    out: dict[tuple[str, str, str, bool], CheckEntry] = {}
    for rec in records:
        k = (rec.form, rec.category, rec.check, rec.passed)
        if k in out:
            out[k].count += 1
        else:
            out[k] = CheckEntry(
                form=rec.form, category=rec.category, check=rec.check, passed=rec.passed, detail=rec.detail
            )
    return list(out.values())


def unchecked_declarations(declared: Sequence[FormRef], records: Sequence[CheckRecord]) -> list[FormRef]:
    """The declared forms no matched check record backs: a variant needs a record of that variant; a whole
    form one of the form or of any of its variants. Refusals count (the form then shows ``refusals only``,
    which is honest); URC records never do."""
    matched = {r.form for r in records if r.passed and r.category in ("response", "refusal")}
    out = []
    for ref in declared:
        if ref.variant is not None:
            ok = ref.key in matched
        else:
            ok = any(key == ref.key or key.startswith(ref.key + "/") for key in matched)
        if not ok and ref not in out:
            out.append(ref)
    return out
