"""AtCodec: every message kind of 3.17, fed whole and byte by byte.

Expected events are written from the guide's formats (3.15 command types, 3.17 AT messages, the +IPD and
AT+CIPRECVDATA descriptions of the TCP/IP chapter), not from the codec's output.
"""

from __future__ import annotations

import pytest

from rigs.at.codec import AtCodec
from rigs.at.events import (
    Blank,
    Busy,
    Data,
    Echo,
    ErrCode,
    Final,
    Ipd,
    Line,
    Prompt,
    Ready,
    RecvBytes,
    RecvData,
    SendCanceled,
    Unsolicited,
    Urc,
)


def decode(stream: bytes, command: str | None = None, *, step: int | None = None, **kw: object) -> list:
    """Feed ``stream`` whole (step None) or in pieces of ``step`` bytes; check raw adds up to the input."""
    codec = AtCodec()
    if command is not None:
        codec.command_sent(command, **kw)  # type: ignore[arg-type]
    events: list = []
    if step is None:
        events += codec.feed(stream)
    else:
        for i in range(0, len(stream), step):
            events += codec.feed(stream[i : i + step])
    assert b"".join(e.raw for e in events) == stream
    return events


def both(stream: bytes, command: str | None = None, **kw: object) -> list:
    """Decode whole and byte by byte; both must give the same events with the same raw bytes."""
    whole = decode(stream, command, **kw)
    bytewise = decode(stream, command, step=1, **kw)
    assert [(e, e.raw) for e in whole] == [(e, e.raw) for e in bytewise]
    return whole


# --- responses (3.17 "ESP-AT Response Messages") ----------------------------------------------------------


def test_echo_blank_ok() -> None:
    # ATE1 is the default: the board repeats the line, then CR LF OK CR LF.
    assert both(b"AT\r\n\r\nOK\r\n", "AT") == [Echo("AT"), Blank(), Final("OK")]


def test_echo_after_nul_noise_of_a_fresh_boot() -> None:
    events = both(b"\x00ATE0\r\n\r\nOK\r\n", "ATE0")
    assert events == [Echo("\x00ATE0"), Blank(), Final("OK")]


def test_no_echo_error() -> None:
    assert both(b"\r\nERROR\r\n", "AT+FOO") == [Blank(), Final("ERROR")]


def test_info_lines_of_query_are_lines() -> None:
    stream = b'AT+CIPSTA?\r\n+CIPSTA:ip:"192.168.1.2"\r\n+CIPSTA:gateway:"192.168.1.1"\r\n\r\nOK\r\n'
    assert both(stream, "AT+CIPSTA?") == [
        Echo("AT+CIPSTA?"),
        Line('+CIPSTA:ip:"192.168.1.2"'),
        Line('+CIPSTA:gateway:"192.168.1.1"'),
        Blank(),
        Final("OK"),
    ]


def test_bare_value_lines_are_lines() -> None:
    stream = b"AT+GMR\r\nAT version:5.0.0.0\r\nSDK version:v5.0\r\n\r\nOK\r\n"
    assert both(stream, "AT+GMR")[1:3] == [Line("AT version:5.0.0.0"), Line("SDK version:v5.0")]


@pytest.mark.parametrize("result", ["OK", "ERROR", "SEND OK", "SEND FAIL", "SET OK"])
def test_every_final_result(result: str) -> None:
    assert both(result.encode() + b"\r\n", "AT") == [Final(result)]


def test_pending_command_line_wins_over_urc_of_same_name() -> None:
    # +BLECONN is an active report (3.17) and also the response line of AT+BLECONN?.
    stream = b'+BLECONN:0,"24:0a:c4:09:34:23"\r\n\r\nOK\r\n'
    assert both(stream, "AT+BLECONN?")[0] == Line('+BLECONN:0,"24:0a:c4:09:34:23"')
    assert both(stream)[0] == Urc("+BLECONN", ("0", "24:0a:c4:09:34:23"), '+BLECONN:0,"24:0a:c4:09:34:23"')


