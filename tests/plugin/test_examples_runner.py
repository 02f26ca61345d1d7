"""Self-tests of the chapter-4 example runner (fixtures/examples.py) against a scripted fake board: the
template building, placeholder learning, step-by-step replay, and the failures it must report (a wrong
line, reports out of the guide's order). The replays on the simulator are in suites/examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fixtures.example_lines import (
    expected_template,
    included_values,
    length_problems,
    match_lines,
    response_lines,
    step_lines,
)
from fixtures.example_peers import ExamplePeers
from fixtures.examples import ExampleRunner, ExampleStepError
from rigs.at.codec import AtCodec
from rigs.at.session import AtSession
from rigs.loader import load_rig
from spec.examples import Example
from spec.matcher import MatchError
from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer

ROOT = Path(__file__).resolve().parents[2]


# --- pure parts ------------------------------------------------------------------------------------


def test_template_escapes_literals_and_keeps_format_fields() -> None:
    # {B} is not a placeholder (lower-case dotted names only), so its braces are literal text
    expected = expected_template(['+X:"[a]{B}|<sta_mac>"'], {})
    assert expected.template_text == '+X:"\\[a\\]\\{B\\}\\|<sta_mac>"'
    assert match_lines(expected, ['+X:"[a]{B}|aa:bb:cc:00:11:22"']) == {}


@pytest.mark.parametrize(
    ("line", "good", "bad"),
    [
        ('+STA_CONNECTED:"<sta_mac>"', '+STA_CONNECTED:"02:00:00:00:10:01"', '+STA_CONNECTED:"aa:bb"'),
        ('+DIST_STA_IP:"02:00:00:00:10:01","<sta_ip>"', '+DIST_STA_IP:"02:00:00:00:10:01","10.0.0.2"',
         '+DIST_STA_IP:"02:00:00:00:10:01","10.0.0"'),
        ("+T:<time>", "+T:Thu Sep  2 18:57:03 2021", "+T:Thu Sep 2 18:57:03 2021"),
        ("+T:<time>", "+T:Mon Oct 18 20:12:27 2021", "+T:Tue Oct 18 20:12:27 2021"),
        ("+IPD,<len>:x", "+IPD,1:x", "+IPD,one:x"),
    ],
    ids=["mac", "ipv4", "asctime-padding", "asctime-weekday", "int"],
)  # fmt: skip
def test_format_fields_are_typed(line: str, good: str, bad: str) -> None:
    """spec.example_fields: a <field> is matched by its type, never as any text."""
    expected = expected_template([line], {})
    match_lines(expected, [good])
    with pytest.raises(MatchError) as info:
        match_lines(expected, [bad])
    assert bad.split(":", 1)[1][:8] in str(info.value)


def test_a_learned_placeholder_holds_one_value() -> None:
    expected = expected_template(['+A:"{station.mac}"', '+B:"{station.mac}"'], {})
    assert match_lines(expected, ['+A:"02:00:00:00:10:01"', '+B:"02:00:00:00:10:01"']) == {
        "station.mac": "02:00:00:00:10:01"
    }
    with pytest.raises(MatchError, match="stands for one value"):
        match_lines(expected, ['+A:"02:00:00:00:10:01"', '+B:"02:00:00:00:10:02"'])


def test_an_included_line_is_found_among_repeated_ones() -> None:
    """A step's ``includes`` (4.10.4): the slave named EXAMPLE among the inquiry results, with repeats."""
    line = '+BTSTARTDISC:"{board.bt_addr}",EXAMPLE,,,,<rssi>'
    results = [
        '+BTSTARTDISC:"10:f6:05:f9:bc:4f",realme V11 5G,0x2,0x3,0x2d0,-34',
        '+BTSTARTDISC:"24:0a:c4:d6:e4:46",EXAMPLE,,,,-27',
        '+BTSTARTDISC:"24:0a:c4:d6:e4:46",EXAMPLE,,,,-25',
        "",
        "OK",
    ]
    assert included_values([line], results, {}) == ({"board.bt_addr": "24:0a:c4:d6:e4:46"}, [])
    # a known value must be the one found
    _, problems = included_values([line], results, {"board.bt_addr": "24:0a:c4:00:00:01"})
    assert problems and "no line of the response" in problems[0]
    # two devices answering to one description leave the address ambiguous
    _, problems = included_values([line], [*results, '+BTSTARTDISC:"24:0a:c4:00:00:02",EXAMPLE,,,,-40'], {})
    assert problems and "stands for one value" in problems[0]
    _, problems = included_values([line], results[:1], {})
    assert problems


