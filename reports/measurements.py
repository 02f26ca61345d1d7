"""Measurements with limits, in the OpenHTF sense: a named value with units, judged against a lower and/or
upper limit with an optional marginal band inside them, keeping every attempt.

Pure logic, no pytest. ``fixtures/measurements.py`` records each attempt of a test as one JUnit property
(:data:`PROPERTY`, value :meth:`Attempt.to_json`); the summary and the report group the attempts of a test
by name into :class:`Measurement` (:func:`group_attempts`).

Judging (:meth:`Limits.judge`):

- ``fail``: below ``lower`` or above ``upper``;
- ``marginal``: inside the limits but within ``marginal`` (a width, in the measurement's units) of a limit,
  i.e. in ``[lower, lower + marginal)`` or ``(upper - marginal, upper]``;
- ``pass``: otherwise. A measurement without limits always passes (it is recorded for trends only).

A measurement's outcome is that of its last attempt: a test that measures again (a retry, a second
sample) decides with the newest value, and the earlier ones stay in ``attempts`` for the record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The JUnit property (``record_property`` name) one attempt is recorded under.
PROPERTY = "esp_measurement"

MeasurementOutcome = Literal["pass", "marginal", "fail"]
_RANK: dict[str, int] = {"pass": 0, "marginal": 1, "fail": 2}


class MeasurementError(ValueError):
    """A measurement that cannot be judged: a bad name, a value that is not a number, crossed limits."""


class Limits(BaseModel):
    """Where a value passes. ``marginal`` is a band width in the value's units, inside the limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lower: float | None = None
    upper: float | None = None
    marginal: float | None = None

    def model_post_init(self, _context: object) -> None:
        for name in ("lower", "upper", "marginal"):
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                raise MeasurementError(f"limit {name}={v!r} is not a finite number")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise MeasurementError(f"lower limit {self.lower:g} is above upper limit {self.upper:g}")
        if self.marginal is not None:
            if self.marginal < 0:
                raise MeasurementError(f"marginal band {self.marginal:g} is negative")
            if self.lower is None and self.upper is None:
                raise MeasurementError("a marginal band needs a lower or an upper limit to lie beside")

    @classmethod
    def of_line_rate(cls, line_rate: float, min_fraction: float, marginal_band: float = 0.0) -> Limits:
        """Limits from a rig's throughput target (rigs/model/targets.py: fractions of the line rate)."""
        return cls(lower=line_rate * min_fraction, marginal=line_rate * marginal_band or None)

    def judge(self, value: float) -> MeasurementOutcome:
        if math.isnan(value):
            return "fail"
        if (self.lower is not None and value < self.lower) or (self.upper is not None and value > self.upper):
            return "fail"
        band = self.marginal or 0.0
        if band and (
            (self.lower is not None and value < self.lower + band)
            or (self.upper is not None and value > self.upper - band)
        ):
            return "marginal"
        return "pass"

    def describe(self, units: str = "") -> str:
        """``>= 1000 B/s, marginal below 1100 B/s``; ``no limits`` when there are none."""
        u = f" {units}" if units else ""
        parts = []
        if self.lower is not None:
            parts.append(f">= {fmt(self.lower)}{u}")
        if self.upper is not None:
            parts.append(f"<= {fmt(self.upper)}{u}")
        if not parts:
            return "no limits"
        text = " and ".join(parts)
        if self.marginal:
            edges = []
            if self.lower is not None:
                edges.append(f"below {fmt(self.lower + self.marginal)}{u}")
            if self.upper is not None:
                edges.append(f"above {fmt(self.upper - self.marginal)}{u}")
            text += ", marginal " + " or ".join(edges)
        return text


