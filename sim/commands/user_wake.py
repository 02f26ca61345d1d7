"""3.14.4 AT+USERWKMCUCFG in effect: before the board actively sends data to a sleeping MCU (the reports of
3.17), it wakes it, on the configured GPIO or with the wake-up byte on UART1, and waits.

"If MCU is in sleep state and AT is ready to actively send the data to MCU ..., AT will send wake signals to
wake it up first and then send the data" (3.14.4): a GPIO is held at <wake signal> during <delay time>, then
reversed; a wake-up byte is sent at once. The data goes out when <delay time> ends, or earlier when a wake-up
event of <check mcu awake method> comes (bit 0: AT+USERMCUSLEEP=0). Nothing is held while a command runs
(its response is not sent actively) or while the MCU is awake. The pin's levels go to the side channel
(sim/commands/sleep_pins.py ``drive``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sim.board import Board, on_boot
from sim.commands.sleep_pins import drive
from sim.commands.user import UserRuntime
from sim.output import Kind

__all__ = ["WakeGate", "mcu_woken"]

#: output that is sent actively, so the MCU must be awake for it
_ACTIVE = frozenset({Kind.URC, Kind.DATA})


class WakeGate:
    """The board's output gate (:attr:`sim.board.Board.output_gate`) while a wake-up configuration exists."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self.held: list[tuple[bytes, Kind, str | None]] = []
        self.flushing = False
        self.woken = asyncio.Event()
        self.task: asyncio.Task[Any] | None = None

    def __call__(self, data: bytes, kind: Kind, command: str | None) -> bool:
        rt = self.board.runtime(UserRuntime)
        if self.flushing or rt.wake is None or not rt.mcu_asleep:
            return False
        if not self.held and (self.board.engine.current is not None or kind not in _ACTIVE):
            return False
        self.held.append((data, kind, command))
        if self.task is None:
            self.woken.clear()
            self.task = self.board.spawn(self._wake(rt.wake))
        return True

    async def _wake(self, wake: tuple[int, int, int, int, int, int]) -> None:
        _, mode, number, signal, delay_ms, _check = wake
        if mode == 1:
            drive(self.board, number, signal)
        else:
            self.board.raw_output(bytes([signal]), Kind.DATA)  # the wake-up byte on UART1, the AT port
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.woken.wait(), delay_ms / 1000)
        if mode == 1:
            drive(self.board, number, 1 - signal)  # "the <wake signal> level is reversed"
        while self.board.engine.current is not None:  # woken by a command: after its response
            await asyncio.sleep(0.005)
        self.flushing = True
        try:
            held, self.held = self.held, []
            for data, kind, command in held:
                self.board.emit(data, kind, command=command)
        finally:
            self.flushing = False
            self.task = None


def mcu_woken(board: Board) -> None:
    """A wake-up event of <check mcu awake method> (AT+USERMCUSLEEP=0 with bit 0): the wait ends."""
    gate = board.output_gate
    if isinstance(gate, WakeGate):
        gate.woken.set()


@on_boot
def _boot(board: Board) -> None:
    board.output_gate = WakeGate(board)
    board.events.on("mcu_awake", lambda **_: mcu_woken(board))
