"""The test's side of a board's wake-up pins: the GPIO the host drives to wake the board from light-sleep
(3.1 AT+SLEEPWKCFG), and the GPIO the board drives to wake the host MCU (3.14.4 AT+USERWKMCUCFG).

A test depends on :class:`WakePins` only. On a simulated board it is :class:`SimPins`, the simulator's side
channel: an input file the rig writes (``{"levels": {"<gpio>": 0|1}}``) and an output file the simulator
rewrites at each change of a pin it drives (``{"levels": ..., "changes": [[gpio, level], ...]}``; the air
file's ``pins:``, sim/wifi/air.py). A bench wires a GPIO of the host (or a second board, a logic analyser)
to the same pins and implements the same interface; without capability ``wake-gpio`` :func:`pins_of` gives
None and the tests that need a pin skip, saying so.

Which GPIOs are wired: :data:`WAKE_GPIO` (the host's line to the board: 3.1 AT+SLEEPWKCFG's example pin,
GPIO12) and :data:`MCU_WAKE_GPIO` (the board's line to the host: 3.14.4's example pin, GPIO18).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = ["MCU_WAKE_GPIO", "WAKE_GPIO", "SimPins", "WakePins", "pins_of", "sim_air_section"]

#: 3.1 AT+SLEEPWKCFG example: "GPIO12 wakeup, low level"
WAKE_GPIO = 12
#: 3.14.4 AT+USERWKMCUCFG example: "use the GPIO18 pin of the Wi-Fi module to wake up the MCU"
MCU_WAKE_GPIO = 18


@runtime_checkable
class WakePins(Protocol):
    def drive(self, gpio: int, level: int | None) -> None:
        """The host drives ``gpio`` of the board to ``level`` (None: lets it go)."""
        ...

    def board_changes(self) -> list[tuple[int, int]]:
        """Every level the board drove its own pins to since it booted, in order."""
        ...


def pins_of(board: object) -> WakePins | None:
    """The board's wake-up pins, None where the rig wires none (no capability ``wake-gpio``)."""
    pins = getattr(board, "wake_pins", None)
    return pins if isinstance(pins, WakePins) else None


def sim_air_section(pins: SimPins) -> dict[str, Any]:
    """The air file's ``pins:`` section for the side channel's two files."""
    return {"input_file": str(pins.input_file), "output_file": str(pins.output_file)}


class SimPins:
    """:class:`WakePins` over the simulator's two pin files."""

    def __init__(self, input_file: Path, output_file: Path) -> None:
        self.input_file = input_file
        self.output_file = output_file
        self._levels: dict[int, int] = {}

    def drive(self, gpio: int, level: int | None) -> None:
        if level is None:
            self._levels.pop(gpio, None)
        else:
            self._levels[gpio] = level
        # atomically: the simulator polls the file and must never read half of it
        tmp = self.input_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"levels": {str(k): v for k, v in self._levels.items()}}), encoding="utf-8")
        os.replace(tmp, self.input_file)

    def board_changes(self) -> list[tuple[int, int]]:
        try:
            doc = json.loads(self.output_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [(int(g), int(v)) for g, v in doc.get("changes", [])]

    def clear(self) -> None:
        """Before the simulator starts: nothing driven, nothing seen from an earlier process."""
        self._levels.clear()
        for path in (self.input_file, self.output_file):
            path.unlink(missing_ok=True)
