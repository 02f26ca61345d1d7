"""What the scripted peripherals do and what a test can observe of them (3.12). Sans-IO: the command
handlers of sim/commands/driver.py drive it, :meth:`PeripheralBench.snapshot` is what the side channel
(the ``observe_file``) carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.periph.schema import Peripherals

#: 3.12.2 <atten> on ESP32: the top of the effective measurement range in mV for 0, 2.5, 6 and 11 dB. The
#: guide's example converts a raw value as raw / 4095 * <top> (2048 at 0 dB is 475.12 mV).
ADC_TOP_MV = {0: 950, 1: 1250, 2: 1750, 3: 2450}
ADC_FULL_SCALE = 4095


def adc_raw(millivolts: float, atten: int) -> int:
    """The 12-bit reading of ``millivolts`` at ``atten``, clamped to the converter's range."""
    return max(0, min(ADC_FULL_SCALE, round(millivolts / ADC_TOP_MV[atten] * ADC_FULL_SCALE)))


class Nack(Exception):
    """No device acknowledged the address (the transfer fails: ERROR)."""


@dataclass
class I2cTarget:
    address: int
    registers: bytearray
    pointer: int = 0
    writes: list[str] = field(default_factory=list)
    reads: int = 0


@dataclass
class PwmChannel:
    gpio: int
    duty: int = 0
    fade_target: int | None = None
    fade_time_ms: int | None = None


@dataclass
class PeripheralBench:
    """The board's buses and channels for one boot."""

    config: Peripherals
    i2c_ports: dict[int, bool] = field(default_factory=dict)
    i2c: dict[tuple[int, int], I2cTarget] = field(default_factory=dict)
    spi_memory: bytearray = field(default_factory=bytearray)
    spi_last: bytes = b""
    spi_writes: list[dict[str, Any]] = field(default_factory=list)
    pwm_freq: int | None = None
    pwm_duty_res: int | None = None
    pwm: list[PwmChannel] = field(default_factory=list)
    #: The voltage on each ADC1 channel (mV): the air file's, then what the source file says.
    adc_mv: dict[int, float] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Peripherals | None) -> PeripheralBench:
        config = config or Peripherals()
        bench = cls(config)
        for dev in config.i2c:
            bench.i2c[(dev.port, dev.address)] = I2cTarget(dev.address, bytearray.fromhex(dev.registers))
        if config.spi is not None:
            bench.spi_memory = bytearray([config.spi.fill]) * config.spi.size
        bench.adc_mv = {ch.channel: ch.millivolts for ch in config.adc}
        return bench

    # ADC (3.12.2)
    def adc_read(self, channel: int, atten: int) -> int:
        # an unconnected channel reads as ground
        return adc_raw(self.adc_mv.get(channel, 0.0), atten)

    def apply_sources(self, doc: Any) -> None:
        """Take the source file's voltages, ``{"adc": {"<channel>": <millivolts>}}``; ValueError naming what
        is wrong (the file is the test's, so a mistake in it is the test's)."""
        adc = doc.get("adc", {}) if isinstance(doc, dict) else None
        if not isinstance(adc, dict):
            raise ValueError(f'expected {{"adc": {{"<channel>": <millivolts>}}}}, got {doc!r}')
        for key, mv in adc.items():
            if not (str(key).isdigit() and 0 <= int(key) <= 9):
                raise ValueError(f"adc: expected a channel number 0..9, got {key!r}")
            if isinstance(mv, bool) or not isinstance(mv, int | float) or not 0 <= mv <= 3300:
                raise ValueError(f"adc.{key}: expected millivolts in [0, 3300], got {mv!r}")
            self.adc_mv[int(key)] = float(mv)

    # I2C (3.12.6-3.12.9)
    def _target(self, port: int, address: int) -> I2cTarget:
        target = self.i2c.get((port, address))
        if target is None:
            raise Nack(f"no device acknowledges address {address:#x} on I2C{port}")
        return target

    def i2c_write(self, port: int, address: int, data: bytes) -> None:
        """A write transfer: the first byte selects the register, the others are stored from there."""
        target = self._target(port, address)
        target.writes.append(data.hex())
        if not data:
            return
        target.pointer = data[0]
        for offset, byte in enumerate(data[1:]):
            where = target.pointer + offset
            if where >= len(target.registers):
                target.registers.extend(b"\x00" * (where + 1 - len(target.registers)))
            target.registers[where] = byte

    def i2c_read(self, port: int, address: int, length: int) -> bytes:
        """A read transfer from the selected register on (auto-increment); past the file: 0xff."""
        target = self._target(port, address)
        target.reads += 1
        out = bytes(
            target.registers[i] if i < len(target.registers) else 0xFF
            for i in range(target.pointer, target.pointer + length)
        )
        target.pointer += length
        return out

    # SPI (3.12.10-3.12.13)
    def spi_write(self, cmd: int | None, addr: int | None, data: bytes) -> None:
        self.spi_writes.append({"cmd": cmd, "addr": addr, "data": data.hex()})
        self.spi_last = data
        if self.config.spi is not None and self.config.spi.kind == "memory" and addr is not None:
            for i, byte in enumerate(data):
                self.spi_memory[(addr + i) % len(self.spi_memory)] = byte

    def spi_read(self, cmd: int | None, addr: int | None, length: int) -> bytes:
        spi = self.config.spi
        if spi is None:
            return b"\xff" * length  # MISO pulled up with nothing on the bus
        if spi.kind == "loopback":
            return (self.spi_last + b"\xff" * length)[:length]
        start = addr or 0
        return bytes(self.spi_memory[(start + i) % len(self.spi_memory)] for i in range(length))

    # LEDC (3.12.3-3.12.5)
    def pwm_init(self, freq: int, duty_res: int, gpios: list[int]) -> None:
        self.pwm_freq, self.pwm_duty_res = freq, duty_res
        self.pwm = [PwmChannel(g) for g in gpios]

    def snapshot(self) -> dict[str, Any]:
        """What the side channel shows: each device's received bytes and registers, each channel's duty."""
        return {
            "i2c": {
                f"{port}:{t.address:#x}": {
                    "registers": t.registers.hex(),
                    "writes": t.writes,
                    "reads": t.reads,
                }
                for (port, _), t in self.i2c.items()
            },
            "spi": {"writes": self.spi_writes},
            "pwm": {
                "freq": self.pwm_freq,
                "duty_res": self.pwm_duty_res,
                "channels": [
                    {
                        "gpio": c.gpio,
                        "duty": c.duty,
                        "fade_target": c.fade_target,
                        "fade_time_ms": c.fade_time_ms,
                    }
                    for c in self.pwm
                ],
            },
        }
