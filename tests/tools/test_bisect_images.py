"""tools.bisect with ``image:`` builds (issue 19): each step's rig copy flashes the build before the session
(fixtures/boards.py, tools/flash.py), on a simulated board through its ROM loader on its flash port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tools.bisect.__main__ import main
from tools.bisect.steps import Build, ManifestError, load_manifest, rig_text
from tools.testimages import build

ROOT = Path(__file__).resolve().parents[2]


def _bench_rig(tmp_path: Path) -> Path:
    rig = tmp_path / "bench.yaml"
    rig.write_text(
        "boards:\n  - {id: bench, kind: serial, port: /dev/ttyUSB0, flash: {chip: esp32}}\n"
        "network:\n  host_address: 192.168.4.2\n"
    )
    return rig


def test_an_image_build_is_flashed_on_the_sim_flash_port_and_expects_its_persona(tmp_path: Path) -> None:
    manifest = build(tmp_path, "v3.4.0.0-esp32")
    _, text = rig_text(Build("v3.4.0.0", image=manifest), ROOT / "rigs" / "sim.yaml", None)
    board = yaml.safe_load(text)["boards"][0]
    assert board["flash"] == {"image": str(manifest), "before_session": True}
    assert board["sim"]["flash_port"] is True
    assert board["sim"].get("transport", "socket") == "socket"  # the AT port stays the rig's
    assert board["sim"]["profile"] == "v5.0.0.0-esp32-qualification"  # the launch firmware stays
    assert board["firmware"]["at_version"] == "3.4.0.0"  # what the image's app descriptor names


def test_the_manifest_takes_image_paths_relative_to_itself(tmp_path: Path) -> None:
    build(tmp_path / "images", "v4.1.1.0-esp32")
    build(tmp_path / "images", "v5.0.0.0-esp32")
    (tmp_path / "m.yaml").write_text(
        "- {id: old, image: images/v4.1.1.0-esp32/flasher_args.json}\n"
        "- {id: new, image: images/v5.0.0.0-esp32/flasher_args.json}\n"
    )
    builds = load_manifest(tmp_path / "m.yaml")
    assert [b.image for b in builds] == [
        (tmp_path / "images" / p / "flasher_args.json").resolve()
        for p in ("v4.1.1.0-esp32", "v5.0.0.0-esp32")
    ]


def test_a_test_image_is_refused_for_a_real_board_when_the_manifest_is_read(tmp_path: Path) -> None:
    manifest = build(tmp_path, "v4.1.1.0-esp32")
    with pytest.raises(
        ManifestError, match="esp-at.bin is a test image of this suite .* board bench, a real board"
    ):
        rig_text(Build("v4.1.1.0", image=manifest), _bench_rig(tmp_path), None)


def test_an_image_the_simulator_cannot_boot_is_refused_before_any_run(tmp_path: Path) -> None:
    from sim.rom.image import AppDescriptor, pack_app

    (tmp_path / "esp-at.bin").write_bytes(pack_app(AppDescriptor("v9.9.9.9", "esp-at", "", "", "")))
    (tmp_path / "flasher_args.json").write_text('{"flash_files": {"0x100000": "esp-at.bin"}}')
    with pytest.raises(ManifestError, match="cannot boot it: .*'v9.9.9.9' names no simulated firmware"):
        rig_text(Build("x", image=tmp_path / "flasher_args.json"), ROOT / "rigs" / "sim.yaml", None)


def test_flash_on_a_sim_board_without_rfc2217_is_refused_by_the_rig_loader(tmp_path: Path) -> None:
    from rigs.loader import RigFileError, load_rig

    rig = tmp_path / "rig.yaml"
    rig.write_text(
        "boards:\n  - {id: s, kind: sim, sim: {transport: socket}, flash: {image: x.json}}\n"
        "network:\n  host_address: 127.0.0.1\n"
    )
    refusal = r"'flash' on a sim board needs sim.transport: rfc2217 \(got socket\) or sim.flash_port: true"
    with pytest.raises(RigFileError, match=refusal):
        load_rig(rig)
    # the sim's own flash port needs no modem lines (sim/transport.py FlashPort)
    rig.write_text(rig.read_text().replace("{transport: socket}", "{transport: socket, flash_port: true}"))
    assert load_rig(rig).boards[0].sim.flash_port is True


@pytest.mark.slow
def test_bisection_by_flashing_finds_the_release_that_brought_a_command(tmp_path: Path) -> None:
    # spec diff v4.1.1.0 v5.0.0.0: + AT+CWBANDWIDTH (3.2.4) command added. Both steps launch the v4.1.1.0
    # persona (the base rig) and flash the build's image: the v5.0.0.0 verdict comes from the flash alone.
    for persona in ("v4.1.1.0-esp32", "v5.0.0.0-esp32"):
        build(tmp_path / "images", persona)
    (tmp_path / "m.yaml").write_text(
        "- {id: v4.1.1.0, image: images/v4.1.1.0-esp32/flasher_args.json}\n"
        "- {id: v5.0.0.0, image: images/v5.0.0.0-esp32/flasher_args.json}\n"
    )
    out = tmp_path / "bisect"
    status = main([
        "--manifest", str(tmp_path / "m.yaml"), "--rig", str(ROOT / "rigs" / "sim-v4.1.1.0.yaml"),
        "--release", "v5.0.0.0", "--reruns", "0", "--out", str(out),
        "suites/wifi/test_queries.py::test_query_matches_template[AT+CWBANDWIDTH/query]",
    ])  # fmt: skip
    report = json.loads((out / "bisect.json").read_text(encoding="utf-8"))
    assert status == 0 and report["outcome"] == "found", report
    assert (report["last_bad"], report["first_good"]) == ("v4.1.1.0", "v5.0.0.0")
    # what the older build printed differently: the unsupported command's ERROR
    assert any(line.startswith("-") and "ERROR" in line for line in report["transcript_diff"]), report
