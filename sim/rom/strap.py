"""The auto-reset circuit of an ESP32 dev board, and the boot mode the chip latches when EN rises.

Two transistors join the USB bridge's DTR and RTS to GPIO0 and EN, each inverted (esptool docs,
advanced-topics/boot-mode-selection, "Automatic Bootloader"): EN is low while RTS is asserted and DTR is
not; GPIO0 is low while DTR is asserted and RTS is not. With both asserted (or both released) neither pin
is driven.

The chip reads its strapping pins as it leaves reset: GPIO0 low then is the UART download mode (the ROM
loader), high the normal SPI flash boot. esptool's classic reset asserts RTS (EN low), then asserts DTR and
releases RTS one after the other, and holds DTR 50 ms more (esp_pylib ``classic_bootloader_reset``:
"IO0=LOW", then "EN=HIGH"). Between the two writes both lines are asserted, EN is no longer driven and
GPIO0 is still high: a real board does not boot there because the RC network on EN takes milliseconds to
rise. Here EN counts as risen :data:`EN_RISE_S` after it is released, and GPIO0 low at any time in between
makes it a download boot. A pulse on RTS alone (esptool's hard reset, the rig's ``reset: rts``) is a
normal boot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: How long EN takes to rise after the bridge stops driving it low. esptool keeps GPIO0 low for 50 ms
#: after it releases EN (``DEFAULT_RESET_DELAY``); the loopback round trip between its two line writes is
#: far shorter, also on a loaded host.
EN_RISE_S = 0.05


class BootMode(Enum):
    FLASH = "SPI_FAST_FLASH_BOOT"
    DOWNLOAD = "DOWNLOAD_BOOT"


@dataclass
class Lines:
    en_low: bool
    gpio0_low: bool


def pins(dtr: bool, rts: bool) -> Lines:
    """What the transistors make of the bridge's lines."""
    return Lines(en_low=rts and not dtr, gpio0_low=dtr and not rts)


class AutoReset:
    """Feed it the host's DTR/RTS changes with the time; it says when the chip goes into reset and which
    boot mode it comes out in. Sans-IO: the caller runs the clock (``rise_due`` says when to call
    :meth:`risen`)."""

    def __init__(self) -> None:
        self.en_low = False
        self.gpio0_low = False
        self._rising_since: float | None = None
        self._gpio0_seen_low = False

    def lines(self, dtr: bool, rts: bool, now: float) -> str | None:
        """A change of the host's lines; returns ``"reset"`` when EN went low (the chip stops), ``"rising"``
        when EN was released (call :meth:`risen` at ``rise_due``), else None."""
        p = pins(dtr, rts)
        self.gpio0_low = p.gpio0_low
        if p.en_low and not self.en_low:
            self.en_low = True
            self._rising_since = None
            return "reset"
        if not p.en_low and self.en_low:
            self.en_low = False
            self._rising_since = now
            self._gpio0_seen_low = p.gpio0_low
            return "rising"
        if self._rising_since is not None and p.gpio0_low:
            self._gpio0_seen_low = True
        return None

    @property
    def rise_due(self) -> float | None:
        return None if self._rising_since is None else self._rising_since + EN_RISE_S

    def risen(self) -> BootMode | None:
        """EN has risen: the boot mode latched from GPIO0 (None if EN went low again meanwhile)."""
        if self._rising_since is None:
            return None
        self._rising_since = None
        low = self._gpio0_seen_low or self.gpio0_low
        return BootMode.DOWNLOAD if low else BootMode.FLASH
