"""tools/flash.py against esp32-mock-bootloader over socket:// (the ROM loader protocol as esptool speaks
it; the mock keeps the bytes and answers SPI_FLASH_MD5, so every write is verified)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.mock_rom import mock_rom
from tools.flash import main
from tools.flashplan import make_test_image
from tools.testimages import build

MB = 1024 * 1024


def _rig(tmp_path: Path, port: str, *, test_images: bool, chip: str = "esp32") -> Path:
    path = tmp_path / "rig.yaml"
    path.write_text(
        "boards:\n"
        f"  - id: mock\n    kind: serial\n    port: '{port}'\n"
        f"    flash: {{chip: {chip}, test_images: {str(test_images).lower()}, baud: 115200}}\n"
        "network:\n  host_address: 192.168.4.2\n"
    )
    return path


def _esp_image(chip_id: int, size: int = 4096) -> bytes:
    # 8-byte header (magic 0xe9, no segments), extended header with the chip id at bytes 12..13
    head = bytes([0xE9, 0, 2, 0x20]) + b"\0" * 8 + chip_id.to_bytes(2, "little")
    return head + bytes(size - len(head))


def _table(size: int = 3072) -> bytes:
    return b"\xaa\x50" + b"\x01" * (size - 2)


def test_a_4_mb_image_is_written_and_verified_by_md5(tmp_path: Path, capsys) -> None:
    image = tmp_path / "test-4mb.bin"
    image.write_bytes(make_test_image(4 * MB))
    with mock_rom() as url:
        rc = main(["--rig", str(_rig(tmp_path, url, test_images=True)), "--board", "mock", str(image)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"board mock: {4 * MB} bytes written to the ESP32 on {url} and verified by MD5" in out


def test_the_factory_layout_of_a_download_config_goes_to_the_guides_offsets(tmp_path: Path, capsys) -> None:
    build = tmp_path / "build"
    (build / "bootloader").mkdir(parents=True)
    (build / "partition_table").mkdir()
    (build / "bootloader" / "bootloader.bin").write_bytes(_esp_image(0))
    (build / "partition_table" / "partition-table.bin").write_bytes(_table())
    (build / "at_customize.bin").write_bytes(_table())
    (build / "esp-at.bin").write_bytes(_esp_image(0, 64 * 1024))
    # the ESP32 block of Get_Started/Downloading_guide.rst, less the optional ota data and mfg_nvs parts
    (build / "download.config").write_text(
        "--flash_mode dio --flash_freq 40m --flash_size 4MB\n"
        "0x1000 bootloader/bootloader.bin\n0x8000 partition_table/partition-table.bin\n"
        "0x20000 at_customize.bin\n0x100000 esp-at.bin\n"
    )
    with mock_rom() as url:
        rig = _rig(tmp_path, url, test_images=False)
        rc = main(["--rig", str(rig), "--board", "mock", str(build / "download.config")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "bootloader/bootloader.bin@0x1000" in out and "esp-at.bin@0x100000" in out


def test_a_test_image_is_refused_on_a_real_board_before_the_port_is_opened(tmp_path: Path, capsys) -> None:
    image = tmp_path / "test.bin"
    image.write_bytes(make_test_image(4096))
    # nothing listens on this port: the refusal must come before any connection attempt
    rig = _rig(tmp_path, "socket://127.0.0.1:9", test_images=False)
    assert main(["--rig", str(rig), "--board", "mock", str(image)]) == 1
    err = capsys.readouterr().err
    assert "test.bin is a test image of this suite (it boots nothing): refusing to write it to board" in err


def test_an_image_for_another_chip_is_refused(tmp_path: Path, capsys) -> None:
    image = tmp_path / "factory.bin"
    image.write_bytes(bytes(0x1000) + _esp_image(5) + bytes(0x8000 - 0x2000) + _table())
    rig = _rig(tmp_path, "socket://127.0.0.1:9", test_images=False)
    assert main(["--rig", str(rig), "--board", "mock", str(image)]) == 1
    assert "factory.bin (bootloader at 0x1000) is built for esp32c3, and this board is an esp32" in (
        capsys.readouterr().err
    )


def test_a_rom_loader_of_another_chip_is_named(tmp_path: Path, capsys) -> None:
    image = tmp_path / "test.bin"
    image.write_bytes(make_test_image(4096))
    with mock_rom("esp32c3") as url:
        rc = main(["--rig", str(_rig(tmp_path, url, test_images=True)), "--board", "mock", str(image)])
    assert rc == 1
    assert "reports an ESP32-C3, the rig says flash.chip: esp32" in capsys.readouterr().err


def test_a_rig_without_an_image_is_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["--rig", str(_rig(tmp_path, "socket://127.0.0.1:9", test_images=False))]) == 2
    assert "names no image (flash.image) and none was given" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ("0x30000 at_customize.bin", "at_customize.bin goes to 0x30000, the guide's layout for esp32 puts "
         "at_customize at 0x20000"),
        ("", "the ESP-AT factory layout needs at_customize too"),
    ],
    ids=["moved", "missing"],
)  # fmt: skip
def test_a_manifest_off_the_guides_layout_is_refused(tmp_path: Path, lines: str, reason: str, capsys) -> None:
    for name, data in (("bootloader.bin", _esp_image(0)), ("partition-table.bin", _table()),
                       ("at_customize.bin", _table()), ("esp-at.bin", _esp_image(0))):  # fmt: skip
        (tmp_path / name).write_bytes(data)
    config = tmp_path / "download.config"
    config.write_text(f"0x1000 bootloader.bin\n0x8000 partition-table.bin\n{lines}\n0x100000 esp-at.bin\n")
    rig = _rig(tmp_path, "socket://127.0.0.1:9", test_images=False)
    assert main(["--rig", str(rig), "--board", "mock", str(config)]) == 1
    assert reason in capsys.readouterr().err


def test_a_download_config_line_that_is_not_offset_and_path_is_named(tmp_path: Path, capsys) -> None:
    config = tmp_path / "download.config"
    config.write_text("0x1000 bootloader.bin extra\n")
    rig = _rig(tmp_path, "socket://127.0.0.1:9", test_images=False)
    assert main(["--rig", str(rig), "--board", "mock", str(config)]) == 1
    assert "download.config line 1: expected '0xOFFSET path', got '0x1000 bootloader.bin extra'" in (
        capsys.readouterr().err
    )


def test_a_test_app_of_tools_testimages_is_refused_on_a_real_board(tmp_path: Path, capsys) -> None:
    manifest = build(tmp_path / "images", "v4.1.1.0-esp32")
    # nothing listens on this port: the refusal must come before any connection attempt
    rig = _rig(tmp_path, "socket://127.0.0.1:9", test_images=False)
    assert main(["--rig", str(rig), "--board", "mock", str(manifest)]) == 1
    refusal = "esp-at.bin is a test image of this suite (it boots nothing): refusing to write it to board"
    assert refusal in capsys.readouterr().err
