"""Each fault rule kind (sim/FAULTS.md) on an in-memory board; without rules the board is faithful."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from sim.faults import FaultFileError, parse_faults
from sim.loopback import LoopbackBoard

OK = b"\r\nOK\r\n"


def with_rules(rules: list[dict[str, Any]], lines: list[str]) -> list[bytes]:
    async def main() -> list[bytes]:
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml", seed=1)) as lb:
            lb.board.at.echo = False
            return [await lb.command(line, timeout=3) for line in lines]

    return asyncio.run(main())


def test_replace_only_in_the_named_command() -> None:
    out = with_rules(
        [{"kind": "replace", "match": "^OK$", "command": "AT+GMR", "with": "ERROR"}], ["AT+GMR", "AT"]
    )
    assert out[0].endswith(b"\r\nERROR\r\n") and out[1] == OK


def test_drop_nth_occurrence_then_insert_and_duplicate() -> None:
    out = with_rules(
        [
            {"kind": "drop", "match": "version", "command": "AT+GMR", "occurrence": 2},
            {"kind": "insert_before", "match": r"^\+SYSSTORE:", "with": ["+NOISE:1"]},
            {"kind": "insert_after", "match": r"^\+SLEEP:", "with": "X"},
            {"kind": "duplicate", "match": r"^\+SYSMSG:"},
        ],
        ["AT+GMR", "AT+GMR", "AT+SYSSTORE?", "AT+SLEEP?", "AT+SYSMSG?"],
    )
    # The second 'version' line of each response (SDK version) is dropped: the count starts again at
    # every command line, so "the Nth" never depends on what the process ran before.
    for gmr in out[:2]:
        assert gmr.startswith(b"AT version:") and b"SDK version:" not in gmr and b"\r\nBin version:" in gmr
    assert out[2] == b"+NOISE:1\r\n+SYSSTORE:1\r\n" + OK
    assert out[3] == b"+SLEEP:1\r\nX\r\n" + OK
    assert out[4] == b"+SYSMSG:0\r\n+SYSMSG:0\r\n" + OK


def test_corrupt_is_deterministic() -> None:
    out = with_rules([{"kind": "corrupt", "match": r"^\+SYSLOG:", "byte": 1}], ["AT+SYSLOG?"])
    assert out[0] == bytes([ord("+"), ord("S") ^ 0x5A]) + b"YSLOG:0\r\n" + OK


def test_delay_keeps_order() -> None:
    start = time.monotonic()
    out = with_rules([{"kind": "delay", "match": r"^\+SYSLOG:", "seconds": 0.3}], ["AT+SYSLOG?"])
    assert out[0] == b"+SYSLOG:0\r\n" + OK
    assert time.monotonic() - start >= 0.3


def test_stall_and_drop_urc() -> None:
    async def main() -> None:
        rules = [{"kind": "drop_urc", "match": "^TEST URC$"}, {"kind": "stall", "match": r"^\+SYSLOG:"}]
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml")) as lb:
            lb.board.urc("TEST URC")
            lb.board.urc("OTHER URC")
            await asyncio.sleep(0.01)
            assert lb.take() == b"OTHER URC\r\n"
            lb.send(b"AT+SYSLOG?\r\n")
            await asyncio.sleep(0.05)
            assert lb.take() == b"AT+SYSLOG?\r\n+SYSLOG:0\r\n"  # then nothing more
            lb.send(b"AT\r\n")
            await asyncio.sleep(0.05)
            assert lb.take() == b""

    asyncio.run(main())


def test_reboot_after_nth_command() -> None:
    async def main() -> None:
        rules = [{"kind": "reboot_after", "commands": 2}]
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml")) as lb:
            assert (await lb.command("AT")).endswith(OK)
            lb.send(b"AT\r\n")
            assert b"ready\r\n" in await lb.wait_for(b"ready\r\n")

    asyncio.run(main())


def test_slow_uart_factor_and_validation() -> None:
    assert parse_faults({"rules": [{"kind": "slow_uart", "factor": 0.8}]}, "t").uart_slow_factor == 0.8
    with pytest.raises(FaultFileError, match=r"t.yaml: field rules.0"):
        parse_faults({"rules": [{"kind": "replace", "match": "x"}]}, "t.yaml")
    with pytest.raises(FaultFileError, match="rules.0.kind"):
        parse_faults({"rules": [{"kind": "explode"}]}, "t.yaml")


def test_slow_spp_paces_blocks_in_turn_at_the_factor_of_the_line() -> None:
    from sim.radio.pace import SppPacer

    engine = parse_faults({"rules": [{"kind": "slow_spp", "factor": 0.5}]}, "t")
    assert engine.spp_slow_factor == 0.5 and engine.uart_slow_factor == 1.0

    class FakeBoard:  # what the pacer reads of a board: its faults and its UART's byte rate
        faults = engine

        class uart:  # noqa: N801 - stands in for Board.uart
            bytes_per_second = 11520.0  # 115200 8N1

    pacer = SppPacer(FakeBoard())  # type: ignore[arg-type]
    first = pacer.delay(576)  # 576 bytes at 5760 B/s: 0.1 s
    second = pacer.delay(576)  # after the first one's time: 0.2 s from now
    assert first == pytest.approx(0.1, abs=0.01) and second == pytest.approx(0.2, abs=0.01)
    FakeBoard.faults = parse_faults({"rules": []}, "t")
    assert SppPacer(FakeBoard()).delay(10_000) == 0.0  # type: ignore[arg-type]
    with pytest.raises(FaultFileError, match="slow_spp needs 'factor'"):
        parse_faults({"rules": [{"kind": "slow_spp"}]}, "t.yaml")
