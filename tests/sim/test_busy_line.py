"""A line that arrives while a command runs (3.17 ``busy p...``): echoed like any line under ATE1 (3.1.7),
then, with AT+SYSLOG=1, ``ERR CODE:0x010b0000`` (3.1.26 ESP_AT_SUB_CMD_PROCESSING, "processing of previous
command is in progress") and a blank line, then ``busy p...``; the line is not run. Real boards print it so:
espressif/esp-at issue #105 (ESP32 AT v1.1: ``AT`` / ``ERR CODE:0x010b0000`` / blank / ``busy p...``) and
#731 (2023: the echo of ``AT+CIPRECVDATA=0,654``, then the same code and ``busy p...``). The simulator used
to print ``busy p...`` alone, with no echo and no code."""

from __future__ import annotations

import asyncio

import pytest

from tests.sim.test_watchdog import board

JOIN = b'AT+CWJAP="lab","sim-only-pass"\r\n'


@pytest.mark.parametrize(
    ("setup", "refusal"),
    [
        # at_user_cmd.c prints "\r\nbusy p...\r\n": after an ERR CODE line its CR LF is #105's blank line
        ([], b"AT+GMR\r\n\r\nbusy p...\r\n"),
        (["AT+SYSLOG=1"], b"AT+GMR\r\nERR CODE:0x010b0000\r\n\r\nbusy p...\r\n"),
        (["ATE0"], b"\r\nbusy p...\r\n"),
        (["ATE0", "AT+SYSLOG=1"], b"ERR CODE:0x010b0000\r\n\r\nbusy p...\r\n"),
    ],
    ids=["echo", "echo-syslog", "no-echo", "no-echo-syslog"],
)
def test_line_while_busy(setup, refusal) -> None:
    async def main() -> None:
        async with board() as b:
            for line in ["AT+CWMODE=1", *setup]:
                b.board.feed(line.encode() + b"\r\n")
                await b.wait_for(b"\r\nOK\r\n", 2.0)
            b.out.clear()
            b.board.feed(JOIN + b"AT+GMR\r\n")  # the second line arrives while the join runs
            said = await b.wait_for(b"WIFI GOT IP\r\n\r\nOK\r\n", 5.0)
            head = said.removeprefix(JOIN if "ATE0" not in setup else b"")
            assert head.startswith(refusal), said
            assert b"AT version:" not in said  # AT+GMR was not run

    asyncio.run(main())
