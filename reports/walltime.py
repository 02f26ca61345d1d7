"""Wall time per command set from the tests' start and stop times (issue 23: the report shows where a
run's time goes).

Under pytest-xdist a set's tests overlap on several workers, so neither the sum of their durations nor the
span from the first start to the last stop is its cost: the wall time is the length of the union of the
tests' [start, stop] intervals, the time at least one of its tests was running.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["union_length"]


def union_length(intervals: Iterable[tuple[float, float]]) -> float:
    """Seconds covered by at least one ``(start, stop)`` interval; reversed or empty intervals count 0."""
    total = 0.0
    end = float("-inf")
    begin = end
    for start, stop in sorted(i for i in intervals if i[1] > i[0]):
        if start > end:
            total += end - begin if end > begin else 0.0
            begin, end = start, stop
        else:
            end = max(end, stop)
    if end > begin:
        total += end - begin
    return total
