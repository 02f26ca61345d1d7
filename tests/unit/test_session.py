"""AtSession against a scripted fake board (tests/fakes/echo_board.py) over a pty and over socket://.

Response shapes come from the guide: 3.17 (final results, reports), 3.3.x AT+CIPSEND (``>``, ``Recv <n>
bytes``, ``SEND OK``), 3.3.7 (``+++`` guard times, one second before the next command).
"""

from __future__ import annotations

import os
import re
import sys
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fakes"))

from echo_board import FakeBoard  # noqa: E402

from rigs.at.errors import (  # noqa: E402
    AtError,
    BoardRebooted,
    BoardSilent,
    CommandFailed,
    ProtocolViolation,
    ResponseTimeout,
    UrcTimeout,
)
from rigs.at.attribution import event_text  # noqa: E402
from rigs.at.events import Ipd, Ready, Unsolicited, Urc  # noqa: E402
from rigs.at.session import AtSession  # noqa: E402

pytestmark = pytest.mark.timeout(60)


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.fixture(params=["pty", "tcp"])
def board(request: pytest.FixtureRequest) -> Iterator[FakeBoard]:
    b = FakeBoard.pty() if request.param == "pty" else FakeBoard.tcp()
    yield b
    b.close()


@pytest.fixture
def dut(board: FakeBoard) -> Iterator[AtSession]:
    s = AtSession.open(board.url, name="dut")
    yield s
    s.close()


# --- commands ---


def test_cmd_ok(dut: AtSession) -> None:
    r = dut.cmd("AT")
    assert (r.echo, r.lines, r.final, r.ok, r.prompt) == ("AT", [""], "OK", True, False)
    assert r.text == "\r\nOK\r\n"
    assert r.raw == b"AT\r\n\r\nOK\r\n"
    assert r.started <= r.ended
    assert r.assert_ok() is r


def test_cmd_error(dut: AtSession) -> None:
    r = dut.cmd("AT+NOSUCH")
    assert (r.final, r.ok) == ("ERROR", False)
    with pytest.raises(CommandFailed, match="AT\\+NOSUCH.*ERROR"):
        r.assert_ok()


def test_info_lines_and_err_code(board: FakeBoard, dut: AtSession) -> None:
    board.script["AT+CIPSTA?"] = b'+CIPSTA:ip:"10.0.0.2"\r\n+CIPSTA:netmask:"255.255.255.0"\r\n\r\nOK\r\n'
    board.script['AT+CWJAP="x","y"'] = b"ERR CODE:0x01090000\r\n\r\nERROR\r\n"
    r = dut.cmd("AT+CIPSTA?")
    assert r.lines == ['+CIPSTA:ip:"10.0.0.2"', '+CIPSTA:netmask:"255.255.255.0"', ""]
    r = dut.cmd('AT+CWJAP="x","y"')
    assert (r.final, r.err_code) == ("ERROR", 0x01090000)


def test_urcs_inside_a_response(board: FakeBoard, dut: AtSession) -> None:
    board.script['AT+CWJAP="ap","pw"'] = b"WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n"
    r = dut.cmd('AT+CWJAP="ap","pw"')
    assert r.ok and r.lines == [""]
    assert [u.kind for u in r.urcs if isinstance(u, Urc)] == ["WIFI CONNECTED", "WIFI GOT IP"]
    # ... and they are still there for a test that waits for them afterwards.
    assert isinstance(dut.expect_urc("WIFI GOT IP", 1), Urc)
    assert [e.kind for e in dut.drain_urcs() if isinstance(e, Urc)] == ["WIFI CONNECTED"]


def test_ipd_inside_a_response_is_not_a_line(board: FakeBoard, dut: AtSession) -> None:
    board.script["AT+CIFSR"] = (
        b'+CIFSR:STAIP,"10.0.0.2"\r\n\r\n+IPD,0,4:OK\r\n+CIFSR:STAMAC,"aa:bb:cc:dd:ee:ff"\r\n\r\nOK\r\n'
    )
    r = dut.cmd("AT+CIFSR")
    assert r.lines == ['+CIFSR:STAIP,"10.0.0.2"', '+CIFSR:STAMAC,"aa:bb:cc:dd:ee:ff"', ""]
    assert r.urcs == [Ipd(link_id=0, length=4, payload=b"OK\r\n")]
    assert r.final == "OK"