class Attempt(BaseModel):
    """One recorded value of a measurement, judged when it was taken."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: float
    units: str = ""
    limits: Limits = Field(default_factory=Limits)
    outcome: MeasurementOutcome

    @classmethod
    def take(
        cls,
        name: str,
        value: float,
        *,
        units: str = "",
        lower: float | None = None,
        upper: float | None = None,
        marginal: float | None = None,
    ) -> Attempt:
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise MeasurementError(f"measurement name {name!r}: use letters, digits, '_', '-' and '.'")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MeasurementError(f"measurement {name}: value {value!r} is not a number")
        try:
            limits = Limits(lower=lower, upper=upper, marginal=marginal)
        except ValidationError as exc:
            reason = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise MeasurementError(f"measurement {name}: {reason}") from None
        v = float(value)
        return cls(name=name, value=v, units=units, limits=limits, outcome=limits.judge(v))

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=False)

    @classmethod
    def from_json(cls, text: str) -> Attempt:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise MeasurementError(f"not a recorded measurement attempt: {text[:200]!r}: {exc}") from exc

    def verdict(self) -> str:
        """``tcp_upload = 812 B/s (>= 1000 B/s): fail``: what a failing test says."""
        return (
            f"{self.name} = {fmt(self.value)}{' ' + self.units if self.units else ''} "
            f"({self.limits.describe(self.units)}): {self.outcome}"
        )


class Measurement(BaseModel):
    """All attempts of one named measurement in one test; the last attempt decides."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: float
    units: str = ""
    limits: Limits = Field(default_factory=Limits)
    outcome: MeasurementOutcome
    attempts: list[float]

    def describe_limits(self) -> str:
        return self.limits.describe(self.units)


def group_attempts(attempts: Iterable[Attempt]) -> list[Measurement]:
    """One :class:`Measurement` per name, in the order names were first measured."""
    by_name: dict[str, list[Attempt]] = {}
    for a in attempts:
        by_name.setdefault(a.name, []).append(a)
    out = []
    for name, seen in by_name.items():
        last = seen[-1]
        out.append(
            Measurement(
                name=name,
                value=last.value,
                units=last.units,
                limits=last.limits,
                outcome=last.outcome,
                attempts=[a.value for a in seen],
            )
        )
    return out


def worse(a: MeasurementOutcome, b: MeasurementOutcome) -> bool:
    """True when ``b`` is a worse outcome than ``a`` (pass < marginal < fail)."""
    return _RANK[b] > _RANK[a]


def fmt(value: float) -> str:
    """A number as a report shows it: no exponent from 1 to 1e15 (rates in B/s read as 172800, not
    1.728e+05), whole numbers without a decimal point, small values with 4 significant digits."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if 1000 <= abs(value) < 1e15:
        return f"{value:.0f}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class Movement:
    """How one measurement of one test changed between two runs (reports/compare.py)."""

    test: str
    name: str
    units: str
    before: float
    after: float
    limits: Limits
    outcome_before: MeasurementOutcome
    outcome_after: MeasurementOutcome

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def percent(self) -> float | None:
        return None if self.before == 0 else 100.0 * self.delta / abs(self.before)

    @property
    def band(self) -> float | None:
        return self.limits.marginal or None

    @property
    def beyond_band(self) -> bool:
        """Moved by more than the marginal band's width; without a band: the outcome changed."""
        if self.band:
            return abs(self.delta) > self.band
        return self.outcome_before != self.outcome_after

    @property
    def regressed(self) -> bool:
        """A worse outcome (pass < marginal < fail), or beyond the band towards a limit."""
        if worse(self.outcome_before, self.outcome_after):
            return True
        return self.beyond_band and self.towards_limit

    @property
    def improved(self) -> bool:
        return worse(self.outcome_after, self.outcome_before) or (self.beyond_band and not self.towards_limit)

    @property
    def towards_limit(self) -> bool:
        """The move goes towards the limit (the nearer one when there are two)."""
        lo, hi = self.limits.lower, self.limits.upper
        if lo is not None and hi is not None:
            return self.delta < 0 if abs(self.before - lo) <= abs(hi - self.before) else self.delta > 0
        if hi is not None:
            return self.delta > 0
        return self.delta < 0
