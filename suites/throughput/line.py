"""The AT port's line: its frame (3.1.10 AT+UART_CUR parameters), the payload ceiling it sets, and moving the
board and the host to another baud rate and back.

Plain functions over an AT session, no pytest. On a ``socket://`` port the host-side baud rate means
nothing (pyserial ignores it); on a device, a pty or ``rfc2217://`` the host must follow the board, which is
what :func:`follow` does after each AT+UART_CUR.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigs.at.errors import AtError
from rigs.at.session import AtSession

#: 3.1.10 <stop bits>: 1 -> 1 bit, 2 -> 1.5 bits, 3 -> 2 bits.
STOP_BITS = {1: 1.0, 2: 1.5, 3: 2.0}


class LineError(AssertionError):
    """The board or the host could not be moved to a line configuration; says which and why."""


@dataclass(frozen=True)
class LineConfig:
    """``AT+UART_CUR=<baudrate>,<databits>,<stopbits>,<parity>,<flow control>`` (3.1.10)."""

    baud: int
    databits: int = 8
    stopbits: int = 1
    parity: int = 0  # 0 none, 1 odd, 2 even
    flow_control: int = 0  # bit 0 RTS, bit 1 CTS

    @property
    def bits_per_frame(self) -> float:
        return 1 + self.databits + (1 if self.parity else 0) + STOP_BITS[self.stopbits]

    @property
    def ceiling(self) -> float:
        """Payload bytes per second the line carries at most: one byte per frame (8N1: baud / 10), the
        physical limit every throughput figure is a fraction of."""
        return self.baud / self.bits_per_frame

    @property
    def command(self) -> str:
        return f"AT+UART_CUR={self.baud},{self.databits},{self.stopbits},{self.parity},{self.flow_control}"


def follow(session: AtSession, baud: int) -> None:
    """Set the host side of the AT port to ``baud`` (a no-op for ``socket://``, which has no line)."""
    port = session.port
    try:
        if getattr(port, "baudrate", baud) != baud:
            port.baudrate = baud
    except (ValueError, OSError) as exc:
        raise LineError(
            f"{session.name}: the host side of the AT port cannot run at {baud} baud: {exc}"
        ) from exc


def switch(session: AtSession, line: LineConfig, *, timeout: float = 5.0) -> None:
    """AT+UART_CUR to ``line``: the OK comes at the old rate (3.1.10), then host and board both use the new
    one; a plain ``AT`` confirms they understand each other."""
    r = session.cmd(line.command, timeout)
    if not r.ok:
        raise LineError(f"{line.command!r}: expected OK, got {r.final!r}: {r.text!r}")
    follow(session, line.baud)
    try:
        session.sync(timeout=timeout, leave_passthrough=False)
    except AtError as exc:
        raise LineError(
            f"{session.name}: no answer to AT at {line.baud} baud after {line.command}: {exc}"
        ) from exc


def restore(session: AtSession, line: LineConfig, *, timeout: float = 5.0) -> None:
    """Back to ``line`` whatever state a failed test left: out of passthrough or data mode first (``+++``
    only when the session is in passthrough or plain ``AT`` gets no answer: each ``+++`` costs the second
    of 3.3.7), then AT+UART_CUR, then the host follows."""
    try:
        session.sync(timeout=2.0, leave_passthrough=session.codec.in_passthrough)
    except AtError:
        session.sync(timeout=timeout, leave_passthrough=True)
    switch(session, line, timeout=timeout)