def test_lengths_are_what_was_sent() -> None:
    assert length_problems(["Recv 4 bytes", "", "SEND OK"], sent=4) == []
    assert "the step sent 4 bytes" in length_problems(["Recv 5 bytes", "", "SEND OK"], sent=4)[0]
    assert length_problems(["+IPD,4:test"], peer_sent=b"test") == []
    assert "4 bytes of data" in length_problems(["+IPD,5:test"])[0]
    assert "the peer sent 5 bytes" in length_problems(["+IPD,0,4"], peer_sent=b"tests")[0]


def test_response_lines_keep_reports_in_place() -> None:
    codec = AtCodec()
    codec.command_sent('AT+CWJAP="a","b"')
    events = codec.feed(b'AT+CWJAP="a","b"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n')
    assert response_lines(events) == ["WIFI CONNECTED", "WIFI GOT IP", "", "OK"]


def test_unknown_placeholder_is_learned_from_the_answer() -> None:
    expected = expected_template(['+CIPSTA:ip:"{board.sta_ip}"', "", "OK"], {})
    assert match_lines(expected, ['+CIPSTA:ip:"127.64.0.10"', "", "OK"]) == {"board.sta_ip": "127.64.0.10"}


def test_learned_ip_is_checked_by_format() -> None:
    expected = expected_template(['+CIPSTA:ip:"{board.sta_ip}"'], {})
    with pytest.raises(MatchError):
        match_lines(expected, ['+CIPSTA:ip:"not-an-address"'])


def test_known_placeholder_is_compared_literally() -> None:
    expected = expected_template(["+CIPSEND:{server.port}"], {"server.port": "8080"})
    with pytest.raises(MatchError) as info:
        match_lines(expected, ["+CIPSEND:8081"])
    assert "8080" in str(info.value) and "8081" in str(info.value)


def test_step_lines_leave_reports_out() -> None:
    codec = AtCodec()
    codec.command_sent('AT+CIPSTART="TCP","1.2.3.4",80')
    events = codec.feed(b'AT+CIPSTART="TCP","1.2.3.4",80\r\nCONNECT\r\n\r\nOK\r\n')
    assert step_lines(events) == ["", "OK"]


# --- replay against a scripted board ---------------------------------------------------------------


@dataclass
class TableBoard(ScriptedBoard):
    """Answers from a table; AT+CIPSEND=<n> takes n data bytes and says Recv/SEND OK, then ``after_send``."""

    table: dict[str, bytes] = field(default_factory=dict)
    after_send: bytes = b""
    _want: int = 0

    def feed(self, data: bytes) -> bytes:
        if self._want:
            take = min(self._want, len(data))
            self._want -= take
            out = b""
            if not self._want:
                out = f"Recv {take} bytes\r\n\r\nSEND OK\r\n".encode() + self.after_send
            return out + (self.feed(data[take:]) if data[take:] else b"")
        return super().feed(data)

    def respond(self, line: str) -> bytes:
        if line == "AT+RESTORE":
            return b"\r\nOK\r\n\r\nready\r\n"
        if line.startswith("AT+CIPSEND="):
            self._want = int(line.split(",")[-1].split("=")[-1])
            return b"\r\nOK\r\n\r\n>"
        if line in self.table:
            return self.table[line]
        return super().respond(line)


def _example(steps: list[dict]) -> Example:
    return Example.model_validate(
        {
            "section": "4.99.1",
            "title": "runner self-test",
            "source": {"file": "x.rst", "heading": "x"},
            "command_set": "tcpip",
            "requires": [],
            "fidelity": "complete",
            "steps": steps,
        }
    )


STEPS = [
    {"kind": "command", "line": "AT+CWMODE=1", "response": ["OK"]},
    {
        "kind": "command",
        "line": "AT+CIPSTA?",
        "response": ['+CIPSTA:ip:"{board.sta_ip}"', "", "OK"],
    },
    {
        "kind": "command",
        "line": 'AT+CIPSTART="TCP","{board.sta_ip}",8080',
        "response": ["CONNECT", "", "OK"],
        "urcs": ["CONNECT"],
    },
    {"kind": "command", "line": "AT+CIPSEND=4", "response": ["OK", "", ">"]},
    {"kind": "send_data", "data": "test", "response": ["Recv 4 bytes", "", "SEND OK"]},
    {"kind": "expect_urc", "lines": ["+IPD,4:test"]},
]


