"""Board drivers: the sim driver against a fake simulator that keeps the sim/README.md contract, the
serial driver's port errors, and the choice of the labgrid driver (tested in tests/unit/test_labgrid_*)."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import serial
import yaml

from rigs.boards import BoardError, make_board
from rigs.boards import sim as sim_driver
from rigs.boards.air import SimServices, air_document
from rigs.boards.serial import SerialBoard
from rigs.boards.sim import SimBoard, parse_ready_line, sim_command
from rigs.loader import RigFileError, load_rig, parse_rig
from rigs.model import Rig

ROOT = Path(__file__).resolve().parents[2]
FAKE_SIM = ROOT / "tests" / "fakes" / "fake_sim.py"


def fake_rig(*fake_args: str, ready_timeout: float = 20.0) -> Rig:
    command = json.dumps([sys.executable, str(FAKE_SIM), *fake_args])
    text = (
        "boards:\n"
        f"  - {{id: s, kind: sim, sim: {{command: {command}, ready_timeout: {ready_timeout}, seed: 7}}}}\n"
        "network:\n"
        "  host_address: 127.0.0.1\n"
        "  access_points:\n"
        "    - {ssid: esp-at-lab, password: lab-pass-1, ecn: 3, channel: 6, rssi: -45,"
        "       bssid: '24:0a:c4:00:01:10'}\n"
    )
    return parse_rig(text, "fake.yaml")


def start(rig: Rig, tmp_path: Path, instance: int = 0) -> SimBoard:
    board = make_board(rig.boards[0], rig, instance=instance, work_dir=tmp_path)
    assert isinstance(board, SimBoard)
    return board


def test_air_document_comes_from_the_rig_network() -> None:
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    assert rig.boards[0].sim is not None
    doc = air_document(rig, rig.boards[0].sim)
    first = doc["access_points"][0]
    assert (first["ssid"], first["password"], first["ecn"], first["channel"]) == (
        "esp-at-lab",
        "sim-only-pass",
        3,
        6,
    )
    assert first["network"]["gateway"] == "127.0.0.1" and first["network"]["dns"] == ["127.0.0.1"]
    assert first["network"]["pool_start"] == "127.64.0.10"
    assert [ap["ssid"] for ap in doc["access_points"]] == [ap.ssid for ap in rig.network.access_points]
    assert doc["stations"] == [{"mac": "02:00:00:00:10:01", "join_after_s": 0.2}]


def test_sim_extras_pass_into_the_air_file() -> None:
    rig = parse_rig(
        "boards:\n  - {id: s, kind: sim, sim: {air: {wps: {ssid: lab}}}}\n"
        "network:\n  access_points: [{ssid: lab, password: lab-pass-1, sim: {hidden: true, pmf: 2}}]\n",
        "r.yaml",
    )
    assert rig.boards[0].sim is not None
    doc = air_document(rig, rig.boards[0].sim)
    assert doc["wps"] == {"ssid": "lab"}
    assert (doc["access_points"][0]["hidden"], doc["access_points"][0]["pmf"]) == (True, 2)


def test_sim_extras_cannot_override_what_the_rig_sets() -> None:
    with pytest.raises(RigFileError) as info:
        parse_rig("boards:\n  - {id: s, kind: sim, sim: {air: {access_points: []}}}\n", "r.yaml")
    assert info.value.problems[0].startswith("boards[0].sim.air: access_points may not be set here")
    with pytest.raises(RigFileError) as info:
        parse_rig(
            "boards:\n  - {id: s, kind: sim}\n"
            "network:\n  access_points: [{ssid: l, ecn: 0, sim: {ecn: 3}}]\n",
            "r.yaml",
        )
    assert info.value.problems[0] == (
        "network.access_points[0].sim: ecn: set on the access point itself, not under 'sim'"
    )


def test_air_services_name_the_host_servers_ports() -> None:
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    assert rig.boards[0].sim is not None
    assert "services" not in air_document(rig, rig.boards[0].sim)  # the simulator's defaults: 53, 123
    services = SimServices(dns_port=5353, sntp_port=1123, ota_url="http://127.0.0.1:8080", ota_token="t")
    doc = air_document(rig, rig.boards[0].sim, services)
    assert doc["services"] == {
        "dns_port": 5353,
        "sntp_port": 1123,
        "ota": {"url": "http://127.0.0.1:8080", "token": "t"},
    }


def test_sim_command_follows_the_contract(tmp_path: Path) -> None:
    rig = parse_rig(
        "boards:\n  - {id: s, kind: sim, sim: {seed: 3, faults: f.yaml, transport: pty}}\n",
        tmp_path / "r.yaml",
    )
    assert rig.boards[0].sim is not None
    cmd = sim_command(rig.boards[0].sim, air_file=tmp_path / "a.yaml", instance=2)
    assert cmd[:3] == [sys.executable, "-m", "sim"]
    args = cmd[3:]
    assert args[args.index("--serial") + 1] == "pty"
    assert args[args.index("--instance") + 1] == "2"
    assert args[args.index("--seed") + 1] == "3"
    assert args[args.index("--air") + 1] == str(tmp_path / "a.yaml")
    assert args[args.index("--faults") + 1] == str(tmp_path / "f.yaml")
    assert args[args.index("--log-port") + 1] == "socket://127.0.0.1:0"
    assert "--flash-port" not in args  # only with sim.flash_port


def test_sim_command_serves_a_flash_port_when_the_rig_asks(tmp_path: Path) -> None:
    rig = parse_rig("boards:\n  - {id: s, kind: sim, sim: {flash_port: true}}\n", tmp_path / "r.yaml")
    assert rig.boards[0].sim is not None
    args = sim_command(rig.boards[0].sim, air_file=tmp_path / "a.yaml", instance=0)
    assert args[args.index("--flash-port") + 1] == "socket://127.0.0.1:0"


def test_ready_line_parsing() -> None:
    ready = parse_ready_line('{"event": "ready", "serial": "socket://127.0.0.1:5", "log": null, "pid": 9}')
    assert (ready.serial, ready.log, ready.pid, ready.flash) == ("socket://127.0.0.1:5", None, 9, None)
    ready = parse_ready_line(
        '{"event": "ready", "serial": "socket://127.0.0.1:5", "flash": "socket://127.0.0.1:6"}'
    )
    assert ready.flash == "socket://127.0.0.1:6"
    with pytest.raises(ValueError, match="expected one JSON ready line on stdout, got 'booting'"):
        parse_ready_line("booting")
    with pytest.raises(ValueError, match='no "serial" URL'):
        parse_ready_line('{"event": "ready"}')


def test_sim_board_starts_and_serves_the_air_it_was_given(tmp_path: Path) -> None:
    record = tmp_path / "argv.json"
    board = start(fake_rig("--fake-record", str(record)), tmp_path, instance=3)
    try:
        ready = board.start()
        assert ready.instance == 3 and ready.serial.startswith("socket://127.0.0.1:")
        argv = json.loads(record.read_text())
        assert argv[argv.index("--instance") + 1] == "3"
        air = yaml.safe_load(Path(argv[argv.index("--air") + 1]).read_text())
        assert air["access_points"][0]["ssid"] == "esp-at-lab"
        ident = board.identity
        assert (ident.board_id, ident.instance, ident.at_port) == ("s", 3, ready.serial)
        # Talk to it on the reported URL: the fake lists the air file's AP for AT+CWLAP.
        port = serial.serial_for_url(ready.serial, timeout=5)
        try:
            port.write(b"AT+CWLAP\r\n")
            text = b""
            deadline = time.monotonic() + 10
            while b"OK\r\n" not in text and time.monotonic() < deadline:
                text += port.read(1)
            assert b'+CWLAP:(3,"esp-at-lab",-45,"24:0a:c4:00:01:10",6)' in text
        finally:
            port.close()
    finally:
        code = board.stop()
    assert code == 0  # SIGTERM makes the simulator exit 0
    assert "instance 3 starting" in board.stderr_log.read_text()  # the stderr log is kept


def test_simulator_that_dies_is_reported_with_its_stderr(tmp_path: Path) -> None:
    board = start(fake_rig("--fake-mode", "die"), tmp_path)
    with pytest.raises(BoardError) as info:
        board.start()
    msg = str(info.value)
    assert msg.startswith("board s: the simulator (")
    assert "exited with code 2 before it was ready" in msg or "closed stdout (exit code 2)" in msg
    assert "access_points[0].ssid: expected a string" in msg
    assert str(board.stderr_log) in msg


def test_simulator_that_never_gets_ready_times_out(tmp_path: Path) -> None:
    board = start(fake_rig("--fake-mode", "silent", ready_timeout=5.0), tmp_path)
    with pytest.raises(
        BoardError, match=r"(?s)printed no ready line within 5 s; its stderr .*instance 0 starting"
    ):
        board.start()
    assert board.returncode == 0  # stopped with SIGTERM after the failure


def test_simulator_ready_line_that_is_not_json(tmp_path: Path) -> None:
    board = start(fake_rig("--fake-mode", "garbage"), tmp_path)
    with pytest.raises(BoardError, match="expected one JSON ready line on stdout, got 'booting...'"):
        board.start()


def test_simulator_ignoring_sigterm_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim_driver, "STOP_GRACE_S", 0.5)
    board = start(fake_rig("--fake-mode", "stubborn"), tmp_path)
    board.start()
    assert board.stop() == -9  # SIGKILL after the grace period


def test_missing_simulator_program(tmp_path: Path) -> None:
    rig = parse_rig("boards:\n  - {id: s, kind: sim, sim: {command: [/nonexistent/simulator]}}\n", "r.yaml")
    with pytest.raises(BoardError, match="board s: cannot start the simulator '/nonexistent/simulator'"):
        start(rig, tmp_path).start()


def test_serial_board_port_error_names_board_and_port() -> None:
    rig = parse_rig(
        "boards:\n  - {id: b1, kind: serial, port: /dev/nonexistent-esp, baud: 921600}\n", "r.yaml"
    )
    board = SerialBoard(rig.boards[0])
    with pytest.raises(
        BoardError, match="board b1: cannot open its AT port /dev/nonexistent-esp at 921600 baud"
    ):
        board.open()
    board.close()  # nothing left open; closing is harmless


def test_labgrid_board_gets_the_labgrid_driver(tmp_path: Path) -> None:
    from rigs.boards.labgrid import LabgridBoard

    rig = parse_rig("boards:\n  - {id: lg, kind: labgrid, labgrid: {place: esp-1}}\n", "r.yaml")
    board = make_board(rig.boards[0], rig, work_dir=tmp_path)
    assert isinstance(board, LabgridBoard)
    with pytest.raises(BoardError, match="board lg: not open"):
        _ = board.identity


def test_serial_board_records_at_and_log_port() -> None:
    from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer

    log_server = socket.create_server(("127.0.0.1", 0))

    def serve_log() -> None:
        conn, _ = log_server.accept()
        # Repeated: pyserial's socket client drops what arrives while it is still opening the port.
        with conn:
            try:
                while True:
                    conn.sendall(b"I (1) at-engine: hello from UART0\r\n")
                    time.sleep(0.1)
            except OSError:
                return

    threading.Thread(target=serve_log, daemon=True).start()
    log_url = f"socket://127.0.0.1:{log_server.getsockname()[1]}"
    with ScriptedBoardServer(ScriptedBoard(name="s1")) as at_server:
        rig = parse_rig(
            f"boards:\n  - {{id: s1, kind: serial, port: '{at_server.url}', log_port: '{log_url}'}}\n",
            "r.yaml",
        )
        board = SerialBoard(rig.boards[0])
        try:
            session = board.open()
            assert board.open() is session  # one session per board
            assert session.cmd("AT").ok
            deadline = time.monotonic() + 10
            while b"hello from UART0" not in session.transcript.data("log") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert b"hello from UART0" in session.transcript.data("log")
            assert board.identity.log_port == log_url
        finally:
            board.close()
            log_server.close()


def test_enterprise_ap_goes_into_the_air_file_as_the_simulator_reads_it() -> None:
    from sim.wifi.air import parse_air

    rig = parse_rig(
        "boards:\n  - {id: s, kind: sim}\n"
        "network:\n  access_points:\n"
        "    - {ssid: corp, ecn: 5,\n"
        "       enterprise: {method: 1, identity: id@lab, username: alice, password: pw}}\n",
        "r.yaml",
    )
    assert rig.boards[0].sim is not None
    doc = air_document(rig, rig.boards[0].sim)
    ap = parse_air(doc).access_points[0]
    assert ap.effective_ecn == 5 and ap.password == ""
    assert ap.enterprise is not None
    assert (
        ap.enterprise.methods,
        ap.enterprise.identity,
        ap.enterprise.username,
        ap.enterprise.password,
    ) == (
        [1],
        "id@lab",
        "alice",
        "pw",
    )
