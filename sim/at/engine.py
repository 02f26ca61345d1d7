"""The command engine: input bytes in, handlers run, output through the board (3.15, 3.17).

No sockets and no clocks of its own: the engine is fed bytes (:meth:`CommandEngine.feed`) and writes through
``board.emit``; handlers run as asyncio tasks so a long command (a Wi-Fi join) keeps the engine busy while
input still arrives. Tests drive it with an in-memory board.

Behaviour decided here (and documented in sim/README.md):

- One command at a time. A complete line that arrives while a command runs is echoed (ATE1), answered
  ``busy p...`` (3.17; with AT+SYSLOG=1 after ``ERR CODE:0x010b0000``) and dropped; bytes that do not yet
  make a line wait in the line buffer.
- Echo (ATE1, the default) repeats each complete command line, CR LF included, before its response.
- Data mode: a handler's :meth:`read_data` takes the next n bytes raw, whatever they contain.
- An input hook (:meth:`set_input_hook`) takes every byte instead of the line parser: passthrough mode.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.parser import BadLine, CommandLine, Form, LineAssembler, ParsedCommand, decode_line, parse_command
from sim.at.registry import REGISTRY, Registry
from sim.output import BUSY, Kind

if TYPE_CHECKING:
    from sim.board import Board

#: An input hook gets the bytes and returns the part it did not take (given back to the line parser).
InputHook = Callable[[bytes], bytes]


class CommandEngine:
    def __init__(self, board: Board, registry: Registry | None = None) -> None:
        self.board = board
        self.registry = registry or REGISTRY
        self.lines = LineAssembler()
        self._task: asyncio.Task[None] | None = None
        self._current: CommandContext | None = None
        self._hook: InputHook | None = None
        self._data_need = 0
        self._data_buf = bytearray()
        self._data_future: asyncio.Future[bytes] | None = None
        self.commands_run = 0

    # --- state -------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def taking_data(self) -> bool:
        """True while input goes to a handler raw (after a ``>`` prompt) or to an input hook (passthrough)."""
        return self._hook is not None or (self._data_future is not None and not self._data_future.done())

    @property
    def current(self) -> CommandContext | None:
        return self._current if self.busy else None

    def reset(self) -> None:
        """Forget everything (the board rebooted); cancels the running handler."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        self._current = None
        self._hook = None
        self._cancel_read()
        self.lines.reset()

    # --- input -------------------------------------------------------------------------------------

    def set_input_hook(self, hook: InputHook) -> None:
        """Route every input byte to ``hook`` (passthrough mode) until :meth:`clear_input_hook`."""
        self._hook = hook

    def clear_input_hook(self) -> None:
        self._hook = None

    def feed(self, data: bytes) -> None:
        """Bytes from the AT port, in arrival order."""
        while data:
            if self._data_future is not None and not self._data_future.done():
                take = data[: self._data_need - len(self._data_buf)]
                self._data_buf += take
                data = data[len(take) :]
                if len(self._data_buf) >= self._data_need:
                    self._data_future.set_result(bytes(self._data_buf))
                    self._data_buf.clear()
                continue
            if self._hook is not None:
                data = self._hook(data)
                continue
            for ev in self.lines.feed(data):
                self._on_line(ev)
            return

    def _on_line(self, ev: CommandLine | BadLine) -> None:
        if isinstance(ev, CommandLine) and ev.text == b"":
            return  # a bare CR LF: nothing to do
        if self.busy:
            self._refuse_busy(ev)
            return
        if self.board.at.echo:
            self.board.emit(ev.raw, Kind.ECHO)
        if isinstance(ev, BadLine):
            self._start(None, ev.code, ev.reason)
            return
        try:
            cmd = parse_command(self.board.misread(decode_line(ev.text)))
        except AtError as e:
            self._start(None, e.code, e.reason)
            return
        self._start(cmd, None, "")

    def _refuse_busy(self, ev: CommandLine | BadLine) -> None:
        """3.17 ``busy p...``: the line is echoed like any other (ATE1), then, with AT+SYSLOG=1, the code of
        3.1.26 ESP_AT_SUB_CMD_PROCESSING and a blank line, then ``busy p...``; the line is dropped. Real
        boards print exactly that: espressif/esp-at issue #105 (v1.1, ``AT`` / ``ERR CODE:0x010b0000`` /
        blank / ``busy p...``) and #731 (2023, the echo of ``AT+CIPRECVDATA=0,654``, the same code, busy)."""
        if self.board.at.echo:
            self.board.emit(ev.raw, Kind.ECHO)
        if self.board.at.syslog:
            # ESP_AT_CMD_ERROR_CMD_PROCESSING ("a previous command is still being processed", esp_at_core.h)
            self.board.emit(f"{errors.format_err_code(errors.PROCESSING)}\r\n".encode(), Kind.RESPONSE)
        # "\r\nbusy p...\r\n" as at_user_cmd.c prints it: after the ERR CODE line that is the blank line #105
        # shows between them.
        self.board.emit(BUSY, Kind.BUSY)
        self.board.log(f"at-engine: busy, dropped {ev.raw[:40]!r}")

    def _start(self, cmd: ParsedCommand | None, code: int | None, reason: str) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(cmd, code, reason))

    # --- running a command -------------------------------------------------------------------------

    async def _run(self, cmd: ParsedCommand | None, code: int | None, reason: str) -> None:
        ctx = CommandContext(self.board, cmd or ParsedCommand("", Form.EXECUTE))
        self._current = ctx
        try:
            if cmd is None:
                raise AtError(code or errors.COMMON_ERROR, reason)
            self.commands_run += 1
            if not self.board.on_command(cmd):
                return  # the board restarts on this line, as after a crash: no answer
            definition = self.registry.get(cmd.name)
            if definition is None or not self.board.profile.has_command(cmd.name):
                raise AtError(errors.UNSUPPORTED, f"{cmd.name} is not a command of this firmware")
            handler = definition.handlers.get(cmd.form)
            if handler is None or not self.board.profile.has_form(cmd.name, cmd.form.value):
                raise AtError(errors.OP_ERROR, f"{cmd.name} has no {cmd.form.value} form")
            await handler(ctx)
            if not ctx.finished:
                ctx.ok()
        except AtError as e:
            self.board.log(f"at-engine: {ctx.name or 'line'}: {e}")
            if not ctx.finished:
                ctx.error(e.code)
        except asyncio.CancelledError:
            raise
        except Exception:  # a handler bug must not kill the board: log it, answer ERROR
            self.board.log("at-engine: handler crashed:\n" + traceback.format_exc())
            if not ctx.finished:
                ctx.error(errors.exec_fail())
        finally:
            self._cancel_read()
            self._current = None
            self.board.after_command(ctx)

    async def read_data(self, n: int, *, timeout: float | None = None) -> bytes | None:
        """Take the next n input bytes raw (data mode, after a ``>`` prompt)."""
        if n <= 0:
            return b""
        loop = asyncio.get_running_loop()
        self._data_need = n
        self._data_buf.clear()
        fut: asyncio.Future[bytes] = loop.create_future()
        self._data_future = fut
        pending = self.lines.pending  # bytes typed after the command line, before the prompt went out
        self.lines.reset()
        if pending:
            self.feed(pending)
        try:
            return await asyncio.wait_for(fut, timeout) if timeout is not None else await fut
        except TimeoutError:
            return None
        finally:
            self._data_future = None
            self._data_buf.clear()

    def _cancel_read(self) -> None:
        if self._data_future is not None and not self._data_future.done():
            self._data_future.cancel()
        self._data_future = None
        self._data_buf.clear()
