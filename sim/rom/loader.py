"""The ESP32 ROM's UART download mode as esptool speaks to it, and esptool's flasher stub once loaded
(esptool serial protocol: https://docs.espressif.com/projects/esptool/en/latest/esp32/advanced-topics/
serial-protocol.html; the values below are those of esptool's ``esptool/loader.py`` and
``esptool/targets/esp32.py``, which this mirrors from the chip's side).

A request is ``00 <op> <size u16> <checksum u32> <data>``; the answer ``01 <op> <size u16> <value u32>
<data>``, whose data ends in the status bytes: 4 from the ESP32 ROM (status, error, 0, 0), 2 from the stub
(status, error). Status 0 is success; the errors are the protocol's tables (ROM 0x05..0x0B, stub
0xC0..0xC9). The checksum of a data packet is 0xEF XOR its payload bytes.

What it answers:

- ``SYNC`` (0x08): eight answers, value 0x20120707 from the ROM (esptool tells ROM from stub by a non-zero
  value) and 0 from the stub;
- ``READ_REG``/``WRITE_REG``: a small register file. 0x40001000 holds the ESP32's chip magic 0x00F01D83
  (``CHIP_DETECT_MAGIC_REG_ADDR``), the UART clock divider the 40 MHz crystal for the line rate, eFuse words
  1 and 2 the base MAC. A user command written to the SPI controller (``run_spiflash_command``: SPI_CMD_REG
  bit 18) runs against the flash chip: RDID answers the JEDEC id, RDSFDP the "SFDP" signature;
- ``SPI_ATTACH``, ``SPI_SET_PARAMS`` (the flash size), ``CHANGE_BAUDRATE``: acknowledged (the simulated
  line does not care about the rate);
- ``FLASH_BEGIN``/``FLASH_DATA``/``FLASH_END`` and the compressed ``FLASH_DEFL_*``: erase, then write blocks
  in sequence (a block out of sequence or with a bad checksum is refused, as the ROM does);
- ``SPI_FLASH_MD5``: the MD5 of a flash region, as 32 hex characters (ROM) or 16 bytes (stub);
- ``MEM_BEGIN``/``MEM_DATA``/``MEM_END``: RAM uploads are taken and thrown away. The simulated chip runs no
  code: an upload started with an entry point is taken to be esptool's flasher stub, which answers "OHAI"
  and from then on speaks the stub's dialect (``ERASE_FLASH``, ``ERASE_REGION`` besides);
- anything else: "invalid message" (ROM 0x05, stub 0xC3), as the ROM answers ``GET_SECURITY_INFO``, which
  the ESP32 lacks.

``FLASH_END`` with "reboot" (and, from the ROM, "run user code") ends download mode: :attr:`leave` is set
and the caller boots the chip from flash.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sim.rom.slip import SlipDecoder, slip_encode
from sim.rom.spiflash import JEDEC_ID, FlashRangeError, SpiFlash

SYNC, READ_REG, WRITE_REG = 0x08, 0x0A, 0x09
FLASH_BEGIN, FLASH_DATA, FLASH_END = 0x02, 0x03, 0x04
MEM_BEGIN, MEM_END, MEM_DATA = 0x05, 0x06, 0x07
SPI_SET_PARAMS, SPI_ATTACH, READ_FLASH_SLOW, CHANGE_BAUDRATE = 0x0B, 0x0D, 0x0E, 0x0F
FLASH_DEFL_BEGIN, FLASH_DEFL_DATA, FLASH_DEFL_END, SPI_FLASH_MD5 = 0x10, 0x11, 0x12, 0x13
ERASE_FLASH, ERASE_REGION = 0xD0, 0xD1

SYNC_PAYLOAD = b"\x07\x07\x12\x20" + b"\x55" * 32
ROM_SYNC_VALUE = 0x20120707
CHECKSUM_SEED = 0xEF

#: ROM errors (serial protocol, "Status bytes")
ROM_INVALID_MESSAGE, ROM_FAILED, ROM_BAD_CRC, ROM_FLASH_WRITE, ROM_FLASH_READ, ROM_DEFLATE = (
    5,
    6,
    7,
    8,
    9,
    0xB,
)
#: stub errors
STUB_BAD_LEN, STUB_BAD_CHECKSUM, STUB_INVALID_COMMAND, STUB_FAILED_SPI, STUB_NOT_FLASHING, STUB_INFLATE = (
    0xC0, 0xC1, 0xC3, 0xC4, 0xC6, 0xC7,
)  # fmt: skip

CHIP_DETECT_MAGIC_REG = 0x40001000
ESP32_MAGIC = 0x00F01D83
UART_CLKDIV_REG = 0x3FF40014
EFUSE_BASE = 0x3FF5A000
SPI_BASE = 0x3FF42000
SPI_CMD_REG, SPI_ADDR_REG, SPI_USR2_REG, SPI_W0_REG = SPI_BASE, SPI_BASE + 4, SPI_BASE + 0x24, SPI_BASE + 0x80
SPI_CMD_USR = 1 << 18
RDID, RDSFDP = 0x9F, 0x5A
SFDP_SIGNATURE = 0x50444653  # "SFDP", little endian
XTAL_HZ = 40_000_000

#: What the ROM prints on UART0 when it comes up in download mode (a classic ESP32 with GPIO0 low:
#: https://github.com/espressif/arduino-esp32/issues/577); esptool reads it to tell the boot mode
#: (``boot:(0x..)(.*waiting for download)?``).
DOWNLOAD_BANNER = (
    "ets Jul 29 2019 12:21:46",
    "",
    "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))",
    "waiting for download",
)


class Refused(Exception):
    """A request the loader answers with a failure status: the ROM's error code and the stub's."""

    def __init__(self, rom: int, stub: int, why: str) -> None:
        super().__init__(why)
        self.rom, self.stub = rom, stub


@dataclass
class _Download:
    offset: int
    size: int  # bytes the host will send in all: erase size (ROM) or image size
    block: int
    blocks: int
    compressed: bool
    seq: int = 0
    written: int = 0
    inflater: zlib._Decompress | None = None


def checksum(data: bytes) -> int:
    state = CHECKSUM_SEED
    for b in data:
        state ^= b
    return state


def request(op: int, data: bytes = b"", chk: int = 0) -> bytes:
    """A request packet as esptool builds it (``ESPLoader.command``), unframed."""
    return struct.pack("<BBHI", 0, op, len(data), chk) + data


class RomLoader:
    def __init__(
        self, flash: SpiFlash, *, mac: bytes, log: Callable[[str], None] = lambda text: None
    ) -> None:
        self.flash = flash
        self.log = log
        self.stub = False
        #: the host ended download mode (FLASH_END): boot from flash
        self.leave = False
        self.baud: int | None = None
        self.flash_size = flash.size
        self._slip = SlipDecoder()
        self._download: _Download | None = None
        self._mem_seq = 0
        self._regs: dict[int, int] = {
            CHIP_DETECT_MAGIC_REG: ESP32_MAGIC,
            UART_CLKDIV_REG: XTAL_HZ // 115200,
            # esptool's read_mac: the MAC is bytes 2..7 of eFuse words 2 and 1, big endian
            EFUSE_BASE + 4: int.from_bytes(mac[2:6], "big"),
            EFUSE_BASE + 8: int.from_bytes(mac[0:2], "big"),
        }

    # --- framing ---------------------------------------------------------------------------------------

    @staticmethod
    def banner() -> bytes:
        return b"".join(line.encode() + b"\r\n" for line in DOWNLOAD_BANNER)

    def feed(self, data: bytes) -> bytes:
        """Bytes from the host; returns the framed answers."""
        out = bytearray()
        for packet in self._slip.feed(data):
            for answer in self.handle(packet):
                out += slip_encode(answer)
        return bytes(out)

    def handle(self, packet: bytes) -> list[bytes]:
        """One unframed request; the unframed answers (none for a packet that is no request)."""
        if len(packet) < 8 or packet[0] != 0:
            return []
        op, size, chk = struct.unpack_from("<BHI", packet, 1)
        data = packet[8:]
        if len(data) != size:
            return [self._status(op, 0, ROM_INVALID_MESSAGE, STUB_BAD_LEN)]
        try:
            return self._dispatch(op, data, chk)
        except Refused as exc:
            self.log(f"rom: {op:#04x} refused: {exc}")
            return [self._status(op, 0, exc.rom, exc.stub)]

    def _answer(self, op: int, value: int = 0, data: bytes = b"") -> bytes:
        status = b"\0\0" if self.stub else b"\0\0\0\0"
        body = data + status
        return struct.pack("<BBHI", 1, op, len(body), value) + body

    def _status(self, op: int, value: int, rom: int, stub: int) -> bytes:
        status = bytes([1, stub]) if self.stub else bytes([1, rom, 0, 0])
        return struct.pack("<BBHI", 1, op, len(status), value) + status

    # --- commands --------------------------------------------------------------------------------------

    def _dispatch(self, op: int, data: bytes, chk: int) -> list[bytes]:
        if op == SYNC:
            if data != SYNC_PAYLOAD:
                raise Refused(ROM_INVALID_MESSAGE, STUB_BAD_LEN, "not the SYNC payload")
            value = 0 if self.stub else ROM_SYNC_VALUE
            return [self._answer(op, value) for _ in range(8)]
        if op == READ_REG:
            (addr,) = _words(data, 1)
            return [self._answer(op, self._regs.get(addr, 0))]
        if op == WRITE_REG:
            if not data or len(data) % 16:
                raise Refused(ROM_INVALID_MESSAGE, STUB_BAD_LEN, "WRITE_REG takes 16-byte groups")
            for addr, value, mask, _delay in struct.iter_unpack("<IIII", data):
                self._write_reg(addr, value, mask)
            return [self._answer(op)]
        if op == SPI_ATTACH or op == CHANGE_BAUDRATE:
            if op == CHANGE_BAUDRATE:
                self.baud = _words(data, 2)[0]
                self.log(f"rom: CHANGE_BAUDRATE {self.baud}")
            return [self._answer(op)]
        if op == SPI_SET_PARAMS:
            _id, total, *_ = _words(data, 6)
            self.flash_size = total
            return [self._answer(op)]
        if op in (FLASH_BEGIN, FLASH_DEFL_BEGIN):
            return [self._begin(op, data)]
        if op in (FLASH_DATA, FLASH_DEFL_DATA):
            return [self._block(op, data, chk)]
        if op in (FLASH_END, FLASH_DEFL_END):
            return [self._end(op, data)]
        if op == SPI_FLASH_MD5:
            addr, size, _, _ = _words(data, 4)
            digest = hashlib.md5(self._flash_read(addr, size))
            return [self._answer(op, 0, digest.digest() if self.stub else digest.hexdigest().encode())]
        if op == READ_FLASH_SLOW and not self.stub:
            addr, size = _words(data, 2)
            if size > 64:
                raise Refused(ROM_FLASH_READ, STUB_BAD_LEN, "READ_FLASH_SLOW reads at most 64 bytes")
            return [self._answer(op, 0, self._flash_read(addr, size).ljust(64, b"\xff"))]
        if op == MEM_BEGIN:
            _words(data, 4)
            self._mem_seq = 0
            return [self._answer(op)]
        if op == MEM_DATA:
            size, seq, _, _ = _words(data[:16], 4)
            if len(data) - 16 != size or checksum(data[16:]) != chk or seq != self._mem_seq:
                raise Refused(
                    ROM_BAD_CRC, STUB_BAD_CHECKSUM, f"RAM block {seq}: bad length, checksum or order"
                )
            self._mem_seq += 1
            return [self._answer(op)]
        if op == MEM_END:
            flag, entry = _words(data, 2)
            answers = [self._answer(op)]
            if flag == 0 and not self.stub:
                self.log(f"rom: RAM code started at {entry:#010x}: the flasher stub from now on")
                self.stub = True
                answers.append(b"OHAI")
            return answers
        if self.stub and op in (ERASE_FLASH, ERASE_REGION):
            offset, size = (0, self.flash.size) if op == ERASE_FLASH else _words(data, 2)
            self._flash_erase(offset, size)
            return [self._answer(op)]
        raise Refused(ROM_INVALID_MESSAGE, STUB_INVALID_COMMAND, f"command {op:#04x} is not supported")

    def _write_reg(self, addr: int, value: int, mask: int) -> None:
        old = self._regs.get(addr, 0)
        self._regs[addr] = (old & ~mask) | (value & mask)
        if addr == SPI_CMD_REG and self._regs[addr] & SPI_CMD_USR:
            self._spi_user_command()
            self._regs[addr] &= ~SPI_CMD_USR  # done: esptool polls for the bit to clear

    def _spi_user_command(self) -> None:
        command = self._regs.get(SPI_USR2_REG, 0) & 0xFFFF
        if command == RDID:
            self._regs[SPI_W0_REG] = int.from_bytes(JEDEC_ID, "little")
        elif command == RDSFDP:
            address = self._regs.get(SPI_ADDR_REG, 0) >> 8  # esptool puts a 24-bit address in the top bits
            self._regs[SPI_W0_REG] = SFDP_SIGNATURE if address == 0 else 0
        else:
            self._regs[SPI_W0_REG] = 0  # status reads, resets: nothing of note to say

    # --- flash -----------------------------------------------------------------------------------------

    def _begin(self, op: int, data: bytes) -> bytes:
        # The ESP32 ROM takes 4 words; the stub a fifth (encrypted write), which must be 0 here.
        count = 5 if self.stub else 4
        words = _words(data, count)
        size, blocks, block, offset = words[:4]
        if self.stub and words[4]:
            raise Refused(ROM_FAILED, STUB_FAILED_SPI, "encrypted writes are not simulated")
        compressed = op == FLASH_DEFL_BEGIN
        # ROM: size is what it erases (rounded up to blocks); stub: the image's size, erased as it writes
        self._flash_erase(offset, size)
        self._download = _Download(offset, size, block, blocks, compressed)
        if compressed:
            self._download.inflater = zlib.decompressobj()
        self.log(f"rom: {'compressed ' if compressed else ''}write of {size} bytes at {offset:#x}")
        return self._answer(op)

    def _block(self, op: int, data: bytes, chk: int) -> bytes:
        d = self._download
        if d is None or d.compressed != (op == FLASH_DEFL_DATA):
            raise Refused(ROM_FAILED, STUB_NOT_FLASHING, "no write begun for this block")
        size, seq, _, _ = _words(data[:16], 4)
        payload = data[16:]
        if len(payload) != size:
            raise Refused(
                ROM_INVALID_MESSAGE, STUB_BAD_LEN, f"block {seq}: {len(payload)} bytes, says {size}"
            )
        if checksum(payload) != chk:
            raise Refused(ROM_BAD_CRC, STUB_BAD_CHECKSUM, f"block {seq}: bad checksum")
        if seq != d.seq:
            raise Refused(ROM_FAILED, STUB_FAILED_SPI, f"block {seq} out of order (expected {d.seq})")
        if d.inflater is not None:
            try:
                payload = d.inflater.decompress(payload)
            except zlib.error as exc:
                raise Refused(ROM_DEFLATE, STUB_INFLATE, f"block {seq}: {exc}") from None
            offset = d.offset + d.written
        else:
            offset = d.offset + seq * d.block
        try:
            self.flash.write(offset, payload)
        except FlashRangeError as exc:
            raise Refused(ROM_FLASH_WRITE, STUB_FAILED_SPI, str(exc)) from None
        d.written += len(payload)
        d.seq += 1
        return self._answer(op)

    def _end(self, op: int, data: bytes) -> bytes:
        (stay,) = _words(data, 1)
        if self._download is not None:
            self.log(f"rom: {self._download.written} bytes written at {self._download.offset:#x}")
        self._download = None
        # "reboot" (0) ends download mode; "run user code" (1) too from the ROM, not from the stub, which
        # esptool sends it to stay in the loader
        if stay == 0 or not self.stub:
            self.leave = True
        return self._answer(op)

    def _flash_erase(self, offset: int, size: int) -> None:
        try:
            if size:
                self.flash.erase(offset, size)
        except FlashRangeError as exc:
            raise Refused(ROM_FLASH_WRITE, STUB_FAILED_SPI, str(exc)) from None

    def _flash_read(self, offset: int, size: int) -> bytes:
        try:
            return self.flash.read(offset, size)
        except FlashRangeError as exc:
            raise Refused(ROM_FLASH_READ, STUB_FAILED_SPI, str(exc)) from None


def _words(data: bytes, count: int) -> tuple[int, ...]:
    if len(data) < 4 * count:
        raise Refused(ROM_INVALID_MESSAGE, STUB_BAD_LEN, f"expected {4 * count} bytes of parameters")
    return struct.unpack_from(f"<{count}I", data)
