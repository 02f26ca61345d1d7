"""An in-process simulated board with an air file, for the Wi-Fi command tests (no process, real engine)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sim.board import Board
from sim.commands import load_all
from sim.identity import Identity
from sim.output import Kind
from sim.profile import Profile, load_profile
from sim.wifi.air import parse_air

FINAL = re.compile(rb"\r\n(OK|ERROR)\r\n")


class WifiBoard:
    def __init__(self, board: Board) -> None:
        self.board = board
        self.out = bytearray()
        self._changed = asyncio.Event()
        board.attach_output(self._on_output)

    def _on_output(self, data: bytes, kind: Kind) -> None:
        self.out += data
        self._changed.set()

    async def wait_for(self, pattern: bytes | re.Pattern[bytes], timeout: float = 10.0) -> bytes:
        """Wait until the output matches; return and consume everything up to the match's end."""
        rx = re.compile(re.escape(pattern)) if isinstance(pattern, bytes) else pattern

        async def _wait() -> bytes:
            while (m := rx.search(self.out)) is None:
                self._changed.clear()
                await self._changed.wait()
            data = bytes(self.out[: m.end()])
            del self.out[: m.end()]
            return data

        return await asyncio.wait_for(_wait(), timeout)

    async def cmd(self, line: str, timeout: float = 10.0) -> str:
        """Send a command; return its response text after the echo, up to and including the final result."""
        self.out.clear()
        self.board.feed(line.encode() + b"\r\n")
        data = await self.wait_for(FINAL, timeout)
        text = data.decode()
        echo = line + "\r\n"
        assert text.startswith(echo), text
        return text[len(echo) :]

    async def idle(self, seconds: float) -> str:
        """Whatever the board says unprompted during ``seconds``."""
        await asyncio.sleep(seconds)
        data = bytes(self.out)
        self.out.clear()
        return data.decode()

    async def reboot(self) -> None:
        self.out.clear()
        await self.board.reboot("test")
        await self.wait_for(b"ready\r\n")


@asynccontextmanager
async def wifi_board(
    air: dict[str, Any] | None = None,
    *,
    state_dir: Path | None = None,
    instance: int = 0,
    profile: Profile | None = None,
) -> AsyncIterator[WifiBoard]:
    load_all()
    with tempfile.TemporaryDirectory(prefix="sim-wifi-") as tmp:
        board = Board(
            profile or load_profile(),
            state_dir or Path(tmp),
            identity=Identity(instance=instance),
            air=parse_air(air) if air is not None else None,
        )
        wb = WifiBoard(board)
        await board.boot()
        await wb.wait_for(b"ready\r\n")
        try:
            yield wb
        finally:
            board.hold_reset()
