"""A timer queue for the sans-IO Wi-Fi model: callbacks due at simulated times, fired by ``poll(now)``."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class _Timer:
    due: float
    seq: int
    callback: Callable[[float], object] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class Scheduler:
    """Callbacks run in due-time order (ties in the order they were scheduled)."""

    def __init__(self) -> None:
        self._heap: list[_Timer] = []
        self._seq = itertools.count()

    def at(self, due: float, callback: Callable[[float], object]) -> _Timer:
        timer = _Timer(due, next(self._seq), callback)
        heapq.heappush(self._heap, timer)
        return timer

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None

    def run_due(self, now: float) -> None:
        """Run every timer due at or before ``now``, including ones those callbacks add."""
        while True:
            due = self.next_due()
            if due is None or due > now:
                return
            timer = heapq.heappop(self._heap)
            timer.callback(timer.due)

    def clear(self) -> None:
        self._heap.clear()
