"""The strict AT session (issue 13, point 4), byte by byte: each kind of violation of 3.17's response
structure is recorded with its offset, raised from the call that observes it, and shown in place.

The board is a :class:`ScriptedPort`: what the session writes is answered synchronously by feeding the
scripted reply to the session's receive path, in chunks of a chosen size, so the outcome cannot depend on
timing and every split of the bytes is tried (1 byte, 2 bytes, all at once).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from rigs.at.errors import ProtocolViolation
from rigs.at.session import AtSession

CHUNKS = [1, 2, 4096]


class ScriptedPort:
    """A port with no reader-side bytes; ``write`` answers from ``script`` through ``feed``."""

    timeout = 0.02

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk
        self.script: dict[bytes, bytes] = {b"AT\r\n": b"AT\r\n\r\nOK\r\n"}
        self.session: AtSession | None = None

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        time.sleep(self.timeout)
        return b""

    def write(self, data: bytes) -> int:
        reply = self.script.get(data)
        if reply is not None:
            self.feed(reply)
        return len(data)

    def feed(self, data: bytes) -> None:
        assert self.session is not None
        for i in range(0, len(data), self.chunk):
            self.session._on_rx(data[i : i + self.chunk], time.monotonic())

    def close(self) -> None:
        pass


@pytest.fixture(params=CHUNKS, ids=[f"chunk{n}" for n in CHUNKS])
def port(request: pytest.FixtureRequest) -> ScriptedPort:
    return ScriptedPort(request.param)


@pytest.fixture
def dut(port: ScriptedPort) -> Iterator[AtSession]:
    s = AtSession(port, name="dut")
    port.session = s
    yield s
    s.close()


def test_strict_is_the_default(dut: AtSession) -> None:
    assert dut.strict is True


def test_clean_commands_and_reports_are_no_violation(port: ScriptedPort, dut: AtSession) -> None:
    # 3.17: reports come unasked at any time; CR LF before +IPD is the report's own (4.2.1).
    port.feed(b"WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\n+IPD,3:abc0,CONNECT\r\nready\r\n")
    assert dut.cmd("AT").ok
    assert dut.violations == []


def test_final_before_any_command(port: ScriptedPort, dut: AtSession) -> None:
    port.feed(b"\r\nOK\r\n")
    [v] = dut.violations
    assert (v.what, v.command, v.index) == ("final result 'OK' with no command pending", None, 1)
    rx = dut.transcript.data("rx")
    assert v.offset == 2 and rx[v.offset : v.offset + 4] == b"OK\r\n"
    assert v.excerpt(rx) == r"rx offset 2: \r\n[[OK\r\n]]"
    with pytest.raises(ProtocolViolation, match=r"with no command pending.*rx offset 2: \\r\\n\[\[OK"):
        dut.cmd("AT")
    assert dut.cmd("AT").ok  # each violation is raised once


def test_stray_ok_between_commands_is_a_second_final(port: ScriptedPort, dut: AtSession) -> None:
    assert dut.cmd("AT").ok
    port.feed(b"\r\nOK\r\n")
    [v] = dut.violations
    assert v.what == "a second final result 'OK' after 'AT' had ended with 'OK'"
    with pytest.raises(ProtocolViolation, match=r"second final result 'OK'.*OK\\r\\n\\r\\n\[\[OK\\r\\n\]\]"):
        dut.cmd("AT")


def test_second_final_in_the_same_reply(port: ScriptedPort, dut: AtSession) -> None:
    port.script[b"AT+TWICE\r\n"] = b"AT+TWICE\r\n\r\nOK\r\n\r\nERROR\r\n"
    with pytest.raises(ProtocolViolation, match="second final result 'ERROR' after 'AT\\+TWICE'"):
        dut.cmd("AT+TWICE")
    assert dut.cmd("AT").ok


def test_not_strict_only_records(port: ScriptedPort) -> None:
    # strict=False: what tools that only observe a board (benchmarks) ask for.
    s = AtSession(port, strict=False)
    port.session = s
    try:
        port.script[b"AT+TWICE\r\n"] = b"\r\nOK\r\n\r\nOK\r\n"
        assert s.cmd("AT+TWICE").ok
        assert s.cmd("AT").ok
        assert [v.what for v in s.violations] == [
            "a second final result 'OK' after 'AT+TWICE' had ended with 'OK'"
        ]
        with pytest.raises(ProtocolViolation):
            s.check_violations()
    finally:
        s.close()


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b">", "'>' prompt with no command pending"),
        (b"+FOO:1\r\n", "unknown line '+FOO:1' with no command pending (no report of 3.17, no response)"),
        (b"busy p...\r\n", "'busy p...' with no command pending"),
        (b"ERR CODE:0x01090000\r\n", "'ERR CODE:0x01090000' with no command pending"),
        (b"Recv 5 bytes\r\n", "'Recv 5 bytes' with no command pending"),
        (b"SEND Canceled\r\n", "'SEND Canceled' with no command pending"),
        (b"SEND OK\r\n", "final result 'SEND OK' with no command pending"),
    ],
    ids=["prompt", "unknown-line", "busy", "err-code", "recv-bytes", "send-canceled", "send-ok"],
)
def test_idle_violation_kinds(port: ScriptedPort, dut: AtSession, data: bytes, what: str) -> None:
    port.feed(b"\r\n" + data)
    assert [v.what for v in dut.violations] == [what]
    [v] = dut.violations
    assert v.offset == 2  # the CR LF before it is a blank line, no violation
    with pytest.raises(ProtocolViolation, match="protocol violation"):
        dut.cmd("AT")


def test_framed_information_line_with_no_command(port: ScriptedPort, dut: AtSession) -> None:
    # 3.7 AT+HTTPCLIENT prints +HTTPCLIENT:<size>,<data> in its response only.
    port.feed(b"+HTTPCLIENT:3,abc\r\n")
    assert [v.what for v in dut.violations] == [
        "information line '+HTTPCLIENT:3,abc' with no command pending"
    ]


def test_sync_forgives_what_came_before_it(port: ScriptedPort, dut: AtSession) -> None:
    port.feed(b"\r\nOK\r\nboot noise\r\n")
    assert len(dut.violations) == 2
    assert dut.sync(2, leave_passthrough=False).final == "OK"
    assert dut.unforgiven_violations() == []
    assert dut.cmd("AT").ok  # nothing left to raise
    port.feed(b"\r\nOK\r\n")
    [late] = dut.unforgiven_violations()
    assert "second final result" in late.what
    assert dut.unforgiven_violations(since_index=late.index + 1) == []


def test_data_streamed_with_write_raw_after_a_prompt(port: ScriptedPort, dut: AtSession) -> None:
    # 3.3 AT+CIPSEND: after '>' the host may stream the data itself; Recv and the verdict are the send's.
    port.script[b"AT+CIPSEND=3\r\n"] = b"AT+CIPSEND=3\r\n\r\nOK\r\n\r\n>"
    port.script[b"abc"] = b"\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n"
    assert dut.cmd("AT+CIPSEND=3").prompt
    dut.write_raw(b"abc")
    assert dut.violations == []
    port.feed(b"\r\nSEND OK\r\n")  # a second verdict is not the send's
    assert [v.what for v in dut.violations] == [
        "a second final result 'SEND OK' after 'AT+CIPSEND=3' had ended with 'SEND OK'"
    ]
