"""The rig option ``flash.before_session`` (fixtures/boards.py ``_flash_before_session``): each worker writes
its board's ``flash.image`` through the ROM loader before the board is opened, against esp32-mock-bootloader
over socket:// (tests/fakes/mock_rom.py, as tests/tools/test_flash.py); what was written is the run property
``<board>.flashed``. A refusal or a failed write stops the board's run with the reason, before any test."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.fakes.mock_rom import mock_rom
from tests.plugin.plugin_helpers import junit, run, suite_properties
from tools.flashplan import make_test_image

ROOT = Path(__file__).resolve().parents[2]
TEST = "def test_at(dut):\n    dut.cmd('AT').assert_ok()\n"


def _rig(pytester: pytest.Pytester, port: str, *, test_images: bool = True) -> Path:
    image = pytester.path / "test-256k.bin"
    image.write_bytes(make_test_image(256 * 1024))
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    rig["boards"] = rig["boards"][:1]
    # the simulated board's ROM loader is the mock: the AT side stays the simulator's
    flash = {"image": str(image), "port": port, "test_images": test_images, "baud": 115200}
    rig["boards"][0]["flash"] = {**flash, "before_session": True}
    path = pytester.path / "rig.yaml"
    path.write_text(yaml.safe_dump(rig))
    return path


def test_each_board_is_flashed_and_verified_before_the_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TEST)
    xml = pytester.path / "junit.xml"
    with mock_rom() as url:
        result = run(pytester, _rig(pytester, url), f"--junitxml={xml}")
    result.assert_outcomes(passed=1)
    props = suite_properties(junit(xml))
    board = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())["boards"][0]["id"]
    assert props[f"{board}.flashed"].startswith(
        f"board {board}: {256 * 1024} bytes written to the ESP32 on {url} and verified by MD5"
    ), props


@pytest.mark.parametrize(
    ("with_mock", "test_images", "reason"),
    [
        (True, False, "*flashing before the session: test-256k.bin is a test image of this suite*"),
        (False, True, "*flashing before the session: board * no ROM loader answers on socket://127.0.0.1:9*"),
    ],
    ids=["refused", "no-rom-loader"],
)
def test_a_board_that_cannot_be_flashed_runs_no_test(
    pytester: pytest.Pytester, with_mock: bool, test_images: bool, reason: str
) -> None:
    pytester.makepyfile(TEST)
    if with_mock:
        with mock_rom() as url:
            result = run(pytester, _rig(pytester, url, test_images=test_images))
    else:
        result = run(pytester, _rig(pytester, "socket://127.0.0.1:9", test_images=test_images))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([reason])