def _run(board: TableBoard, steps: list[dict]) -> ExampleRunner:
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    with ScriptedBoardServer(board) as server:
        session = AtSession.open(server.url)
        try:
            peers = ExamplePeers(lambda p: p, lambda name: None, None, "127.0.0.1")  # type: ignore[arg-type]
            runner = ExampleRunner(session, rig, peers, "ap", "password")
            runner.run(_example(steps))
            return runner
        finally:
            session.close()


def _board(**changes: bytes) -> TableBoard:
    table = {
        "AT+CWMODE=1": b"\r\nOK\r\n",
        "AT+CIPSTA?": b'+CIPSTA:ip:"127.64.0.10"\r\n\r\nOK\r\n',
        'AT+CIPSTART="TCP","127.64.0.10",8080': b"CONNECT\r\n\r\nOK\r\n",
    }
    table.update(changes)
    return TableBoard(table=table, after_send=b"\r\n+IPD,4:test")


def test_replay_learns_and_uses_values() -> None:
    runner = _run(_board(), STEPS)
    assert runner.values["board.sta_ip"] == "127.64.0.10"


def test_a_station_address_outside_the_aps_network_fails() -> None:
    """On the sim rig the AP's gateway and netmask are known (rigs/boards/air.py): AT+CIPSTA?'s address lies
    in their network."""
    board = _board(**{"AT+CIPSTA?": b'+CIPSTA:ip:"10.0.0.7"\r\n\r\nOK\r\n'})
    with pytest.raises(
        ExampleStepError, match=r"10\.0\.0\.7 is not in the access point's network 127\.0\.0\.0/8"
    ):
        _run(board, STEPS)


def test_wrong_line_names_the_step_expected_and_actual() -> None:
    board = _board(**{"AT+CWMODE=1": b"\r\nERROR\r\n"})
    with pytest.raises(ExampleStepError) as info:
        _run(board, STEPS)
    text = str(info.value)
    assert "step 1" in text and "AT+CWMODE=1" in text and "expected: OK" in text and "ERROR" in text


def test_wrong_payload_of_a_report_fails() -> None:
    board = _board()
    board.after_send = b"\r\n+IPD,4:tesx"
    with pytest.raises(ExampleStepError) as info:
        _run(board, STEPS)
    assert "+IPD,4:test" in str(info.value)


def test_reports_out_of_order_fail() -> None:
    board = _board(**{"AT+CWMODE=1": b"\r\nOK\r\nWIFI GOT IP\r\nWIFI CONNECTED\r\n"})
    steps = [STEPS[0], {"kind": "expect_urc", "lines": ["WIFI CONNECTED", "WIFI GOT IP"]}]
    with pytest.raises(ExampleStepError) as info:
        _run(board, steps)
    text = str(info.value)
    assert "step 2" in text and "actual lines:   ['WIFI GOT IP', 'WIFI CONNECTED']" in text


def test_a_report_no_step_lists_fails() -> None:
    board = _board(**{"AT+CWMODE=1": b"\r\nOK\r\nWIFI DISCONNECT\r\n"})
    with pytest.raises(ExampleStepError) as info:
        _run(board, [STEPS[0], STEPS[0]])
    assert "reports the guide does not list came before step 2: ['WIFI DISCONNECT']" in str(info.value)


@pytest.mark.parametrize("tail", [b"", b"\r\nOK\r\n"], ids=["exact", "unfiltered-ok"])
def test_raw_response_is_compared_byte_for_byte(tail: bytes) -> None:
    """4.1.1's download with every frame filtered: the port must carry exactly the resource."""
    from fixtures.example_peers import resource_body
    from spec.examples import CommandStep

    url = "https://127.0.0.1:1/files/hardware.png"
    line = f'AT+HTTPCGET="{url}",2048,2048,5000'
    board = _board(**{line: resource_body("/files/hardware.png") + tail})
    board.echo = False
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    step = CommandStep(kind="command", line=line, response=[], raw_response="the resource")
    with ScriptedBoardServer(board) as server:
        session = AtSession.open(server.url)
        try:
            peers = ExamplePeers(lambda p: p, lambda name: None, None, "127.0.0.1")  # type: ignore[arg-type]
            runner = ExampleRunner(session, rig, peers, "ap", "password", values={"http.url": url})
            if tail:
                with pytest.raises(ExampleStepError, match="nothing else"):
                    runner.run_step(step, None)
            else:
                runner.run_step(step, None)
        finally:
            session.close()


