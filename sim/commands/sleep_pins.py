"""Light-sleep on the AT port (3.1 AT+SLEEP=2 with AT+SLEEPWKCFG's wake-up GPIO; the rule: sim/power.py)
and the pins' side channel (the air file's ``pins:``, sim/wifi/air.py ``Pins``).

The host's levels come from ``pins.input_file``, polled every :data:`POLL_S` while light-sleep is set (in any
other sleep mode no level puts the chip to sleep or wakes it: the watcher then waits for the next AT+SLEEP or
AT+SLEEPWKCFG, so an idle board does not wake 50 times a second, issue 23); the board's own outputs (the
MCU wake-up pin of 3.14.4 AT+USERWKMCUCFG, sim/commands/user_wake.py) go to ``pins.output_file`` through
:func:`drive`. A pin put at the wake-up level takes ``pins.wake_latency_s`` to wake the chip.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from sim.board import Board, on_boot
from sim.commands.basic import BasicRuntime
from sim.commands.system import SystemRuntime
from sim.power import LIGHT_SLEEP, light_sleeping

__all__ = ["drive", "host_levels", "update"]

#: How often the host's levels are read.
POLL_S = 0.02


class PinsRuntime:
    """Per boot: the levels the board drives and their changes since power-on of this boot."""

    def __init__(self) -> None:
        self.levels: dict[int, int] = {}
        self.changes: list[tuple[int, int]] = []
        #: set by AT+SLEEP / AT+SLEEPWKCFG ("sleep_config"): the watcher looks at the sleep mode again
        self.config_changed = asyncio.Event()


def _path(board: Board, name: str | None) -> Path | None:
    if name is None:
        return None
    p = Path(name)
    return p if p.is_absolute() else board.state_dir / p


def host_levels(board: Board) -> dict[int, int]:
    """The levels the host drives now; a missing or half-written file drives nothing."""
    pins = board.air.pins if board.air is not None else None
    path = _path(board, pins.input_file if pins else None)
    if path is None:
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): int(v) for k, v in doc.get("levels", {}).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def update(board: Board, *, ending: bool = False) -> None:
    """Put the chip to light-sleep or wake it, as sim/power.py decides for the levels now; ``ending``: from
    the handler of a command whose final result is all that is left to send."""
    asleep = light_sleeping(
        board.runtime(BasicRuntime).sleep,
        board.runtime(SystemRuntime).wakeup,
        host_levels(board),
        board.engine.current is not None and not ending,
    )
    if asleep != board.light_sleeping:
        board.log("light-sleep: " + ("asleep" if asleep else "awake"))
    board.light_sleeping = asleep


def drive(board: Board, gpio: int, level: int) -> None:
    """The board drives ``gpio`` to ``level``: recorded, and written to the output file (atomically)."""
    rt = board.runtime(PinsRuntime)
    rt.levels[gpio] = level
    rt.changes.append((gpio, level))
    board.log(f"gpio{gpio}: {level}")
    pins = board.air.pins if board.air is not None else None
    path = _path(board, pins.output_file if pins else None)
    if path is None:
        return
    doc: dict[str, Any] = {"levels": {str(k): v for k, v in rt.levels.items()}, "changes": rt.changes}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)


async def _watch(board: Board) -> None:
    pins = board.air.pins if board.air is not None else None
    latency = pins.wake_latency_s if pins is not None else 0.0
    rt = board.runtime(PinsRuntime)
    while True:
        if board.runtime(BasicRuntime).sleep != LIGHT_SLEEP:
            update(board)  # awake whatever the levels (sim/power.py): nothing to poll until the mode changes
            rt.config_changed.clear()
            await rt.config_changed.wait()
            continue
        levels = host_levels(board)
        if board.light_sleeping and not light_sleeping(
            board.runtime(BasicRuntime).sleep, board.runtime(SystemRuntime).wakeup, levels, False
        ):
            await asyncio.sleep(latency)  # the wake-up itself takes a moment
        update(board)
        await asyncio.sleep(POLL_S)


@on_boot
def _boot(board: Board) -> None:
    def start(**_: Any) -> None:
        board.spawn(_watch(board))

    board.events.on("ready", start)
    # AT+SLEEP=2 and AT+SLEEPWKCFG take effect at once: the next byte after their OK may already be lost
    board.events.on("sleep_config", lambda **_: _config_changed(board))


def _config_changed(board: Board) -> None:
    update(board, ending=True)
    board.runtime(PinsRuntime).config_changed.set()