def test_pending_cleared_after_final() -> None:
    codec = AtCodec()
    codec.command_sent("AT")
    codec.feed(b"AT\r\n\r\nOK")
    assert codec.pending is not None
    codec.feed(b"\r\n")
    assert codec.pending is None
    assert codec.feed(b"something odd\r\n") == [Unsolicited("something odd")]


def test_line_with_pending_command_is_line_without_is_unsolicited() -> None:
    assert both(b"no change\r\n", "AT+CIPSERVER=0") == [Line("no change")]
    assert both(b"no change\r\n") == [Unsolicited("no change")]


def test_err_code_busy_ready() -> None:
    stream = b"ERR CODE:0x01090000\r\n\r\nERROR\r\nbusy p...\r\nbusy s...\r\nready\r\n"
    assert both(stream, "AT+CWJAP") == [
        ErrCode(0x01090000),
        Blank(),
        Final("ERROR"),
        Busy("busy p..."),
        Busy("busy s..."),
        Ready(),
    ]


def test_garbage_never_raises_and_keeps_raw() -> None:
    stream = b"\xff\xfe\x00abc\r\n\x80\r\n"
    events = both(stream)
    assert [type(e) for e in events] == [Unsolicited, Unsolicited]
    assert events[0].raw == b"\xff\xfe\x00abc\r\n"
    assert "\ufffd" in events[0].text


def test_lf_only_line_end_is_tolerated() -> None:
    assert both(b"AT\nOK\n", "AT") == [Echo("AT"), Final("OK")]


# --- active reports (3.17 "ESP-AT Message Reports") --------------------------------------------------------


URC_CASES = [
    (b"WIFI CONNECTED", "WIFI CONNECTED", ()),
    (b"WIFI GOT IP", "WIFI GOT IP", ()),
    (b"WIFI GOT IPv6 LL", "WIFI GOT IPv6 LL", ()),
    (b"WIFI GOT IPv6 GL", "WIFI GOT IPv6 GL", ()),
    (b"WIFI DISCONNECT", "WIFI DISCONNECT", ()),
    (b"CONNECT", "CONNECT", ()),
    (b"3,CONNECT", "CONNECT", ("3",)),
    (b"CLOSED", "CLOSED", ()),
    (b"0,CLOSED", "CLOSED", ("0",)),
    (
        b'+LINK_CONN:0,0,"TCP",0,"192.168.1.5",8080,51234',
        "+LINK_CONN",
        ("0", "0", "TCP", "0", "192.168.1.5", "8080", "51234"),
    ),
    (b'+STA_CONNECTED:"1a:2b:3c:4d:5e:6f"', "+STA_CONNECTED", ("1a:2b:3c:4d:5e:6f",)),
    (
        b'+DIST_STA_IP:"1a:2b:3c:4d:5e:6f","192.168.4.2"',
        "+DIST_STA_IP",
        ("1a:2b:3c:4d:5e:6f", "192.168.4.2"),
    ),
    (b'+STA_DISCONNECTED:"1a:2b:3c:4d:5e:6f"', "+STA_DISCONNECTED", ("1a:2b:3c:4d:5e:6f",)),
    (b"+ETH_CONNECTED", "+ETH_CONNECTED", ()),
    (b'+ETH_GOT_IP:"192.168.2.7"', "+ETH_GOT_IP", ("192.168.2.7",)),
    (b"+ETH_DISCONNECTED", "+ETH_DISCONNECTED", ()),
    (b"+ERRNO:113", "+ERRNO", ("113",)),
    (b"+TIME_UPDATED", "+TIME_UPDATED", ()),
    (b"smartconfig type:ESPTOUCH_V2", "smartconfig type", ("ESPTOUCH_V2",)),
    (b"Smart get wifi info", "Smart get wifi info", ()),
    (b"smartconfig connected wifi", "smartconfig connected wifi", ()),
    (b"Will force to restart!!!", "Will force to restart!!!", ()),
    (b"Have 5 Connections", "Have Connections", ("5",)),
    (b"+QUITT", "+QUITT", ()),
    (b"NO CERT FOUND", "NO CERT FOUND", ()),
    (b"NO PRVT_KEY FOUND", "NO PRVT_KEY FOUND", ()),
    (b"NO CA FOUND", "NO CA FOUND", ()),
    (
        b'+MQTTCONNECTED:0,1,"192.168.1.9","1883","",0',
        "+MQTTCONNECTED",
        ("0", "1", "192.168.1.9", "1883", "", "0"),
    ),
    (b"+MQTTDISCONNECTED:0", "+MQTTDISCONNECTED", ("0",)),
    (b"+MQTTPUB:OK", "+MQTTPUB:OK", ()),
    (b"+MQTTPUB:FAIL", "+MQTTPUB:FAIL", ()),
    (b'+BLEDISCONN:0,"24:0a:c4:09:34:23"', "+BLEDISCONN", ("0", "24:0a:c4:09:34:23")),
    (b'+READ:0,"7c:df:a1:b3:8d:de"', "+READ", ("0", "7c:df:a1:b3:8d:de")),
    (b"+WRITE:0", "+WRITE", ("0",)),
    (b"+BLESECNTFYKEY:0,793718", "+BLESECNTFYKEY", ("0", "793718")),
    (b"+BLESECREQ:0", "+BLESECREQ", ("0",)),
    (b"+BLESECKEYREQ:0", "+BLESECKEYREQ", ("0",)),
    (b"+BLEAUTHCMPL:0,0", "+BLEAUTHCMPL", ("0", "0")),
    (b"+BLESCANDONE", "+BLESCANDONE", ()),
    (b"+BLE_TT_MODE", "+BLE_TT_MODE", ()),
    (b"+WS_CONNECTED:0", "+WS_CONNECTED", ("0",)),
    (b"+WS_DISCONNECTED:1", "+WS_DISCONNECTED", ("1",)),
    (b"+WS_CLOSED:2", "+WS_CLOSED", ("2",)),
]


