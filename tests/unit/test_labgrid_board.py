"""The labgrid board driver (rigs/boards/labgrid.py) against a fake labgrid-client and a scripted board on
a socket:// port standing in for the place's NetworkSerialPort: it acquires, opens the place's port,
power-cycles through the place's power resource or falls back to the rig's reset, and releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs.boards.base import BoardError
from rigs.boards.labgrid import LabgridBoard
from rigs.labgrid.client import LabgridClient, LabgridError
from rigs.labgrid.output import Resource
from rigs.loader import parse_rig
from tests.fakes.labgrid_cli import FakeLab, FakePlace
from tests.fakes.scripted_board import ScriptedBoardServer


class FakeGuard:
    made: list[FakeGuard] = []

    def __init__(self, client: LabgridClient, log: Path | None) -> None:
        self.told: list[str] = []
        self.released = self.abandoned = False
        FakeGuard.made.append(self)

    def holding(self, place: str) -> None:
        self.told.append(f"hold {place}")

    def not_holding(self, place: str) -> None:
        self.told.append(f"free {place}")

    def done(self) -> None:
        self.released = True

    def abandon(self) -> None:
        self.abandoned = True


def at_port(url: str) -> Resource:
    host, port = url.removeprefix("socket://").rsplit(":", 1)
    return Resource("NetworkSerialPort", "at", {"host": host, "port": int(port), "protocol": "raw"})


def board_on(lab: FakeLab, options: str, tmp_path: Path, reset: str = "at") -> LabgridBoard:
    rig = parse_rig(f"boards:\n  - {{id: lb, kind: labgrid, reset: {reset}, labgrid: {options}}}\n", "r.yaml")
    client = LabgridClient("labgrid-client", coordinator="lab:1", user="ci.esp-at.1", runner=lab)
    return LabgridBoard(rig.boards[0], instance=1, work_dir=tmp_path, client=client, guard=FakeGuard)


def test_open_uses_the_places_port_and_close_releases(tmp_path: Path) -> None:
    with ScriptedBoardServer() as server:
        lab = FakeLab({"esp-a": FakePlace({"board": "esp32"}, resources=[at_port(server.url)])})
        board = board_on(lab, "{match: {board: esp32}}", tmp_path)
        session = board.open()
        session.cmd("AT").assert_ok()
        assert lab.places["esp-a"].holder == "vm/ci.esp-at.1"
        ident = board.identity
        assert (ident.place, ident.at_port, ident.instance) == ("esp-a", server.url, 1)
        assert ("place", "esp-a") in ident.properties()
        guard = FakeGuard.made[-1]
        assert guard.told == ["hold esp-a"]  # told before the coordinator was asked
        board.close()
        assert lab.places["esp-a"].holder is None and guard.released and not guard.abandoned
        board.close()  # twice is harmless


def test_a_place_without_serial_port_is_released_and_named(tmp_path: Path) -> None:
    lab = FakeLab({"esp-a": FakePlace({}, resources=[Resource("NetworkPowerPort", "pdu", {})])})
    board = board_on(lab, "{place: esp-a}", tmp_path)
    with pytest.raises(LabgridError, match="place esp-a has no NetworkSerialPort"):
        board.open()
    assert lab.places["esp-a"].holder is None and FakeGuard.made[-1].released


def test_hardware_reset_power_cycles_through_the_place(tmp_path: Path) -> None:
    with ScriptedBoardServer() as server:
        pdu = Resource("NetworkPowerPort", "pdu", {"model": "gude", "host": "pdu1", "index": 3})
        lab = FakeLab({"esp-a": FakePlace({}, resources=[at_port(server.url), pdu])})
        board = board_on(lab, "{place: esp-a, power_off_s: 2}", tmp_path)
        board.open()
        what = board.hardware_reset(timeout=5)
        assert what == "power cycle through labgrid place esp-a (NetworkPowerPort pdu)"
        assert lab.power_cycles == [("esp-a", ["power", "cycle", "-t", "2", "--name", "pdu"])]
        board.open().cmd("AT").assert_ok()  # the port was opened again
        board.close()


def test_without_power_the_rigs_reset_applies(tmp_path: Path) -> None:
    with ScriptedBoardServer() as server:
        lab = FakeLab({"esp-a": FakePlace({}, resources=[at_port(server.url)])})
        board = board_on(lab, "{place: esp-a}", tmp_path, reset="at")
        board.open()
        with pytest.raises(BoardError, match="no hardware reset: the rig says reset: at"):
            board.hardware_reset(timeout=5)
        assert lab.power_cycles == []
        board.close()


def test_the_guard_releases_only_when_the_run_went_without_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rigs.labgrid.guard import guard, places_left

    assert places_left(["hold a\n", "hold b\n", "free a\n", "hold c\n", "hold b\n"]) == ["b", "c"]
    assert places_left(["hold a\n", "released\n", "hold b\n"]) is None
    assert places_left(["what is this\n", "hold\n"]) == []
    monkeypatch.setenv("LG_HOSTNAME", "vm")
    lab = FakeLab({"esp-a": FakePlace({}, holder="vm/ci.esp-at.1"), "esp-b": FakePlace({})})
    client = LabgridClient("labgrid-client", coordinator=None, user="ci.esp-at.1", runner=lab)
    assert guard(client, io.StringIO("hold esp-a\nreleased\n")) == []  # the run released it itself
    assert lab.places["esp-a"].holder == "vm/ci.esp-at.1" and lab.calls == []
    # end of input alone: the run is gone; esp-b (asked for, never granted) is tried and left alone
    assert guard(client, io.StringIO("hold esp-b\nhold esp-a\n")) == ["esp-a"]
    assert lab.calls == [
        ["-p", "esp-b", "release-from", "vm/ci.esp-at.1"],
        ["-p", "esp-a", "release-from", "vm/ci.esp-at.1"],
    ]
    assert lab.places["esp-a"].holder is None
    assert guard(client, io.StringIO("hold esp-a\n")) == []  # nothing left to release: said, not raised


def test_the_guard_process_takes_back_a_place_its_run_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real guard process (``python -m rigs.labgrid.guard``) against the fake labgrid-client run as a
    program: told ``hold``, then its pipe closed without ``released`` (what a SIGKILL does), it releases."""
    import sys

    from rigs.labgrid.guard import Guard

    state = tmp_path / "lab.json"
    state.write_text('{"esp-a": "vm/ci.esp-at.1"}')
    program = tmp_path / "labgrid-client"
    program.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"state = json.load(open({str(state)!r}))\n"
        "args = sys.argv[1:]\n"
        "place = args[args.index('-p') + 1]\n"
        "if args[-2] == 'release-from' and state.get(place) == args[-1]:\n"
        "    state[place] = None\n"
        f"    json.dump(state, open({str(state)!r}, 'w'))\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    program.chmod(0o755)
    client = LabgridClient(program, coordinator=None, user="ci.esp-at.1")
    monkeypatch.setenv("LG_HOSTNAME", "vm")
    log = tmp_path / "guard.log"
    g = Guard(client, log)
    g.holding("esp-a")
    g.abandon()
    assert state.read_text() == '{"esp-a": null}', log.read_text()
    assert "released place esp-a held by the dead run ci.esp-at.1" in log.read_text()


