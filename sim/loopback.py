"""An in-memory board for tests: no process, no socket, no line-rate pacing.

    async with LoopbackBoard.start() as lb:
        out = await lb.command("AT+GMR")     # the bytes the board answered, up to its final result
        assert out.endswith(b"\\r\\nOK\\r\\n")

Used by the simulator's own tests and by the Wi-Fi / TCP/IP command groups' unit tests.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sim.board import Board
from sim.commands import load_all
from sim.identity import Identity
from sim.output import Kind
from sim.profile import Profile, load_profile

_FINAL = re.compile(rb"\r\n(OK|ERROR|SEND OK|SEND FAIL|SET OK)\r\n|busy p\.\.\.\r\n")


class LoopbackBoard:
    def __init__(self, board: Board) -> None:
        self.board = board
        self.out = bytearray()
        self.log: list[str] = []
        self._changed = asyncio.Event()
        board.attach_output(self._on_output)
        board.attach_log(self.log.append)

    def _on_output(self, data: bytes, kind: Kind) -> None:
        self.out += data
        self._changed.set()

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        state_dir: Path | None = None,
        *,
        instance: int = 0,
        faults: object = None,
        profile: Profile | None = None,
    ) -> AsyncIterator[LoopbackBoard]:
        load_all()
        with tempfile.TemporaryDirectory(prefix="sim-state-") as tmp:
            board = Board(
                profile or load_profile(),
                state_dir or Path(tmp),
                identity=Identity(instance=instance),
                faults=faults,
            )
            lb = cls(board)
            await board.boot()
            await lb.wait_for(b"ready\r\n")
            lb.out.clear()
            try:
                yield lb
            finally:
                board.hold_reset()

    def send(self, data: bytes) -> None:
        self.board.feed(data)

    async def wait_for(self, pattern: bytes | re.Pattern[bytes], timeout: float = 5.0) -> bytes:
        """Wait until the output so far matches; returns it (and keeps it)."""
        rx = re.compile(re.escape(pattern)) if isinstance(pattern, bytes) else pattern

        async def _wait() -> bytes:
            while rx.search(self.out) is None:
                self._changed.clear()
                await self._changed.wait()
            return bytes(self.out)

        return await asyncio.wait_for(_wait(), timeout)

    def take(self) -> bytes:
        data = bytes(self.out)
        self.out.clear()
        return data

    async def command(self, line: str | bytes, timeout: float = 5.0) -> bytes:
        """Send one line (CR LF added to a str) and return everything up to and including its final result."""
        self.out.clear()
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line)
        await self.wait_for(_FINAL, timeout)
        await asyncio.sleep(0)
        return self.take()
