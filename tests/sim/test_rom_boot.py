"""sim/rom/strap.py and sim/firmware.py: which boot mode the auto-reset lines give, and which firmware
the flash then boots (the app descriptor's project_name and version)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sim.firmware import BootFailure, app_version, flashed_profile, persona_name
from sim.profile import PROFILES_DIR, load_profile
from sim.rom.image import AppDescriptor, pack_app, parse_app
from sim.rom.spiflash import SpiFlash
from sim.rom.strap import EN_RISE_S, AutoReset, BootMode


def test_esptools_classic_reset_is_a_download_boot() -> None:
    # esp_pylib classic_bootloader_reset: IO0 high, EN low; then IO0 low; EN high; 50 ms; IO0 high
    s = AutoReset()
    assert s.lines(dtr=False, rts=True, now=0.0) == "reset"
    assert s.lines(dtr=True, rts=True, now=0.1) == "rising"  # both asserted: EN no longer driven
    assert s.rise_due == pytest.approx(0.1 + EN_RISE_S)
    assert s.lines(dtr=True, rts=False, now=0.101) is None  # GPIO0 low while EN rises
    assert s.risen() is BootMode.DOWNLOAD


def test_a_pulse_on_rts_alone_is_a_flash_boot() -> None:
    # esptool's hard reset (and the rig's reset: rts): EN low, then high, GPIO0 never driven
    s = AutoReset()
    s.lines(dtr=False, rts=True, now=0.0)
    assert s.lines(dtr=False, rts=False, now=0.1) == "rising"
    assert s.risen() is BootMode.FLASH


def test_a_host_opening_the_port_resets_nothing() -> None:
    # pyserial asserts DTR, then RTS, on open: GPIO0 low for a moment, EN never low
    s = AutoReset()
    assert s.lines(dtr=True, rts=False, now=0.0) is None
    assert s.lines(dtr=True, rts=True, now=0.001) is None
    assert s.risen() is None


def _app(version: str, project: str = "esp-at", chip_id: int = 0) -> bytes:
    return pack_app(AppDescriptor(version, project, "00:00:00", "Jan  1 2026", "v5.4.1"), chip_id=chip_id)


def _desc(version: str, project: str = "esp-at") -> AppDescriptor:
    return parse_app(_app(version, project)).desc


@pytest.mark.parametrize(
    ("version", "persona"),
    [
        ("v4.1.1.0", "v4.1.1.0-esp32"),
        ("v4.1.1.0-3-g1a2b3c4-dirty", "v4.1.1.0-esp32"),  # git describe of a build past the tag
        ("v5.0.0.0-qualification", "v5.0.0.0-esp32-qualification"),
        ("v5.0.0.0-wpa2-enterprise", "v5.0.0.0-esp32-wpa2-enterprise"),
    ],
)
def test_the_version_names_the_persona(version: str, persona: str) -> None:
    assert persona_name(_desc(version), "esp32") == persona


@pytest.mark.parametrize(
    ("version", "project", "says"),
    [
        ("v9.9.9.9", "esp-at", "app version 'v9.9.9.9' names no simulated firmware"),
        ("v5.0.0.0-nosuch", "esp-at", "app version 'v5.0.0.0-nosuch' names no simulated firmware"),
        ("1.0", "esp-at", "app version '1.0' names no ESP-AT release"),
        ("v5.0.0.0", "hello_world", "app project_name 'hello_world' is not 'esp-at'"),
    ],
)
def test_an_app_it_cannot_name_does_not_boot(version: str, project: str, says: str) -> None:
    with pytest.raises(BootFailure, match=says):
        persona_name(_desc(version, project), "esp32")


def test_every_profile_has_a_version_that_boots_it() -> None:
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        assert persona_name(_desc(app_version(path.stem)), "esp32") == path.stem


def _flash_with(tmp_path: Path, image: bytes) -> SpiFlash:
    flash = SpiFlash(tmp_path / "spi_flash.bin")
    flash.erase(0x100000, len(image))
    flash.write(0x100000, image)
    return flash


def test_a_board_never_flashed_boots_its_launch_firmware(tmp_path: Path) -> None:
    assert flashed_profile(SpiFlash(tmp_path / "spi_flash.bin"), load_profile()) is None


def test_the_app_at_0x100000_names_the_persona(tmp_path: Path) -> None:
    profile = flashed_profile(_flash_with(tmp_path, _app("v3.2.0.0")), load_profile())
    assert profile is not None and profile.at_version == "3.2.0.0"


def test_an_erased_app_slot_says_nothing_is_flashed_there(tmp_path: Path) -> None:
    flash = _flash_with(tmp_path, _app("v3.2.0.0"))
    flash.erase(0x100000, 0x1000)
    with pytest.raises(BootFailure) as failure:
        flashed_profile(flash, load_profile())
    assert failure.value.lines == [
        "E (302) esp_image: image at 0x100000: invalid magic byte (expected 0xE9, saw 0xFF) (nothing flashed "
        "here?)",
        "E (310) boot: No bootable app partitions in the partition table",
    ]


def test_an_app_for_another_chip_does_not_boot(tmp_path: Path) -> None:
    with pytest.raises(BootFailure, match="mismatch chip ID, expected 0, found 5"):
        flashed_profile(_flash_with(tmp_path, _app("v4.1.1.0", chip_id=5)), load_profile())


def test_a_board_whose_app_cannot_boot_never_says_ready(tmp_path: Path) -> None:
    from sim.board import Board
    from sim.output import Kind

    board = Board(load_profile(), tmp_path)
    _flash_with(tmp_path, _app("v9.9.9.9"))
    out: list[bytes] = []
    log: list[str] = []
    board.attach_output(lambda data, kind: out.append(data) if kind is Kind.BOOT else None)
    board.attach_log(log.append)
    asyncio.run(board.boot())
    assert out == [] and board.booting
    assert any("names no simulated firmware" in line for line in log)
