"""Watchdog of the command engine (issue 14): no sequence of input leaves the simulated board answering
``busy p...`` for good. Hypothesis generates sequences of command lines (long ones such as AT+CWJAP and
AT+CWLAP among them, and TCP/IP connection attempts), AT+RST in the middle of any of them (with the line, a
moment later while it runs, or inside its line), bytes right after a restart (before ``ready``),
garbage and pauses; after each sequence, within a bounded wait, ``AT`` is answered OK (3.1.2), twice in a
row, with nothing else.

In-process (sim.board with the real engine, as tests/sim/wifiboard.py), derandomized with a bounded number
of examples so the verdict is repeatable and the test runs in CI in well under a minute. A board with the
``wedge_after_line`` fault (sim/FAULTS.md) shows the check catches a wedged engine; with the boot-window
fix of ecf3e1f undone (input before ``ready`` fed to the engine), the sequence test fails too (tried:
``AT+RST`` then ``AT+CWJAP`` in the boot window, then ``busy p...`` to every ``AT`` for 8 s).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.board import Board
from sim.commands import load_all
from sim.faults import parse_faults
from sim.identity import Identity
from sim.profile import load_profile
from sim.wifi.air import parse_air
from tests.sim.wifiboard import WifiBoard

AIR: dict[str, Any] = {
    "access_points": [{"ssid": "lab", "password": "sim-only-pass", "ecn": 3, "channel": 6, "rssi": -40}]
}

#: After a sequence, how long the board may take to become free (the longest command of the pool, a join
#: or a restart, with room to spare); then ``AT`` must be answered.
SETTLE_S = 8.0

LINES = [
    b"AT",
    b"AT+GMR",
    b"ATE0",
    b"ATE1",
    b"AT+CWMODE=1",
    b"AT+CWMODE=3",
    b'AT+CWJAP="lab","sim-only-pass"',
    b'AT+CWJAP="lab","wrong-password"',
    b'AT+CWJAP="nowhere","x"',
    b"AT+CWLAP",
    b"AT+CWQAP",
    b"AT+SYSRAM?",
    b"AT+RST",
    b"AT+RESTORE",
    b"AT+CIPSEND=5",
    # TCP/IP (3.3): a connection attempt to a closed local port, a ping, passive receive, a server
    b"AT+CIPMUX=1",
    b'AT+CIPSTART="TCP","127.0.0.1",1',
    b'AT+CIPSTART=0,"UDP","127.0.0.1",9,0,0',
    b'AT+PING="127.0.0.1"',
    b"AT+CIPRECVTYPE=1",
    b"AT+CIPSERVER=1,0",
    b"AT+CIPCLOSE=5",
    b"AT+SYSTIMESTAMP?",
    b"#junk",
]

line = st.sampled_from(LINES).map(lambda text: ("line", text + b"\r\n"))
rst_during = st.sampled_from(LINES).map(lambda text: ("line", text + b"\r\nAT+RST\r\n"))
#: AT+RST a moment into a command (while it runs, or after its result), or in the middle of its line.
rst_later = st.tuples(
    st.just("rst_later"), st.tuples(st.sampled_from(LINES), st.sampled_from([0.0, 0.01, 0.1, 0.5]))
)
rst_in_line = st.tuples(st.sampled_from(LINES), st.integers(min_value=1, max_value=12)).map(
    lambda t: ("line", t[0][: t[1]] + b"AT+RST\r\n")
)
after_restart = st.tuples(st.just("after_restart"), st.sampled_from(LINES + [b"\x00\xff"]))
garbage = st.binary(min_size=1, max_size=40).map(lambda b: ("bytes", b))
pause = st.sampled_from([0.0, 0.005, 0.05, 0.2]).map(lambda s: ("pause", s))
SEQUENCES = st.lists(
    st.one_of(line, rst_during, rst_later, rst_in_line, after_restart, garbage, pause), min_size=1, max_size=8
)

EXAMPLES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow,),
)


@asynccontextmanager
async def board(faults: dict | None = None) -> AsyncIterator[WifiBoard]:
    load_all()
    with tempfile.TemporaryDirectory(prefix="sim-watchdog-") as tmp:
        b = Board(
            load_profile(),
            Path(tmp),
            identity=Identity(instance=0),
            air=parse_air(AIR),
            faults=parse_faults(faults, "watchdog.yaml") if faults else None,
        )
        wb = WifiBoard(b)
        await b.boot()
        await wb.wait_for(b"ready\r\n")
        try:
            yield wb
        finally:
            b.hold_reset()


async def play(b: WifiBoard, steps: list[tuple[str, Any]]) -> None:
    for kind, value in steps:
        if kind == "line" or kind == "bytes":
            b.board.feed(value)
        elif kind == "rst_later":
            text, delay = value
            b.board.feed(text + b"\r\n")
            await asyncio.sleep(delay)
            b.board.feed(b"AT+RST\r\n")
        elif kind == "after_restart":
            b.board.feed(b"AT+RST\r\n")
            await asyncio.sleep(0.01)  # the restart has begun: these bytes come before its ready
            b.board.feed(value + b"\r\n")
        else:
            await asyncio.sleep(value)
        await asyncio.sleep(0)


async def answers_at(b: WifiBoard) -> None:
    """Within SETTLE_S, ``AT`` (terminating whatever line or data a step left open) is answered OK; then
    ``AT`` twice more gets exactly its echo and OK."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_S
    got = b""
    while True:
        b.out.clear()
        b.board.feed(b"\r\nAT\r\n")  # the CR LF ends a line a step left without one
        try:
            await b.wait_for(b"\r\nOK\r\n", timeout=0.5)
            break
        except TimeoutError:
            got = bytes(b.out[-200:])
        assert loop.time() < deadline, f"no OK to AT within {SETTLE_S} s; last output {got!r}"
    b.board.feed(b"ATE1\r\n")
    await b.wait_for(b"\r\nOK\r\n", timeout=2.0)
    await asyncio.sleep(0.3)  # a late answer to something the sequence sent: let it come and go
    for _ in range(2):
        assert await b.cmd("AT", timeout=2.0) == "\r\nOK\r\n"


@settings(EXAMPLES)
@given(steps=SEQUENCES)
def test_no_sequence_leaves_the_engine_busy(steps) -> None:
    async def main() -> None:
        async with board() as b:
            await play(b, steps)
            await answers_at(b)

    asyncio.run(main())


def test_the_watchdog_catches_a_wedged_engine() -> None:
    """The same check on an engine that wedges after a line (sim/FAULTS.md ``wedge_after_line``) fails."""

    async def main() -> None:
        async with board({"rules": [{"kind": "wedge_after_line", "match": "CWLAP"}]}) as b:
            await play(b, [("line", b"AT+CWLAP\r\n"), ("pause", 0.2)])
            await answers_at(b)

    with pytest.raises(AssertionError, match="no OK to AT within"):
        asyncio.run(main())
