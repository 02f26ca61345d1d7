"""``flash:`` of a rig board: where its ROM loader listens and which firmware a nightly run writes to it.

On ESP32 development boards the ROM loader speaks on UART0, the port the USB bridge with the DTR/RTS
auto-reset circuit is wired to; ESP-AT's AT port is UART1 (Get_Started/Hardware_connection.rst). So the
loader's port defaults to the board's log port (UART0), and to its AT port only when the rig names no log
port. The image layout comes from the guide's download.config (Get_Started/Downloading_guide.rst); the
writing is done by tools/flash.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import Baud, StrictModel

__all__ = ["FLASH_CHIPS", "FlashOptions"]

#: Chips whose factory layout the guide documents (Get_Started/Downloading_guide.rst, download.config).
FLASH_CHIPS = ("esp32", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32c61", "esp32s2")


class FlashOptions(StrictModel):
    """How tools/flash.py reaches a board's ROM loader and what it writes there."""

    #: An image (a factory_XXX.bin, written at 0x0) or a manifest (the build's download.config or
    #: flasher_args.json); relative to the rig file's folder. None: the rig names no firmware to write.
    image: Path | None = None
    #: The ROM loader's port (a device or pyserial URL); default: the log port (UART0), else the AT port.
    port: str | None = None
    #: The chip the board carries; an image built for another chip is refused.
    chip: Literal["esp32", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32c61", "esp32s2"] = "esp32"
    #: The rate esptool switches to once its stub runs (the ROM loader starts at 115200).
    baud: Baud = 460800
    #: ``default-reset``: the DTR/RTS auto-reset circuit puts the chip in its ROM loader (as esptool does);
    #: ``no-reset``: someone holds BOOT (GPIO0) low and pulses EN by hand or by a fixture.
    before: Literal["default-reset", "no-reset"] = "default-reset"
    #: True only for a mock ROM loader (esp32-mock-bootloader in CI): it keeps bytes and boots nothing, so
    #: the suite's own test images may be written to it. A real board refuses them.
    test_images: bool = False
    #: Write the image in the fixtures, before the session opens the board (each worker its own board),
    #: instead of only when ``./run nightly`` or ``python -m tools.flash`` is run.
    before_session: bool = False

    @field_validator("port")
    @classmethod
    def _port(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise PydanticCustomError("flash_port", "expected a device path or a pyserial URL")
        return value