@pytest.mark.parametrize(
    ("line", "kind", "fields"), URC_CASES, ids=[c[1] + "/" + c[0].decode() for c in URC_CASES]
)
def test_line_urcs(line: bytes, kind: str, fields: tuple[str, ...]) -> None:
    events = both(line + b"\r\n")
    assert events == [Urc(kind, fields, line.decode())]


def test_recv_bytes_and_send_canceled() -> None:
    assert both(b"Recv 12 bytes\r\nSEND Canceled\r\nSEND CANCELLED\r\n") == [
        RecvBytes(12),
        SendCanceled(),
        SendCanceled(),
    ]


def test_urcs_inside_a_response_keep_order_and_whole_lines() -> None:
    stream = b'AT+CWJAP="ap","pw"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n'
    events = both(stream, 'AT+CWJAP="ap","pw"')
    assert events == [
        Echo('AT+CWJAP="ap","pw"'),
        Urc("WIFI CONNECTED", (), "WIFI CONNECTED"),
        Urc("WIFI GOT IP", (), "WIFI GOT IP"),
        Blank(),
        Final("OK"),
    ]


def test_ipd_between_response_lines() -> None:
    stream = (
        b'AT+CIFSR\r\n+CIFSR:STAIP,"10.0.0.2"\r\n'
        b"\r\n+IPD,0,4:OK\r\n"
        b'+CIFSR:STAMAC,"aa:bb:cc:dd:ee:ff"\r\n\r\nOK\r\n'
    )
    events = both(stream, "AT+CIFSR")
    assert events == [
        Echo("AT+CIFSR"),
        Line('+CIFSR:STAIP,"10.0.0.2"'),
        Blank(),
        Ipd(link_id=0, length=4, payload=b"OK\r\n"),
        Line('+CIFSR:STAMAC,"aa:bb:cc:dd:ee:ff"'),
        Blank(),
        Final("OK"),
    ]