def test_each_step_records_a_check_of_its_form(request: pytest.FixtureRequest) -> None:
    """fixtures.checks: a matched step of a command that succeeds is a ``response`` check of its form, a
    step whose example expects ERROR a ``refusal``; a data step counts for the command that gave '>'."""
    from fixtures.checks import records_of

    steps = [
        STEPS[0],
        {"kind": "command", "line": "AT+CIPMUX=2", "response": ["ERROR"]},
        STEPS[3],
        STEPS[4],
    ]
    board = _board(**{"AT+CIPMUX=2": b"\r\nERROR\r\n"})
    board.after_send = b""
    _run(board, steps)
    got = [(r.form, r.category, r.check, r.passed) for r in records_of(request.node)]
    assert got == [
        ("AT+CWMODE/set", "response", "example 4.99.1 step 1", True),
        ("AT+CIPMUX/set", "refusal", "example 4.99.1 step 2", True),
        ("AT+CIPSEND/set", "response", "example 4.99.1 step 3", True),
        ("AT+CIPSEND/set", "response", "example 4.99.1 step 4", True),
    ]


def test_a_failed_step_records_a_failed_check(request: pytest.FixtureRequest) -> None:
    from fixtures.checks import records_of

    with pytest.raises(ExampleStepError):
        _run(_board(**{"AT+CWMODE=1": b"\r\nERROR\r\n"}), STEPS[:1])
    (record,) = records_of(request.node)
    assert (record.form, record.category, record.passed) == ("AT+CWMODE/set", "response", False)
    assert "step 1" in record.detail and "expected 'OK', got 'ER'" in record.detail, record.detail


@pytest.mark.parametrize(
    ("timezone", "seconds"), [(8, 8 * 3600), (-5, -5 * 3600), (1245, 12 * 3600 + 45 * 60), (-500, -5 * 3600)]
)
def test_sntp_timezone_offsets(timezone: int, seconds: int) -> None:
    """3.3 AT+CIPSNTPCFG: whole hours in [-12,14], else the [+|-][hh]mm UTC offset form."""
    from spec.example_fields import sntp_timezone_offset

    assert sntp_timezone_offset(timezone) == seconds


def test_sntp_time_is_the_rigs_clock_in_the_set_zone() -> None:
    from fixtures.example_lines import time_problems

    epoch = 1_704_067_200.0  # 2024-01-01T00:00:00Z
    assert time_problems(["Mon Jan  1 08:00:03 2024"], epoch + 3, 8) == []
    (problem,) = time_problems(["Mon Jan  1 00:00:03 2024"], epoch + 3, 8)
    assert "-28800 s from the rig's SNTP time in UTC+8 (Mon Jan 01 08:00:03 2024)" in problem


@pytest.mark.parametrize(
    "shown", ["Mon Jan  1 08:00:05 2024", "Mon Jan  1 00:00:05 2024"], ids=["right", "utc"]
)
def test_replayed_sntp_time_is_compared_with_the_rigs_clock(shown: str) -> None:
    class Clock:
        def now(self) -> float:
            return 1_704_067_205.0

    class Sntp:
        clock = Clock()

    steps = [
        {"kind": "peer", "peer": "sntp-server", "action": "start"},
        {"kind": "command", "line": 'AT+CIPSNTPCFG=1,8,"10.0.0.1"', "response": ["OK"]},
        {"kind": "command", "line": "AT+CIPSNTPTIME?", "response": ["+CIPSNTPTIME:<time>", "OK"]},
    ]
    board = _board(
        **{
            'AT+CIPSNTPCFG=1,8,"10.0.0.1"': b"\r\nOK\r\n",
            "AT+CIPSNTPTIME?": f"+CIPSNTPTIME:{shown}\r\nOK\r\n".encode(),
        }
    )
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    with ScriptedBoardServer(board) as server:
        session = AtSession.open(server.url)
        try:
            peers = ExamplePeers(lambda p: p, lambda name: Sntp(), None, "127.0.0.1")  # type: ignore[arg-type]
            runner = ExampleRunner(session, rig, peers, "ap", "password")
            if shown.startswith("Mon Jan  1 08"):
                runner.run(_example(steps))
            else:
                with pytest.raises(ExampleStepError, match="from the rig's SNTP time in UTC\\+8"):
                    runner.run(_example(steps))
        finally:
            session.close()