def test_nothing_after_the_final_result_belongs_to_the_command(board: FakeBoard, dut: AtSession) -> None:
    board.script["AT+X"] = b"\r\nOK\r\n0,CLOSED\r\n"
    r = dut.cmd("AT+X")
    assert r.urcs == [] and r.raw == b"AT+X\r\n\r\nOK\r\n"
    assert dut.expect_urc("CLOSED", 2).fields == ("0",)  # type: ignore[union-attr]


# --- reports ---


def test_expect_urc_kinds_regex_predicate(board: FakeBoard, dut: AtSession) -> None:
    board.send(b'1,CONNECT\r\n+IPD,1,3:abc+STA_CONNECTED:"1a:2b:3c:4d:5e:6f"\r\nodd line\r\n')
    assert dut.expect_urc("CONNECT", 2).fields == ("1",)  # type: ignore[union-attr]
    assert isinstance(dut.expect_urc("+IPD", 2), Ipd)  # a kind that is not a valid regex
    board.send(b"+IPD,1,3:abc")
    ipd = dut.expect_urc(re.compile(r"^\+IPD,1,"), 2)
    assert isinstance(ipd, Ipd) and ipd.payload == b"abc"
    sta = dut.expect_urc(r"\+STA_CONNECTED:.*", 2)
    assert isinstance(sta, Urc) and sta.fields == ("1a:2b:3c:4d:5e:6f",)
    odd = dut.expect_urc(lambda e: isinstance(e, Unsolicited), 2)
    assert isinstance(odd, Unsolicited) and odd.text == "odd line"
    board.send(b"+MQTTPUB:OK\r\n")
    assert isinstance(dut.expect_urc("+MQTTPUB:OK", 2), Urc)
    assert len(dut.urcs) == 6 and dut.drain_urcs() == []


def test_expect_urc_waits_for_late_report(board: FakeBoard, dut: AtSession) -> None:
    board.send_later(0.1, b"WIFI DISCONNECT\r\n")
    assert isinstance(dut.expect_urc("WIFI DISCONNECT", 5), Urc)


def test_expect_urc_timeout_quotes_transcript(board: FakeBoard, dut: AtSession) -> None:
    board.send(b"WIFI CONNECTED\r\n")
    dut.expect_urc("WIFI CONNECTED", 2)
    with pytest.raises(UrcTimeout, match="(?s)WIFI GOT IP.*WIFI CONNECTED\\\\r\\\\n"):
        dut.expect_urc("WIFI GOT IP", 0.2)


# --- data mode and passthrough ---


def test_prompt_and_send_data(board: FakeBoard, dut: AtSession) -> None:
    r = dut.cmd("AT+CIPSEND=0,9")
    assert (r.final, r.prompt, r.ok) == ("OK", True, True)
    assert r.text == "\r\nOK\r\n\r\n>"
    r2 = dut.send_data(b"a\r\nOK\r\n>b")
    assert (r2.final, r2.recv_bytes, r2.ok) == ("SEND OK", 9, True)
    assert r2.command == "AT+CIPSEND=0,9"
    wait_for(lambda: b"a\r\nOK\r\n>b" in b"".join(c for _, c in board.rx))
    assert dut.cmd("AT").ok


def test_mqttpubraw_verdict_is_the_mqttpub_report(board: FakeBoard, dut: AtSession) -> None:
    # 3.6 AT+MQTTPUBRAW: OK, ">", then "+MQTTPUB:OK" (or FAIL) once <length> bytes came.
    def pubraw(b: FakeBoard, line: str) -> bytes:
        b.expect_data(4, b"\r\n+MQTTPUB:OK\r\n")
        return b"\r\nOK\r\n\r\n>"

    board.script['AT+MQTTPUBRAW=0,"t",4,0,0'] = pubraw
    r = dut.cmd('AT+MQTTPUBRAW=0,"t",4,0,0')
    assert r.prompt and r.ok
    r2 = dut.send_data(b"OK\r\n")
    assert (r2.final, r2.ok) == ("+MQTTPUB:OK", True)
    assert dut.cmd("AT").ok


