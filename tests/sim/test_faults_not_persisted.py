"""The not_persisted fault rule (sim/FAULTS.md): the named command's setting applies but is not written to
flash, so AT+RST brings back the saved value (3.1.28 AT+SYSSTORE=1 says it should have been saved); other
commands still save. Used by tools/mutants."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sim.faults import FaultFileError, parse_faults
from sim.loopback import LoopbackBoard


def after_restart(rules: list[dict[str, Any]]) -> tuple[bytes, bytes, bytes]:
    async def main() -> tuple[bytes, bytes, bytes]:
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml")) as lb:
            lb.board.at.echo = False
            for line in ("AT+SYSSTORE=1", "AT+SYSMSG=4", "AT+CWMODE=3"):
                assert (await lb.command(line)).endswith(b"OK\r\n"), line
            before = await lb.command("AT+SYSMSG?")
            lb.send(b"AT+RST\r\n")
            await lb.wait_for(b"ready\r\n")
            lb.board.at.echo = False
            return before, await lb.command("AT+SYSMSG?"), await lb.command("AT+CWMODE?")

    return asyncio.run(main())


def test_setting_applies_but_is_lost_at_restart() -> None:
    before, sysmsg, cwmode = after_restart([{"kind": "not_persisted", "command": "AT+SYSMSG"}])
    assert before.startswith(b"+SYSMSG:4\r\n")
    assert sysmsg.startswith(b"+SYSMSG:0\r\n")  # the default, 3.1.15
    assert cwmode.startswith(b"+CWMODE:3\r\n")  # other commands still save


def test_faithful_board_keeps_it() -> None:
    _, sysmsg, _ = after_restart([])
    assert sysmsg.startswith(b"+SYSMSG:4\r\n")


def test_not_persisted_needs_command() -> None:
    with pytest.raises(FaultFileError, match="not_persisted needs 'command'"):
        parse_faults({"rules": [{"kind": "not_persisted"}]}, "t.yaml")
