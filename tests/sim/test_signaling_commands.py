"""sim/commands/signaling.py: AT+FACTPLCP as the public at_fact_cmd.c (tag v5.0.0.0) answers it: OK for
0/1 with 0/1, the plain ERROR (0x010a0000) for anything else, and no other form."""

from __future__ import annotations

import pytest

from tests.sim.test_driver_commands import in_loop
from tests.sim.wifiboard import wifi_board

OK = "\r\nOK\r\n"
PLAIN = "ERR CODE:0x010a0000\r\n\r\nERROR\r\n"


@in_loop
async def test_every_combination_is_ok() -> None:
    async with wifi_board({"access_points": []}) as wb:
        for line in ("AT+FACTPLCP=1,1", "AT+FACTPLCP=1,0", "AT+FACTPLCP=0,1", "AT+FACTPLCP=0,0"):
            assert await wb.cmd(line) == OK, line


@pytest.mark.parametrize(
    "line", ["AT+FACTPLCP=1", "AT+FACTPLCP=2,0", "AT+FACTPLCP=1,-1", 'AT+FACTPLCP="1",1', "AT+FACTPLCP=1,1,1"]
)
@in_loop
async def test_refusals_are_plain(line: str) -> None:
    async with wifi_board({"access_points": []}) as wb:
        assert await wb.cmd("AT+SYSLOG=1") == OK
        assert await wb.cmd(line) == PLAIN, line


@in_loop
async def test_no_query_form() -> None:
    async with wifi_board({"access_points": []}) as wb:
        assert await wb.cmd("AT+SYSLOG=1") == OK
        assert await wb.cmd("AT+FACTPLCP?") == "ERR CODE:0x010c0000\r\n\r\nERROR\r\n"
