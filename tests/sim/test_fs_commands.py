"""3.8 AT+FS / AT+FSMOUNT on a LoopbackBoard: absent from the default build, working on the FS build."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from sim.loopback import LoopbackBoard
from sim.profile import Commands, Profile, load_profile

OK = "\r\nOK\r\n"
ERROR = "\r\nERROR\r\n"


def fs_profile() -> Profile:
    """The default profile of a build with "AT FS command support" switched on (3.8 introduction)."""
    return dataclasses.replace(load_profile(), commands=Commands(disabled=["AT+CWJEAP"]))


def run(
    body: Callable[[LoopbackBoard], Awaitable[None]],
    profile: Profile | None = None,
    state_dir: Path | None = None,
) -> None:
    async def main() -> None:
        async with LoopbackBoard.start(state_dir, profile=profile) as lb:
            assert (await lb.command("ATE0")).endswith(b"OK\r\n")
            lb.out.clear()
            await body(lb)

    asyncio.run(main())


async def cmd(lb: LoopbackBoard, line: str) -> bytes:
    lb.out.clear()
    return await lb.command(line)


async def write(lb: LoopbackBoard, name: str, offset: int, data: bytes) -> bytes:
    lb.out.clear()
    lb.send(f'AT+FS=0,1,"{name}",{offset},{len(data)}\r\n'.encode())
    await lb.wait_for(b">")
    lb.out.clear()
    lb.send(data)
    return await lb.wait_for(re.compile(rb"\r\n(OK|ERROR)\r\n"))


def test_fs_absent_from_the_default_firmware() -> None:
    # 3.8 introduction: the default firmware does not support the FS commands: unsupported (0x01090000).
    async def body(lb: LoopbackBoard) -> None:
        await cmd(lb, "AT+SYSLOG=1")
        for line in ('AT+FS=0,4,"."', "AT+FSMOUNT=1"):
            assert (await cmd(lb, line)).decode() == "ERR CODE:0x01090000\r\n" + ERROR
        listing = (await cmd(lb, "AT+CMD?")).decode()
        assert '"AT+FS"' not in listing and '"AT+FSMOUNT"' not in listing

    run(body)


def test_write_read_size_list_delete() -> None:
    data = bytes(range(256)) + b"line\r\nOK\r\n>\r\n"

    async def body(lb: LoopbackBoard) -> None:
        assert (await cmd(lb, 'AT+FS=0,4,"."')).decode() == OK
        assert (await write(lb, "a.bin", 0, data)).endswith(b"\r\nOK\r\n")
        assert (await cmd(lb, 'AT+FS=0,3,"a.bin"')).decode() == f"+FS:{len(data)}\r\n" + OK
        out = await cmd(lb, f'AT+FS=0,2,"a.bin",0,{len(data)}')
        assert out == b"+FS:%d," % len(data) + data + b"\r\n" + OK.encode()
        # a read past the end gives only what the file has (3.8.2 note)
        assert (
            await cmd(lb, 'AT+FS=0,2,"a.bin",250,1000')
            == b"+FS:%d," % (len(data) - 250) + data[250:] + b"\r\n" + OK.encode()
        )
        assert (await write(lb, "a.bin", 4, b"XY")).endswith(b"\r\nOK\r\n")
        assert await cmd(lb, 'AT+FS=0,2,"a.bin",3,4') == b"+FS:4,\x03XY\x06\r\n" + OK.encode()
        assert (await cmd(lb, 'AT+FS=0,4,"."')).decode() == "+FS:a.bin\r\n" + OK
        assert (await cmd(lb, 'AT+FS=0,0,"a.bin"')).decode() == OK
        assert (await cmd(lb, 'AT+FS=0,0,"a.bin"')).decode() == ERROR
        assert (await cmd(lb, 'AT+FS=0,3,"a.bin"')).decode() == ERROR
        assert (await cmd(lb, "AT+FSMOUNT=0")).decode() == OK
        assert (await cmd(lb, "AT+FSMOUNT=1")).decode() == OK

    run(body, fs_profile())


def test_invalid_invocations() -> None:
    async def body(lb: LoopbackBoard) -> None:
        await cmd(lb, "AT+SYSLOG=1")
        for line in (
            'AT+FS=1,4,"."',
            'AT+FS=0,5,"x"',
            'AT+FS=0,2,"x",0',
            'AT+FS=0,0,"x",0,1',
            'AT+FS=0,1,"x",0,0',
            'AT+FS=0,2,"nofile",0,10',
            'AT+FS=0,4,"sub"',
            "AT+FSMOUNT=2",
            "AT+FSMOUNT",
            "AT+FS?",
        ):
            assert (await cmd(lb, line)).endswith(b"\r\nERROR\r\n"), line

    run(body, fs_profile())


def test_files_survive_a_restart(tmp_path: Path) -> None:
    async def first(lb: LoopbackBoard) -> None:
        assert (await write(lb, "keep.txt", 0, b"kept")).endswith(b"\r\nOK\r\n")

    async def second(lb: LoopbackBoard) -> None:
        assert await cmd(lb, 'AT+FS=0,2,"keep.txt",0,4') == b"+FS:4,kept\r\n" + OK.encode()

    run(first, fs_profile(), tmp_path)
    run(second, fs_profile(), tmp_path)