_STATION = [
    STEPS[0],
    {"kind": "expect_urc", "lines": ['+STA_CONNECTED:"<sta_mac>"', '+DIST_STA_IP:"<sta_mac>","<sta_ip>"']},
]


@pytest.mark.parametrize(
    ("macs", "shown"),
    [
        (("02:00:00:00:10:01", "02:00:00:00:10:01"), None),
        (("02:00:00:00:10:01", "02:00:00:00:10:02"), "<sta_mac> names one device"),
        (("02:00:00:00:10:09", "02:00:00:00:10:09"), "the rig's is 02:00:00:00:10:01"),
    ],
    ids=["the-rigs-station", "two-stations", "another-station"],
)
def test_station_mac_is_one_and_the_rigs(macs: tuple[str, str], shown: str | None) -> None:
    """3.17 +STA_CONNECTED / +DIST_STA_IP name one station; on the sim rig it is the air file's station."""
    reports = f'+STA_CONNECTED:"{macs[0]}"\r\n+DIST_STA_IP:"{macs[1]}","10.0.0.2"\r\n'.encode()
    board = _board(**{"AT+CWMODE=1": b"\r\nOK\r\n" + reports})
    if shown is None:
        _run(board, _STATION)
        return
    with pytest.raises(ExampleStepError, match=shown):
        _run(board, _STATION)


@pytest.mark.parametrize("leased", ["192.168.4.2", "192.168.5.2"], ids=["in-the-softap-net", "elsewhere"])
def test_a_leased_address_is_in_the_softaps_network(leased: str) -> None:
    """3.17 +DIST_STA_IP: the soft-AP leases from its own network, which AT+CIPAP? printed."""
    cipap = {
        "kind": "command",
        "line": "AT+CIPAP?",
        "response": [
            '+CIPAP:ip:"{board.ap_ip}"',
            '+CIPAP:gateway:"{board.ap_gateway}"',
            '+CIPAP:netmask:"{board.ap_netmask}"',
            "",
            "OK",
        ],
    }
    answer = (
        b'+CIPAP:ip:"192.168.4.1"\r\n+CIPAP:gateway:"192.168.4.1"\r\n+CIPAP:netmask:"255.255.255.0"\r\n\r\nOK\r\n'
        + f'+STA_CONNECTED:"02:00:00:00:10:01"\r\n+DIST_STA_IP:"02:00:00:00:10:01","{leased}"\r\n'.encode()
    )
    board = _board(**{"AT+CIPAP?": answer})
    if leased.startswith("192.168.4."):
        _run(board, [cipap, _STATION[1]])
        return
    with pytest.raises(ExampleStepError, match=r"<sta_ip> 192\.168\.5\.2 is not in 192\.168\.4\.0/24"):
        _run(board, [cipap, _STATION[1]])


_JOINED = b'+STA_CONNECTED:"02:00:00:00:10:01"\r\n+DIST_STA_IP:"02:00:00:00:10:01","10.0.0.2"\r\n'


@pytest.mark.parametrize(
    ("answer", "join", "shown"),
    [
        (_JOINED + b"\r\nOK\r\n", True, None),
        (b'+STA_CONNECTED:"02:00:00:00:10:01"\r\n\r\nOK\r\n' + _JOINED.split(b"\r\n", 1)[1], True, None),
        (_JOINED + b"\r\nOK\r\n", False, "actual lines:   ['+STA_CONNECTED"),
        (b"WIFI DISCONNECT\r\n" + _JOINED + b"\r\nOK\r\n", True, "'WIFI DISCONNECT', '', 'OK'"),
    ],
    ids=["inside-an-earlier-response", "split-around-ok", "no-station-step", "with-another-report"],
)
def test_station_reports_may_come_before_the_join_step(answer: bytes, join: bool, shown: str | None) -> None:
    """A station joins the soft-AP when it chooses: its reports may come inside the responses the guide prints
    before the join, and are still required, in order, by the step after it; nothing else may come."""
    steps = [
        STEPS[0],
        *([{"kind": "peer", "peer": "station", "action": "join"}] if join else []),
        _STATION[1],
    ]
    board = _board(**{"AT+CWMODE=1": answer})
    if shown is None:
        _run(board, steps)
        return
    with pytest.raises(ExampleStepError) as info:
        _run(board, steps)
    assert shown in str(info.value) and "step 1" in str(info.value), str(info.value)
