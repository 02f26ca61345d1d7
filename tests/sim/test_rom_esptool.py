"""Issue 19: a simulated board is flashed by real esptool (``python -m esptool``) over rfc2217, and on the
next boot runs the persona the image names. The expected AT version comes from the release whose guide
the persona stands for (spec's releases: ``v4.1.1.0`` is AT version 4.1.1.0), not from the profile."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rigs.at.errors import BoardSilent, ResponseTimeout
from rigs.model import parse_gmr
from sim.rom.image import AppDescriptor, pack_app
from spec.releases import RELEASES, choose_release
from tests.sim.simproc import ROOT, SimProcess
from tools.testimages import build


def _esptool(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "esptool", "--chip", "esp32", "--port", url, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)


def _at_version(sim: SimProcess) -> str | None:
    dut = sim.session(wait_ready=False)
    try:
        dut.sync()
        return parse_gmr(dut.cmd("AT+GMR", timeout=5).lines).at_version
    finally:
        dut.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("release", "stub"), [("v4.1.1.0", True), ("v3.2.0.0", False)], ids=["stub", "no-stub"]
)
def test_esptool_write_flash_then_the_board_boots_the_flashed_release(
    tmp_path: Path, release: str, stub: bool
) -> None:
    assert release in RELEASES
    manifest = build(tmp_path / "images", f"{release}-esp32")
    sim = SimProcess("--serial", "rfc2217://127.0.0.1:0", state_dir=tmp_path / "state")
    try:
        assert _at_version(sim) == "5.0.0.0"  # the launch firmware, before anything is flashed
        flags = [] if stub else ["--no-stub"]
        done = _esptool(sim.url, *flags, "write-flash", "0x100000", str(manifest.parent / "esp-at.bin"))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Hash of data verified." in done.stdout and "Hard resetting via RTS pin" in done.stdout
        at_version = _at_version(sim)
    finally:
        sim.stop()
    assert at_version == release.removeprefix("v")
    assert choose_release(None, at_version).release == release


@pytest.mark.slow
def test_an_app_the_simulator_cannot_name_boots_to_an_error_not_to_another_firmware(tmp_path: Path) -> None:
    app = tmp_path / "hello.bin"
    app.write_bytes(pack_app(AppDescriptor("v1.0", "hello_world", "00:00:00", "Jan  1 2026", "v5.4")))
    sim = SimProcess("--serial", "rfc2217://127.0.0.1:0", "--log-port", "socket://127.0.0.1:0",
                     state_dir=tmp_path / "state")  # fmt: skip
    try:
        host, port = sim.ready["log"].removeprefix("socket://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as log:
            done = _esptool(sim.url, "write-flash", "0x100000", str(app))
            assert done.returncode == 0, done.stdout + done.stderr
            dut = sim.session(wait_ready=False)
            try:
                with pytest.raises((BoardSilent, ResponseTimeout)):
                    dut.cmd("AT", timeout=2)
            finally:
                dut.close()
            seen = b""
            while b"is not 'esp-at'" not in seen:
                chunk = log.recv(65536)
                assert chunk, seen.decode(errors="replace")[-2000:]
                seen += chunk
    finally:
        sim.stop()
    text = seen.decode(errors="replace")
    assert "E (310) boot: app project_name 'hello_world' is not 'esp-at'" in text
    assert "at-init" not in text.split("no bootable app")[-1]  # ESP-AT never started after the write


@pytest.mark.parametrize(
    ("release", "stub"), [("v3.4.0.0", True), ("v2.4.0.0", False)], ids=["stub", "no-stub"]
)
def test_the_flash_port_serves_the_rom_loader_to_esptool_without_a_reset_sequence(
    tmp_path: Path, release: str, stub: bool
) -> None:
    # sim/transport.py FlashPort: the ROM loader is there as soon as esptool connects (--before no-reset) and
    # the chip boots from flash once esptool has gone (it cannot reset a chip over a TCP socket)
    manifest = build(tmp_path / "images", f"{release}-esp32")
    sim = SimProcess("--serial", "socket://127.0.0.1:0", "--flash-port", "socket://127.0.0.1:0",
                     state_dir=tmp_path / "state")  # fmt: skip
    try:
        assert sim.ready["flash"].startswith("socket://127.0.0.1:")
        assert _at_version(sim) == "5.0.0.0"
        flags = ["--before", "no-reset"] + ([] if stub else ["--no-stub"])
        app = str(manifest.parent / "esp-at.bin")
        done = _esptool(sim.ready["flash"], *flags, "write-flash", "0x100000", app)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Hash of data verified." in done.stdout
        at_version = _at_version(sim)
    finally:
        sim.stop()
    assert at_version == release.removeprefix("v")
    assert choose_release(None, at_version).release == release


def test_a_sim_without_flash_port_says_so_in_its_ready_line(tmp_path: Path) -> None:
    with SimProcess("--serial", "socket://127.0.0.1:0", state_dir=tmp_path / "state") as sim:
        assert sim.ready["flash"] is None
