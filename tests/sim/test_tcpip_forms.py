"""TCP/IP command forms (3.3) on an in-memory board: queries, ranges, refusals that need no network."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from sim.loopback import LoopbackBoard


def run(fn: Callable[[LoopbackBoard], Awaitable[None]], state: Path | None = None) -> None:
    async def main() -> None:
        async with LoopbackBoard.start(state) as lb:
            await fn(lb)

    asyncio.run(main())


async def cmd(lb: LoopbackBoard, line: str) -> str:
    return (await lb.command(line)).decode()


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("AT+CIPMUX?", "+CIPMUX:0"),
        ("AT+CIPMODE?", "+CIPMODE:0"),
        ("AT+CIPDINFO?", "+CIPDINFO:false"),
        ("AT+CIPSTO?", "+CIPSTO:180"),
        ("AT+CIPSERVERMAXCONN?", "+CIPSERVERMAXCONN:5"),
        ("AT+CIPRECONNINTV?", "+CIPRECONNINTV:1"),
        ("AT+CIPSENDLCFG?", "+CIPSENDLCFG:1024,2920"),
        ("AT+CIPRECVTYPE?", "+CIPRECVTYPE:0,0"),
        ("AT+CIPRECVMODE?", "+CIPRECVMODE:0,0"),
        ("AT+CIPRECVLEN?", "+CIPRECVLEN:"),
        ("AT+CIPSERVER?", "+CIPSERVER:0"),
        ("AT+CIPSSLCCONF?", "+CIPSSLCCONF:0,0,0,0"),
        ("AT+CIPTCPOPT?", "+CIPTCPOPT:0,-1,0,0,0"),
        ("AT+CIPCONNPERSIST?", "+CIPCONNPERSIST:0,0,0,0,0"),
    ],
)
def test_factory_defaults(line: str, answer: str) -> None:
    async def body(lb: LoopbackBoard) -> None:
        out = await cmd(lb, line)
        assert f"\r\n{answer}\r\n" in f"\r\n{out}" and out.endswith("\r\nOK\r\n"), out

    run(body)


@pytest.mark.parametrize(
    "line",
    [
        "AT+CIPSTO=7201",
        "AT+CIPSERVERMAXCONN=0",
        "AT+CIPSERVERMAXCONN=6",
        "AT+CIPRECONNINTV=0",
        "AT+CIPSENDLCFG=99",
        "AT+CIPSENDLCFG=100,2921",
        "AT+CIPMUX=2",
        "AT+CIPMODE=2",
        "AT+CIPDINFO=2",
        'AT+CIPSTART="TCP","127.0.0.1",70000',
        'AT+CIPSTART="FTP","127.0.0.1",80',
        "AT+CIPSEND=8193",
        "AT+CIPSEND=0",
    ],
)
def test_out_of_range_is_error(line: str) -> None:
    async def body(lb: LoopbackBoard) -> None:
        assert (await cmd(lb, line)).endswith("\r\nERROR\r\n")

    run(body)


def test_refusals_without_network_or_link() -> None:
    async def body(lb: LoopbackBoard) -> None:
        # no Wi-Fi: no connection (the board has no address to bind)
        assert (await cmd(lb, 'AT+CIPSTART="TCP","127.0.0.1",80')).endswith("\r\nERROR\r\n")
        assert (await cmd(lb, "AT+CIPSEND=4")).endswith("\r\nERROR\r\n")  # no link
        assert (await cmd(lb, "AT+CIPSEND")).endswith("\r\nERROR\r\n")  # not in AT+CIPMODE=1
        assert (await cmd(lb, "AT+CIPCLOSE")).endswith("\r\nERROR\r\n")
        assert (await cmd(lb, "AT+CIPSERVER=1,80")).endswith("\r\nERROR\r\n")  # needs AT+CIPMUX=1
        assert (await cmd(lb, "AT+CIPRECVDATA=10")).endswith("\r\nERROR\r\n")  # not passive
        assert (await cmd(lb, "AT+CIPMUX=1")).endswith("\r\nOK\r\n")
        assert (await cmd(lb, "AT+CIPMODE=1")).endswith("\r\nERROR\r\n")  # passthrough is point to point
        assert (await cmd(lb, "AT+CIPSERVERMAXCONN=1")).endswith("\r\nOK\r\n")
        assert (await cmd(lb, "AT+CIPMODE=1")).endswith("\r\nOK\r\n")  # a one-client server may
        assert (await cmd(lb, "AT+CIPMUX=0")).endswith("\r\nOK\r\n")
        assert (await cmd(lb, "AT+CIPMODE=1")).endswith("\r\nOK\r\n")
        assert (await cmd(lb, "AT+CIPMUX=1")).endswith("\r\nERROR\r\n")  # 3.3.15: needs AT+CIPMODE=0
        assert (await cmd(lb, "AT+CIPRECVTYPE=1")).endswith("\r\nERROR\r\n")  # not in passthrough mode

    run(body)


def test_multi_link_settings_apply_per_link_and_to_all() -> None:
    async def body(lb: LoopbackBoard) -> None:
        await cmd(lb, "AT+CIPMUX=1")
        assert (await cmd(lb, "AT+CIPRECVTYPE=3,1")).endswith("\r\nOK\r\n")
        out = await cmd(lb, "AT+CIPRECVTYPE?")
        assert "+CIPRECVTYPE:3,1\r\n" in out and "+CIPRECVTYPE:2,0\r\n" in out
        assert (await cmd(lb, "AT+CIPTCPOPT=5,0,1,2000,60")).endswith("\r\nOK\r\n")
        out = await cmd(lb, "AT+CIPTCPOPT?")
        assert all(f"+CIPTCPOPT:{i},0,1,2000,60\r\n" in out for i in range(5)), out
        assert (await cmd(lb, 'AT+CIPSSLCSNI=2,"example.org"')).endswith("\r\nOK\r\n")
        out = await cmd(lb, "AT+CIPSSLCSNI?")
        assert '+CIPSSLCSNI:2,"example.org"\r\n' in out and '+CIPSSLCSNI:1,""\r\n' in out

    run(body)


def test_saved_settings_follow_sysstore(tmp_path: Path) -> None:
    async def first(lb: LoopbackBoard) -> None:
        await cmd(lb, "AT+CIPRECONNINTV=50")
        await cmd(lb, "AT+CIPSSLCCONF=2,0,0")
        await cmd(lb, "AT+CIPTCPOPT=-1,1,0,0")
        await cmd(lb, "AT+SYSSTORE=0")
        await cmd(lb, "AT+CIPRECONNINTV=70")  # not saved

    async def second(lb: LoopbackBoard) -> None:
        assert "+CIPRECONNINTV:50\r\n" in await cmd(lb, "AT+CIPRECONNINTV?")
        assert "+CIPSSLCCONF:0,2,0,0\r\n" in await cmd(lb, "AT+CIPSSLCCONF?")
        assert "+CIPTCPOPT:0,-1,1,0,0\r\n" in await cmd(lb, "AT+CIPTCPOPT?")
        assert "+CIPMUX:0\r\n" in await cmd(lb, "AT+CIPMUX?")  # not a saved setting

    run(first, tmp_path)
    run(second, tmp_path)