def test_busy_then_ok(board: FakeBoard, dut: AtSession) -> None:
    board.script["AT+CWLAP"] = b"busy p...\r\n\r\nOK\r\n"
    r = dut.cmd("AT+CWLAP")
    assert r.final == "OK" and r.lines == [""]
    assert [type(e).__name__ for e in r.events] == ["Echo", "Busy", "Blank", "Final"]


def test_cmd_refused_in_passthrough(dut: AtSession) -> None:
    with dut.passthrough() as link:
        with pytest.raises(AtError, match="passthrough"):
            dut.cmd("AT")
        link.write(b"abc")
        assert b"".join(link.iter_chunks(idle=2.0)) == b"abc"


def test_cancel_send_with_plus(dut: AtSession) -> None:
    assert dut.cmd("AT+CIPSEND=0,100").prompt
    r = dut.cancel_send()
    assert (r.final, r.ok) == ("SEND Canceled", False)
    assert dut.cmd("AT").ok


def test_send_data_without_prompt_is_refused(dut: AtSession) -> None:
    with pytest.raises(AtError, match="prompt"):
        dut.send_data(b"x")


def test_passthrough_enter_leave_with_guard_times(board: FakeBoard, dut: AtSession) -> None:
    with dut.passthrough(set_mode=True) as link:
        link.write(b"ping\r\nOK\r\n")
        assert link.read(10, 5) == b"ping\r\nOK\r\n"
        link.write(b"+++x")  # "+++" inside data is data
        assert link.read_until(b"x", 5) == b"+++x"
    wait_for(lambda: len(board.plus_exits) == 1)
    before, after = board.plus_exits[0]
    assert before >= 0.02 and after >= 0.02  # 3.3.7
    assert dut.cmd("AT").ok
    tx = [c for c in dut.transcript.chunks if c.direction == "tx"]
    plus = next(c for c in tx if c.data == b"+++")
    at_after = next(c for c in tx if c.t > plus.t and c.data == b"AT\r\n")
    assert at_after.t - plus.t >= 1.0  # 3.3.7: one second before the next command


def test_quitt_within_the_guard_time_is_a_report(board: FakeBoard, dut: AtSession) -> None:
    # 3.17 +QUITT (AT+SYSMSG bit 0): the fake board prints it 20 ms after "+++", inside the session's own
    # guard time, so it arrives while the session still reads passthrough data.
    board.on_quit = b"+QUITT\r\n"
    with dut.passthrough(set_mode=True) as link:
        link.write(b"data\r\n")
        assert link.read(6, 5) == b"data\r\n"
    quitt = dut.expect_urc("+QUITT", 5)
    assert isinstance(quitt, Urc) and quitt.kind == "+QUITT"
    assert b"+QUITT" not in dut._take_data(None, 0.0)
    assert dut.cmd("AT").ok


# --- recovery ---


def test_sync_from_passthrough(board: FakeBoard, dut: AtSession) -> None:
    board._mode = "passthrough"
    board.send(b"stray data from the link\r\n")
    wait_for(lambda: b"link" in dut.transcript.data("rx"))
    r = dut.sync(10)
    assert r.final == "OK"
    assert len(board.plus_exits) == 1
    # The stray line came before sync, while the session took the port for command mode: recorded, then
    # forgiven by sync (a board in an unknown state); sync itself records nothing.
    assert [v.what for v in dut.violations] == [
        "unknown line 'stray data from the link' with no command pending (no report of 3.17, no response)"
    ]
    assert dut.unforgiven_violations() == []
    assert dut.cmd("AT").ok


def test_sync_from_garbage_and_half_typed_line(board: FakeBoard, dut: AtSession) -> None:
    board.send(b"\xff\xfe\x00 boot noise \r\nOK\r\n")
    dut.write_raw(b"AT+GARB")  # a half-typed command line on the board's side
    r = dut.sync(10)
    assert r.final == "OK" and dut.drain_urcs() == []
    assert dut.cmd("AT").ok


