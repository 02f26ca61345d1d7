"""The input fault rules (sim/FAULTS.md "Input rules"): ``wedge_after_line`` and ``lose_data_bytes``, on an
in-process board (tests/sim/test_watchdog.py's), and their validation."""

from __future__ import annotations

import asyncio

import pytest

from sim.faults import FaultFileError, parse_faults
from tests.sim.test_watchdog import board


@pytest.mark.parametrize("kind", ["wedge_after_line", "lose_data_bytes"])
def test_input_rules_need_match(kind) -> None:
    with pytest.raises(FaultFileError, match=r"rules\.0: .*needs 'match'"):
        parse_faults({"rules": [{"kind": kind}]}, "f.yaml")


def test_wedge_after_line_answers_the_line_then_busy_until_restart() -> None:
    async def main() -> None:
        async with board({"rules": [{"kind": "wedge_after_line", "match": "#junk"}]}) as b:
            assert await b.cmd("AT") == "\r\nOK\r\n"  # other lines are untouched
            b.out.clear()
            b.board.feed(b"#junk\r\nAT\r\n")  # the matching line gets its answer; the next one is busy
            # the busy of the next line is the rule's, at once; the ERROR is the engine's, a moment later
            said = await b.wait_for(b"\r\nERROR\r\n", 2.0)
            assert said.count(b"busy p...\r\n") == 1, said
            b.out.clear()
            b.board.feed(b"AT+GMR\r\nAT+RST\r\n")
            await asyncio.sleep(0.3)
            assert bytes(b.out) == b"busy p...\r\n" * 2, bytes(b.out)  # AT+RST cannot help
            await b.reboot()  # a reset line, or a crash, does
            assert await b.cmd("AT") == "\r\nOK\r\n"

    asyncio.run(main())


def test_wedge_after_line_sees_the_boot_window() -> None:
    async def main() -> None:
        async with board({"rules": [{"kind": "wedge_after_line", "match": "#junk"}]}) as b:
            b.out.clear()
            b.board.feed(b"AT+RST\r\n")
            await b.wait_for(b"\r\nOK\r\n", 2.0)
            b.board.feed(b"#junk\r\n")  # before ready: dropped, but the rule has seen it
            await b.wait_for(b"ready\r\n", 5.0)
            b.out.clear()
            b.board.feed(b"AT\r\n")
            assert await b.wait_for(b"\r\n", 2.0) == b"busy p...\r\n"

    asyncio.run(main())


@pytest.mark.parametrize(
    ("rules", "sent", "stored"),
    [
        ([], b"ab\x00\x00c", b"ab\x00\x00c"),
        ([{"kind": "lose_data_bytes", "match": r"\x00"}], b"ab\x00\x00cde", b"abcde"),
    ],
    ids=["faithful", "nul-lost"],
)
def test_lose_data_bytes_only_in_data_mode(rules, sent, stored) -> None:
    """AT+SYSMFG write (3.1.19) takes <length> raw bytes after ``>``: with the rule, NULs never reach it,
    so it waits for more; command lines with a NUL are not touched (ERROR, as without the rule)."""

    async def main() -> None:
        async with board({"rules": rules} if rules else None) as b:
            b.out.clear()
            b.board.feed(b'AT+SYSMFG=2,"at_conf_test","k",8,5\r\n')
            await b.wait_for(b">", 2.0)
            b.board.feed(sent)
            await b.wait_for(b"\r\nOK\r\n", 2.0)
            read = await b.cmd('AT+SYSMFG=1,"at_conf_test","k"')
            line = read.encode("latin-1").split(b"\r\n")[0]
            assert line == b'+SYSMFG:"at_conf_test","k",8,5,' + stored, read
            b.out.clear()
            b.board.feed(b"#\x00\r\n")
            assert await b.wait_for(b"\r\nERROR\r\n", 2.0)

    asyncio.run(main())