# --- +IPD in its six forms (3.17) ---

IPD_CASES = [
    (b"+IPD,5\r\n", Ipd(link_id=None, length=5)),
    (b"+IPD,2,5\r\n", Ipd(link_id=2, length=5)),
    (b"+IPD,5:hello", Ipd(link_id=None, length=5, payload=b"hello")),
    (b"+IPD,1,5:hello", Ipd(link_id=1, length=5, payload=b"hello")),
    (
        b'+IPD,5,"192.168.1.9",8080:hello',
        Ipd(link_id=None, length=5, remote_ip="192.168.1.9", remote_port=8080, payload=b"hello"),
    ),
    (
        b'+IPD,4,5,"fe80::1%st1",8080:hello',
        Ipd(link_id=4, length=5, remote_ip="fe80::1%st1", remote_port=8080, payload=b"hello"),
    ),
]


@pytest.mark.parametrize(("stream", "expected"), IPD_CASES, ids=[c[0].decode().strip() for c in IPD_CASES])
def test_ipd_forms(stream: bytes, expected: Ipd) -> None:
    assert both(stream) == [expected]
    assert both(stream + b"\r\nOK\r\n", "AT") == [expected, Blank(), Final("OK")]


def test_ipd_unquoted_ipv4_of_older_firmware() -> None:
    assert both(b"+IPD,0,3,192.168.1.3,5285:abc") == [
        Ipd(link_id=0, length=3, remote_ip="192.168.1.3", remote_port=5285, payload=b"abc")
    ]


@pytest.mark.parametrize(
    "payload",
    [b"\r\nOK\r\n", b">", b"\r\n>", b"+IPD,3:abc", b"\r\nERROR\r\nready\r\n", b"\x00\xff\r", b"SEND OK\r\n"],
)
def test_payload_never_ends_anything(payload: bytes) -> None:
    header = b"+IPD,0,%d:" % len(payload)
    stream = b"AT+CIPSEND=0,3\r\n" + header + payload + b"\r\nOK\r\n"
    events = both(stream, "AT+CIPSEND=0,3")
    assert events == [Echo("AT+CIPSEND=0,3"), Ipd(0, len(payload), payload=payload), Blank(), Final("OK")]


def test_back_to_back_ipd_with_leading_crlf() -> None:
    # Real boards put CR LF before each +IPD header; the data has no terminator of its own.
    stream = b"\r\n+IPD,0,3:abc\r\n+IPD,0,2:de"
    assert both(stream) == [Blank(), Ipd(0, 3, payload=b"abc"), Blank(), Ipd(0, 2, payload=b"de")]


def test_malformed_ipd_header_is_a_plain_line() -> None:
    assert both(b"+IPD,x\r\n") == [Unsolicited("+IPD,x")]
    assert both(b"+IPD,\r\n") == [Unsolicited("+IPD,")]


def test_large_ipd_payload() -> None:
    payload = bytes(range(256)) * 12  # 3072 bytes with CR, LF, '>' and '+' all over
    stream = b"+IPD,0,3072:" + payload + b"0,CLOSED\r\n"
    for step in (None, 1, 7, 1000):
        events = decode(stream, step=step)
        assert events == [Ipd(0, 3072, payload=payload), Urc("CLOSED", ("0",), "0,CLOSED")]


# --- +CIPRECVDATA (passive receive mode) ---


def test_ciprecvdata_without_remote_info() -> None:
    # 3.3.35: "+CIPRECVDATA:<actual_len>,<data>" then OK; the CR LF after the data frames OK (esp-at
    # issues 280, 451 show the data followed by OK with no empty line between).
    stream = b"AT+CIPRECVDATA=0,100\r\n+CIPRECVDATA:6,a\r\nOK>\r\nOK\r\n"
    events = both(stream, "AT+CIPRECVDATA=0,100")
    assert events == [
        Echo("AT+CIPRECVDATA=0,100"),
        RecvData(length=6, remote_ip=None, remote_port=None, payload=b"a\r\nOK>"),
        Blank(),
        Final("OK"),
    ]
    assert events[1].raw == b"+CIPRECVDATA:6,a\r\nOK>"


