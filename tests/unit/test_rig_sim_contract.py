"""The sim driver against the real simulator (python -m sim): the command-line contract of sim/README.md,
over each serial transport it offers. Talks raw bytes, so only the driver and the simulator are involved."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rigs.boards.serial import open_port
from rigs.boards.sim import SimBoard
from rigs.loader import parse_rig


# pyserial 3.5's rfc2217 client calls Thread.setDaemon/setName, deprecated since Python 3.10.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:serial.rfc2217")
@pytest.mark.parametrize("transport", ["socket", "pty", "rfc2217"])
def test_real_simulator_starts_answers_and_stops(transport: str, tmp_path: Path) -> None:
    rig = parse_rig(
        f"boards:\n  - {{id: s, kind: sim, sim: {{transport: {transport}, log_port: false}}}}\n"
        "network:\n  access_points: [{ssid: esp-at-lab, password: lab-pass-1}]\n",
        "contract.yaml",
    )
    board = SimBoard(rig.boards[0], rig, instance=2, work_dir=tmp_path)
    try:
        ready = board.start()
        assert ready.instance == 2
        port = open_port(ready.serial, 115200, rtscts=False, what="AT port", board_id="s")
        try:
            # The boot output ends with "ready" (3.17), but pyserial's socket and rfc2217 clients drop
            # bytes that arrive while they open the port, so it may be gone: the proof of life is AT/OK.
            got = b""
            deadline = time.monotonic() + 30
            while b"\r\nOK\r\n" not in got and time.monotonic() < deadline:
                port.write(b"AT\r\n")
                attempt_end = time.monotonic() + 1.0
                while b"\r\nOK\r\n" not in got and time.monotonic() < attempt_end:
                    got += port.read(64)
            assert b"AT\r\n\r\nOK\r\n" in got  # echo (ATE1, the default) then OK
        finally:
            port.close()
    finally:
        code = board.stop()
    assert code == 0  # SIGTERM: exit 0 after closing its sockets (sim/README.md)
