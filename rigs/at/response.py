"""What one AT command (or one data-mode send) produced: :class:`Response`, and :class:`Violation`."""

from __future__ import annotations

from dataclasses import dataclass, field

from rigs.at.events import AnyEvent, Echo, Event
from rigs.at.transcript import escape

__all__ = ["OK_RESULTS", "Response", "Violation"]

#: Final results (and data-mode verdicts) that mean success.
OK_RESULTS = frozenset(("OK", "SEND OK", "SET OK", "+MQTTPUB:OK", "WRITE OK"))


@dataclass(slots=True)
class Response:
    """The response to ``command``, from the first byte after it was written to its final result.

    ``lines`` are the information lines in order, blank lines as ``""`` (3.17 puts a blank line before most
    final results); reports that arrived meanwhile are in ``urcs``, not in ``lines``. ``events`` holds all
    events attributed to the command, in order. ``final`` is the final result (``OK``, ``ERROR``,
    ``SEND OK`` ...), or the verdict report of a data-mode send (``+MQTTPUB:OK``), or None when the
    response ended at the ``>`` prompt (``prompt`` is then True).
    """

    command: str
    echo: str | None = None
    lines: list[str] = field(default_factory=list)
    final: str | None = None
    urcs: list[AnyEvent] = field(default_factory=list)
    events: list[AnyEvent] = field(default_factory=list)
    raw: bytes = b""
    started: float = 0.0
    ended: float = 0.0
    prompt: bool = False
    err_code: int | None = None
    recv_bytes: int | None = None

    @property
    def ok(self) -> bool:
        """True for OK, SEND OK, SET OK (and +MQTTPUB:OK); for a prompt command, True once ``>`` came."""
        return self.final in OK_RESULTS or (self.final is None and self.prompt)

    @property
    def text(self) -> str:
        """The bytes of the response exactly as the board sent them, minus the echo, decoded."""
        return b"".join(e.raw for e in self.events if not isinstance(e, Echo)).decode("utf-8", "replace")

    @property
    def duration(self) -> float:
        return self.ended - self.started

    def assert_ok(self) -> Response:
        """Raise :class:`rigs.at.errors.CommandFailed` unless :attr:`ok`; returns self for chaining."""
        if not self.ok:
            from rigs.at.errors import CommandFailed

            raise CommandFailed(
                f"{self.command!r}: expected OK, got final result {self.final!r}"
                + (f" (ERR CODE 0x{self.err_code:08x})" if self.err_code is not None else "")
                + f"; response text: {self.text!r}"
            )
        return self


@dataclass(frozen=True, slots=True)
class Violation:
    """A break of the response structure (3.17): ``what`` happened at monotonic time ``t``, while
    ``command`` (or None) was pending; ``event`` is the offending event.

    ``index`` is the event's position in the session's history and ``offset`` the position of its first
    byte in the bytes received (``transcript.data("rx")``), so that the violation can be shown in place
    (:meth:`excerpt`) and told apart per test.
    """

    t: float
    what: str
    command: str | None
    event: Event | None = None
    index: int | None = None
    offset: int | None = None

    def excerpt(self, rx: bytes, around: int = 40) -> str:
        """The received bytes around the offending event, escaped, the event itself in ``[[...]]``."""
        if self.offset is None or self.event is None:
            return ""
        start, end = self.offset, self.offset + len(self.event.raw)
        lo, hi = max(0, start - around), min(len(rx), end + around)
        return (
            f"rx offset {start}: "
            + ("..." if lo else "")
            + escape(rx[lo:start])
            + "[["
            + escape(rx[start:end])
            + "]]"
            + escape(rx[end:hi])
            + ("..." if hi < len(rx) else "")
        )

    def describe(self, rx: bytes | None = None) -> str:
        """One line: what happened, what was pending, and (given the received bytes) where."""
        text = self.what if self.command is None else f"{self.what} (pending: {self.command!r})"
        where = self.excerpt(rx) if rx is not None else ""
        return f"{text}; {where}" if where else text
