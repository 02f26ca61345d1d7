"""sim/rom: the ROM loader protocol, byte for byte (esptool serial protocol,
https://docs.espressif.com/projects/esptool/en/latest/esp32/advanced-topics/serial-protocol.html).

The byte-exact answers are a real ROM's where one is public: nanoflash's recorded ESP32-S3 ROM session
(https://docs.rs/crate/nanoflash/latest/source/tests/transcripts/espressif/rom-error.transcript) answers
FLASH_DEFL_BEGIN with ``c0 01 10 04 00 00 00 00 00 00 00 00 00 c0`` and a block with a bad checksum with
``c0 01 11 04 00 00 00 00 00 01 07 00 00 c0`` (4 status bytes, error 0x07), as the ESP32 ROM frames them."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.rom.loader import (
    CHANGE_BAUDRATE,
    ERASE_REGION,
    FLASH_BEGIN,
    FLASH_DATA,
    FLASH_DEFL_BEGIN,
    FLASH_DEFL_DATA,
    FLASH_DEFL_END,
    FLASH_END,
    MEM_BEGIN,
    MEM_DATA,
    MEM_END,
    READ_FLASH_SLOW,
    READ_REG,
    SPI_ATTACH,
    SPI_FLASH_MD5,
    SPI_SET_PARAMS,
    SYNC,
    SYNC_PAYLOAD,
    WRITE_REG,
    RomLoader,
    checksum,
    request,
)
from sim.rom.slip import SlipDecoder, slip_encode
from sim.rom.spiflash import SpiFlash

MAC = bytes.fromhex("240ac4000000")


@pytest.fixture
def rom(tmp_path: Path) -> RomLoader:
    return RomLoader(SpiFlash(tmp_path / "flash.bin"), mac=MAC)


def _one(rom: RomLoader, op: int, data: bytes = b"", chk: int = 0) -> bytes:
    (answer,) = rom.handle(request(op, data, chk))
    return answer


def _block(op: int, seq: int, payload: bytes) -> tuple[bytes, int]:
    return struct.pack("<IIII", len(payload), seq, 0, 0) + payload, checksum(payload)


# --- SLIP --------------------------------------------------------------------------------------------


def test_slip_escapes_the_end_and_escape_bytes() -> None:
    assert slip_encode(b"\x01\xc0\x02\xdb\x03") == b"\xc0\x01\xdb\xdc\x02\xdb\xdd\x03\xc0"


def test_slip_skips_noise_between_packets_and_doubled_ends() -> None:
    d = SlipDecoder()
    assert d.feed(b"ready\r\n\xc0\x01\x02\xc0junk\xc0\xc0\x03\xc0") == [b"\x01\x02", b"\x03"]


def test_slip_drops_a_packet_with_a_bad_escape() -> None:
    d = SlipDecoder()
    assert d.feed(b"\xc0\x01\xdb\x00\xc0\xc0\x02\xc0") == [b"\x02"]
    assert d.dropped == 1


@given(st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=5), st.data())
def test_slip_gives_the_same_packets_for_any_split(packets: list[bytes], data: st.DataObject) -> None:
    wire = b"".join(slip_encode(p) for p in packets)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=6)))
    d = SlipDecoder()
    got: list[bytes] = []
    for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        got += d.feed(wire[a:b])
    assert got == packets


# --- the ROM's answers --------------------------------------------------------------------------------


def test_sync_is_answered_eight_times_with_the_roms_value(rom: RomLoader) -> None:
    answers = rom.handle(request(SYNC, SYNC_PAYLOAD))
    assert answers == [bytes.fromhex("0108040007071220 00000000")] * 8


def test_a_request_framed_as_esptool_sends_it_is_answered_framed(rom: RomLoader) -> None:
    wire = slip_encode(request(READ_REG, struct.pack("<I", 0x40001000)))
    # value 0x00f01d83, the ESP32's chip magic (esptool targets/esp32.py MAGIC_VALUE)
    assert rom.feed(wire) == bytes.fromhex("c0 010a0400 831df000 00000000 c0")


def test_flash_defl_begin_is_answered_as_a_real_rom_does(rom: RomLoader) -> None:
    params = struct.pack("<IIII", 0x1000, 1, 0x400, 0x10000)
    assert slip_encode(_one(rom, FLASH_DEFL_BEGIN, params)) == bytes.fromhex("c0011004000000000000000000c0")


def test_a_block_with_a_bad_checksum_is_refused_with_error_7(rom: RomLoader) -> None:
    _one(rom, FLASH_DEFL_BEGIN, struct.pack("<IIII", 0x1000, 1, 0x400, 0x10000))
    data, chk = _block(FLASH_DEFL_DATA, 0, zlib.compress(b"x" * 100))
    answer = _one(rom, FLASH_DEFL_DATA, data, chk ^ 1)
    assert slip_encode(answer) == bytes.fromhex("c0011104000000000001070000c0")


def test_an_unknown_command_is_an_invalid_message(rom: RomLoader) -> None:
    # GET_SECURITY_INFO (0x14): the ESP32 ROM has none; esptool then reads the chip magic instead
    assert _one(rom, 0x14) == bytes.fromhex("0114040000000000 01050000")


def test_the_mac_is_in_efuse_words_1_and_2_as_esptool_reads_it(rom: RomLoader) -> None:
    def reg(addr: int) -> int:
        return struct.unpack_from("<I", _one(rom, READ_REG, struct.pack("<I", addr)), 4)[0]

    words = [reg(0x3FF5A000 + 8), reg(0x3FF5A000 + 4)]  # esptool ESP32ROM.read_mac
    assert struct.pack(">II", *words)[2:8] == MAC


def test_a_spi_user_command_runs_and_clears_its_bit(rom: RomLoader) -> None:
    base = 0x3FF42000

    def write(addr: int, value: int) -> None:
        assert _one(rom, WRITE_REG, struct.pack("<IIII", addr, value, 0xFFFFFFFF, 0))[8:] == bytes(4)

    write(base + 0x24, (7 << 28) | 0x9F)  # USR2: command RDID
    write(base, 1 << 18)  # CMD: SPI_USR
    assert struct.unpack_from("<I", _one(rom, READ_REG, struct.pack("<I", base)), 4)[0] == 0
    w0 = struct.unpack_from("<I", _one(rom, READ_REG, struct.pack("<I", base + 0x80)), 4)[0]
    assert w0 & 0xFFFFFF == 0x1640C8  # GigaDevice, 4 MB: esptool detects "4MB" from the 0x16


def test_an_uncompressed_write_lands_in_flash_and_its_md5_is_hex(rom: RomLoader, tmp_path: Path) -> None:
    image = bytes(range(256)) * 8
    assert _one(rom, SPI_ATTACH, bytes(8))[8:] == bytes(4)
    _one(rom, SPI_SET_PARAMS, struct.pack("<IIIIII", 0, 4 << 20, 64 << 10, 4 << 10, 256, 0xFFFF))
    _one(rom, FLASH_BEGIN, struct.pack("<IIII", len(image), 2, 0x400, 0x100000))
    for seq in range(2):
        data, chk = _block(FLASH_DATA, seq, image[seq * 0x400 : (seq + 1) * 0x400])
        assert _one(rom, FLASH_DATA, data, chk)[8:] == bytes(4)
    assert rom.flash.read(0x100000, len(image)) == image
    md5 = _one(rom, SPI_FLASH_MD5, struct.pack("<IIII", 0x100000, len(image), 0, 0))
    assert md5[8:40] == hashlib.md5(image).hexdigest().encode() and md5[40:] == bytes(4)
    assert not rom.leave
    _one(rom, FLASH_END, struct.pack("<I", 0))  # reboot
    assert rom.leave


def test_a_block_out_of_sequence_is_refused(rom: RomLoader) -> None:
    _one(rom, FLASH_BEGIN, struct.pack("<IIII", 0x800, 2, 0x400, 0x100000))
    data, chk = _block(FLASH_DATA, 1, b"\0" * 0x400)
    assert _one(rom, FLASH_DATA, data, chk)[8:] == bytes([1, 6, 0, 0])


def test_a_write_past_the_end_of_the_flash_is_refused(rom: RomLoader) -> None:
    assert _one(rom, FLASH_BEGIN, struct.pack("<IIII", 0x2000, 8, 0x400, 0x3FF000))[8:] == bytes([1, 8, 0, 0])


def test_the_stub_says_ohai_and_answers_in_its_own_dialect(rom: RomLoader) -> None:
    text = b"\x01\x02\x03\x04"
    _one(rom, MEM_BEGIN, struct.pack("<IIII", len(text), 1, 0x1800, 0x40080000))
    data, chk = _block(MEM_DATA, 0, text)
    _one(rom, MEM_DATA, data, chk)
    assert rom.handle(request(MEM_END, struct.pack("<II", 0, 0x40080000))) == [
        bytes.fromhex("0106040000000000 00000000"),
        b"OHAI",
    ]
    # from now on: 2 status bytes, SYNC value 0, MD5 as 16 raw bytes, compressed writes by image size
    assert rom.handle(request(SYNC, SYNC_PAYLOAD)) == [bytes.fromhex("0108020000000000 0000")] * 8
    image = b"stub" * 1000
    packed = zlib.compress(image)
    _one(rom, FLASH_DEFL_BEGIN, struct.pack("<IIIII", len(image), 1, 0x4000, 0x10000, 0))
    data, chk = _block(FLASH_DEFL_DATA, 0, packed)
    assert _one(rom, FLASH_DEFL_DATA, data, chk) == bytes.fromhex("0111020000000000 0000")
    md5 = _one(rom, SPI_FLASH_MD5, struct.pack("<IIII", 0x10000, len(image), 0, 0))
    assert md5[8:24] == hashlib.md5(image).digest() and md5[24:] == b"\0\0"
    _one(rom, FLASH_DEFL_END, struct.pack("<I", 1))  # "stay in the loader": the stub stays
    assert not rom.leave
    _one(rom, ERASE_REGION, struct.pack("<II", 0x10000, 0x1000))
    assert rom.flash.read(0x10000, 16) == b"\xff" * 16
    assert _one(rom, 0x14)[8:] == bytes([1, 0xC3])
    _one(rom, CHANGE_BAUDRATE, struct.pack("<II", 460800, 115200))
    assert rom.baud == 460800


def test_spi_set_params_gives_the_flash_size_and_read_flash_slow_reads_64_bytes(rom: RomLoader) -> None:
    params = struct.pack(
        "<IIIIII", 0, 2 << 20, 64 << 10, 4 << 10, 256, 0xFFFF
    )  # esptool flash_set_parameters
    assert _one(rom, SPI_SET_PARAMS, params) == bytes.fromhex("010b040000000000 00000000")
    assert rom.flash_size == 2 << 20
    rom.flash.erase(0x1000, 0x1000)
    rom.flash.write(0x1000, b"\xe9\x03")
    answer = _one(rom, READ_FLASH_SLOW, struct.pack("<II", 0x1000, 2))
    # 64 data bytes (esptool read_flash_slow: resp_data_len=BLOCK_LEN), then the status
    assert answer[:8] == bytes.fromhex("010e440000000000")
    assert answer[8:72] == b"\xe9\x03" + b"\xff" * 62 and answer[72:] == bytes(4)


def test_the_roms_run_user_code_ends_download_mode_and_the_stubs_stays(
    rom: RomLoader, tmp_path: Path
) -> None:
    # esptool's ESPLoader.run(): FLASH_BEGIN of 0 bytes, then FLASH_END "run user code" (1)
    _one(rom, FLASH_BEGIN, struct.pack("<IIII", 0, 0, 0x400, 0))
    assert _one(rom, FLASH_END, struct.pack("<I", 1)) == bytes.fromhex("0104040000000000 00000000")
    assert rom.leave
    stub = RomLoader(SpiFlash(tmp_path / "other.bin"), mac=MAC)
    stub.handle(request(MEM_END, struct.pack("<II", 0, 0x4009F000)))
    _one(stub, FLASH_END, struct.pack("<I", 1))
    assert not stub.leave
    _one(stub, FLASH_END, struct.pack("<I", 0))  # reboot
    assert stub.leave


def test_a_flash_never_written_reads_erased_and_has_no_file(tmp_path: Path) -> None:
    flash = SpiFlash(tmp_path / "flash.bin")
    assert flash.read(0, 4) == b"\xff" * 4 and not flash.written
