"""Host stalls measured alongside a transfer, and the limits they lower on a simulated rig.

On a bench the board paces itself and the rig's limits are hard. A simulated board is a process of this
host, and so is the suite: when two busy cores leave them waiting to run, every transfer stretches by the
time the line sat idle, most of all the modes that exchange a command per chunk (AT+CIPSEND=<n> per
1460-byte UDP datagram, 3.3.8), which wait for both processes four times per datagram. No pacing of the
simulated UART can give that time back (measured on this 2-core machine with two pinned busy loops: UDP
AT+CIPSEND uploads at 2-5 Mbaud fell to 0.63-0.77 of the line, from 0.92-0.97 on an idle host, in
spans with 20-115 ms pauses; plain ``AT`` round trips timed before and after stayed at a median of
0.07-0.27 ms, so the loss is stalls, not latency, and only a probe running *during* the transfer sees it).

So a rig whose ``targets.throughput.host_stalls`` is set (sim rigs only, rigs/model/rig.py refuses it
elsewhere) states its verdict relative to what the host let run in the same run: a :class:`StallProbe`
thread sleeps ``tick`` in a loop for the whole transfer and records each wake-up later than ``grace`` as a
stall. The stalled seconds inside the measured span, times ``processes`` (the probe sees the suite's
process; the simulator's is starved alike), capped at ``max_share`` of the span, are added to the time the
limit allows for the payload: ``lower' = payload / (payload / lower + forgiven)``
(:func:`host_relative`). On an idle host the probe sees no stall and the limits are the rig's: a UART that
is really slow (sim/FAULTS.md ``slow_uart``) still fails every attempt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reports.measurements import Limits


@dataclass(frozen=True)
class Stall:
    """The probe woke at ``end`` where it meant to wake at ``start``."""

    start: float
    end: float


def stalled_within(stalls: Iterable[Stall], start: float, end: float) -> float:
    """Seconds of ``stalls`` that fall inside ``[start, end]``."""
    return sum(max(min(s.end, end) - max(s.start, start), 0.0) for s in stalls)


def forgiven(stalled: float, span: float, processes: int, max_share: float) -> float:
    """Seconds of a ``span`` not held against the board: the probe's ``stalled`` seconds once per process
    of the chain, at most ``max_share`` of the span."""
    if span <= 0 or stalled <= 0:
        return 0.0
    return min(stalled * processes, span * max_share)


def host_relative(limits: Limits, payload: int, extra: float) -> Limits:
    """``limits`` with ``extra`` seconds more allowed for moving ``payload`` bytes: the lower limit and the
    top of the marginal band both become the rates that take that much longer."""
    if limits.lower is None or limits.lower <= 0 or payload <= 0 or extra <= 0:
        return limits

    def slower(rate: float) -> float:
        return payload / (payload / rate + extra)

    lower = slower(limits.lower)
    marginal = slower(limits.lower + limits.marginal) - lower if limits.marginal else None
    return Limits(lower=lower, upper=limits.upper, marginal=marginal)


@dataclass(frozen=True)
class HostShare:
    """What the probe saw during one transfer and what the verdict forgave."""

    stalled: float  # seconds the probe was stalled inside the span
    events: int
    forgiven: float  # seconds added to the limit's time (stalled x processes, capped)

    def describe(self) -> str:
        return (
            f"host stalled {self.stalled * 1e3:.0f} ms in {self.events} pauses, "
            f"{self.forgiven * 1e3:.0f} ms forgiven"
        )


def host_share(
    stalls: Iterable[Stall], start: float, span: float, processes: int, max_share: float
) -> HostShare:
    """What of the stalls falls in the span ``[start, start + span]`` and how much of it is forgiven."""
    end = start + span
    inside = [s for s in stalls if s.end > start and s.start < end]
    stalled = stalled_within(inside, start, end)
    return HostShare(stalled, len(inside), forgiven(stalled, span, processes, max_share))


class StallProbe:
    """A daemon thread that sleeps ``tick`` and records every wake-up later than ``grace`` (a context
    manager: it runs between ``__enter__`` and ``__exit__``)."""

    def __init__(
        self,
        tick: float,
        grace: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tick = tick
        self.grace = grace
        self.stalls: list[Stall] = []
        self._clock = clock
        self._sleep = sleep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="throughput-stall-probe", daemon=True)

    def step(self) -> None:
        """One sleep; a wake-up later than ``grace`` past its due time is a stall."""
        due = self._clock() + self.tick
        self._sleep(self.tick)
        woke = self._clock()
        if woke - due > self.grace:
            self.stalls.append(Stall(due, woke))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()

    def __enter__(self) -> StallProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5.0)