def test_ciprecvdata_with_remote_info() -> None:
    # esp-at issue 294: data ending in CR LF CR LF shows as two empty lines before OK.
    stream = b'+CIPRECVDATA:4,"192.168.1.9",8080,\r\n\r\n\r\nOK\r\n'
    events = both(stream, "AT+CIPRECVDATA=4")
    assert events == [
        RecvData(length=4, remote_ip="192.168.1.9", remote_port=8080, payload=b"\r\n\r\n"),
        Blank(),
        Final("OK"),
    ]


def test_ciprecvdata_payload_that_starts_with_a_quote() -> None:
    # Without AT+CIPDINFO=1 the data may itself begin with '"': once it can no longer be remote info,
    # it is data.
    stream = b'+CIPRECVDATA:5,"abc"\r\nOK\r\n'
    assert both(stream, "AT+CIPRECVDATA=5") == [
        RecvData(length=5, remote_ip=None, remote_port=None, payload=b'"abc"'),
        Blank(),
        Final("OK"),
    ]


# --- other length-framed messages-------------------------------------------------------------------------


def test_mqttsubrecv_payload_is_framed() -> None:
    stream = b'+MQTTSUBRECV:0,"a/b",8,OK\r\n>\r\nX\r\n'
    events = both(stream)
    assert events == [
        Urc("+MQTTSUBRECV", ("0", "a/b", "8"), '+MQTTSUBRECV:0,"a/b",8,OK\r\n>\r\nX', b"OK\r\n>\r\nX")
    ]
    assert events[0].raw == stream


def test_ws_data_is_framed() -> None:
    assert both(b"+WS_DATA:0,4,test\r\n") == [Urc("+WS_DATA", ("0", "4"), "+WS_DATA:0,4,test", b"test")]


def test_ble_write_notify_indicate_are_framed() -> None:
    assert both(b"+WRITE:0,1,6,1,2,\r\n\r\n") == [
        Urc("+WRITE", ("0", "1", "6", "1", "2"), "+WRITE:0,1,6,1,2,\r\n", b"\r\n")
    ]
    assert both(b"+WRITE:0,1,6,,2,12\r\n") == [
        Urc("+WRITE", ("0", "1", "6", "", "2"), "+WRITE:0,1,6,,2,12", b"12")
    ]
    assert both(b"+NOTIFY:0,3,6,10,1234567890\r\n") == [
        Urc("+NOTIFY", ("0", "3", "6", "10"), "+NOTIFY:0,3,6,10,1234567890", b"1234567890")
    ]
    assert both(b"+INDICATE:0,3,7,2,hi\r\n")[0].payload == b"hi"


def test_blufidata_and_scrd_are_framed() -> None:
    assert both(b"+BLUFIDATA:3,a,b\r\n")[0] == Urc("+BLUFIDATA", ("3",), "+BLUFIDATA:3,a,b", b"a,b")
    assert both(b"+SCRD:2,\r\n\r\n")[0] == Urc("+SCRD", ("2",), "+SCRD:2,\r\n", b"\r\n")


def test_httpclient_response_lines_are_framed() -> None:
    body = b'{"a":\r\n"OK"}'
    stream = b"+HTTPCLIENT:%d," % len(body) + body + b"\r\n+HTTPCLIENT:2,>>\r\n\r\nOK\r\n"
    events = both(stream, 'AT+HTTPCLIENT=2,0,"http://h/get",,,1')
    assert events == [
        Line("+HTTPCLIENT:12," + body.decode(), body),
        Line("+HTTPCLIENT:2,>>", b">>"),
        Blank(),
        Final("OK"),
    ]


