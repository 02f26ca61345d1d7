"""The peripherals wired to a board for the 3.12 driver commands, as the rig knows them.

The suite's expectations come from here (what the device holds, which address answers, what voltage the
source gives), never from what a board prints back. Each kind says how its other side is observed
(``observer``): ``sim`` is the simulator's side channel (only for simulated boards: rigs/boards/periph.py),
``none`` a bench with nothing to watch the bus (the tests then check only the AT side and say so). A bench
with a logic analyser or a second board names it here once a driver for it exists.

    peripherals:
      observer: sim
      i2c:                       # capability i2c-device
        - {port: 0, scl: 25, sda: 26, clock: 100000, address: 0x34, registers: "00112233"}
      spi:                       # capability spi-device
        {mosi: 13, miso: 12, sclk: 14, cs: 15, kind: memory, size: 4096, fill: 0xff}
      adc:                       # capability adc-source
        - {channel: 0, millivolts: 475.12}
      pwm: {gpios: [17, 16, 18, 19]}   # capability pwm-observer
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import StrictModel, int_in, number_in

#: ESP32 GPIO numbers; 34..39 are input only (no SCL, SDA, MOSI, SCLK or LEDC output there).
Gpio = Annotated[int, int_in(0, 39)]
OutputGpio = Annotated[int, int_in(0, 33)]


class I2cPeer(StrictModel):
    """An I2C device on the board's bus (3.12.6-3.12.9): a register file behind a 7-bit or 10-bit address."""

    port: Annotated[int, int_in(0, 1)] = 0
    scl: OutputGpio
    sda: OutputGpio
    #: the clock the tests initialise the bus with (3.12.6: at most 1 MHz)
    clock: Annotated[int, int_in(1, 1_000_000)] = 100_000
    #: 0..0x7F, or the 10-bit form of 3.12.7 (0x7800 | address: 1111 0XX then the low byte)
    address: int
    #: the device's registers from register 0, as hex: a write's first byte selects the register
    registers: str = ""

    @field_validator("address")
    @classmethod
    def _address(cls, value: int) -> int:
        if not (0 <= value <= 0x7F or 0x7800 <= value <= 0x7BFF):
            raise PydanticCustomError(
                "i2c_address", "expected a 7-bit address 0..0x7f or a 10-bit one 0x7800..0x7bff (3.12.7)"
            )
        return value

    @field_validator("registers")
    @classmethod
    def _hex(cls, value: str) -> str:
        try:
            bytes.fromhex(value)
        except ValueError:
            raise PydanticCustomError("hex", "expected an even number of hex digits") from None
        return value.lower()

    @model_validator(mode="after")
    def _pins(self) -> I2cPeer:
        if self.scl == self.sda:
            raise PydanticCustomError("i2c_pins", "scl and sda must be different GPIOs")
        return self

    @property
    def register_bytes(self) -> bytes:
        return bytes.fromhex(self.registers)


class SpiPeer(StrictModel):
    """The SPI device (3.12.10-3.12.13): a memory addressed by a transaction's address phase, or a
    loopback whose MISO repeats the last bytes written."""

    mosi: OutputGpio
    miso: Gpio | Literal[-1] = -1
    sclk: OutputGpio
    cs: OutputGpio | Literal[-1] = -1
    kind: Literal["memory", "loopback"] = "memory"
    size: Annotated[int, int_in(1, 1 << 24)] = 4096
    fill: Annotated[int, int_in(0, 255)] = 0xFF


class AdcSource(StrictModel):
    """A voltage on an ADC1 channel (3.12.2: channels 0..7 on ESP32)."""

    channel: Annotated[int, int_in(0, 7)]
    millivolts: Annotated[float, number_in(0, 3300, "mV")]
    #: how far a reading may be from the 3.12.2 conversion of ``millivolts``, in raw counts: the guide
    #: states no accuracy; a bench sets what its source and its module's ADC allow (the simulator is exact)
    tolerance_raw: Annotated[int, int_in(0, 4095)] = 0


class PwmPeer(StrictModel):
    """The LEDC outputs the tests drive (3.12.3: at most 4 channels)."""

    gpios: list[OutputGpio] = Field(min_length=1, max_length=4)


#: capability -> the section of ``peripherals`` that must declare the device
PERIPHERAL_CAPABILITIES: dict[str, str] = {
    "i2c-device": "i2c",
    "spi-device": "spi",
    "adc-source": "adc",
    "pwm-observer": "pwm",
}


class BoardPeripherals(StrictModel):
    observer: Literal["sim", "none"] = "none"
    i2c: list[I2cPeer] = Field(default_factory=list)
    spi: SpiPeer | None = None
    adc: list[AdcSource] = Field(default_factory=list)
    pwm: PwmPeer | None = None

    def declares(self, section: str) -> bool:
        value: Any = getattr(self, section)
        return bool(value)

    @model_validator(mode="after")
    def _unique(self) -> BoardPeripherals:
        seen = [(d.port, d.address) for d in self.i2c]
        if len(set(seen)) != len(seen):
            raise PydanticCustomError("i2c_unique", "two I2C devices share a port and an address")
        channels = [s.channel for s in self.adc]
        if len(set(channels)) != len(channels):
            raise PydanticCustomError("adc_unique", "two ADC sources on one channel")
        return self


__all__ = [
    "PERIPHERAL_CAPABILITIES",
    "AdcSource",
    "BoardPeripherals",
    "I2cPeer",
    "PwmPeer",
    "SpiPeer",
]