def test_sync_from_pending_data_mode(board: FakeBoard, dut: AtSession) -> None:
    dut.write_raw(b"AT+CIPSEND=12\r\n")  # the board now waits for 12 bytes of data
    r = dut.sync(10, leave_passthrough=False)
    assert r.final == "OK"
    assert dut.cmd("AT").ok


def test_reboot_during_command(board: FakeBoard, dut: AtSession) -> None:
    def reboot(b: FakeBoard, line: str) -> None:
        b.send_later(0.05, b"\r\nets Jun  8 2016\r\n\r\nready\r\n")

    board.script["AT+SLOW"] = reboot
    with pytest.raises(BoardRebooted, match="AT\\+SLOW"):
        dut.cmd("AT+SLOW", 5)
    assert any(isinstance(e, Ready) for e in dut.urcs)
    assert dut.cmd("AT").ok


def test_silent_board(board: FakeBoard, dut: AtSession, tmp_path: Path) -> None:
    board.silent = True
    dut.transcript.save(tmp_path / "dut.log")
    with pytest.raises(BoardSilent, match="(?s)not a byte.*dut.log") as info:
        dut.cmd("AT", 0.3)
    assert "AT\\r\\n" in str(info.value)  # the transcript tail shows what was sent


def test_bytes_but_no_final(board: FakeBoard, dut: AtSession) -> None:
    board.script["AT+HALF"] = b"+HALF:1\r\n"
    with pytest.raises(ResponseTimeout, match="HALF:1") as info:
        dut.cmd("AT+HALF", 1.5)
    assert info.value.response is not None and info.value.response.lines == ["+HALF:1"]
    assert dut.cmd("AT").ok


def test_reset_at_returns_boot_transcript(dut: AtSession) -> None:
    boot = dut.reset("at", 5)
    assert b"ready\r\n" in boot.data("rx")
    assert b"AT+RST\r\n" in boot.data("tx")
    assert dut.cmd("AT").ok


def test_reset_forgets_reports_from_before_the_reboot(board: FakeBoard, dut: AtSession) -> None:
    """A report of the state the reboot ended is not there to be expected after ``ready``."""
    board.script["AT+JOIN"] = b"WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n"
    assert dut.cmd("AT+JOIN").ok
    dut.reset("at", 5)
    with pytest.raises(UrcTimeout):
        dut.expect_urc("WIFI GOT IP", 0.3)
    board.send_later(0.05, b"WIFI GOT IP\r\n")
    assert event_text(dut.expect_urc("WIFI GOT IP", 2)) == "WIFI GOT IP"


class LinesPort:
    """A pty port whose RTS/DTR lines are recorded (a pty has none); RTS released restarts the board."""

    def __init__(self, port: serial.Serial, board: FakeBoard) -> None:
        self._port, self._board = port, board
        self.changes: list[tuple[str, bool]] = []
        self._rts = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._port, name)

    @property
    def dtr(self) -> bool:
        return False

    @dtr.setter
    def dtr(self, value: bool) -> None:
        self.changes.append(("dtr", value))

    @property
    def rts(self) -> bool:
        return self._rts

    @rts.setter
    def rts(self, value: bool) -> None:
        self.changes.append(("rts", value))
        if self._rts and not value:  # EN released: the chip boots
            self._board.send_later(0.02, b"\x00\xffrst:0x1 (POWERON_RESET)\r\n\r\nready\r\n")
        self._rts = value


def test_reset_by_rts_pulse(board: FakeBoard) -> None:
    port = LinesPort(serial.serial_for_url(board.url, timeout=0.05), board)
    with AtSession(port) as s:
        boot = s.reset("rts", 5)
        assert port.changes == [("dtr", False), ("rts", True), ("rts", False)]
        assert b"ready\r\n" in boot.data("rx")
        assert s.drain_urcs() == []  # the ready the reset waited for is consumed
        assert s.cmd("AT").ok


def test_reset_by_line_the_port_lacks() -> None:
    # A pty has no modem lines: pyserial's ioctl fails, and the error must say so.
    with FakeBoard.pty() as board, AtSession.open(board.url) as s:
        with pytest.raises(AtError, match="cannot drive"):
            s.reset("dtr", 1)
        with pytest.raises(ValueError, match="'at', 'rts' or 'dtr'"):
            s.reset("power", 1)