def test_sigterm_releases_then_dies_of_the_signal(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    marker = tmp_path / "closed"
    script = f"""
import os, pathlib, signal
from rigs.boards import labgrid

class Held:
    def close(self):
        pathlib.Path({str(marker)!r}).write_text("released")

held = Held()
labgrid._open_boards.add(held)
assert labgrid.release_on_sigterm() and labgrid.release_on_sigterm()  # once installed, it stays ours
os.kill(os.getpid(), signal.SIGTERM)
"""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert marker.read_text() == "released"


def test_a_programs_own_sigterm_handler_is_kept() -> None:
    import signal

    from rigs.boards.labgrid import release_on_sigterm

    def own(signum: int, frame: object) -> None: ...

    previous = signal.signal(signal.SIGTERM, own)
    try:
        assert release_on_sigterm() is False and signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_refused_place_is_untold_and_a_failed_acquire_abandons_the_guard(tmp_path: Path) -> None:
    with ScriptedBoardServer() as server:
        lab = FakeLab(
            {
                "esp-a": FakePlace({"board": "esp32"}, race=True),
                "esp-b": FakePlace({"board": "esp32"}, resources=[at_port(server.url)]),
            }
        )
        board = board_on(lab, "{match: {board: esp32}}", tmp_path)
        board.open()
        assert FakeGuard.made[-1].told == ["hold esp-a", "free esp-a", "hold esp-b"]
        board.close()
    lab = FakeLab({"esp-a": FakePlace({}, holder="bench/bob")})
    board = board_on(lab, "{place: esp-a, acquire_timeout: 0.01}", tmp_path)
    with pytest.raises(LabgridError, match="no place esp-a became free"):
        board.open()
    assert FakeGuard.made[-1].abandoned and not FakeGuard.made[-1].released
