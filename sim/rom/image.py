"""The header of an ESP-IDF app image and its app descriptor, as the second-stage bootloader and esptool
read them (ESP-IDF api-reference/system/app_image_format; esptool/bin_image.py and esptool/cmds.py
``_parse_app_info``):

- bytes 0..7, ``esp_image_header_t``: magic 0xE9, segment count, SPI mode, SPI speed/size, entry address;
- bytes 8..23, the extended header: WP pin, drive settings, **chip id** (bytes 12..13, little endian; 0 is
  the ESP32), chip revisions, and byte 23 ``hash_appended``;
- then each segment: load address and length (8 bytes), its data. The first segment is the app's DROM and
  begins with ``esp_app_desc_t``, so the descriptor is at offset 0x20 of the image;
- ``esp_app_desc_t`` (256 bytes): magic 0xABCD5432, secure version, 2 reserved words, ``version[32]``,
  ``project_name[32]``, ``time[16]``, ``date[16]``, ``idf_ver[32]``, ``app_elf_sha256[32]``, the eFuse block
  revisions (2 x u16), the MMU page size (u8), 3 reserved bytes, ``reserv2[72]``
  (esptool's ``APP_DESC_STRUCT_FMT = "<II8s32s32s16s16s32s32sHHB3s72s"``).

After the segments: padding to 16 bytes whose last byte is the checksum (0xEF XOR every segment data byte),
then the SHA-256 of the image when ``hash_appended`` is 1.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

IMAGE_MAGIC = 0xE9
APP_DESC_MAGIC = 0xABCD5432
APP_DESC_OFFSET = 0x20
APP_DESC_FORMAT = "<II8s32s32s16s16s32s32sHHB3s72s"
APP_DESC_SIZE = struct.calcsize(APP_DESC_FORMAT)  # 256
#: where ``reserv2`` starts inside the descriptor
RESERV2_OFFSET = APP_DESC_SIZE - 72
CHECKSUM_SEED = 0xEF
#: ESP-IDF image chip ids (``esp_chip_id_t``; esptool's ``IMAGE_CHIP_ID``) of the chips the simulator is.
CHIP_IDS = {0: "esp32"}
#: The ESP32's DROM: where an app's first segment (rodata, with the descriptor) is mapped.
DROM_ADDR = 0x3F400020


class ImageError(ValueError):
    """Not an app image the bootloader would take; the message says what is wrong, as its log would."""


@dataclass(frozen=True)
class AppDescriptor:
    version: str
    project_name: str
    time: str
    date: str
    idf_ver: str
    secure_version: int = 0
    reserv2: bytes = bytes(72)


@dataclass(frozen=True)
class AppImage:
    chip_id: int
    segments: int
    entry: int
    desc: AppDescriptor


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def parse_app(data: bytes) -> AppImage:
    """Read the header and app descriptor of the image at the start of ``data`` (:class:`ImageError`)."""
    if len(data) < APP_DESC_OFFSET + APP_DESC_SIZE:
        raise ImageError(f"image is {len(data)} bytes, shorter than a header and app descriptor")
    if data[0] != IMAGE_MAGIC:
        raise ImageError(f"invalid magic byte (expected 0xE9, saw 0x{data[0]:02X})")
    segments, entry = data[1], struct.unpack_from("<I", data, 4)[0]
    chip_id = struct.unpack_from("<H", data, 12)[0]
    fields = struct.unpack_from(APP_DESC_FORMAT, data, APP_DESC_OFFSET)
    magic, secure, _r1, version, project, time, date, idf, _sha, _lo, _hi, _mmu, _r3, reserv2 = fields
    if magic != APP_DESC_MAGIC:
        raise ImageError(f"no app descriptor at 0x20 (magic 0x{magic:08X}, expected 0xABCD5432)")
    desc = AppDescriptor(
        _text(version), _text(project), _text(time), _text(date), _text(idf), secure, reserv2
    )
    return AppImage(chip_id, segments, entry, desc)


def pack_app(desc: AppDescriptor, body: bytes = b"", *, chip_id: int = 0) -> bytes:
    """An app image of one DROM segment: the descriptor, then ``body``. It has no code segment and entry
    address 0, so a real bootloader has nothing to run (what the suite's test images need)."""
    if len(desc.reserv2) != 72:
        raise ValueError(f"reserv2 is 72 bytes, got {len(desc.reserv2)}")
    raw = struct.pack(
        APP_DESC_FORMAT, APP_DESC_MAGIC, desc.secure_version, bytes(8), desc.version.encode()[:31],
        desc.project_name.encode()[:31], desc.time.encode()[:15], desc.date.encode()[:15],
        desc.idf_ver.encode()[:31], bytes(32), 0, 0, 0, bytes(3), desc.reserv2,
    )  # fmt: skip
    segment = raw + body
    segment += bytes(-len(segment) % 4)  # segments are word-aligned
    header = bytes([IMAGE_MAGIC, 1, 2, 0x20]) + struct.pack("<I", 0)  # DIO, 40 MHz / 4 MB, entry 0
    # extended header: WP pin 0xEE (unused), drive settings 0, chip id, revisions 0..0xFFFF, no hash
    extended = bytes([0xEE, 0, 0, 0]) + struct.pack("<HBHH", chip_id, 0, 0, 0xFFFF) + bytes(4) + b"\0"
    image = header + extended + struct.pack("<II", DROM_ADDR, len(segment)) + segment
    checksum = CHECKSUM_SEED
    for b in segment:
        checksum ^= b
    image += bytes(15 - len(image) % 16) + bytes([checksum])
    return image
