"""The ``peripherals:`` section of the air file (sim/README.md, "Scripted peripherals").

    peripherals:
      observe_file: periph.json        # what the devices saw: the simulator rewrites it after every change
      source_file: sources.json        # the test's side: {"adc": {"<channel>": <millivolts>}}, read at each
                                       # AT+DRVADC (the voltage source a bench turns by hand)
      i2c:
        - {port: 0, address: 0x34, registers: "00112233"}   # 7-bit, or 10-bit as 0x7800 | addr (3.12.7)
      spi: {kind: memory, size: 4096, fill: 0xff}           # or kind: loopback
      adc:
        - {channel: 0, millivolts: 475}

A relative ``observe_file`` or ``source_file`` is taken relative to the board's state directory. The two files
are the peripherals' side channel: the rig's board driver (rigs/boards/periph.py) writes the sources and
reads the observations, where a bench would turn a voltage source and read a logic analyser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from sim.validate import Check


def _address(value: int) -> int:
    if not (0 <= value <= 0x7F or 0x7800 <= value <= 0x7BFF):
        raise ValueError(f"expected a 7-bit address 0..0x7f or a 10-bit one 0x7800..0x7bff, got {value:#x}")
    return value


def _hex(value: str) -> str:
    try:
        bytes.fromhex(value)
    except ValueError as exc:
        raise ValueError(f"expected an even number of hex digits, got {value!r}") from exc
    return value.lower()


@dataclass(frozen=True, kw_only=True)
class I2cDevice:
    port: Annotated[int, Check(ge=0, le=1)] = 0
    #: 0..0x7F (7-bit) or 0x7800..0x7BFF (the 10-bit form of 3.12.7: 1111 0XX then the low byte).
    address: Annotated[int, Check(then=_address)]
    #: The device's register file as hex; a write's first byte selects the register, reads auto-increment.
    registers: Annotated[str, Check(then=_hex)] = ""


@dataclass(frozen=True, kw_only=True)
class SpiDevice:
    #: memory: <addr> picks a byte of a memory of ``size`` bytes; loopback: MISO repeats the last MOSI bytes.
    kind: Literal["memory", "loopback"] = "memory"
    size: Annotated[int, Check(ge=1, le=1 << 24)] = 4096
    fill: Annotated[int, Check(ge=0, le=255)] = 0xFF


@dataclass(frozen=True, kw_only=True)
class AdcChannel:
    channel: Annotated[int, Check(ge=0, le=9)]
    millivolts: Annotated[float, Check(ge=0, le=3300)]


@dataclass(frozen=True, kw_only=True)
class Peripherals:
    observe_file: str | None = None
    source_file: str | None = None
    i2c: list[I2cDevice] = field(default_factory=list)
    spi: SpiDevice | None = None
    adc: list[AdcChannel] = field(default_factory=list)
