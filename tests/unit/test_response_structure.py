"""rigs/at/structure.py, sans-IO: what may come while no command is pending (3.17), event by event."""

from __future__ import annotations

import pytest

from rigs.at.attribution import Collector
from rigs.at.codec import AtCodec
from rigs.at.events import Final
from rigs.at.response import Response, Violation
from rigs.at.structure import ResponseStructure


def idle(data: bytes, structure: ResponseStructure | None = None) -> list[str | None]:
    s = structure or ResponseStructure()
    return [s.idle(ev) for ev in AtCodec().feed(data)]


@pytest.mark.parametrize(
    "data",
    [
        b"WIFI CONNECTED\r\n",
        b"0,CONNECT\r\n",
        b"\r\n+IPD,0,3:abc",
        b"ready\r\n",
        b'+STA_CONNECTED:"24:ee:9a:2d:6e:b4"\r\n',
    ],
)
def test_reports_and_blank_lines_are_fine(data: bytes) -> None:
    assert set(idle(data)) == {None}


def test_each_kind_of_violation() -> None:
    assert idle(b"OK\r\n") == ["final result 'OK' with no command pending"]
    assert idle(b"+FOO:1\r\n") == [
        "unknown line '+FOO:1' with no command pending (no report of 3.17, no response)"
    ]
    assert idle(b">") == ["'>' prompt with no command pending"]
    assert idle(b"Recv 3 bytes\r\n") == ["'Recv 3 bytes' with no command pending"]


def test_a_final_after_a_command_ended_is_its_second() -> None:
    s = ResponseStructure()
    c = Collector(Response(command="AT", final="OK"), "cmd", done=True)
    s.ended(c)
    assert idle(b"ERROR\r\n", s) == ["a second final result 'ERROR' after 'AT' had ended with 'OK'"]
    s.command_sent()
    assert idle(b"ERROR\r\n", s) == ["final result 'ERROR' with no command pending"]


def test_data_written_raw_after_a_prompt() -> None:
    s = ResponseStructure()
    s.ended(Collector(Response(command="AT+CIPSEND=3", final="OK", prompt=True), "cmd", done=True))
    assert s.awaiting_data
    assert idle(b"\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n", s) == [None, None, None, None]
    assert not s.awaiting_data
    assert s.idle(Final(result="SEND OK")) == (
        "a second final result 'SEND OK' after 'AT+CIPSEND=3' had ended with 'SEND OK'"
    )


def test_raised_once_and_forgiven() -> None:
    s = ResponseStructure()
    s.violations += [Violation(0.0, "a", None, index=1), Violation(0.0, "b", None, index=5)]
    assert [v.what for v in s.take_unraised()] == ["a", "b"] and s.take_unraised() == []
    assert [v.what for v in s.unforgiven(since_index=2)] == ["b"]
    s.forgive()
    assert s.unforgiven() == []
