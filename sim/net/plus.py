"""The ``+++`` that leaves data mode (3.3.7), decided from byte arrival times (sans-IO).

3.3.7: three ``+`` characters with less than 20 ms between them, more than 20 ms of silence before the
first and after the third. Anything else is ordinary data. Feed the detector every input chunk with its
arrival time; call :meth:`PlusDetector.poll` when :attr:`PlusDetector.deadline` passes (the silence after
the third ``+`` can only be judged once it has lasted).
"""

from __future__ import annotations

from dataclasses import dataclass

#: 3.3.7: the silence around ``+++`` and the largest gap between its characters.
GUARD_S = 0.020
PLUS = b"+"


@dataclass
class Decision:
    """What to do with input: ``data`` goes on as data; ``exit`` means ``+++`` was recognised."""

    data: bytes = b""
    exit: bool = False


class PlusDetector:
    def __init__(self, now: float) -> None:
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
        return self._held_last + GUARD_S

    def feed(self, data: bytes, now: float) -> Decision:
        if not data:
            return Decision()
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

    def poll(self, now: float) -> Decision:
        """Judge held ``+`` characters once the guard time after the last one has passed."""
        if not self._held or now - self._held_last < GUARD_S:
            return Decision()
        held, self._held = self._held, b""
        if held == PLUS * 3:
            self.plus_at = self._held_last
            return Decision(exit=True)
        return Decision(data=held)  # one or two '+' followed by silence: plain data
