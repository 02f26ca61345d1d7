"""The board's SPI NOR flash as one file, ``<state_dir>/spi_flash.bin``: what the ROM loader writes and the
boot reads the app from (sim/firmware.py). The file is created on the first write, all 0xFF (erased NOR
flash reads as ones); until then the board boots the firmware it was started with.

The emulated NVS, mfg_nvs and user partitions (sim/flash.py, sim/partitions.py) are kept apart, as typed
files: what AT commands store does not land in this image, and what esptool writes to their offsets does
not reach them. The image holds the firmware (bootloader, partition table, apps), which is what flashing
changes.
"""

from __future__ import annotations

from pathlib import Path

#: ESP32-WROOM-32: 4 MB (Get_Started/Downloading_guide.rst: ``--flash_size 4MB`` in download.config).
FLASH_SIZE = 4 * 1024 * 1024
SECTOR = 0x1000
#: The JEDEC id the flash answers RDID (0x9F) with: manufacturer 0xC8 (GigaDevice), memory type 0x40,
#: capacity 0x16 (2^22 bytes = 4 MB). esptool reads the size from the capacity byte
#: (``DETECTED_FLASH_SIZES[0x16] == "4MB"``, esptool/cmds.py ``detect_flash_size``).
JEDEC_ID = bytes([0xC8, 0x40, 0x16])


class FlashRangeError(ValueError):
    """An access past the end of the flash."""


class SpiFlash:
    def __init__(self, path: Path, size: int = FLASH_SIZE) -> None:
        self.path = path
        self.size = size

    @property
    def written(self) -> bool:
        """Whether anything was ever written (a board never flashed boots its launch firmware)."""
        return self.path.exists()

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise FlashRangeError(f"{offset:#x}+{length:#x} is past the end of the {self.size:#x}-byte flash")

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("wb") as f:
            f.write(b"\xff" * self.size)

    def read(self, offset: int, length: int) -> bytes:
        self._check(offset, length)
        if not self.written:
            return b"\xff" * length
        with self.path.open("rb") as f:
            f.seek(offset)
            return f.read(length)

    def erase(self, offset: int, length: int) -> None:
        """Erase whole sectors covering ``offset .. offset + length`` (NOR flash erases 4 KB sectors)."""
        start = offset - offset % SECTOR
        end = -(-(offset + length) // SECTOR) * SECTOR
        self._check(start, end - start)
        if not self.written:
            self._create()
        with self.path.open("r+b") as f:
            f.seek(start)
            f.write(b"\xff" * (end - start))

    def write(self, offset: int, data: bytes) -> None:
        """Program ``data``: NOR flash only clears bits, so the result is the AND of old and new."""
        self._check(offset, len(data))
        if not self.written:
            self._create()
        with self.path.open("r+b") as f:
            f.seek(offset)
            current = f.read(len(data))
            f.seek(offset)
            f.write((int.from_bytes(current, "big") & int.from_bytes(data, "big")).to_bytes(len(data), "big"))
