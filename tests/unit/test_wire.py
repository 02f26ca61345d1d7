"""rigs.at.wire: every framing rule, on good and bad bytes, fed whole and byte by byte.

The good streams are written from the guide's framing (3.17, the chapter 3 examples) and from real-board
output cited in each rule's evidence; the bad ones are the regressions the rules exist to catch.
"""

from __future__ import annotations

import pytest

from rigs.at.codec import AtCodec
from rigs.at.wire import RULES, WireGrammar


def violations(*steps: object, version: str | None = None, step: int | None = None) -> list[tuple[str, int]]:
    """Run steps through the codec and the grammar; return (rule id, offset) of each violation.

    A step is bytes the board sent, ``("cmd", line)`` for a command the host wrote, ``("data",)`` for the
    data the host wrote after a '>' prompt. ``step`` feeds the board's bytes in pieces of that size."""
    codec = AtCodec()
    grammar = WireGrammar(version=version)
    found = []
    for s in steps:
        if isinstance(s, tuple):
            if s[0] == "cmd":
                codec.command_sent(str(s[1]))
            else:
                codec.data_sent()
            continue
        assert isinstance(s, bytes)
        pieces = [s] if step is None else [s[i : i + step] for i in range(0, len(s), step)]
        for piece in pieces:
            for ev in codec.feed(piece):
                found += grammar.feed(ev)
    found += grammar.flush()
    return [(v.rule.id, v.offset) for v in found]


def both(*steps: object, version: str | None = None) -> list[tuple[str, int]]:
    whole = violations(*steps, version=version)
    assert violations(*steps, version=version, step=1) == whole
    return whole


def ids(found: list[tuple[str, int]]) -> list[str]:
    return [rule for rule, _ in found]


def test_every_rule_names_its_evidence() -> None:
    for rule in RULES.values():
        assert rule.evidence, rule.id
        assert rule.summary


# --- final results (final.leading-crlf, final.one-blank) ------------------------------------------------


def test_echo_then_ok_is_framed() -> None:
    assert both(("cmd", "AT"), b"AT\r\n\r\nOK\r\n") == []


def test_information_lines_then_ok() -> None:
    stream = (
        b'AT+CWLAP\r\n+CWLAP:(3,"ap",-50,"aa:bb:cc:dd:ee:ff",6)\r\n+CWLAP:(0,"b",-70,"a:b",1)\r\n\r\nOK\r\n'
    )
    assert both(("cmd", "AT+CWLAP"), stream) == []


def test_ok_glued_to_the_information_line() -> None:
    # "+CWMODE:1\r\nOK\r\n": the CR LF that frames OK is missing
    assert both(("cmd", "AT+CWMODE?"), b"AT+CWMODE?\r\n+CWMODE:1\r\nOK\r\n") == [("final.leading-crlf", 23)]


def test_three_extra_blank_lines_before_ok() -> None:
    row = b'+CWLAP:(3,"ap",-50,"aa:bb:cc:dd:ee:ff",6)\r\n'
    stream = b"AT+CWLAP\r\n" + row + b"\r\n\r\n\r\n\r\nOK\r\n"
    # the first extra CR LF is reported, right after the one that frames OK
    assert both(("cmd", "AT+CWLAP"), stream) == [("final.one-blank", 10 + len(row) + 2)]


def test_every_final_result_is_held_to_the_framing() -> None:
    for result in (b"ERROR", b"SEND OK", b"SEND FAIL", b"SET OK"):
        assert both(("cmd", "AT+X"), b"AT+X\r\n\r\n" + result + b"\r\n") == []
        assert ids(both(("cmd", "AT+X"), b"AT+X\r\n" + result + b"\r\n")) == ["final.leading-crlf"]


def test_final_after_length_framed_data_takes_its_own_crlf() -> None:
    # 3.3.35 (+CIPRECVDATA:<len>,<data> then OK); esp-at issues 280, 451: the data has no CR LF of its own
    stream = b"AT+CIPRECVDATA=0,5\r\n+CIPRECVDATA:5,hello\r\nOK\r\n"
    assert both(("cmd", "AT+CIPRECVDATA=0,5"), stream) == []
    glued = b"AT+CIPRECVDATA=0,5\r\n+CIPRECVDATA:5,helloOK\r\n"
    assert ids(both(("cmd", "AT+CIPRECVDATA=0,5"), glued)) == ["final.leading-crlf"]


