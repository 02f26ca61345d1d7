"""Which board each xdist worker gets."""

from __future__ import annotations

import pytest

from rigs.allocation import AllocationError, allocate
from rigs.loader import parse_rig

BENCH = parse_rig(
    "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0}\n  - {id: b, kind: serial, port: /dev/ttyUSB2}\n",
    "bench.yaml",
)
SIM = parse_rig("boards:\n  - {id: sim, kind: sim}\n", "sim.yaml")


def test_workers_take_boards_in_order() -> None:
    assert allocate(BENCH, 0, 2).board.id == "a"
    assert allocate(BENCH, 1, 2).board.id == "b"
    assert allocate(BENCH, 0, 0).worker == "main"


def test_more_workers_than_real_boards_is_a_clear_error() -> None:
    with pytest.raises(AllocationError) as info:
        allocate(BENCH, 2, 3)
    msg = str(info.value)
    assert "rig bench.yaml has 2 boards (a, b) for 3 xdist workers" in msg
    assert "gw2 has none" in msg and "-n 2 or fewer" in msg


def test_sim_template_serves_every_worker_with_its_own_instance() -> None:
    got = [allocate(SIM, i, 4) for i in range(4)]
    assert {a.board.id for a in got} == {"sim"}
    assert [a.instance for a in got] == [0, 1, 2, 3]


def test_board_option_selects_one_board() -> None:
    assert allocate(BENCH, 0, 1, board_id="b").board.id == "b"
    with pytest.raises(AllocationError, match="--board b selects 1 board"):
        allocate(BENCH, 1, 2, board_id="b")
    with pytest.raises(AllocationError, match="--board c: rig bench.yaml has no board 'c'"):
        allocate(BENCH, 0, 1, board_id="c")


def test_a_labgrid_match_serves_every_worker_and_a_named_place_one() -> None:
    lab = parse_rig(
        "boards:\n  - {id: any, kind: labgrid, labgrid: {match: {board: esp32}}}\n"
        "  - {id: eth, kind: labgrid, labgrid: {place: esp32-eth-1}}\n",
        "lab.yaml",
    )
    # one worker per entry first, then the workers beyond share the match (each acquires its own place)
    assert [allocate(lab, i, 4).board.id for i in range(4)] == ["any", "eth", "any", "any"]
    only_named = parse_rig("boards:\n  - {id: eth, kind: labgrid, labgrid: {place: p}}\n", "one.yaml")
    with pytest.raises(AllocationError, match="a real board serves one worker only"):
        allocate(only_named, 1, 2)
