"""The rig's peripherals (rigs/model/peripherals.py) and their side channel on a simulated board
(rigs/boards/periph.py): validation that names the field, the air section the simulator accepts, and the
observe/source files read and written the way sim/periph writes and reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rigs.boards import make_board
from rigs.boards.base import BoardError
from rigs.boards.periph import PeripheralObserver, SimPeripherals, observer_of, sim_air_section
from rigs.loader import load_rig
from sim.periph.model import PeripheralBench
from sim.periph.schema import Peripherals
from sim.validate import build
from tests.unit.test_rig_loader import problems

ROOT = Path(__file__).resolve().parents[2]
I2C = "{port: 0, scl: 25, sda: 26, address: 0x34, registers: '0011'}"


def board(extra: str, kind: str = "sim") -> str:
    return f"boards:\n  - {{id: a, kind: {kind}, {extra}}}\n"


def test_the_driver_rig_declares_every_peripheral_capability() -> None:
    b = load_rig(ROOT / "rigs" / "sim-driver.yaml").boards[0]
    assert {"i2c-device", "spi-device", "adc-source", "pwm-observer"} <= b.capabilities
    assert b.peripherals is not None and b.peripherals.observer == "sim"
    assert b.peripherals.i2c[0].address == 0x34 and b.peripherals.adc[0].millivolts == 475.12


def test_a_peripheral_capability_needs_its_device() -> None:
    (msg,) = problems(board("capabilities: [i2c-device, adc-source]"))
    assert msg == (
        "boards[0]: capabilities adc-source, i2c-device need their devices under 'peripherals' "
        "(peripherals.adc, peripherals.i2c)"
    )


def test_the_sim_observer_is_for_simulated_boards_only() -> None:
    (msg,) = problems(board(f"port: /dev/ttyUSB0, peripherals: {{observer: sim, i2c: [{I2C}]}}", "serial"))
    assert "only for boards of kind sim" in msg


@pytest.mark.parametrize(
    ("device", "field", "what"),
    [
        ("{scl: 25, sda: 26, address: 0x80}", "address", "7-bit address"),
        ("{scl: 25, sda: 25, address: 0x34}", "", "scl and sda must be different"),
        ("{scl: 34, sda: 26, address: 0x34}", "scl", "0..33"),
        ("{scl: 25, sda: 26, address: 0x34, registers: abc}", "registers", "even number of hex digits"),
    ],
)
def test_a_bad_i2c_device_names_the_field(device, field, what) -> None:
    (msg,) = problems(board(f"peripherals: {{i2c: [{device}]}}"))
    assert msg.startswith(f"boards[0].peripherals.i2c[0]{'.' + field if field else ''}: ") and what in msg


def test_two_devices_on_one_address_are_refused() -> None:
    (msg,) = problems(board(f"peripherals: {{i2c: [{I2C}, {I2C}]}}"))
    assert "share a port and an address" in msg


def test_the_air_section_is_what_the_simulator_accepts() -> None:
    b = load_rig(ROOT / "rigs" / "sim-driver.yaml").boards[0]
    assert b.peripherals is not None
    doc = sim_air_section(b.peripherals, Path("/o.json"), Path("/s.json"))
    parsed = build(Peripherals, doc)
    assert parsed.i2c[0].registers == b.peripherals.i2c[0].registers
    assert (parsed.observe_file, parsed.source_file) == ("/o.json", "/s.json")


def bench_and_observer(tmp_path: Path) -> tuple[PeripheralBench, SimPeripherals]:
    obs = SimPeripherals(tmp_path / "o.json", tmp_path / "s.json", "a")
    bench = PeripheralBench.from_config(
        build(Peripherals, {"i2c": [{"address": 0x34, "registers": "00112233"}], "spi": {}})
    )
    return bench, obs


def test_the_observer_reads_what_the_simulator_snapshots(tmp_path: Path) -> None:
    bench, obs = bench_and_observer(tmp_path)
    with pytest.raises(BoardError, match="wrote no peripheral observations"):
        obs.pwm()
    bench.i2c_write(0, 0x34, b"\x01\xaa")
    bench.spi_write(3, 0x1000, b"\x12")
    bench.pwm_init(5000, 13, [17])
    bench.pwm[0].duty = 7
    obs.observe_file.write_text(json.dumps(bench.snapshot()))
    seen = obs.i2c(0, 0x34)
    assert seen.writes == (b"\x01\xaa",) and seen.registers == bytes.fromhex("00aa2233")
    assert obs.spi_writes()[0].addr == 0x1000 and obs.spi_writes()[0].data == b"\x12"
    pwm = obs.pwm()
    assert (pwm.freq, pwm.duty_res, pwm.outputs[0].duty) == (5000, 13, 7)
    with pytest.raises(BoardError, match=r"no I2C device 0x35 on port 0"):
        obs.i2c(0, 0x35)


def test_set_adc_writes_what_the_simulator_reads(tmp_path: Path) -> None:
    bench, obs = bench_and_observer(tmp_path)
    obs.set_adc(0, 475.12)
    obs.set_adc(3, 1000)
    bench.apply_sources(json.loads(obs.source_file.read_text()))
    assert bench.adc_read(0, 0) == 2048 and bench.adc_mv[3] == 1000


def test_only_a_sim_observer_is_offered(tmp_path: Path) -> None:
    rig = load_rig(ROOT / "rigs" / "sim-driver.yaml")
    b = make_board(rig.boards[0], rig, work_dir=tmp_path)
    assert isinstance(observer_of(b), PeripheralObserver)
    # a rig that declares no peripherals (rigs/sim.yaml declares the 3.12 examples' devices since its board
    # runs the qualification build)
    plain = load_rig(ROOT / "rigs" / "sim-fs.yaml")
    assert plain.boards[0].peripherals is None
    assert observer_of(make_board(plain.boards[0], plain, work_dir=tmp_path)) is None
