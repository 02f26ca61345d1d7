"""What the OTA peer offers a board (fixtures.servers.ota_images): a made-up app for a simulated board; for a
real one the app of the firmware under test the rig names (flash.image, tools.flashplan.ota_app), so the
board comes back after AT+CIUPDATE; without one, the OTA test is skipped, naming the board's kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.servers import ota_images
from rigs.loader import parse_rig
from servers.ota import APP_IMAGE_MAGIC
from tools.flashplan import make_test_image

ESP32_APP = bytes([0xE9, 0, 2, 0x20]) + b"\0" * 8 + (0).to_bytes(2, "little") + bytes(4096 - 14)
TABLE = b"\xaa\x50" + b"\x01" * 3070


def _board(tmp: Path, flash: str = "", sim: bool = False):
    kind = "kind: sim, sim: {}" if sim else "kind: serial, port: /dev/ttyUSB0"
    text = (
        f"boards:\n  - {{id: b1, {kind}{', flash: ' + flash if flash else ''}}}\n"
        "network:\n  host_address: 192.168.4.2\n  access_points: [{ssid: lab, password_env: LAB_PASS}]\n"
    )
    if sim:
        text = text.replace("192.168.4.2", "127.0.0.1").replace(
            "password_env: LAB_PASS", "password: sim-pass-1"
        )
    return parse_rig(text, str(tmp / "rig.yaml")).boards[0]


def _build(tmp: Path) -> Path:
    for name, data in (("bootloader.bin", ESP32_APP), ("partition-table.bin", TABLE),
                       ("at_customize.bin", TABLE), ("esp-at.bin", ESP32_APP + b"app")):  # fmt: skip
        (tmp / name).write_bytes(data)
    config = tmp / "download.config"
    config.write_text("0x1000 bootloader.bin\n0x8000 partition-table.bin\n0x20000 at_customize.bin\n"
                      "0x100000 esp-at.bin\n")  # fmt: skip
    return config


def test_a_simulated_board_gets_a_made_up_app_of_the_size_asked(tmp_path: Path) -> None:
    image = ota_images(_board(tmp_path, sim=True))(4096, 7)
    assert len(image) == 4096 and image[0] == APP_IMAGE_MAGIC


def test_a_real_board_gets_the_app_of_the_firmware_the_rig_names(tmp_path: Path) -> None:
    config = _build(tmp_path)
    image = ota_images(_board(tmp_path, f"{{image: {config}}}"))(64 * 1024, 7)
    assert image == ESP32_APP + b"app"  # esp-at.bin as built, whatever size the test asked for


def test_a_real_board_without_firmware_skips_the_ota_test_naming_its_kind(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skip:
        ota_images(_board(tmp_path))(4096, 7)
    assert "board b1 is a real board (kind serial): this OTA test would write a non-bootable image" in str(
        skip.value
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ESP32_APP, "names no app (esp-at.bin) apart"),
        (make_test_image(4096), "is a test image of this suite"),
    ],
    ids=["factory-bin", "test-image"],
)
def test_a_real_board_whose_image_offers_no_app_skips(tmp_path: Path, data: bytes, reason: str) -> None:
    image = tmp_path / "factory_ESP32.bin"
    image.write_bytes(data)
    with pytest.raises(pytest.skip.Exception) as skip:
        ota_images(_board(tmp_path, f"{{image: {image}}}"))(4096, 7)
    assert "(kind serial)" in str(skip.value) and reason in str(skip.value)
