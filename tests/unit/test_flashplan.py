"""tools/flashplan.py: the guide's download.config and factory layout (Get_Started/Downloading_guide.rst)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.profile import PROFILES_DIR, load_profile
from tools.flashplan import (
    FACTORY_LAYOUT,
    TEST_IMAGE_MAGIC,
    FlashPart,
    FlashPlan,
    FlashRefused,
    check_plan,
    make_test_app,
    make_test_image,
    parse_download_config,
)

# the ESP32 block of Get_Started/Downloading_guide.rst, as the guide prints it
GUIDE_ESP32 = """\
--flash_mode dio --flash_freq 40m --flash_size 4MB
0x1000 bootloader/bootloader.bin
0x8000 partition_table/partition-table.bin
0x10000 ota_data_initial.bin
0x20000 at_customize.bin
0x21000 customized_partitions/mfg_nvs.bin
0x100000 esp-at.bin
"""


def test_the_guides_download_config_parses_to_its_flags_and_offsets() -> None:
    flags, entries = parse_download_config(GUIDE_ESP32)
    assert flags == {"flash_mode": "dio", "flash_freq": "40m", "flash_size": "4MB"}
    assert entries[0] == (0x1000, "bootloader/bootloader.bin") and entries[-1] == (0x100000, "esp-at.bin")


def test_the_esp32_layout_is_the_guides() -> None:
    _, entries = parse_download_config(GUIDE_ESP32)
    assert sorted(FACTORY_LAYOUT["esp32"].values()) == [off for off, _ in entries]


def test_a_test_image_has_its_size_and_marker() -> None:
    image = make_test_image(4 * 1024 * 1024)
    assert len(image) == 4 * 1024 * 1024 and image.startswith(TEST_IMAGE_MAGIC)
    assert make_test_image(len(TEST_IMAGE_MAGIC) + 1)[-1:] == b"\0"


def test_a_test_app_has_a_real_header_and_names_its_persona_to_esptool(tmp_path: Path) -> None:
    app = make_test_app("v5.0.0.0-esp32-qualification")
    assert app[0] == 0xE9 and app[12:14] == b"\0\0"  # an ESP32 (chip id 0) image header
    assert FlashPart(0x100000, "esp-at.bin", app).is_test_image
    # esptool's own reader of the header and of esp_app_desc_t (esptool/cmds.py image_info)
    (tmp_path / "esp-at.bin").write_bytes(app)
    info = subprocess.run(
        [sys.executable, "-m", "esptool", "--chip", "esp32", "image-info", str(tmp_path / "esp-at.bin")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Checksum: " in info and "(valid)" in info
    assert "Project name: esp-at" in info and "App version: v5.0.0.0-qualification" in info


def test_a_test_app_is_refused_for_a_real_board() -> None:
    plan = FlashPlan(
        Path("flasher_args.json"), [FlashPart(0x100000, "esp-at.bin", make_test_app("v4.1.1.0-esp32"), "app")]
    )
    with pytest.raises(FlashRefused, match="esp-at.bin is a test image of this suite .* a real board"):
        check_plan(plan, chip="esp32", test_images=False, board_id="bench")
    assert check_plan(plan, chip="esp32", test_images=True, board_id="sim")


def test_the_app_offset_is_where_every_persona_boots_from() -> None:
    for path in PROFILES_DIR.glob("*.yaml"):
        assert load_profile(path.stem).ota.running_app_addr == FACTORY_LAYOUT["esp32"]["app"], path.stem