def test_fs_read_is_framed_and_size_is_a_line() -> None:
    # 3.8.2 AT+FS read: +FS:<length>,<data>; the data may hold CR LF, OK and any byte. The size query's
    # +FS:<size> and the listing's +FS:<name> are plain lines.
    data = b"\x00\xff\r\nOK\r\n"
    events = both(b"+FS:%d," % len(data) + data + b"\r\n\r\nOK\r\n", 'AT+FS=0,2,"f",0,100')
    assert events == [Line("+FS:8," + data.decode("utf-8", "replace"), data), Blank(), Final("OK")]
    assert both(b"+FS:1234\r\n\r\nOK\r\n", 'AT+FS=0,3,"f"') == [Line("+FS:1234"), Blank(), Final("OK")]


def test_httpcpost_and_httpcput_answers_are_framed() -> None:
    # 4.8: the server's answer to AT+HTTPCPOST / AT+HTTPCPUT comes as +HTTPCPOST:<size>,<data> pieces; the
    # data may hold CR LF and "OK" without ending anything.
    body = b'{"a":\r\nOK\r\n}'
    for name, command in (
        ("+HTTPCPOST", 'AT+HTTPCPOST="http://h/post",3'),
        ("+HTTPCPUT", 'AT+HTTPCPUT="http://h/put",3'),
    ):
        stream = name.encode() + b":%d," % len(body) + body + b"\r\n\r\nSEND OK\r\n"
        assert both(stream, command) == [
            Line(f"{name}:{len(body)}," + body.decode(), body),
            Blank(),
            Final("SEND OK"),
        ]


# --- the > prompt and data mode ---


def test_cipsend_prompt_then_verdict() -> None:
    codec = AtCodec()
    codec.command_sent("AT+CIPSEND=0,5")
    events = codec.feed(b"AT+CIPSEND=0,5\r\n\r\nOK\r\n\r\n>")
    assert events == [Echo("AT+CIPSEND=0,5"), Blank(), Final("OK"), Blank(), Prompt()]
    assert codec.pending is not None and codec.pending.phase == "data"
    events = codec.feed(b"\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n")
    assert events == [Blank(), RecvBytes(5), Blank(), Final("SEND OK")]
    assert codec.pending is None


def test_prompt_right_after_ok_without_blank() -> None:
    # MQTTPUBRAW in the guide: "OK" then ">" on the next line; the verdict is the +MQTTPUB report.
    codec = AtCodec()
    codec.command_sent('AT+MQTTPUBRAW=0,"t",3,0,0')
    assert codec.feed(b"OK\r\n>") == [Final("OK"), Prompt()]
    assert codec.feed(b"+MQTTPUB:OK\r\n") == [Urc("+MQTTPUB:OK", (), "+MQTTPUB:OK")]
    assert codec.pending is None


def test_prompt_command_error_has_no_prompt() -> None:
    codec = AtCodec()
    codec.command_sent("AT+CIPSEND=0,5")
    assert codec.feed(b"\r\nERROR\r\n") == [Blank(), Final("ERROR")]
    assert codec.pending is None
    # A '>' that starts a line while no command is pending is still reported as a prompt.
    assert codec.feed(b">") == [Prompt()]


def test_gt_inside_a_response_line_of_other_commands() -> None:
    assert both(b">abc\r\n\r\nOK\r\n", "AT+CIPSTATE?") == [Line(">abc"), Blank(), Final("OK")]


def test_expect_prompt_override() -> None:
    assert both(b"OK\r\n>", "AT+MYCMD=5", expect_prompt=True) == [Final("OK"), Prompt()]


def test_cipsendl_reports_during_data_phase() -> None:
    codec = AtCodec()
    codec.command_sent("AT+CIPSENDL=0,2048")
    codec.feed(b"\r\nOK\r\n\r\n>")
    assert codec.feed(b"+CIPSENDL:1024,1024\r\n+CIPSENDL:2048,2048\r\n\r\nSEND OK\r\n") == [
        Line("+CIPSENDL:1024,1024"),
        Line("+CIPSENDL:2048,2048"),
        Blank(),
        Final("SEND OK"),
    ]


