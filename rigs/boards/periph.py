"""The test's side of a board's peripherals (3.12): what an I2C or SPI device received, the duty and fade
each LEDC output shows, and the voltage on an ADC channel.

A test depends on :class:`PeripheralObserver` only. On a simulated board it is :class:`SimPeripherals`: the
simulator's side channel, two files the air file names (sim/periph/schema.py): the simulator rewrites the
observe file before each driver command's final result, and reads the source file at each AT+DRVADC. On a
bench an instrument (a logic analyser, a second board, a programmable supply) would implement the same
interface; with ``peripherals.observer: none`` there is none (:func:`observer_of` gives None) and the tests
check the AT side alone.

What the devices hold to begin with, which address answers and which GPIOs are wired is the rig's
(rigs/model/peripherals.py); the air file gets the same values from it (:func:`sim_air_section`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rigs.boards.base import BoardError
from rigs.model.peripherals import BoardPeripherals


@dataclass(frozen=True, slots=True)
class I2cSeen:
    """What one I2C device saw: each write transfer's bytes (register first), its registers now, and how
    many read transfers it answered."""

    writes: tuple[bytes, ...]
    registers: bytes
    reads: int


@dataclass(frozen=True, slots=True)
class SpiTransfer:
    """One SPI write transaction (3.12.13): the command and address phases (None when their length was 0)
    and the data bytes."""

    cmd: int | None
    addr: int | None
    data: bytes


@dataclass(frozen=True, slots=True)
class PwmOutput:
    gpio: int
    duty: int
    #: the last AT+DRVPWMFADE's target and time for this output, None when no fade was asked since the
    #: last AT+DRVPWMDUTY
    fade_target: int | None
    fade_time_ms: int | None


@dataclass(frozen=True, slots=True)
class PwmSeen:
    """The LEDC timer (None before AT+DRVPWMINIT) and each output in channel order."""

    freq: int | None
    duty_res: int | None
    outputs: tuple[PwmOutput, ...]


@runtime_checkable
class PeripheralObserver(Protocol):
    def i2c(self, port: int, address: int) -> I2cSeen:
        """BoardError when the rig declares no such device."""
        ...

    def spi_writes(self) -> tuple[SpiTransfer, ...]: ...

    def pwm(self) -> PwmSeen: ...

    def set_adc(self, channel: int, millivolts: float) -> None:
        """Put ``millivolts`` on ADC1 channel ``channel`` for the next conversions."""
        ...


def observer_of(board: object) -> PeripheralObserver | None:
    """The board's peripheral observer, None where nothing observes them (``observer: none``)."""
    observer = getattr(board, "peripheral_observer", None)
    return observer if isinstance(observer, PeripheralObserver) else None


def sim_air_section(
    peripherals: BoardPeripherals, observe_file: Path | None, source_file: Path | None
) -> dict[str, Any]:
    """The air file's ``peripherals:`` section (sim/periph/schema.py) for the rig's devices."""
    doc: dict[str, Any] = {
        "i2c": [{"port": d.port, "address": d.address, "registers": d.registers} for d in peripherals.i2c],
        "adc": [{"channel": s.channel, "millivolts": s.millivolts} for s in peripherals.adc],
    }
    if peripherals.spi is not None:
        spi = peripherals.spi
        doc["spi"] = {"kind": spi.kind, "size": spi.size, "fill": spi.fill}
    if observe_file is not None:
        doc["observe_file"] = str(observe_file)
    if source_file is not None:
        doc["source_file"] = str(source_file)
    return doc


class SimPeripherals:
    """:class:`PeripheralObserver` over the simulator's observe and source files."""

    def __init__(self, observe_file: Path, source_file: Path, board_id: str) -> None:
        self.observe_file = observe_file
        self.source_file = source_file
        self.board_id = board_id

    def clear(self) -> None:
        """Before the simulator starts: no file from an earlier process may stand for this one."""
        for path in (self.observe_file, self.source_file):
            path.unlink(missing_ok=True)

    def _snapshot(self) -> dict[str, Any]:
        try:
            text = self.observe_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BoardError(
                f"board {self.board_id}: the simulator wrote no peripheral observations to "
                f"{self.observe_file} (is the board booted with peripherals in its air file?)"
            ) from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BoardError(f"board {self.board_id}: {self.observe_file}: not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise BoardError(f"board {self.board_id}: {self.observe_file}: expected an object, got {doc!r}")
        return doc

    def i2c(self, port: int, address: int) -> I2cSeen:
        devices = self._snapshot().get("i2c", {})
        dev = devices.get(f"{port}:{address:#x}")
        if dev is None:
            raise BoardError(
                f"board {self.board_id}: no I2C device {address:#x} on port {port}; the simulator has "
                f"{sorted(devices)}"
            )
        return I2cSeen(
            tuple(bytes.fromhex(w) for w in dev["writes"]), bytes.fromhex(dev["registers"]), int(dev["reads"])
        )

    def spi_writes(self) -> tuple[SpiTransfer, ...]:
        return tuple(
            SpiTransfer(w["cmd"], w["addr"], bytes.fromhex(w["data"]))
            for w in self._snapshot().get("spi", {}).get("writes", [])
        )

    def pwm(self) -> PwmSeen:
        pwm = self._snapshot().get("pwm", {})
        return PwmSeen(
            pwm.get("freq"),
            pwm.get("duty_res"),
            tuple(
                PwmOutput(c["gpio"], c["duty"], c["fade_target"], c["fade_time_ms"])
                for c in pwm.get("channels", [])
            ),
        )

    def set_adc(self, channel: int, millivolts: float) -> None:
        try:
            doc = json.loads(self.source_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            doc = {"adc": {}}
        doc.setdefault("adc", {})[str(channel)] = millivolts
        tmp = self.source_file.with_suffix(self.source_file.suffix + ".tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        tmp.replace(self.source_file)


__all__ = [
    "I2cSeen",
    "PeripheralObserver",
    "PwmOutput",
    "PwmSeen",
    "SimPeripherals",
    "SpiTransfer",
    "observer_of",
    "sim_air_section",
]
