"""What tools/flash.py writes where, and whether it may: the factory layout of ESP-AT and the checks that
keep an image off a board it is not meant for. Pure logic: bytes and file names in, a plan or a
:class:`FlashRefused` out; nothing here opens a port.

The layout is the guide's download.config (Get_Started/Downloading_guide.rst), e.g. for ESP32::

    --flash_mode dio --flash_freq 40m --flash_size 4MB
    0x1000 bootloader/bootloader.bin
    0x8000 partition_table/partition-table.bin
    0x10000 ota_data_initial.bin
    0x20000 at_customize.bin
    0x21000 customized_partitions/mfg_nvs.bin
    0x100000 esp-at.bin

A manifest is that file, or the build's flasher_args.json (the same parts as ``flash_files``), or a single
image: a factory_XXX.bin holds all the parts at their offsets and goes to 0x0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FACTORY_LAYOUT",
    "TEST_IMAGE_MAGIC",
    "FlashPart",
    "FlashPlan",
    "FlashRefused",
    "check_plan",
    "load_plan",
    "make_test_app",
    "make_test_image",
    "ota_app",
    "parse_download_config",
]


class FlashRefused(ValueError):
    """The image or manifest is not meant for this board, or not a layout the guide documents."""


#: Offsets of the factory parts per chip: the download.config blocks of Get_Started/Downloading_guide.rst.
#: Keys are the parts' roles; ota_data and mfg_nvs are optional in a manifest, the other four are not.
FACTORY_LAYOUT: dict[str, dict[str, int]] = {
    "esp32": {"bootloader": 0x1000, "partition_table": 0x8000, "ota_data": 0x10000,
              "at_customize": 0x20000, "mfg_nvs": 0x21000, "app": 0x100000},
    "esp32s2": {"bootloader": 0x1000, "partition_table": 0x8000, "ota_data": 0x10000,
                "at_customize": 0x20000, "mfg_nvs": 0x21000, "app": 0x100000},
    "esp32c2": {"bootloader": 0x0, "partition_table": 0x8000, "ota_data": 0xD000,
                "at_customize": 0x1E000, "mfg_nvs": 0x1F000, "app": 0x60000},
    "esp32c3": {"bootloader": 0x0, "partition_table": 0x8000, "ota_data": 0xD000,
                "at_customize": 0x1E000, "mfg_nvs": 0x1F000, "app": 0x60000},
    "esp32c6": {"bootloader": 0x0, "partition_table": 0x8000, "ota_data": 0xD000,
                "at_customize": 0x1E000, "mfg_nvs": 0x1F000, "app": 0x60000},
    "esp32c5": {"bootloader": 0x2000, "partition_table": 0xC000, "ota_data": 0xD000,
                "at_customize": 0x30000, "mfg_nvs": 0x31000, "app": 0xA0000},
    "esp32c61": {"bootloader": 0x0, "partition_table": 0xC000, "ota_data": 0xD000,
                 "at_customize": 0x30000, "mfg_nvs": 0x31000, "app": 0xA0000},
}  # fmt: skip
REQUIRED_ROLES = ("bootloader", "partition_table", "at_customize", "app")

#: The file names of download.config and flasher_args.json, by role.
_ROLE_BY_NAME = {
    "bootloader.bin": "bootloader",
    "partition-table.bin": "partition_table",
    "ota_data_initial.bin": "ota_data",
    "at_customize.bin": "at_customize",
    "mfg_nvs.bin": "mfg_nvs",
    "esp-at.bin": "app",
}

#: First byte of an ESP-IDF image (bootloader and app) and the offset of its chip id (esptool's image
#: format: 8-byte header, then the extended header whose bytes 4..5 are the chip id).
ESP_IMAGE_MAGIC = 0xE9
_CHIP_ID_OFFSET = 12
#: First bytes of a partition table entry (ESP-IDF partition table; at_customize.bin is a second table).
PARTITION_MAGIC = b"\xaa\x50"
#: ESP-IDF image chip ids (esptool.targets ``IMAGE_CHIP_ID``).
IMAGE_CHIP_ID = {"esp32": 0, "esp32s2": 2, "esp32c3": 5, "esp32c2": 12, "esp32c6": 13, "esp32c5": 23,
                 "esp32c61": 20}  # fmt: skip

#: The mark of the suite's own test images: never bootable on a real chip. A raw test image (CI's mock ROM
#: loader) starts with it; a test app (:func:`make_test_app`, what a simulated board boots) carries it in
#: its app descriptor's reserved ``reserv2`` field, behind a real image header.
TEST_IMAGE_MAGIC = b"ESP-AT-SUITE TEST IMAGE, NOT BOOTABLE\n"


def make_test_image(size: int) -> bytes:
    """A test image of ``size`` bytes: the marker, then a counter pattern (compressible, and a shifted
    write shows in its MD5)."""
    if size < len(TEST_IMAGE_MAGIC):
        raise ValueError(f"a test image needs at least {len(TEST_IMAGE_MAGIC)} bytes, asked for {size}")
    body = b"".join(i.to_bytes(4, "little") for i in range((size + 3) // 4))
    return (TEST_IMAGE_MAGIC + body)[:size]


def make_test_app(profile: str, size: int = 8192) -> bytes:
    """The suite's test app for a simulator persona (``sim/profiles/<profile>.yaml``): an ESP-IDF app image
    whose app descriptor names the persona (project ``esp-at``, version ``sim.firmware.app_version``), so a
    simulated board boots it after esptool has written it (sim/firmware.py). It has no code segment and
    entry address 0: a real chip's bootloader has nothing to run, and :func:`check_plan` refuses it for a
    real board by the :data:`TEST_IMAGE_MAGIC` in its descriptor. The body is a counter pattern (a shifted
    write shows in its MD5), padded to about ``size`` bytes."""
    from sim.firmware import PROJECT_NAME, app_version
    from sim.rom.image import AppDescriptor, pack_app

    desc = AppDescriptor(
        version=app_version(profile),
        project_name=PROJECT_NAME,
        time="00:00:00",
        date="Jan  1 2026",
        idf_ver="esp-at-suite test image",
        reserv2=TEST_IMAGE_MAGIC.ljust(72, b"\0"),
    )
    body = b"".join(i.to_bytes(4, "little") for i in range(max(size - 512, 0) // 4))
    return pack_app(desc, body)


def _is_test_app(data: bytes) -> bool:
    from sim.rom.image import APP_DESC_OFFSET, RESERV2_OFFSET, ImageError, parse_app

    if not data[:1] == bytes([ESP_IMAGE_MAGIC]):
        return False
    try:
        parse_app(data)
    except ImageError:
        return False
    at = APP_DESC_OFFSET + RESERV2_OFFSET
    return data[at : at + len(TEST_IMAGE_MAGIC)] == TEST_IMAGE_MAGIC


@dataclass(frozen=True)
class FlashPart:
    offset: int
    name: str  # the file name as the manifest gives it (for messages)
    data: bytes
    role: str | None = None  # bootloader, partition_table, at_customize, app, ota_data, mfg_nvs, factory

    @property
    def is_test_image(self) -> bool:
        return self.data.startswith(TEST_IMAGE_MAGIC) or _is_test_app(self.data)


@dataclass(frozen=True)
class FlashPlan:
    source: Path
    parts: list[FlashPart]
    flash_mode: str = "keep"
    flash_freq: str = "keep"
    flash_size: str = "keep"
    chip: str | None = None  # what the manifest says it was built for, when it says
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(p.data) for p in self.parts)


_LINE = re.compile(r"^(0x[0-9a-fA-F]+|\d+)\s+(\S+)$")
_FLAG = re.compile(r"--(flash_mode|flash_freq|flash_size|flash-mode|flash-freq|flash-size)\s+(\S+)")


def parse_download_config(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """The flags and (offset, file) lines of a download.config (Get_Started/Downloading_guide.rst)."""
    flags: dict[str, str] = {}
    entries: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--"):
            for name, value in _FLAG.findall(line):
                flags[name.replace("-", "_")] = value
            continue
        m = _LINE.match(line)
        if m is None:
            raise FlashRefused(f"download.config line {number}: expected '0xOFFSET path', got {line!r}")
        entries.append((int(m.group(1), 0), m.group(2)))
    if not entries:
        raise FlashRefused("download.config lists no '0xOFFSET path' lines")
    return flags, entries


def _parse_flasher_args(text: str) -> tuple[dict[str, str], list[tuple[int, str]], str | None]:
    try:
        doc = json.loads(text)
        files = doc["flash_files"]
        entries = sorted((int(off, 0), str(path)) for off, path in files.items())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FlashRefused(f"flasher_args.json: expected a 'flash_files' object of offsets: {exc}") from None
    settings = doc.get("flash_settings") or {}
    flags = {k: str(settings[k]) for k in ("flash_mode", "flash_freq", "flash_size") if k in settings}
    chip = (doc.get("extra_esptool_args") or {}).get("chip")
    return flags, entries, chip


def load_plan(path: Path, *, address: int = 0) -> FlashPlan:
    """Read an image or a manifest into a plan (no checks against a board yet: :func:`check_plan`)."""
    path = Path(path)
    try:
        text_or_data = path.read_bytes()
    except OSError as exc:
        raise FlashRefused(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.name.endswith(".config") or path.suffix == ".json":
        text = text_or_data.decode("utf-8", "replace")
        chip = None
        if path.suffix == ".json":
            flags, entries, chip = _parse_flasher_args(text)
        else:
            flags, entries = parse_download_config(text)
        parts = []
        for offset, name in entries:
            file = path.parent / name
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise FlashRefused(f"{path}: cannot read {name} ({file}): {exc.strerror or exc}") from None
            parts.append(FlashPart(offset, name, data, _ROLE_BY_NAME.get(Path(name).name)))
        return FlashPlan(
            path,
            parts,
            flash_mode=flags.get("flash_mode", "keep"),
            flash_freq=flags.get("flash_freq", "keep"),
            flash_size=flags.get("flash_size", "keep"),
            chip=chip,
        )
    role = "factory" if address == 0 else None
    return FlashPlan(path, [FlashPart(address, path.name, text_or_data, role)])


def _image_chip(data: bytes) -> int | None:
    if len(data) < _CHIP_ID_OFFSET + 2 or data[0] != ESP_IMAGE_MAGIC:
        return None
    return int.from_bytes(data[_CHIP_ID_OFFSET : _CHIP_ID_OFFSET + 2], "little")


def _chip_name(chip_id: int) -> str:
    return next((name for name, cid in IMAGE_CHIP_ID.items() if cid == chip_id), f"chip id {chip_id}")


def _check_esp_image(data: bytes, what: str, chip: str) -> None:
    if not data or data[0] != ESP_IMAGE_MAGIC:
        first = data[:1].hex() or "nothing"
        raise FlashRefused(
            f"{what} is not an ESP-IDF image: its first byte is 0x{first}, an image starts with 0xe9"
        )
    found = _image_chip(data)
    if found != IMAGE_CHIP_ID[chip]:
        shown = _chip_name(found) if found is not None else "no chip id"
        raise FlashRefused(f"{what} is built for {shown}, and this board is an {chip}")


def _check_partition_table(data: bytes, what: str) -> None:
    if not data.startswith(PARTITION_MAGIC):
        raise FlashRefused(
            f"{what} is not a partition table: it starts with 0x{data[:2].hex()}, a table with 0xaa50"
        )


def check_plan(plan: FlashPlan, *, chip: str, test_images: bool, board_id: str) -> list[str]:
    """Refuse what is not meant for the board (:class:`FlashRefused` naming the part and the cause); return
    notes for the log. ``test_images``: the board is a mock ROM loader that may take the suite's test images.
    """
    where = f"board {board_id}"
    notes: list[str] = []
    if plan.chip is not None and plan.chip != chip:
        raise FlashRefused(f"{plan.source} is built for {plan.chip}, and {where} is an {chip}")
    tests = [p for p in plan.parts if p.is_test_image]
    if tests:
        if not test_images:
            raise FlashRefused(
                f"{tests[0].name} is a test image of this suite (it boots nothing): refusing to write it to "
                f"{where}, a real board; only a rig board with flash.test_images: true (a mock ROM loader in "
                "CI) takes one"
            )
        notes.append(f"{len(tests)} test image(s) for the mock ROM loader of {where}")
        return notes
    layout = FACTORY_LAYOUT[chip]
    if len(plan.parts) == 1 and plan.parts[0].role == "factory":
        image = plan.parts[0].data
        boot, table = layout["bootloader"], layout["partition_table"]
        _check_esp_image(image[boot:], f"{plan.parts[0].name} (bootloader at {boot:#x})", chip)
        _check_partition_table(image[table:], f"{plan.parts[0].name} (partition table at {table:#x})")
        return notes
    roles = {p.role: p for p in plan.parts if p.role is not None}
    missing = [r for r in REQUIRED_ROLES if r not in roles]
    if missing:
        raise FlashRefused(
            f"{plan.source}: the ESP-AT factory layout needs {', '.join(missing)} too "
            "(Get_Started/Downloading_guide.rst, download.config)"
        )
    for role, part in roles.items():
        if part.offset != layout[role]:
            raise FlashRefused(
                f"{plan.source}: {part.name} goes to {part.offset:#x}, the guide's layout for {chip} puts "
                f"{role} at {layout[role]:#x} (Get_Started/Downloading_guide.rst)"
            )
    _check_esp_image(roles["bootloader"].data, roles["bootloader"].name, chip)
    _check_esp_image(roles["app"].data, roles["app"].name, chip)
    _check_partition_table(roles["partition_table"].data, roles["partition_table"].name)
    _check_partition_table(roles["at_customize"].data, roles["at_customize"].name)
    unknown = [p.name for p in plan.parts if p.role is None]
    if unknown:
        notes.append("written as given, not checked: " + ", ".join(unknown))
    return notes


def ota_app(plan: FlashPlan, *, chip: str, board_id: str) -> bytes:
    """The app image of the firmware ``plan`` writes (its ``esp-at.bin``), which an OTA server offers to
    the board so that the board comes back running the firmware under test after AT+CIUPDATE (3.3.24).

    Only a manifest names the app apart; a factory_XXX.bin does not say where its app ends, and a test image
    boots nothing: both are refused with the reason (:class:`FlashRefused`)."""
    where = f"board {board_id}"
    if any(p.is_test_image for p in plan.parts):
        raise FlashRefused(
            f"{plan.source} is a test image of this suite (it boots nothing): not an app to "
            f"offer {where} over OTA"
        )
    app = next((p for p in plan.parts if p.role == "app"), None)
    if app is None:
        raise FlashRefused(
            f"{plan.source} names no app (esp-at.bin) apart: give {where} the build's download.config or "
            "flasher_args.json as flash.image, so the OTA server can offer its app"
        )
    _check_esp_image(app.data, app.name, chip)
    return app.data
