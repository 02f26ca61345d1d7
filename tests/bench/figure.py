"""The one output format of tests/bench (issue 23): one JSON line per figure.

Every line has ``bench``, ``figure``, ``value``, ``unit``, ``target`` (the limits in words, as the report
writes them: ``>= 20 MB/s``), ``floor`` (the same-run reference the figure is read against, in ``unit``, or
null where there is none) with ``floor_is`` saying what it is, ``ok``, and the host's one-minute ``load``;
anything else a bench wants kept (the raw numbers behind a ratio, errors) goes under ``detail``.

A figure is judged as a measurement is (reports/measurements.py, the OpenHTF-style limits the suites
record): ``ok`` is false when the value is outside ``lower``/``upper``. A bench exits 1 when any of its
figures is not ok (see :class:`Figures`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from reports.measurements import Attempt


def _round(x: float) -> float:
    return round(x, 3) if abs(x) < 10 else round(x, 1)


def figure_line(
    bench: str,
    figure: str,
    value: float,
    unit: str,
    *,
    lower: float | None = None,
    upper: float | None = None,
    floor: float | None = None,
    floor_is: str = "",
    also_ok: bool = True,
    **detail: Any,
) -> dict[str, Any]:
    """The row of one figure; ``also_ok``: what else it needs besides its limits (no errors, data intact)."""
    attempt = Attempt.take(figure, value, units=unit, lower=lower, upper=upper)
    return {
        "bench": bench,
        "figure": figure,
        "value": _round(value),
        "unit": unit,
        "target": attempt.limits.describe(unit),
        "floor": None if floor is None else _round(floor),
        "floor_is": floor_is,
        "ok": attempt.outcome != "fail" and also_ok,
        "load": round(os.getloadavg()[0], 2),
        "detail": detail,
    }


class Figures:
    """Prints each figure's line as it is measured and keeps whether all were ok (the exit status)."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.ok = True

    def emit(self, figure: str, value: float, unit: str, **kw: Any) -> dict[str, Any]:
        row = figure_line(self.bench, figure, value, unit, **kw)
        self.ok = self.ok and bool(row["ok"])
        print(json.dumps(row), flush=True)
        return row

    def exit_status(self) -> int:
        return 0 if self.ok else 1
