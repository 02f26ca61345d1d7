"""Where a run's time goes besides the tests' own bodies: the slowest fixtures (issue 23).

Pure logic: the pytest side (fixtures/fixture_timing.py) records one :class:`FixtureSample` per fixture
setup that took at least :data:`RECORD_AT_LEAST` seconds; :func:`slowest_fixtures` folds them into one
:class:`FixtureTiming` per fixture for the summary (``slowest_fixtures``, reports/SCHEMA.md), slowest total
first. A fixture's setup time is pytest's own: the wall time of its function up to its ``yield`` (or return).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reports.form_state import StrictModel

__all__ = [
    "FIXTURE_PROPERTY",
    "RECORD_AT_LEAST",
    "FixtureSample",
    "FixtureTiming",
    "parse_sample",
    "slowest_fixtures",
]

#: setups quicker than this are not recorded (a few per test would bloat every report for nothing)
RECORD_AT_LEAST = 0.005
#: the test property a sample travels in (to the xdist controller, like the others)
FIXTURE_PROPERTY = "fixture_setup"


@dataclass(frozen=True, slots=True)
class FixtureSample:
    name: str
    scope: str
    seconds: float

    def to_property(self) -> str:
        return f"{self.scope}:{self.name}:{self.seconds:.4f}"


def parse_sample(value: str) -> FixtureSample | None:
    """The sample of a ``fixture_setup`` test property, or None for a value of another shape."""
    scope, _, rest = value.partition(":")
    name, _, seconds = rest.rpartition(":")
    try:
        return FixtureSample(name, scope, float(seconds)) if name and scope else None
    except ValueError:
        return None


class FixtureTiming(StrictModel):
    """One fixture's setups over a run: how many were recorded, their total and the longest."""

    name: str
    scope: str
    setups: int
    total_s: float
    max_s: float


def slowest_fixtures(samples: Iterable[FixtureSample], top: int = 20) -> list[FixtureTiming]:
    totals: dict[tuple[str, str], list[float]] = {}
    for s in samples:
        totals.setdefault((s.name, s.scope), []).append(s.seconds)
    rows = [
        FixtureTiming(name=n, scope=sc, setups=len(v), total_s=round(sum(v), 3), max_s=round(max(v), 3))
        for (n, sc), v in totals.items()
    ]
    rows.sort(key=lambda r: (-r.total_s, r.name))
    return rows[:top]