# --- line ends (line.crlf) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stream",
    [b"AT\r\n\r\nOK\n", b"AT\r\n\r\nOK\r\r\n", b"AT\n\r\nOK\r\n", b"AT+CWMODE?\r\n+CWMODE:1\n\r\nOK\r\n"],
    ids=["final-lf", "final-cr-cr-lf", "echo-lf", "info-lf"],
)
def test_lines_end_with_exactly_crlf(stream: bytes) -> None:
    command = stream.split(b"\r", 1)[0].split(b"\n", 1)[0].decode()
    assert "line.crlf" in ids(both(("cmd", command), stream))


def test_report_with_bare_lf() -> None:
    assert ids(both(b"WIFI CONNECTED\n")) == ["line.crlf"]
    assert both(b"WIFI CONNECTED\r\nWIFI GOT IP\r\n") == []


# --- the prompt (prompt.framing) -------------------------------------------------------------------------


def test_prompt_after_ok_then_recv_then_send_ok() -> None:
    # esp-at issue 731: AT+CIPSEND=0,4268 / (blank) / OK / (blank) / > / Recv 4268 bytes / (blank) / SEND OK
    steps = (
        ("cmd", "AT+CIPSEND=0,5"),
        b"AT+CIPSEND=0,5\r\n\r\nOK\r\n\r\n>",
        ("data",),
        b"\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n",
    )
    assert both(*steps) == []


def test_prompt_without_its_crlf() -> None:
    assert both(("cmd", "AT+CIPSEND=5"), b"AT+CIPSEND=5\r\n\r\nOK\r\n>") == [("prompt.framing", 20)]


def test_prompt_with_a_space_after_it() -> None:
    steps = (("cmd", "AT+CIPSEND=5"), b"AT+CIPSEND=5\r\n\r\nOK\r\n\r\n> ", ("data",), b"\r\nRecv 5 bytes\r\n")
    assert "prompt.framing" in ids(both(*steps))
    # ... which the ESP8266 NONOS AT 1.x firmware prints: a documented difference keyed by version
    assert both(*steps, version="1.5.0.0(Oct 24 2017 12:03:18)") == []
    assert both(*steps, version="3.2.0.0(s-ec2dec2 - ESP32 - Jul 28 2023 07:05:28)") != []


def test_passthrough_prompt_then_data() -> None:
    # esp-at issue 631: AT+CIPSEND / (blank) / OK / (blank) / >, then every byte is data
    steps = (("cmd", "AT+CIPSEND"), b"AT+CIPSEND\r\n\r\nOK\r\n\r\n>\r\n\r\n\r\nanything\n")
    assert both(*steps) == []


# --- Recv <n> bytes (recv.framing) -------------------------------------------------------------------


def test_recv_glued_to_the_prompt() -> None:
    steps = (
        ("cmd", "AT+CIPSEND=8"),
        b"AT+CIPSEND=8\r\n\r\nOK\r\n\r\n>",
        ("data",),
        b"Recv 8 bytes\r\n\r\nSEND OK\r\n",
    )
    assert both(*steps) == [("recv.framing", 23)]


def test_recv_with_an_extra_blank_line() -> None:
    steps = (
        ("cmd", "AT+CIPSEND=8"),
        b"AT+CIPSEND=8\r\n\r\nOK\r\n\r\n>",
        ("data",),
        b"\r\n\r\nRecv 8 bytes\r\n",
    )
    assert both(*steps) == [("recv.framing", 25)]


# --- +IPD (ipd.framing) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ipd",
    [b"+IPD,5:hello", b"+IPD,0,5:hello", b'+IPD,5,"10.0.0.2",80:hello', b'+IPD,1,5,"10.0.0.2",80:hello'],
    ids=["single", "mux", "dinfo", "mux-dinfo"],
)
def test_active_ipd_brings_its_crlf(ipd: bytes) -> None:
    assert both(b"\r\n" + ipd + b"\r\n" + ipd) == []
    assert both(b"0,CONNECT\r\n" + ipd) == [("ipd.framing", 11)]


def test_ipd_after_a_final_result() -> None:
    # esp-at issue 120: OK / (blank) / +IPD,0,405,...
    assert both(("cmd", "AT+CWLIF"), b"AT+CWLIF\r\n\r\nOK\r\n\r\n+IPD,0,2:hi") == []
    assert ids(both(("cmd", "AT+CWLIF"), b"AT+CWLIF\r\n\r\nOK\r\n+IPD,0,2:hi")) == ["ipd.framing"]


@pytest.mark.parametrize("notice", [b"+IPD,654\r\n", b"+IPD,0,654\r\n"], ids=["single", "mux"])
def test_passive_ipd_notice(notice: bytes) -> None:
    # esp-at issue 731: SEND OK / (blank) / +IPD,0,654 (AT+CIPRECVTYPE=1)
    assert both(b"\r\nSEND OK\r\n\r\n" + notice) == []
    assert ids(both(b"\r\nSEND OK\r\n" + notice)) == ["ipd.framing"]


