"""When AT+SYSMSGFILTER's switch takes effect, and which OK a filter for CR LF OK CR LF removes (3.1, 4.1.1).

The decision (spec/corrections.yaml, decisions, "AT+SYSMSGFILTER and the OK of commands"): AT+SYSMSGFILTER=1
answers OK before filtering starts; AT+SYSMSGFILTER=0 and AT+SYSMSGFILTERCFG=0 stop filtering before their
OK; every other message while filtering is on, the OK of any command included, goes through the filters.
"""

from __future__ import annotations

import asyncio

from sim.loopback import LoopbackBoard

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"


async def _add_filter(lb: LoopbackBoard, head: bytes, tail: bytes) -> None:
    lb.take()
    lb.send(b"AT+SYSMSGFILTERCFG=1,%d,%d\r\n" % (len(head), len(tail)))
    await lb.wait_for(b"\r\nOK\r\n\r\n>")
    lb.take()
    lb.send(head + tail)
    assert await lb.wait_for(OK) == OK
    lb.take()


def _run(script) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with LoopbackBoard.start() as lb:
            await lb.command("ATE0")
            await script(lb)

    asyncio.run(main())


def test_enabling_answers_ok_then_filters_the_ok_of_later_commands() -> None:
    async def s(lb: LoopbackBoard) -> None:
        await _add_filter(lb, b"", b"\r\nOK\r\n$")  # 4.1.1's second filter
        assert await lb.command("AT+SYSMSGFILTER=1") == OK
        lb.send(b"AT\r\n")  # its OK is the whole message and matches the tail: nothing is left
        await asyncio.sleep(0.2)
        assert lb.take() == b""
        # an information line is a message of its own; only the OK after it is removed
        lb.send(b"AT+SYSMSGFILTER?\r\n")
        await lb.wait_for(b"+SYSMSGFILTER:1\r\n")
        await asyncio.sleep(0.2)
        assert lb.take() == b"+SYSMSGFILTER:1\r\n"
        assert await lb.command("AT+SYSMSGFILTER=2") == ERROR  # out of range: ERROR does not match
        assert await lb.command("AT+SYSMSGFILTER=0") == OK  # disabled before its OK
        assert await lb.command("AT") == OK

    _run(s)


def test_clearing_the_filters_answers_ok() -> None:
    async def s(lb: LoopbackBoard) -> None:
        await _add_filter(lb, b"", b"\r\nOK\r\n$")
        assert await lb.command("AT+SYSMSGFILTER=1") == OK
        assert await lb.command("AT+SYSMSGFILTERCFG=0") == OK  # no filter left when the OK goes out
        assert await lb.command("AT+SYSMSGFILTER?") == b"+SYSMSGFILTER:1\r\n" + OK

    _run(s)


def test_ate0_ok_is_filtered_while_the_echo_of_its_line_is_not() -> None:
    async def s(lb: LoopbackBoard) -> None:
        assert await lb.command("ATE1") == OK
        await _add_filter(lb, b"", b"\r\nOK\r\n$")
        out = await lb.command("AT+SYSMSGFILTER=1")
        assert out == b"AT+SYSMSGFILTER=1\r\n" + OK
        lb.send(b"ATE0\r\n")
        await lb.wait_for(b"ATE0\r\n")
        await asyncio.sleep(0.2)
        assert lb.take() == b"ATE0\r\n"  # 4.1.1 prints OK here: spec/corrections.yaml 4.1.1-ate0-ok
        lb.send(b"AT+SYSMSGFILTER=0\r\n")
        assert await lb.wait_for(OK) == OK  # echo is off now

    _run(s)
