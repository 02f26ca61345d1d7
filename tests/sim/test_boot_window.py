"""Input in the boot window, between reset and ``ready`` (3.17: ``ready`` = "the ESP-AT firmware is ready"):
the simulated board takes none of it, as a real board has no AT engine on its UART before then, and the
engine is never left busy by a command sent there (issue 14: an AT+CWJAP sent right after AT+RST's OK
printed its reports, never its final result, and every later line got ``busy p...``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.sim.wifiboard import WifiBoard, wifi_board

AIR: dict[str, Any] = {
    "access_points": [
        {"ssid": "lab", "password": "sim-only-pass", "ecn": 3, "channel": 6, "rssi": -40},
    ]
}


async def _restart_and_send(b: WifiBoard, line: bytes) -> bytes:
    """AT+RST, then ``line`` right after its OK (inside the boot window); what the board said after OK."""
    b.out.clear()
    b.board.feed(b"AT+RST\r\n")
    await b.wait_for(b"\r\nOK\r\n")
    b.board.feed(line)
    said = await b.wait_for(b"ready\r\n", timeout=5.0)
    await asyncio.sleep(0.3)  # long enough for a join the board had wrongly started to report
    said += bytes(b.out)
    b.out.clear()
    return said


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b'AT+CWJAP="lab","sim-only-pass"\r\n', id="cwjap"),
        pytest.param(b"AT+RST\r\n", id="rst"),
        pytest.param(b"AT+GMR\r\nAT\r\n", id="two-lines"),
    ],
)
def test_input_before_ready_is_dropped_and_the_engine_stays_free(line: bytes) -> None:
    async def main() -> None:
        async with wifi_board(AIR) as b:
            await b.cmd("AT+CWMODE=1")
            said = await _restart_and_send(b, line)
            # Only the boot: no echo, no report, no result of the dropped line.
            assert said == b"\r\nready\r\n", said
            # The next command is answered at once, not with "busy p...".
            assert await b.cmd("AT") == "\r\nOK\r\n"
            boot = b.board.boot_count
            assert (await b.cmd("AT+RST")).endswith("OK\r\n")
            await b.wait_for(b"ready\r\n")
            assert b.board.boot_count == boot + 1

    asyncio.run(main())


def test_a_join_after_ready_still_runs() -> None:
    async def main() -> None:
        async with wifi_board(AIR) as b:
            await b.cmd("AT+CWMODE=1")
            await _restart_and_send(b, b"")
            text = await b.cmd('AT+CWJAP="lab","sim-only-pass"')
            assert "WIFI CONNECTED" in text and "WIFI GOT IP" in text and text.endswith("\r\nOK\r\n"), text

    asyncio.run(main())
