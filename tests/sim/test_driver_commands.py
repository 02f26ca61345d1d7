"""sim/commands/driver.py: the 3.12 driver commands against the air file's scripted peripherals, in process.

Expected values come from the guide's examples (3.12.2-3.12.13) and the peripherals declared here."""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path

import pytest

from sim.profile import load_profile
from tests.sim.wifiboard import wifi_board


def in_loop(fn):
    """Run an async test body in its own event loop (as the other sim tests do with asyncio.run)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        asyncio.run(fn(*args, **kwargs))

    return wrapper


PERIPHERALS = {
    "observe_file": "periph.json",
    "source_file": "sources.json",
    "i2c": [{"port": 0, "address": 0x34, "registers": "00112233445566778899"}],
    "spi": {"kind": "memory", "size": 4096, "fill": 0xFF},
    "adc": [{"channel": 0, "millivolts": 475.12}],
}
OK = "\r\nOK\r\n"


def driver_board(peripherals=PERIPHERALS):
    return wifi_board(
        {"access_points": [], "peripherals": peripherals}, profile=load_profile("v5.0.0.0-esp32-driver")
    )


async def with_data(wb, line: str, data: bytes, final: bytes = b"OK") -> bytes:
    """A command with a data phase: the line, the ``>`` prompt (after OK), the bytes; what came after them."""
    wb.out.clear()
    wb.board.feed(line.encode() + b"\r\n")
    assert b"OK\r\n" in await wb.wait_for(b">")
    wb.board.feed(data)
    return await wb.wait_for(b"\r\n" + final + b"\r\n")


def observed(wb) -> dict:
    return json.loads((Path(wb.board.state_dir) / "periph.json").read_text())


@in_loop
async def test_default_profile_leaves_the_driver_commands_out() -> None:
    async with wifi_board({"access_points": []}) as wb:
        assert "AT+DRVADC" not in await wb.cmd("AT+CMD?")
        assert (await wb.cmd("AT+DRVADC=0,0")).endswith("ERROR\r\n")


@in_loop
async def test_adc_reads_the_declared_voltage_then_the_source_file() -> None:
    async with driver_board() as wb:
        # 3.12.2 example: 475.12 mV at 0 dB reads 2048
        assert await wb.cmd("AT+DRVADC=0,0") == "+DRVADC:2048\r\n" + OK
        assert await wb.cmd("AT+DRVADC=1,0") == "+DRVADC:0\r\n" + OK
        (Path(wb.board.state_dir) / "sources.json").write_text('{"adc": {"0": 950}}')
        assert await wb.cmd("AT+DRVADC=0,0") == "+DRVADC:4095\r\n" + OK
        (Path(wb.board.state_dir) / "sources.json").write_text("{not json")
        assert (await wb.cmd("AT+DRVADC=0,0")).endswith("ERROR\r\n")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("AT+DRVADC=8,0", "0x01070000"),
        ("AT+DRVADC=0,4", "0x01070001"),
        ("AT+DRVADC=0", "0x01060201"),
        ("AT+DRVPWMINIT=0,13,17", "0x01070000"),
        ("AT+DRVPWMINIT=5000,21,17", "0x01070001"),
        ("AT+DRVPWMINIT=5000,13,34", "0x01070002"),  # GPIO34..39 are input only
        ("AT+DRVPWMINIT=5000,20,17", "0x010a0000"),  # 5 kHz x 2^20 exceeds the 80 MHz LEDC clock
        ("AT+DRVPWMDUTY=1", "0x010a0000"),  # before AT+DRVPWMINIT
        ("AT+DRVI2CRD=0,0x34,1", "0x010a0000"),  # before AT+DRVI2CINIT
        ("AT+DRVI2CINIT=2,25,26,1000", "0x01070000"),
        ("AT+DRVI2CINIT=0,25,25,1000", "0x01070002"),
        ("AT+DRVI2CINIT=0,25,26,1000001", "0x01070003"),
        ("AT+DRVSPIINIT=102400,0,0,0,0,3", "0x010a0000"),  # before AT+DRVSPICONFGPIO
        ("AT+DRVSPIRD=2", "0x010a0000"),
    ],
)
@in_loop
async def test_refusals_carry_the_layouts_code(line, code) -> None:
    async with driver_board() as wb:
        await wb.cmd("AT+SYSLOG=1")
        assert await wb.cmd(line) == f"ERR CODE:{code}\r\n\r\nERROR\r\n"


@in_loop
async def test_pwm_duty_and_fade_reach_the_side_channel() -> None:
    async with driver_board() as wb:
        assert await wb.cmd("AT+DRVPWMINIT=5000,13,17,16,18,19") == OK
        assert await wb.cmd("AT+DRVPWMDUTY=255,512") == OK
        assert await wb.cmd("AT+DRVPWMDUTY=,,0") == OK
        pwm = observed(wb)["pwm"]
        assert (pwm["freq"], pwm["duty_res"]) == (5000, 13)
        assert [c["gpio"] for c in pwm["channels"]] == [17, 16, 18, 19]
        assert [c["duty"] for c in pwm["channels"]] == [255, 512, 0, 0]
        # 3.12.5 example, with its trailing comma
        assert await wb.cmd("AT+DRVPWMFADE=1024,1000,0,2000,") == OK
        chans = observed(wb)["pwm"]["channels"]
        assert [(c["fade_target"], c["fade_time_ms"]) for c in chans[:2]] == [(1024, 1000), (0, 2000)]
        assert chans[2]["fade_target"] is None
        # <duty> up to 2^13, <target_duty> up to 2^13 - 1; more channels than initialised
        assert await wb.cmd("AT+DRVPWMDUTY=8192") == OK
        assert (await wb.cmd("AT+DRVPWMDUTY=8193")).endswith("ERROR\r\n")
        assert (await wb.cmd("AT+DRVPWMFADE=8192,10")).endswith("ERROR\r\n")
        assert await wb.cmd("AT+DRVPWMINIT=10000,10,17") == OK
        assert (await wb.cmd("AT+DRVPWMDUTY=1,2")).endswith("ERROR\r\n")


@in_loop
async def test_i2c_write_read_and_nack() -> None:
    async with driver_board() as wb:
        assert await wb.cmd("AT+DRVI2CINIT=0,25,26,1000") == OK
        assert await wb.cmd("AT+DRVI2CWRBYTES=0,0x34,1,0x02") == OK
        # the register pointer set by the write, read with auto-increment (3.12.7 example)
        assert await wb.cmd("AT+DRVI2CRD=0,0x34,2") == "+DRVI2CRD:2233\r\n" + OK
        assert (await wb.cmd("AT+DRVI2CRD=0,0x35,2")).endswith("ERROR\r\n")
        assert await with_data(wb, "AT+DRVI2CWRDATA=0,0x34,3", b"\x05ab") == b"\r\nOK\r\n"
        dev = observed(wb)["i2c"]["0:0x34"]
        assert dev["writes"] == ["02", "056162"] and dev["registers"][10:14] == "6162"
        # data to an address nobody answers: OK and > first, ERROR after the bytes (3.12.8)
        assert await with_data(wb, "AT+DRVI2CWRDATA=0,0x35,1", b"x", b"ERROR") == b"\r\nERROR\r\n"
        assert await wb.cmd("AT+DRVI2CINIT=0") == OK
        assert (await wb.cmd("AT+DRVI2CRD=0,0x34,1")).endswith("ERROR\r\n")


@in_loop
async def test_spi_write_then_read_the_memory() -> None:
    async with driver_board() as wb:
        assert await wb.cmd("AT+DRVSPICONFGPIO=13,12,14,15") == OK
        assert await wb.cmd("AT+DRVSPIINIT=102400,0,0,0,0,3") == OK
        assert await wb.cmd("AT+DRVSPIRD=2") == "+DRVSPIRD:ffff\r\n" + OK
        assert await with_data(wb, "AT+DRVSPIWR=2,0x02,1,0x001000,3", b"\x12\x34") == b"\r\nOK\r\n"
        assert await wb.cmd("AT+DRVSPIRD=2,0x03,1,0x001000,3") == "+DRVSPIRD:1234\r\n" + OK
        assert await wb.cmd("AT+DRVSPIWR=0,0x06,1") == OK
        writes = observed(wb)["spi"]["writes"]
        assert writes == [
            {"cmd": 2, "addr": 0x1000, "data": "1234"},
            {"cmd": 6, "addr": None, "data": ""},
        ]
        assert (await wb.cmd("AT+DRVSPIRD=65")).endswith("ERROR\r\n")  # no DMA: 64 bytes at most
        assert await wb.cmd("AT+DRVSPIINIT=0") == OK
        assert (await wb.cmd("AT+DRVSPIRD=2")).endswith("ERROR\r\n")


@in_loop
async def test_restart_forgets_every_bus() -> None:
    async with driver_board() as wb:
        assert await wb.cmd("AT+DRVI2CINIT=0,25,26,1000") == OK
        await wb.reboot()
        assert (await wb.cmd("AT+DRVI2CRD=0,0x34,1")).endswith("ERROR\r\n")