def test_report_glued_after_ipd_data_is_not_a_framing_error() -> None:
    # The data has no line end; what the board prints next (0,CLOSED) carries no CR LF before it.
    assert both(b"\r\n+IPD,0,2:hi0,CLOSED\r\n") == []


# --- busy p... and ERR CODE (busy.framing, errcode.format) -------------------------------------------------


def test_busy_is_framed() -> None:
    # esp-at issue 388: the line sent while busy is not echoed; "\r\nbusy p...\r\n" answers it
    assert both(("cmd", 'AT+CWJAP="a","b"'), b'AT+CWJAP="a","b"\r\n\r\nbusy p...\r\n') == []
    assert ids(both(("cmd", 'AT+CWJAP="a","b"'), b'AT+CWJAP="a","b"\r\nbusy p...\r\n')) == ["busy.framing"]


def test_err_code_before_busy() -> None:
    # esp-at issue 731 (AT+SYSLOG=1): ERR CODE:0x010b0000 / (blank) / busy p...
    stream = b"AT+CIPRECVDATA=0,654\r\nERR CODE:0x010b0000\r\n\r\nbusy p...\r\n"
    assert both(("cmd", "AT+CIPRECVDATA=0,654"), stream) == []


def test_err_code_before_error() -> None:
    # 3.1.26: AT+FAKE / ERR CODE:0x01090000 / (blank) / ERROR
    assert both(("cmd", "AT+FAKE"), b"AT+FAKE\r\nERR CODE:0x01090000\r\n\r\nERROR\r\n") == []


@pytest.mark.parametrize(
    "stream, rule",
    [
        (b"AT+FAKE\r\nERR CODE:0x1090000\r\n\r\nERROR\r\n", "errcode.format"),  # not 8 digits
        (b"AT+FAKE\r\nERR CODE:0x01090000\r\n\r\nOK\r\n", "errcode.format"),  # not before ERROR
        (b"AT+FAKE\r\n\r\nERR CODE:0x01090000\r\n\r\nERROR\r\n", "blank.unclaimed"),  # CR LF before it
        (b"AT+FAKE\r\nERR CODE:0x01090000\r\nERROR\r\n", "final.leading-crlf"),
    ],
    ids=["digits", "then-ok", "blank-before", "error-glued"],
)
def test_err_code_misframed(stream: bytes, rule: str) -> None:
    assert rule in ids(both(("cmd", "AT+FAKE"), stream))


# --- blank lines nothing frames (blank.unclaimed) ---------------------------------------------------------


def test_blank_before_an_information_line() -> None:
    assert both(("cmd", "AT+CWMODE?"), b"AT+CWMODE?\r\n\r\n+CWMODE:1\r\n\r\nOK\r\n") == [
        ("blank.unclaimed", 12)
    ]


def test_blank_before_a_report() -> None:
    # esp-at issues 479, 631: WIFI CONNECTED right after the echo, 0,CONNECT right after OK
    good = b'AT+CWJAP="a","b"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n0,CONNECT\r\n'
    assert both(("cmd", 'AT+CWJAP="a","b"'), good) == []
    bad = b'AT+CWJAP="a","b"\r\n\r\nWIFI CONNECTED\r\n'
    assert both(("cmd", 'AT+CWJAP="a","b"'), bad) == [("blank.unclaimed", 18)]


# --- ready and boot output (ready.framing) ----------------------------------------------------------------


def test_ready_after_restart() -> None:
    # esp-at issue 120: AT+RESTORE / ... / (blank) / OK / (blank) / ready
    assert both(("cmd", "AT+RST"), b"AT+RST\r\n\r\nOK\r\n\r\nready\r\n") == []


def test_boot_output_before_ready_is_not_checked() -> None:
    boot = b"\r\nets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET)\n\xff\x00garbage\r\n\r\n\r\n"
    assert both(("cmd", "AT+RST"), b"AT+RST\r\n\r\nOK\r\n" + boot + b"\r\nready\r\n") == []


def test_garbage_that_ready_does_not_explain() -> None:
    assert sorted(ids(both(b"\r\n\r\ngarbage\n"))) == ["blank.unclaimed", "line.crlf"]


def test_ready_glued() -> None:
    assert ids(both(("cmd", "AT+RST"), b"AT+RST\r\n\r\nOK\r\nready\r\n")) == ["ready.framing"]