# --- passthrough ---


def test_passthrough_from_cipsend_execute_form() -> None:
    codec = AtCodec()
    codec.command_sent("AT+CIPSEND")
    # The data after ">" may come in the same chunk: it must already be data.
    events = codec.feed(b"AT+CIPSEND\r\n\r\nOK\r\n\r\n>\r\nOK\r\n+IPD,1:x")
    assert events[-2:] == [Prompt(), Data(b"\r\nOK\r\n+IPD,1:x")]
    assert codec.in_passthrough
    assert codec.feed(b"ready\r\n") == [Data(b"ready\r\n")]
    codec.leave_passthrough()
    assert codec.feed(b"+QUITT\r\n") == [Urc("+QUITT", (), "+QUITT")]


def _in_passthrough() -> AtCodec:
    codec = AtCodec()
    codec.command_sent("AT+CIPSEND")
    codec.feed(b"AT+CIPSEND\r\n\r\nOK\r\n\r\n>")
    assert codec.in_passthrough
    return codec


def test_quitt_after_plus_ends_passthrough_before_the_host_leaves() -> None:
    # 3.17 +QUITT may come within the host's guard time after "+++" (3.3.7): a report, not data.
    codec = _in_passthrough()
    codec.plus_sent()
    assert codec.feed(b"last\r\n+QUITT\r\nbusy p...\r\n") == [
        Data(b"last\r\n"),
        Urc("+QUITT", (), "+QUITT"),
        Busy("busy p..."),
    ]
    assert not codec.in_passthrough


def test_quitt_split_anywhere_gives_the_same_events() -> None:
    stream = b"tail+QUITT\r\nx\r\n+QUITT\r\n"  # the first "+QUITT" does not start a line: data
    for cut in range(1, len(stream)):
        codec = _in_passthrough()
        codec.plus_sent()
        events = codec.feed(stream[:cut]) + codec.feed(stream[cut:])
        data = b"".join(e.payload for e in events if isinstance(e, Data))
        assert data == b"tail+QUITT\r\nx\r\n", cut
        assert [e for e in events if not isinstance(e, Data)] == [Urc("+QUITT", (), "+QUITT")], cut


def test_quitt_is_data_before_the_host_sends_plus() -> None:
    codec = _in_passthrough()
    assert codec.feed(b"+QUITT\r\n") == [Data(b"+QUITT\r\n")]
    assert codec.in_passthrough


def test_held_quitt_prefix_becomes_lines_when_the_host_leaves() -> None:
    codec = _in_passthrough()
    codec.plus_sent()
    assert codec.feed(b"ab\r\n+QU") == [Data(b"ab\r\n")]
    codec.leave_passthrough()
    assert codec.feed(b"ITT\r\n") == [Urc("+QUITT", (), "+QUITT")]


def test_btsppsend_prompt_without_ok() -> None:
    # 3.5 AT+BTSPPSEND (execute): the response is ">" alone, then SPP passthrough.
    codec = AtCodec()
    codec.command_sent("AT+BTSPPSEND")
    assert codec.feed(b"AT+BTSPPSEND\r\n>OK\r\n") == [Echo("AT+BTSPPSEND"), Prompt(), Data(b"OK\r\n")]


def test_enter_passthrough_explicitly() -> None:
    codec = AtCodec()
    codec.enter_passthrough()
    assert codec.feed(b"AT\r\nOK\r\n") == [Data(b"AT\r\nOK\r\n")]
    codec.leave_passthrough()
    assert codec.feed(b"OK\r\n") == [Final("OK")]


def test_passthrough_bytewise_equals_whole_payload() -> None:
    stream = b"OK\r\n>" + bytes(range(256))
    events = decode(stream, "AT+CIPSEND", step=1)
    assert b"".join(e.payload for e in events if isinstance(e, Data)) == bytes(range(256))
