"""sim/commands/user.py: the 3.14 user commands in process, against the guide and the public handler
(components/at/src/at_user_cmd.c at v5.0.0.0: plain ERROR for every refusal, WRITE OK after a write, reads
in pieces of 1024 bytes with no line end)."""

from __future__ import annotations

import pytest

from tests.sim.test_driver_commands import in_loop, with_data
from tests.sim.wifiboard import wifi_board

OK = "\r\nOK\r\n"
PLAIN = "ERR CODE:0x010a0000\r\n\r\nERROR\r\n"


@in_loop
async def test_userram_allocate_write_read_clear_release() -> None:
    async with wifi_board({"access_points": []}) as wb:
        assert await wb.cmd("AT+USERRAM?") == "+USERRAM:0\r\n" + OK
        assert await wb.cmd("AT+USERRAM=1,2048") == OK
        assert await wb.cmd("AT+USERRAM?") == "+USERRAM:2048\r\n" + OK
        assert await with_data(wb, "AT+USERRAM=2,5,1020", b"hello", b"WRITE OK") == b"\r\nWRITE OK\r\n"
        assert await wb.cmd("AT+USERRAM=3,5,1020") == "+USERRAM:5,hello" + OK
        # 3.14.2 note: more than 1024 bytes come in pieces of 1024
        whole = await wb.cmd("AT+USERRAM=3,1030")
        assert whole == "+USERRAM:1024," + "\x00" * 1020 + "hell" + "+USERRAM:6,o" + "\x00" * 5 + OK
        assert await wb.cmd("AT+USERRAM=4") == OK
        assert await wb.cmd("AT+USERRAM=3,5,1020") == "+USERRAM:5," + "\x00" * 5 + OK
        assert await wb.cmd("AT+USERRAM=0") == OK
        assert await wb.cmd("AT+USERRAM?") == "+USERRAM:0\r\n" + OK


@pytest.mark.parametrize(
    "line",
    [
        "AT+USERRAM=3,4",  # nothing allocated
        "AT+USERRAM=0",
        "AT+USERRAM=5",
        'AT+USERRAM="1",4',
        "AT+USERRAM=1,0",
        "AT+USERRAM=1",
        "AT+USERMCUSLEEP=0",  # no wake-up configuration
        "AT+USERWKMCUCFG=1,3,18,1,10",
        "AT+USERWKMCUCFG=1,2,0,1,10",  # only UART1
        "AT+USERWKMCUCFG=1,1,18,2,10",
        "AT+USERWKMCUCFG=1,1,18,1,60001",
        "AT+USERWKMCUCFG=1,1,18,1,10,8",  # bit 3: not implemented
    ],
)
@in_loop
async def test_refusals_are_plain_errors(line) -> None:
    async with wifi_board({"access_points": []}) as wb:
        await wb.cmd("AT+SYSLOG=1")
        assert await wb.cmd(line) == PLAIN


@in_loop
async def test_wake_configuration_and_mcu_sleep() -> None:
    async with wifi_board({"access_points": []}) as wb:
        assert await wb.cmd("AT+USERWKMCUCFG=0") == OK  # already disabled: OK
        assert await wb.cmd("AT+USERWKMCUCFG=1,1,18,1,10000,3") == OK
        assert (await wb.cmd("AT+USERWKMCUCFG=1,1,18,1,10000,3")).endswith("ERROR\r\n")
        assert await wb.cmd("AT+USERMCUSLEEP=1") == OK
        assert (await wb.cmd("AT+USERWKMCUCFG=0")).endswith("ERROR\r\n")  # refused while the MCU sleeps
        assert await wb.cmd("AT+USERMCUSLEEP=0") == OK
        assert await wb.cmd("AT+USERWKMCUCFG=0") == OK


@in_loop
async def test_userdocs_names_both_guides() -> None:
    async with wifi_board({"access_points": []}) as wb:
        out = await wb.cmd("AT+USERDOCS?")
        assert out == (
            '+USERDOCS:"https://docs.espressif.com/projects/esp-at/en/latest/esp32/index.html"\r\n'
            '+USERDOCS:"https://docs.espressif.com/projects/esp-at/zh_CN/latest/esp32/index.html"\r\n' + OK
        )
