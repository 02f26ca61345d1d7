"""tools/flashplan.py: the guide's download.config and factory layout (Get_Started/Downloading_guide.rst)."""

from __future__ import annotations

from tools.flashplan import FACTORY_LAYOUT, TEST_IMAGE_MAGIC, make_test_image, parse_download_config

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
