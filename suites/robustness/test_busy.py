"""Bytes while the board is busy: a command running (3.17 ``busy p...``: "the system is busy processing the
previous command, and cannot process the new command"), and the boot window after AT+RST (3.17 ``ready``:
the firmware is ready only then). Whatever comes meanwhile, the running command ends with its documented
response, the line sent meanwhile is not run, and the next well-formed command is answered as the guide
says.

The running command is an AT+HTTPCLIENT GET (3.7.2) of the host HTTP peer's ``/delay/3``: the peer, not the
board, decides that it runs for three seconds, on any board.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.background import RunningCommand
from fixtures.suite import framed
from rigs.at.events import Blank, Busy, ErrCode
from suites.robustness.garbage import EXAMPLES, garbage_lines, nul_lines, well_formed
from suites.tcpip.links import back_to_factory, connect_timeout, host

pytestmark = [pytest.mark.robustness, pytest.mark.usefixtures("fresh_board")]

DELAY_S = 3


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


def _slow_get(dut, esp_rig, esp_http_server) -> RunningCommand:
    url = f"http://{host(esp_rig)}:{esp_http_server.port}/delay/{DELAY_S}"
    return RunningCommand(dut, f'AT+HTTPCLIENT=2,0,"{url}",,,1', connect_timeout(esp_rig) + DELAY_S)


def _ended_as_documented(expect, resp, sent: list[bytes] = ()) -> int:
    """The running command's response matches 3.7.2 once what answers the lines ``sent`` meanwhile is
    left out (3.17: ``busy p...`` answers the other line, it is not part of this response; real boards echo
    that line first, espressif/esp-at issues #105 and #731); returns how many ``busy p...`` came."""
    busy = sum(isinstance(ev, Busy) for ev in resp.events)
    framed(resp)  # the whole stream, busy answers included, framed as rigs/at/wire.py says
    expect.ok(replace(resp, events=_without_busy_answers(resp.events, set(sent))), "AT+HTTPCLIENT", "set")
    return busy


def _without_busy_answers(events, echoes: set[bytes]) -> list:
    """``events`` without the answers to the lines in ``echoes``: their echo, and each ``busy p...`` with
    the CR LF that frames it (``\r\nbusy p...\r\n``, rigs/at/wire.py busy.framing: esp-at at_user_cmd.c)
    and the ERR CODE line before that (AT+SYSLOG=1, issue #731)."""
    out: list = []
    for ev in events:
        if isinstance(ev, Busy):
            if out and isinstance(out[-1], Blank):
                out.pop()
            if out and isinstance(out[-1], ErrCode):
                out.pop()
        elif ev.raw not in echoes:
            out.append(ev)
    return out


@pytest.mark.http
@pytest.mark.form("AT+HTTPCLIENT", "set")
@pytest.mark.parametrize("line", [b"AT+CWMODE=0\r\n", b"AT+RST\r\n"], ids=["AT+CWMODE=0", "AT+RST"])
def test_line_during_a_running_command_is_busy(dut, expect, esp_rig, esp_http_server, line) -> None:
    """A complete line while AT+HTTPCLIENT runs gets ``busy p...`` and is not run (3.17): the GET ends
    with its response, Wi-Fi mode is still 1 / no restart came, the next command works."""
    running = _slow_get(dut, esp_rig, esp_http_server)
    dut.write_raw(line)
    resp = running.result(connect_timeout(esp_rig) + DELAY_S + 2)
    busy = _ended_as_documented(expect, resp, [line])
    assert busy == 1, f"expected one busy p... for {line!r}: {resp.text!r}"
    mode = dut.cmd("AT+CWMODE?")
    expect.ok(mode, "AT+CWMODE", "query")
    assert "+CWMODE:1" in mode.lines, f"the line sent while busy was run: {mode.lines}"
    well_formed(dut, expect)


#: Lines sent while a command runs: commands that would change something if they were run, and garbage.
_BUSY_LINES = st.lists(
    st.one_of(
        st.sampled_from([b"AT+CWMODE=0", b"AT+RST", b"AT+CWQAP", b"AT+RESTORE", b"AT"]),
        garbage_lines(),
        nul_lines(),
    ).map(lambda b: b + b"\r\n"),
    min_size=1,
    max_size=6,
)


@pytest.mark.http
@pytest.mark.form("AT+HTTPCLIENT", "set")
@settings(EXAMPLES, max_examples=3)
@given(lines=_BUSY_LINES)
def test_generated_lines_during_a_running_command(dut, expect, esp_rig, esp_http_server, lines) -> None:
    """Each complete line written while AT+HTTPCLIENT runs, command or garbage, gets one ``busy p...``
    (3.17) and is not run: the GET ends with its response, Wi-Fi is still joined in mode 1."""
    running = _slow_get(dut, esp_rig, esp_http_server)
    dut.write_raw(b"".join(lines))
    resp = running.result(connect_timeout(esp_rig) + DELAY_S + 2)
    busy = _ended_as_documented(expect, resp, lines)
    assert busy == len(lines), f"expected {len(lines)} busy p... for {lines!r}: {resp.text!r}"
    mode = dut.cmd("AT+CWMODE?")
    expect.ok(mode, "AT+CWMODE", "query")
    assert "+CWMODE:1" in mode.lines, f"a line sent while busy was run: {mode.lines}"
    joined = dut.cmd("AT+CWJAP?")
    expect.ok(joined, "AT+CWJAP", "query")
    well_formed(dut, expect)


@pytest.mark.http
@pytest.mark.form("AT+HTTPCLIENT", "set")
def test_bytes_without_terminator_during_a_running_command(dut, expect, esp_rig, esp_http_server) -> None:
    """Bytes with no CR LF while a command runs: no answer then (no line was completed), the command ends
    with its response; the first line afterwards gets one final result (ERROR if the bytes stayed in the
    line buffer, OK if the board dropped them: the guide does not say), and the next command works."""
    running = _slow_get(dut, esp_rig, esp_http_server)
    dut.write_raw(b"\x00\xff#junk")
    resp = running.result(connect_timeout(esp_rig) + DELAY_S + 2)
    assert _ended_as_documented(expect, resp) == 0, f"busy p... without a line: {resp.text!r}"
    first = dut.cmd("AT")
    assert first.final in ("OK", "ERROR"), f"'AT' after the stray bytes: {first.text!r}"
    well_formed(dut, expect)


@pytest.mark.basic
@pytest.mark.form("AT+RST", "execute")
def test_lines_in_the_boot_window(dut, expect, esp_rig) -> None:
    """Lines sent right after AT+RST's OK, before ``ready`` (3.1.3, 3.17): the board comes up (``ready``)
    and answers the next command as the guide says, however it treated those lines.

    Irregular output expected: a board may answer a line that arrives after its ``ready`` with no command
    pending on the host side (the host cannot tell when ``ready`` will come)."""
    expect.ok(dut.cmd("AT+RST"), "AT+RST", "execute")
    dut.write_raw(b"AT+GMR\r\n#junk\x00\xff\r\nAT+CWJAP?\r\n")
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    well_formed(dut, expect)
