"""The transcript checkers "urc" and "strict" (fixtures/session_checks.py) in inner pytest runs against a
scripted board: a report the guide does not have, a mis-formatted ``+STA_CONNECTED``, a stray ``OK``
between commands and a second final result each fail the test that was running; declared leniency and
allowed reports pass; every report name seen gets a "urc" check record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from reports.checks import PROPERTY
from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer
from tests.plugin.plugin_helpers import junit, run, serial_rig

MAC = "24:ee:9a:2d:6e:b4"


@dataclass
class OddBoard(ScriptedBoard):
    """A scripted board with extra answers; a line in ``silent`` is answered without its echo (the board
    saying something while no command is pending)."""

    extra: dict[str, bytes] = field(default_factory=dict)
    silent: dict[str, bytes] = field(default_factory=dict)

    def feed(self, data: bytes) -> bytes:
        out = b""
        self._buffer += data
        while b"\r\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\r\n", 1)
            line = raw.decode("ascii", "replace")
            if line in self.silent:
                out += self.silent[line]
                continue
            out += raw + b"\r\n" if self.echo else b""
            out += self.extra[line] if line in self.extra else self.respond(line)
        return out


BOARD = OddBoard(
    name="odd",
    extra={
        "AT+STAQUOTED": f'+STA_CONNECTED:"{MAC}"\r\n\r\nOK\r\n'.encode(),
        "AT+STABARE": f"+STA_CONNECTED:{MAC}\r\n\r\nOK\r\n".encode(),
        "AT+TWICE": b"\r\nOK\r\n\r\nOK\r\n",
        "AT+CIPMUX?": b"+CWMODE:1\r\n\r\nOK\r\n",  # another command's information line
    },
    # the host sends these only to make the board speak between commands
    silent={"STRAY-OK": b"\r\nOK\r\n", "FOO": b"+FOO:1\r\n", "GOTIP": b"WIFI DISCONNECT\r\nWIFI GOT IP\r\n"},
)

TESTS = """
import time
import pytest

def between(dut, what):
    dut.write_raw(what.encode() + b"\\r\\n")
    time.sleep(0.3)  # and no call after it: only the checker can see what came

def test_clean(dut):
    dut.cmd("AT+STAQUOTED").assert_ok()

def test_sta_connected_bare(dut):
    dut.cmd("AT+STABARE").assert_ok()

def test_not_in_guide(dut):
    dut.cmd("AT").assert_ok()
    between(dut, "FOO")

@pytest.mark.lenient("strict", reason="checks the urc checker alone")
def test_not_in_guide_urc_only(dut):
    between(dut, "FOO")

@pytest.mark.lenient("strict", reason="the board is asked to print +FOO")
@pytest.mark.allow_urc("+FOO", reason="the board is asked to print +FOO")
def test_not_in_guide_allowed(dut):
    between(dut, "FOO")

def test_stray_ok_between_commands(dut):
    dut.cmd("AT").assert_ok()
    between(dut, "STRAY-OK")

def test_second_final(dut):
    dut.cmd("AT+TWICE")

def test_got_ip_after_disconnect(dut):
    dut.cmd("AT").assert_ok()
    between(dut, "GOTIP")

def test_foreign_line(dut):
    dut.cmd("AT+CIPMUX?").assert_ok()

@pytest.mark.allow_urc("+FOO")
def test_allow_needs_reason(dut):
    pass
"""


def _run(pytester: pytest.Pytester) -> tuple[pytest.RunResult, dict[str, list[dict]], dict[str, str]]:
    with ScriptedBoardServer(BOARD) as server:
        rig = serial_rig(pytester, ("odd", server.url, []))
        pytester.makepyfile(test_inner=TESTS)
        result = run(pytester, rig, "-p", "no:randomly", f"--junitxml={pytester.path / 'j.xml'}")
    records: dict[str, list[dict]] = {}
    messages: dict[str, str] = {}
    for case in junit(pytester.path / "j.xml").iter("testcase"):
        name = case.get("name", "")
        records[name] = [
            json.loads(p.get("value", "")) for p in case.iter("property") if p.get("name") == PROPERTY
        ]
        failure = case.find("failure")
        error = case.find("error")
        node = failure if failure is not None else error
        messages[name] = "" if node is None else (node.get("message", "") + (node.text or ""))
    return result, records, messages


def test_checkers_fail_the_running_test(pytester: pytest.Pytester) -> None:
    result, records, messages = _run(pytester)
    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("failed")) == (2, 8), result.stdout.str()[-3000:]
    assert messages["test_clean"] == ""
    assert messages["test_not_in_guide_allowed"] == ""
    # a mis-formatted +STA_CONNECTED (3.17: a double-quoted MAC)
    assert "[urc: 3.17: the report's template]" in messages["test_sta_connected_bare"]
    assert "missing quote" in messages["test_sta_connected_bare"]
    # a report the guide does not have: the urc checker, and (a line nothing placed) the strict one
    assert "[urc: 3.17: a report the guide does not list] '+FOO:1'" in messages["test_not_in_guide"]
    assert "[strict: 3.17: the response structure] unknown line '+FOO:1'" in messages["test_not_in_guide"]
    assert (
        "[urc:" in messages["test_not_in_guide_urc_only"]
        and "[strict:" not in messages["test_not_in_guide_urc_only"]
    )
    # a stray OK between commands, after the test's last call: only the checker is left to fail it
    stray = messages["test_stray_ok_between_commands"]
    assert "[strict: 3.17: the response structure] a second final result 'OK' after 'AT'" in stray
    assert "[[OK\\r\\n]]" in stray  # the bytes, in place
    # a second final result in one reply: raised by the call itself
    assert "ProtocolViolation" in messages["test_second_final"]
    assert "a second final result 'OK' after 'AT+TWICE' had ended with 'OK'" in messages["test_second_final"]
    assert "WIFI GOT IP while the station was not connected" in messages["test_got_ip_after_disconnect"]
    assert "needs reason=" in messages["test_allow_needs_reason"]
    assert (
        "[strict: 3.17: information lines of a response] unknown line '+CWMODE:1' in the response of "
        "'AT+CIPMUX?'" in messages["test_foreign_line"]
    )
    # one "urc" record per report name seen, passed or not
    urc = {
        name: [(r["form"], r["passed"]) for r in recs if r["category"] == "urc"]
        for name, recs in records.items()
    }
    assert urc["test_clean"] == [("+STA_CONNECTED", True)]
    assert urc["test_sta_connected_bare"] == [("+STA_CONNECTED", False)]
    assert ("not in the guide", False) in urc["test_not_in_guide"]
    assert urc["test_got_ip_after_disconnect"] == [("WIFI DISCONNECT", True), ("WIFI GOT IP", False)]
