"""The response structure of 3.17 between commands: what a board may say while no command is pending.

:class:`ResponseStructure` is the bookkeeping of a strict session (issue 13, point 4), sans-IO: the session
tells it when a command is sent, ends or is abandoned, and hands it every event that arrives while no
command collects events; it answers with the violation to record, if any, and keeps the
:class:`~rigs.at.response.Violation` list, which of them were raised and which a sync/reset forgave.

While no command is pending only reports (3.17 "ESP-AT Message Reports") may come. Anything else is a
violation: a final result (a second one, when the last command had ended), a ``>`` prompt, an information
line, ``ERR CODE``, ``Recv <n> bytes``, ``SEND Canceled``, ``busy``, or an unknown line. One exception: after
a ``>`` that no send_data()/cancel_send() took over, the caller streams the data itself with write_raw(),
and what comes up to the verdict belongs to that send.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rigs.at.attribution import URC_LIKE, Collector
from rigs.at.events import (
    AnyEvent,
    Blank,
    Busy,
    Data,
    Echo,
    ErrCode,
    Final,
    Ipd,
    Line,
    Prompt,
    Ready,
    RecvBytes,
    RecvData,
    SendCanceled,
    Unsolicited,
    Urc,
)
from rigs.at.response import Response, Violation

__all__ = ["ResponseStructure", "idle_violation"]

#: Events that are never a violation between commands, whatever the state: reports, empty lines, data.
_NEVER_WRONG = frozenset((Urc, Ipd, Ready, Blank, Data))


def idle_violation(ev: AnyEvent, previous: Response | None) -> str | None:
    """What is wrong with ``ev`` arriving while no command is pending, or None. ``previous`` is the
    response of the last command if nothing was sent since it ended: a final result now is its second."""
    if isinstance(ev, Final):
        if previous is not None:
            return (
                f"a second final result {ev.result!r} after {previous.command!r} had ended with "
                f"{previous.final!r}"
            )
        return f"final result {ev.result!r} with no command pending"
    if isinstance(ev, Prompt):
        return "'>' prompt with no command pending"
    if isinstance(ev, Unsolicited):
        return f"unknown line {ev.text!r} with no command pending (no report of 3.17, no response)"
    if isinstance(ev, Line):
        return f"information line {ev.text!r} with no command pending"
    if isinstance(ev, Echo):
        return f"information line {ev.line!r} with no command pending"
    if isinstance(ev, RecvData | ErrCode | RecvBytes | SendCanceled | Busy):
        text = ev.raw.decode("utf-8", "replace").strip("\r\n")
        kind = "information line " if isinstance(ev, RecvData) else ""
        return f"{kind}{text!r} with no command pending"
    return None


@dataclass(slots=True)
class ResponseStructure:
    """Violations of one session, and what is needed to tell them (see the module docstring)."""

    violations: list[Violation] = field(default_factory=list)
    #: ``violations[:forgiven]`` came before a sync()/reset() ended: a board in an unknown state
    forgiven: int = 0
    #: ``violations[:raised]`` were raised (or forgiven) already
    raised: int = 0
    #: the last command that ended, until the next is sent: a final result now is its second one
    previous: Response | None = None
    #: a '>' answered a command and no data-mode call took over (the caller writes the data raw)
    awaiting_data: bool = False

    # --- what the session tells it ---

    def command_sent(self) -> None:
        self.previous = None

    def ended(self, c: Collector) -> None:
        """``c`` collected its last event."""
        self.previous = None if c.rebooted else c.response
        self.awaiting_data = c.mode == "cmd" and c.response.prompt and not c.rebooted

    def abandoned(self) -> None:
        """A command timed out or the port closed: whatever comes late belongs to nothing known."""
        self.previous = None
        self.awaiting_data = False

    def restarted(self) -> None:
        """``ready``: a restart ends whatever came before it."""
        self.previous = None

    def left_passthrough(self) -> None:
        self.awaiting_data = False

    def idle(self, ev: AnyEvent) -> str | None:
        """``ev`` arrived while no command collects events: the violation to record, or None."""
        if type(ev) in _NEVER_WRONG:
            return None  # what a flood of reports is made of: spared the walk below, which says the same
        if self.awaiting_data and not isinstance(ev, (Prompt, *URC_LIKE)):
            # Recv <n> bytes, +CIPSENDL progress lines, the verdict: the send's own; a verdict ends it
            if isinstance(ev, Final | SendCanceled):
                self.awaiting_data = False
                if self.previous is not None:
                    verdict = ev.result if isinstance(ev, Final) else "SEND Canceled"
                    self.previous = Response(command=self.previous.command, final=verdict)
            return None
        return idle_violation(ev, self.previous)

    # --- the record ---

    def take_unraised(self) -> list[Violation]:
        new = self.violations[self.raised :]
        self.raised = len(self.violations)
        return new

    def forgive(self) -> None:
        self.forgiven = self.raised = len(self.violations)

    def unforgiven(self, since_index: int = 0) -> list[Violation]:
        return [v for v in self.violations[self.forgiven :] if (v.index or 0) >= since_index]
