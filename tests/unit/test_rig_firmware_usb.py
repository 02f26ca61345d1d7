"""Rig board fields of issue 24: the expected firmware (AT+GMR, 3.1.3), ports named by USB identity
(rigs/boards/usb.py, with a fake list_ports), and reset_command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from rigs.boards.base import BoardError
from rigs.boards.serial import SerialBoard
from rigs.boards.usb import find_port
from rigs.loader import RigFileError, load_rig
from rigs.model import BoardConfig, FirmwareExpectation, UsbPort, parse_gmr

ROOT = Path(__file__).resolve().parents[2]

# The guide's AT+GMR example (Basic_AT_Commands.rst, v5.0.0.0), {IDF_TARGET_NAME} as ESP32.
GUIDE_GMR = [
    "AT version:2.2.0.0-dev(ca41ec4 - ESP32 - Sep 16 2020 11:28:17)",
    "SDK version:v4.0.1-193-ge7ac221b4",
    "compile time(98b95fc):Oct 29 2020 11:23:25",
    "Bin version:2.1.0(MINI-1)",
]


def test_parse_gmr_reads_the_guides_example() -> None:
    info = parse_gmr(GUIDE_GMR)
    assert (info.at_version, info.sdk_version, info.bin_version, info.module) == (
        "2.2.0.0-dev",
        "v4.0.1-193-ge7ac221b4",
        "2.1.0",
        "MINI-1",
    )
    assert parse_gmr(["garbage", ""]).at_version is None


def test_firmware_mismatch_names_field_expected_and_actual() -> None:
    want = FirmwareExpectation(at_version="5.0.0.0", module="WROOM-32")
    assert want.mismatches(["AT version:5.0.0.0(x - ESP32 - d)", "Bin version:v5.0.0.0(WROOM-32)"]) == []
    problems = want.mismatches(GUIDE_GMR)
    assert problems == [
        "AT version: expected '5.0.0.0', the board reports '2.2.0.0-dev'",
        "module (Bin version line): expected 'WROOM-32', the board reports 'MINI-1'",
    ]
    assert want.mismatches(["nonsense"])[0].endswith("the board reports nothing in the guide's form")


def _rig(tmp_path: Path, board: str) -> Path:
    p = tmp_path / "rig.yaml"
    p.write_text(f"boards:\n  - {board}\n")
    return p


@pytest.mark.parametrize(
    ("board", "message"),
    [
        ("{id: a, kind: serial, port: /dev/x, firmware: {}}", "boards[0].firmware: state at least one of"),
        (
            "{id: a, kind: serial, port: /dev/x, firmware: {at_vers: 1}}",
            "boards[0].firmware.at_vers: unknown key",
        ),
        ("{id: a, kind: serial, port_usb: {vid_pid: xyz}}", "boards[0].port_usb.vid_pid: expected four hex"),
        ("{id: a, kind: serial, port_usb: {}}", "boards[0].port_usb: name the port by serial_number"),
        ("{id: a, kind: serial, port: /dev/x, port_usb: {serial_number: A1}}", "give 'port' or 'port_usb'"),
        ("{id: a, kind: serial, port: /dev/x, reset: command}", "'reset: command' and 'reset_command"),
        (
            "{id: a, kind: serial, port: /dev/x, reset_command: [uhubctl]}",
            "'reset: command' and 'reset_command",
        ),
        ("{id: a, kind: sim, port_usb: {serial_number: A1}}", "'port_usb' and 'log_port_usb' are for serial"),
    ],
)
def test_bad_fields_are_named(tmp_path: Path, board: str, message: str) -> None:
    with pytest.raises(RigFileError) as err:
        load_rig(_rig(tmp_path, board))
    assert message in str(err.value)


def test_good_fields_load(tmp_path: Path) -> None:
    rig = load_rig(
        _rig(
            tmp_path,
            "{id: a, kind: serial, port_usb: {serial_number: A1, vid_pid: 10C4:EA60}, "
            "log_port_usb: {location: '1-1.4:1.0'}, reset: command, "
            "reset_command: [uhubctl, -l, '1-1', -a, cycle], firmware: {at_version: 5.0.0.0}}",
        )
    )
    b = rig.boards[0]
    assert b.port_usb == UsbPort(serial_number="A1", vid_pid="10c4:ea60")
    assert b.has_log_port and b.reset_command == ["uhubctl", "-l", "1-1", "-a", "cycle"]


def test_sim_rig_states_its_firmware() -> None:
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    assert rig.boards[0].firmware == FirmwareExpectation(at_version="5.0.0.0", module="WROOM-32")


@dataclass
class FakePort:
    device: str
    serial_number: str | None = None
    location: str | None = None
    vid: int | None = None
    pid: int | None = None


PORTS = [
    FakePort("/dev/ttyUSB0", "A1", "1-1.1:1.0", 0x10C4, 0xEA60),
    FakePort("/dev/ttyUSB1", "B2", "1-1.2:1.0", 0x10C4, 0xEA60),
    FakePort("/dev/ttyACM0", None, "1-1.3:1.0", 0x303A, 0x1001),
]


def test_find_port_by_serial_number_location_and_vid_pid() -> None:
    lp = lambda: PORTS  # noqa: E731
    assert (
        find_port(UsbPort(serial_number="B2"), board_id="a", what="AT port", list_ports=lp) == "/dev/ttyUSB1"
    )
    assert (
        find_port(UsbPort(location="1-1.1:1.0"), board_id="a", what="AT port", list_ports=lp)
        == "/dev/ttyUSB0"
    )
    assert (
        find_port(UsbPort(vid_pid="303a:1001"), board_id="a", what="AT port", list_ports=lp) == "/dev/ttyACM0"
    )


def test_find_port_errors_name_what_the_host_has() -> None:
    lp = lambda: PORTS  # noqa: E731
    with pytest.raises(
        BoardError, match=r"no AT port matches USB port serial_number=Z9; this host has /dev/ttyUSB0"
    ):
        find_port(UsbPort(serial_number="Z9"), board_id="a", what="AT port", list_ports=lp)
    with pytest.raises(BoardError, match=r"2 ports match USB port vid_pid=10c4:ea60 .* tell them apart"):
        find_port(UsbPort(vid_pid="10c4:ea60"), board_id="a", what="AT port", list_ports=lp)
    with pytest.raises(BoardError, match="no USB serial ports at all"):
        find_port(UsbPort(serial_number="A1"), board_id="a", what="log port", list_ports=list)


def test_serial_board_resolves_its_port_at_every_open() -> None:
    """After a re-enumeration the same serial number is on another path; the next open finds it there."""
    ports = list(PORTS)
    config = BoardConfig(id="a", kind="serial", port_usb=UsbPort(serial_number="A1"))
    board = SerialBoard(config, list_ports=lambda: ports)
    assert board._resolve() == ("/dev/ttyUSB0", None)
    assert board.identity.at_port == "/dev/ttyUSB0"
    ports[0] = FakePort("/dev/ttyUSB3", "A1", "1-1.1:1.0", 0x10C4, 0xEA60)
    assert board._resolve() == ("/dev/ttyUSB3", None)
    ports.pop(0)
    with pytest.raises(BoardError, match="no AT port matches"):
        board.open()


def test_serial_board_hardware_reset_without_a_means_says_so() -> None:
    board = SerialBoard(BoardConfig(id="a", kind="serial", port="loop://"))
    with pytest.raises(BoardError, match="no hardware reset: the rig says reset: at"):
        board.hardware_reset()


def test_reset_command_failure_quotes_it(tmp_path: Path) -> None:
    import sys

    config = BoardConfig(
        id="a", kind="serial", port="loop://", reset="command",
        reset_command=[sys.executable, "-c", "import sys; print('hub 1-1 not found'); sys.exit(3)"],
    )  # fmt: skip
    with pytest.raises(BoardError, match="exited 3: hub 1-1 not found"):
        SerialBoard(config).hardware_reset(timeout=1)


def test_reset_command_runs_and_the_board_is_reopened(tmp_path: Path) -> None:
    """A board that no longer answers gets the rig's power-switch command (e.g. uhubctl -a cycle), then its
    port is opened again; what was done is returned for the transcript."""
    import sys

    mark = tmp_path / "cycled"
    argv = [sys.executable, "-c", f"open({str(mark)!r}, 'w').write('1')"]
    board = SerialBoard(
        BoardConfig(id="a", kind="serial", port="loop://", reset="command", reset_command=argv)
    )
    try:
        assert board.hardware_reset(timeout=5) == "reset command " + " ".join(argv)
        assert mark.read_text() == "1" and board._session is not None
    finally:
        board.close()
