"""The hold_until fault rule (sim/FAULTS.md): a message overtaken by later ones, released right after the
message it waits for, or after its timeout; never lost. Used by tools/mutants for SEND OK after +IPD."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sim.faults import FaultFileError, parse_faults
from sim.loopback import LoopbackBoard

OK = b"\r\nOK\r\n"


def run(rules: list[dict[str, Any]], lines: list[str], settle: float = 0.0) -> list[bytes]:
    async def main() -> list[bytes]:
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml", seed=1)) as lb:
            lb.board.at.echo = False
            out = [await lb.command(line, timeout=3) for line in lines]
            if settle:
                await asyncio.sleep(settle)
                out.append(lb.take())
            return out

    return asyncio.run(main())


def test_held_message_goes_out_after_the_one_it_waits_for() -> None:
    rule = {"kind": "hold_until", "match": r"^\+SYSLOG:", "until": r"^\+SYSSTORE:", "seconds": 10}
    out = run([rule], ["AT+SYSLOG?", "AT+SYSSTORE?"])
    assert out[0] == OK  # the information line was overtaken by the final result
    assert out[1] == b"+SYSSTORE:1\r\n+SYSLOG:0\r\n" + OK


def test_held_message_is_released_by_its_timeout() -> None:
    rule = {"kind": "hold_until", "match": r"^\+SYSLOG:", "until": "^never$", "seconds": 0.2}
    out = run([rule], ["AT+SYSLOG?"], settle=0.5)
    assert out[0] == OK
    assert out[1] == b"+SYSLOG:0\r\n"


def test_hold_until_needs_until() -> None:
    with pytest.raises(FaultFileError, match="hold_until needs 'until'"):
        parse_faults({"rules": [{"kind": "hold_until", "match": "^OK$"}]}, "t.yaml")
    with pytest.raises(FaultFileError, match="until"):
        parse_faults({"rules": [{"kind": "hold_until", "match": "^OK$", "until": "("}]}, "t.yaml")
