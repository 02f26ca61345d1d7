"""The fault kinds and fields added for issue 13's framing, placement and state faults (sim/FAULTS.md):
``rewrite`` (bytes of a message, CR LF included), ``drop_before`` (a message dropped only when the next one
is a given one), the ``line`` filter (the running command's line) and ``after_line`` (armed by a command
line). Each is shown byte by byte on an in-memory board."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from sim.faults import FaultFileError, parse_faults
from sim.loopback import LoopbackBoard

OK = b"\r\nOK\r\n"


def run(rules: list[dict[str, Any]], lines: list[str]) -> list[bytes]:
    async def main() -> list[bytes]:
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml", seed=1)) as lb:
            lb.board.at.echo = False
            return [await lb.command(line, timeout=3) for line in lines]

    return asyncio.run(main())


def test_rewrite_takes_the_cr_lf_off_an_information_line() -> None:
    rule = {"kind": "rewrite", "match": r"^\+CWMODE:", "from": "\r\n$", "to": ""}
    out = run([rule], ["AT+CWMODE?", "AT+SYSSTORE?"])
    assert out[0] == b"+CWMODE:1" + OK  # the blank line before OK is gone with it
    assert out[1] == b"+SYSSTORE:1\r\n" + OK  # other messages untouched


def test_rewrite_takes_the_cr_lf_off_the_front_of_a_final_result() -> None:
    rule = {"kind": "rewrite", "match": "^OK$", "command": "AT+CWMODE", "from": "^\r\n"}
    out = run([rule], ["AT+CWMODE?", "AT"])
    assert out[0] == b"+CWMODE:1\r\nOK\r\n"
    assert out[1] == OK


def test_rewrite_lf_only_line_ends_in_one_response() -> None:
    async def main() -> list[bytes]:
        rule = {"kind": "rewrite", "match": "", "command": "AT+GMR", "from": "\r\n", "to": "\n"}
        async with LoopbackBoard.start(faults=parse_faults({"rules": [rule]}, "t.yaml")) as lb:
            lb.board.at.echo = False
            lb.send(b"AT+GMR\r\n")
            await lb.wait_for(b"\nOK\n")  # no CR LF final to wait for
            first = lb.take()
            return [first, await lb.command("AT")]

    out = asyncio.run(main())
    assert b"\r" not in out[0]
    assert out[0].startswith(b"AT version:") and out[0].endswith(b"\n\nOK\n")
    assert out[0].count(b"\n") == 6  # four information lines, the blank line, OK
    assert out[1] == OK


def test_rewrite_with_group_references_keeps_what_the_board_printed() -> None:
    # Worker-independent defects: the values stay the board's own, only their order changes. AT+UART_CUR?
    # (3.1.11) prints its line, a blank line and OK as separate messages; AT+SYSRAM? prints OK right after
    # its line (its guide example), which would make the rewrite's message the line and OK together.
    rule = {"kind": "rewrite", "match": r"^\+UART_CUR:", "from": r"(\d+),(\d+)", "to": r"\2,\1"}
    faithful = run([], ["AT+UART_CUR?"])[0]
    swapped = run([rule], ["AT+UART_CUR?"])[0]
    baud, bits = re.match(rb"\+UART_CUR:(\d+),(\d+),", faithful).groups()  # type: ignore[union-attr]
    m = re.fullmatch(rb"\+UART_CUR:(\d+),(\d+),([\d,]+)\r\n\r\nOK\r\n", swapped)
    assert m is not None and (m[1], m[2]) == (bits, baud)  # the data bits now come first


def test_rewrite_can_prefix_a_message() -> None:
    rule = {"kind": "rewrite", "match": "^OK$", "command": "AT", "from": r"\A", "to": "\r\n\r\n"}
    assert run([rule], ["AT"]) == [b"\r\n\r\n" + OK]  # two blank lines more before OK


def test_drop_before_drops_only_the_message_followed_by_until() -> None:
    rules = [
        {"kind": "drop_before", "match": r"^\+UART_CUR:", "until": "^OK$"},
        {"kind": "drop_before", "match": "^AT version:", "until": "^OK$"},
    ]
    out = run(rules, ["AT+UART_CUR?", "AT+GMR"])
    assert out[0] == OK  # +UART_CUR came right before the final result: dropped
    assert out[1].startswith(b"AT version:") and b"\r\nSDK version:" in out[1]  # not last: sent in order


def test_drop_before_releases_a_message_nothing_follows() -> None:
    async def main() -> None:
        rules = [{"kind": "drop_before", "match": "^TEST URC$", "until": "^OK$", "seconds": 0.1}]
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml")) as lb:
            lb.board.urc("TEST URC")
            await asyncio.sleep(0.01)
            assert lb.take() == b""  # held: the next message decides
            await asyncio.sleep(0.2)
            assert lb.take() == b"TEST URC\r\n"

    asyncio.run(main())


def test_line_filter_acts_only_in_the_response_of_that_command_line() -> None:
    rule = {"kind": "replace", "match": "^ERROR$", "line": r"^AT\+CIPMUX=2$", "with": "OK"}
    out = run([rule], ["AT+CIPMUX=2", "AT+CIPMUX=3"])
    assert out[0] == OK  # the refused line answered OK
    assert out[1] == b"\r\nERROR\r\n"  # the same command with another line is untouched


def test_after_line_arms_a_rule_for_the_rest_of_the_process() -> None:
    async def main() -> None:
        rules = [
            {
                "kind": "replace",
                "match": r"^\+CWMODE:1$",
                "after_line": r"^AT\+SYSLOG=1$",
                "with": "+CWMODE:3",
            }
        ]
        async with LoopbackBoard.start(faults=parse_faults({"rules": rules}, "t.yaml")) as lb:
            lb.board.at.echo = False
            assert await lb.command("AT+CWMODE?") == b"+CWMODE:1\r\n" + OK  # not armed yet
            assert await lb.command("AT+SYSLOG=1") == OK
            assert await lb.command("AT+CWMODE?") == b"+CWMODE:3\r\n" + OK
            lb.out.clear()
            await lb.board.reboot("test")
            await lb.wait_for(b"ready\r\n")
            lb.board.at.echo = False
            lb.out.clear()
            assert await lb.command("AT+CWMODE?") == b"+CWMODE:3\r\n" + OK  # a restart keeps it armed

    asyncio.run(main())


def test_until_line_disarms_the_rule_again() -> None:
    rule = {
        "kind": "replace",
        "match": r"^\+CWMODE:1$",
        "after_line": r"^AT\+CWMODE=3$",
        "until_line": r"^AT\+CWMODE=[012]$",
        "with": "+CWMODE:3",
    }
    lines = ["AT+CWMODE?", "AT+CWMODE=3", "AT+RESTORE", "AT+CWMODE?", "AT+CWMODE=1", "AT+CWMODE?"]

    async def main() -> list[bytes]:
        async with LoopbackBoard.start(faults=parse_faults({"rules": [rule]}, "t.yaml")) as lb:
            lb.board.at.echo = False
            out = []
            for line in lines:
                out.append(await lb.command(line, timeout=3))
                if line == "AT+RESTORE":
                    await lb.wait_for(b"ready\r\n")
                    lb.out.clear()
                    lb.board.at.echo = False
            return out

    out = asyncio.run(main())
    assert out[0] == b"+CWMODE:1\r\n" + OK  # not armed
    assert out[3] == b"+CWMODE:3\r\n" + OK  # AT+RESTORE brought back 1; the armed rule says 3
    assert out[5] == b"+CWMODE:1\r\n" + OK  # AT+CWMODE=1 disarmed it


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "rewrite", "match": "^OK$"}, "rewrite needs 'from'"),
        ({"kind": "drop_before", "match": "^OK$"}, "drop_before needs 'until'"),
        ({"kind": "rewrite", "match": "^OK$", "from": "("}, "from"),
        ({"kind": "drop", "match": "^OK$", "line": "("}, "line"),
        ({"kind": "drop", "match": "^OK$", "after_line": "["}, "after_line"),
        ({"kind": "drop", "match": "^OK$", "until_line": "x"}, "until_line needs 'after_line'"),
    ],
)
def test_new_fields_are_validated(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultFileError, match=message):
        parse_faults({"rules": [rule]}, "t.yaml")


def test_misread_line_reads_an_argument_wrong_after_echoing_it_as_typed() -> None:
    # The firmware takes AT+CWMODE=2 as AT+CWMODE=1 ("<mode> ignored"): the set answers OK, the query shows
    # the misread value, and lines the rule does not match are read as sent.
    rule = {"kind": "misread_line", "match": r"^AT\+CWMODE=", "from": "=2$", "to": "=1"}
    out = run([rule], ["AT+CWMODE=2", "AT+CWMODE?", "AT+SYSSTORE?"])
    assert out[0] == OK
    assert out[1] == b"+CWMODE:1\r\n" + OK
    assert out[2] == b"+SYSSTORE:1\r\n" + OK


def test_misread_line_echo_is_what_was_typed() -> None:
    async def main() -> bytes:
        rule = {"kind": "misread_line", "match": r"^AT\+CWMODE=", "from": "=2$", "to": "=1"}
        async with LoopbackBoard.start(faults=parse_faults({"rules": [rule]}, "t.yaml")) as lb:
            return await lb.command("AT+CWMODE=2")

    assert asyncio.run(main()).startswith(b"AT+CWMODE=2\r\n")


def test_misread_line_needs_match_and_from() -> None:
    with pytest.raises(FaultFileError, match="misread_line needs 'match'"):
        parse_faults({"rules": [{"kind": "misread_line", "from": "x"}]}, "t.yaml")
