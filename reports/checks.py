"""Check records: which check verified which form of the guide, and whether it matched.

A *check record* is written by every response check a test makes (``expect.ok``, ``expect.fails``,
``expect.error``, the ERR CODE check, each chapter-4 example step, each URC check) and travels with the
test's report as a ``user_properties`` entry named :data:`PROPERTY` (a JSON object), so it reaches the xdist
controller and the JUnit XML. ``reports/summary.py`` reads them: a form is *checked* only where a passing
test holds a record of it that matched. The format is documented in reports/SCHEMA.md ("check records").

Pure logic, no pytest: the writer is ``fixtures/checks.py``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

__all__ = [
    "CATEGORIES",
    "INFERRED_DIFFERS",
    "PROPERTY",
    "PROVENANCES",
    "Category",
    "CheckRecord",
    "CheckRecordError",
]

#: The ``user_properties`` name of one check record.
PROPERTY = "esp_check"

#: ``response``: a valid invocation's response matched against the form's template (or an example step's
#: expected lines); ``refusal``: an invalid invocation's ERROR / ERR CODE / documented failure response
#: (counted apart, so "checked" never means "only its ERROR was seen"); ``urc``: an active message report
#: matched against its 3.17 template (``form`` is then the report's name, not a form of 3.1-3.14).
Category = Literal["response", "refusal", "urc"]
CATEGORIES: tuple[str, ...] = ("response", "refusal", "urc")

#: What an ERR CODE check's expected code rests on (spec/err_provenance.yaml): the guide's own case, a real
#: board's public transcript, the public firmware source, or the layout of 3.1.26 alone. Kept as plain text
#: here so that report readers need not import spec/.
PROVENANCES: tuple[str, ...] = ("guide", "real-board", "firmware-source", "inferred")

#: How the reason of the distinct verdict starts (an xfail): an ``inferred`` ERR CODE that the board did not
#: print, on a rig with ``err_codes: inferred-differs`` (rigs/model/rig.py). reports/summary.py counts it.
INFERRED_DIFFERS = "inferred code differs"


class CheckRecordError(ValueError):
    """A check record that does not parse (the message says which field)."""


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One check of one form (or report) in one test.

    ``form`` is a form key as :class:`reports.summary.FormRef` writes it (``AT+CWMODE/query``,
    ``AT+SAVETRANSLINK/set/savetrans-udp``) or, for ``category == "urc"``, the report's name
    (``+IPD``, ``WIFI GOT IP``); ``check`` names the check that made it (``expect.ok``, ``expect.error``,
    ``err_code``, ``example 4.2.1 step 3``, ``urc``); ``passed`` is whether it matched; ``detail`` is a
    short free text (the mismatch's first line, the example step's command); ``provenance`` is, for an
    ERR CODE check only, what the expected code rests on (:data:`PROVENANCES`), else empty.
    """

    form: str
    category: Category
    check: str
    passed: bool
    detail: str = ""
    provenance: str = ""

    def to_json(self) -> str:
        raw = asdict(self)
        if not self.provenance:
            del raw["provenance"]  # records without one read as before (older readers reject new keys)
        return json.dumps(raw, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CheckRecord:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CheckRecordError(f"check record is not JSON: {exc}: {text[:80]!r}") from None
        if not isinstance(raw, dict):
            raise CheckRecordError(f"check record is not an object: {text[:80]!r}")
        for name, kind in (("form", str), ("category", str), ("check", str), ("passed", bool)):
            if not isinstance(raw.get(name), kind):
                raise CheckRecordError(
                    f"check record field {name!r} missing or not {kind.__name__}: {text[:80]!r}"
                )
        if raw["category"] not in CATEGORIES:
            raise CheckRecordError(f"check record category {raw['category']!r} is not one of {CATEGORIES}")
        detail = raw.get("detail", "")
        if not isinstance(detail, str):
            raise CheckRecordError(f"check record field 'detail' is not text: {text[:80]!r}")
        provenance = raw.get("provenance", "")
        if provenance != "" and provenance not in PROVENANCES:
            raise CheckRecordError(f"check record provenance {provenance!r} is not one of {PROVENANCES}")
        extra = set(raw) - {"form", "category", "check", "passed", "detail", "provenance"}
        if extra:
            raise CheckRecordError(f"check record has unknown fields {sorted(extra)}")
        return cls(raw["form"], raw["category"], raw["check"], raw["passed"], detail, provenance)
