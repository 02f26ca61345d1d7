"""The ``+++`` that leaves data mode (3.3.7), decided from byte arrival times (sans-IO).

3.3.7: three ``+`` characters with less than 20 ms between them, more than 20 ms of silence before the
first and after the third. Anything else is ordinary data. Feed the detector every input chunk with its
arrival time; call :meth:`PlusDetector.poll` when :attr:`PlusDetector.deadline` passes (the silence after
the third ``+`` can only be judged once it has lasted).

``guard=False`` models a firmware that ignores those timings (the fault kind ``ignore_guard_time``,
sim/FAULTS.md): three ``+`` in a row leave data mode wherever they occur in the stream and however slowly
they come.
"""

from __future__ import annotations

from dataclasses import dataclass

#: 3.3.7: the silence around ``+++`` and the largest gap between its characters.
GUARD_S = 0.020
PLUS = b"+"
#: guard=False: how long trailing ``+`` characters are held waiting for the rest of a ``+++``
UNGUARDED_HOLD_S = 1.0


@dataclass
class Decision:
    """What to do with input: ``data`` goes on as data; ``exit`` means ``+++`` was recognised."""

    data: bytes = b""
    exit: bool = False


class PlusDetector:
    def __init__(self, now: float, *, guard: bool = True) -> None:
        #: False: ``+++`` counts without its guard silences and character spacing (a fault, not 3.3.7)
        self.guard = guard
        #: time the last input byte arrived (entering data mode counts as input: the prompt was just sent)
        self.last_rx = now
        self._held = b""
        self._held_last = 0.0
        #: when the last '+' of a recognised ``+++`` arrived
        self.plus_at = 0.0

    @property
    def deadline(self) -> float | None:
        """When :meth:`poll` must be called next (None: nothing pending)."""
        if not self._held:
            return None
        return self._held_last + (GUARD_S if self.guard else UNGUARDED_HOLD_S)

    def feed(self, data: bytes, now: float) -> Decision:
        if not data:
            return Decision()
        if not self.guard:
            return self._feed_unguarded(data, now)
        quiet_before = now - self.last_rx
        self.last_rx = now
        if self._held:
            candidate = self._held + data
            if now - self._held_last < GUARD_S and len(candidate) <= 3 and candidate == PLUS * len(candidate):
                self._held, self._held_last = candidate, now
                return Decision()
            self._held = b""
            return Decision(data=candidate)
        if quiet_before > GUARD_S and len(data) <= 3 and data == PLUS * len(data):
            self._held, self._held_last = data, now
            return Decision()
        return Decision(data=data)

    def _feed_unguarded(self, data: bytes, now: float) -> Decision:
        """guard=False: the first ``+++`` anywhere leaves data mode; the data before it still goes out and
        what follows it in the same chunk is lost (as input in the settle time after ``+++`` is)."""
        self.last_rx = now
        stream, self._held = self._held + data, b""
        at = stream.find(PLUS * 3)
        if at >= 0:
            self.plus_at = now
            return Decision(data=stream[:at], exit=True)
        keep = len(stream) - len(stream.rstrip(PLUS))  # at most two: three would have been found
        if keep:
            self._held, self._held_last = stream[-keep:], now
        return Decision(data=stream[: len(stream) - keep])

    def poll(self, now: float) -> Decision:
        """Judge held ``+`` characters once the guard time after the last one has passed (guard=False: once
        no further ``+`` came for a while; fewer than three are then data)."""
        hold = GUARD_S if self.guard else UNGUARDED_HOLD_S
        if not self._held or now - self._held_last < hold:
            return Decision()
        held, self._held = self._held, b""
        if self.guard and held == PLUS * 3:
            self.plus_at = self._held_last
            return Decision(exit=True)
        return Decision(data=held)  # one or two '+' followed by silence: plain data