def test_violation_renders_bytes_escaped_with_offset() -> None:
    codec, grammar = AtCodec(), WireGrammar()
    codec.command_sent("AT")
    found = [v for ev in codec.feed(b"AT\r\n\r\n\r\nOK\r\n") for v in grammar.feed(ev)]
    assert [str(v) for v in found] == [
        "final.one-blank at rx byte 6: 1 empty line(s) more than the one CR LF that frames 'OK': "
        "'\\r\\nOK\\r\\n'"
    ]


def test_what_follows_the_prompt_is_held_to_its_own_framing() -> None:
    # the host's data goes the other way: after passthrough ends (3.3.7 +++), the next echo follows '>'
    codec, grammar = AtCodec(), WireGrammar()
    codec.command_sent("AT+CIPSEND")
    found = [v for ev in codec.feed(b"AT+CIPSEND\r\n\r\nOK\r\n\r\n>") for v in grammar.feed(ev)]
    codec.leave_passthrough()
    codec.command_sent("AT")
    found += [v for ev in codec.feed(b"AT\r\n\r\nOK\r\n") for v in grammar.feed(ev)]
    assert found == []


def test_send_canceled_takes_one_crlf_or_none() -> None:
    # 3.17 names SEND Canceled but shows no framing, and no real board's output of it was found
    steps = (("cmd", "AT+CIPSEND=5"), b"AT+CIPSEND=5\r\n\r\nOK\r\n\r\n>", ("data",))
    assert both(*steps, b"\r\nSEND Canceled\r\n") == []
    assert both(*steps, b"SEND Canceled\r\n") == []
    assert ids(both(*steps, b"\r\n\r\nSEND Canceled\r\n")) == ["blank.unclaimed"]


# --- queries whose OK follows their line (final.glued-query) and optional CR LFs ---------------------------


@pytest.mark.parametrize(
    "query, line",
    [("AT+SYSRAM?", b"+SYSRAM:148408,84044"), ("AT+CIPDINFO?", b"+CIPDINFO:true"),
     ("AT+CIPSNTPTIME?", b"+CIPSNTPTIME:Tue Oct 19 17:47:56 2021")],
)  # fmt: skip
def test_queries_that_print_ok_right_after_their_line(query: str, line: bytes) -> None:
    # their examples in the guide; esp-at issues 804, 993 (AT+SYSRAM?), 577 (AT+CIPDINFO?), 427 (SNTP time)
    echo = query.encode() + b"\r\n"
    assert both(("cmd", query), echo + line + b"\r\nOK\r\n") == []
    assert both(("cmd", query), echo + line + b"\r\n\r\nOK\r\n") == [
        ("final.glued-query", len(echo + line) + 2)
    ]
    # an ERROR keeps the usual framing, and other queries keep their empty line
    assert both(("cmd", query), echo + b"\r\nERROR\r\n") == []
    assert ids(both(("cmd", "AT+CWMODE?"), b"AT+CWMODE?\r\n+CWMODE:1\r\nOK\r\n")) == ["final.leading-crlf"]


def test_mqttconnected_may_follow_an_empty_line() -> None:
    # esp-at issue 478 (v2.1.0.0): AT+MQTTCONN's echo, an empty line, +MQTTCONNECTED:...
    line = b'AT+MQTTCONN=0,"h",1883,0\r\n'
    report = b'+MQTTCONNECTED:0,1,"h","1883","",0\r\n'
    assert both(("cmd", 'AT+MQTTCONN=0,"h",1883,0'), line + b"\r\n" + report + b"\r\nOK\r\n") == []
    assert both(("cmd", 'AT+MQTTCONN=0,"h",1883,0'), line + report + b"\r\nOK\r\n") == []
    bad = line + b"\r\n\r\n" + report
    assert ids(both(("cmd", 'AT+MQTTCONN=0,"h",1883,0'), bad)) == ["blank.unclaimed"]


def test_mid_stream_does_not_ask_for_the_crlf_before_the_first_message() -> None:
    def run(stream: bytes, **kw: bool) -> list[str]:
        g = WireGrammar(**kw)
        return [v.rule.id for ev in AtCodec().feed(stream) for v in g.feed(ev)]

    # a stream from the port's opening: the first OK lacks its CR LF
    assert run(b"OK\r\n+IPD,0,5\r\n") == ["final.leading-crlf", "ipd.framing"]
    # a response cut out of a session: only what follows the first message is held to it
    assert run(b"OK\r\n+IPD,0,5\r\n", mid_stream=True) == ["ipd.framing"]
    assert run(b"OK\r\n\r\n+IPD,0,5\r\n", mid_stream=True) == []
