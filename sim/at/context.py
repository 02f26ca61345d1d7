"""What a command handler gets: the board, the parsed command, typed arguments and the ways to answer.

See "Writing a command handler" in sim/README.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.at.args import Args
from sim.at.errors import AtError, format_err_code
from sim.at.parser import Form, ParsedCommand
from sim.output import Kind

if TYPE_CHECKING:
    from sim.board import Board


class CommandContext:
    """One running command. Handlers answer through it; the engine ends the command when they return.

    - return normally: the engine sends ``OK`` unless the handler already sent a final result;
    - raise :class:`AtError`: the engine sends ``ERR CODE:0x...`` (when AT+SYSLOG=1) and ``ERROR``.
    """

    def __init__(self, board: Board, cmd: ParsedCommand) -> None:
        self.board = board
        self.cmd = cmd
        self.name = cmd.name
        self.form: Form = cmd.form
        self.args = Args(cmd.tokens)
        self.finished = False

    # --- answering -------------------------------------------------------------------------------

    def reply(self, line: str | bytes) -> None:
        """An information line of the response; CR LF is appended."""
        data = line.encode("utf-8", errors="surrogateescape") if isinstance(line, str) else line
        self.board.emit(data + b"\r\n", Kind.RESPONSE, command=self.name)

    def write(self, data: bytes) -> None:
        """Raw response bytes, nothing appended (``+SYSFLASH:<length>,<data>`` payloads, ...)."""
        self.board.emit(data, Kind.DATA, command=self.name)

    def final(self, text: str) -> None:
        """A final result (``OK``, ``ERROR``, ``SEND OK``, ``SEND FAIL``, ``SET OK``) framed as the firmware
        frames it: ``\\r\\n<text>\\r\\n``. Only the first final result of a command counts as its end."""
        self.board.emit(f"\r\n{text}\r\n".encode(), Kind.FINAL, command=self.name)
        self.finished = True

    def ok(self) -> None:
        self.final("OK")

    def ok_after_line(self) -> None:
        """OK with no CR LF of its own before it, right after the handler's information line: what
        AT+SYSRAM?, AT+CIPSNTPTIME? and AT+CIPDINFO? print (their examples in the guide show no empty line
        before OK, and real boards print none: esp-at issues 804, 993, 427, 577)."""
        self.board.emit(b"OK\r\n", Kind.FINAL, command=self.name)
        self.finished = True

    def error(self, code: int | None = None) -> None:
        """``ERROR``, preceded by ``ERR CODE:0x%08x`` when AT+SYSLOG=1 and a code is given."""
        if code is not None and self.board.at.syslog:
            self.board.emit(f"{format_err_code(code)}\r\n".encode(), Kind.RESPONSE, command=self.name)
        self.final("ERROR")

    def fail(self, code: int, reason: str = "") -> AtError:
        """``raise ctx.fail(code, "why")``: end the command with ERROR and this code."""
        return AtError(code, reason)

    def urc(self, line: str) -> None:
        """An active message report (3.17) raised while this command runs; same as ``board.urc``."""
        self.board.urc(line)

    # --- data mode ---------------------------------------------------------------------------------

    async def prompt_and_read(
        self, n: int, *, prompt: bytes = b"\r\n>", timeout: float | None = None
    ) -> bytes | None:
        """Send the ``>`` prompt and take exactly n bytes from the AT port, unescaped and unframed.

        Returns None if ``timeout`` seconds pass first (the bytes received so far are discarded).
        """
        if prompt:
            self.board.emit(prompt, Kind.PROMPT, command=self.name)
        return await self.board.engine.read_data(n, timeout=timeout)