# --- structure checks ---


def test_final_with_no_command_is_a_violation(board: FakeBoard, dut: AtSession) -> None:
    board.send(b"\r\nOK\r\n")
    wait_for(lambda: len(dut.violations) == 1)
    assert "no command pending" in dut.violations[0].what
    with pytest.raises(ProtocolViolation):
        dut.check_violations()
    with pytest.raises(ProtocolViolation, match="no command pending"):
        dut.cmd("AT")  # strict by default: the next call raises it


def test_strict_session_raises_on_violation(board: FakeBoard) -> None:
    board.script["AT+TWICE"] = b"\r\nOK\r\n\r\nOK\r\n"
    with AtSession.open(board.url) as s:
        # Raised by the call that observes it: AT+TWICE itself when both arrive in one chunk, else the next.
        with pytest.raises(ProtocolViolation, match="second final result 'OK' after 'AT\\+TWICE'"):
            s.cmd("AT+TWICE")
            wait_for(lambda: len(s.violations) == 1)
            s.cmd("AT")


def test_lenient_session_only_records(board: FakeBoard) -> None:
    board.script["AT+TWICE"] = b"\r\nOK\r\n\r\nOK\r\n"
    with AtSession.open(board.url, strict=False) as s:  # strict=False: what this test is about
        assert s.cmd("AT+TWICE").ok
        wait_for(lambda: len(s.violations) == 1)
        assert s.cmd("AT").ok


# --- transcript and lifetime ---


def test_transcript_records_every_byte(board: FakeBoard, dut: AtSession) -> None:
    board.send(b"noise nobody reads \x01\x02")
    wait_for(lambda: b"\x01\x02" in dut.transcript.data("rx"))
    dut.cmd("AT")
    wait_for(lambda: b"".join(c for _, c in board.rx) == dut.transcript.data("tx"))
    assert dut.transcript.data("rx").startswith(b"noise nobody reads \x01\x02")
    text = dut.transcript.render()
    assert re.search(r"dut tx +AT\\r\\n", text) and "\\x01\\x02" in text


def test_log_port_is_recorded(board: FakeBoard) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    log = serial.Serial(os.ttyname(slave), 115200)
    try:
        with AtSession(serial.serial_for_url(board.url, timeout=0.05), log_port=log) as s:
            os.write(master, b"I (123) wifi: connected\r\n")
            wait_for(lambda: b"wifi: connected" in s.transcript.data("log"))
            assert s.cmd("AT").ok
    finally:
        os.close(master)
        os.close(slave)


def test_close_stops_reader(board: FakeBoard) -> None:
    s = AtSession.open(board.url)
    s.close()
    assert not s._reader.alive
    with pytest.raises(AtError, match="closed"):
        s.cmd("AT")
    s.close()


def test_sync_lets_a_late_reply_pass(board: FakeBoard, dut: AtSession) -> None:
    # The board restarts between sync's first AT and its OK, and that OK comes late, while the board
    # is slow to answer the next AT: sync must not take the late OK as the answer to its next AT, or
    # the real answer would end the following command and every later response would be shifted.
    calls = {"n": 0}

    def reboot_then_late_ok(b: FakeBoard, line: str) -> bytes | None:
        calls["n"] += 1
        if calls["n"] == 1:
            b.send_later(0.06, b"\r\nOK\r\n")
            return b"\r\nready\r\n"
        b.send_later(0.1, b"\r\nOK\r\n")
        return None

    def slow_gmr(b: FakeBoard, line: str) -> None:
        b.send_later(0.1, b"AT version:5.0.0.0\r\n\r\nOK\r\n")

    board.script["AT"] = reboot_then_late_ok
    board.script["AT+GMR"] = slow_gmr
    assert dut.sync(10, attempt=0.5, leave_passthrough=False).final == "OK"
    r = dut.cmd("AT+GMR")
    assert r.lines[:1] == ["AT version:5.0.0.0"], r.lines
