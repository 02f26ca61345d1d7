"""Sans-IO tests of line framing, parser, typed arguments and error codes (3.15, 3.1 AT+SYSLOG)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.at import errors
from sim.at.args import Args
from sim.at.errors import AtError
from sim.at.parser import (
    MAX_LINE,
    BadLine,
    CommandLine,
    Form,
    LineAssembler,
    TokenKind,
    parse_command,
    split_params,
)
from sim.loopback import LoopbackBoard
from sim.msgfilter import Filter, bre_to_python


def test_error_code_composition_follows_the_guide() -> None:
    # 3.1 AT+SYSLOG: ERR CODE:0x01090000 means the command is not supported
    assert errors.format_err_code(errors.UNSUPPORTED) == "ERR CODE:0x01090000"
    assert errors.para_num(2, 3) == 0x01060203
    assert errors.para_invalid(1) == 0x01070001


@pytest.mark.parametrize(
    ("line", "name", "form"),
    [
        ("AT", "AT", Form.EXECUTE),
        ("ATE0", "ATE", Form.EXECUTE),
        ("AT+GMR", "AT+GMR", Form.EXECUTE),
        ("AT+UART_CUR?", "AT+UART_CUR", Form.QUERY),
        ("AT+CWMODE=?", "AT+CWMODE", Form.TEST),
        ("AT+CWMODE=1", "AT+CWMODE", Form.SET),
    ],
)
def test_four_forms(line: str, name: str, form: Form) -> None:
    cmd = parse_command(line)
    assert (cmd.name, cmd.form) == (name, form)


def test_escapes_and_omitted_parameters() -> None:
    toks = split_params(r'"comma\,backslash\\ssid","1234567890",,1')
    assert [t.kind for t in toks] == [TokenKind.STRING, TokenKind.STRING, TokenKind.OMITTED, TokenKind.BARE]
    assert toks[0].value == "comma,backslash\\ssid"
    assert split_params(r'0,"topic","\"{\"sensor\":012}\"",1,0')[2].value == '"{"sensor":012}"'
    assert split_params(r'"\a"')[0].value == "a"  # \<any> keeps <any>


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("at", errors.NO_AT),
        ("AT+FAKE?x", errors.UNSUPPORTED),
        ('AT+X="abc', errors.para_parse_fail(0)),
        ('AT+X=1,"a"b', errors.para_parse_fail(1)),
        ('AT+X=1,"ab\\', errors.para_parse_fail(1)),
    ],
)
def test_parse_errors(line: str, code: int) -> None:
    with pytest.raises(AtError) as e:
        parse_command(line)
    assert e.value.code == code


def test_framing_crlf_lone_lf_and_overlong() -> None:
    la = LineAssembler()
    evs = la.feed(b"AT\r\nAT\nA")
    assert evs[0] == CommandLine(b"AT", b"AT\r\n")
    assert isinstance(evs[1], BadLine) and evs[1].code == errors.NO_TERMINATOR
    assert la.feed(b"T\r") == [] and la.feed(b"\n") == [CommandLine(b"AT", b"AT\r\n")]
    ok = b"A" * MAX_LINE + b"\r\n"
    assert isinstance(la.feed(ok)[0], CommandLine)
    long = la.feed(b"A" * (MAX_LINE + 1) + b"\r\n")[0]
    assert isinstance(long, BadLine)


@given(st.binary(max_size=300), st.lists(st.integers(1, 50), max_size=10))
def test_framing_is_independent_of_chunking(data: bytes, cuts: list[int]) -> None:
    whole = LineAssembler().feed(data)
    la, out, pos = LineAssembler(), [], 0
    for c in cuts:
        out += la.feed(data[pos : pos + c])
        pos += c
    out += la.feed(data[pos:])
    assert out == whole


def test_args_error_codes() -> None:
    a = Args(split_params('1,"x",,300'))
    with pytest.raises(AtError) as e:
        a.count(2)
    assert e.value.code == errors.para_num(2, 4)
    with pytest.raises(AtError) as e:
        a.int(1)
    assert e.value.code == errors.para_type(1)
    with pytest.raises(AtError) as e:
        a.int(2)
    assert e.value.code == errors.para_invalid(2)
    with pytest.raises(AtError) as e:
        a.int(3, 0, 255)
    assert e.value.code == errors.para_invalid(3)
    with pytest.raises(AtError) as e:
        Args(split_params('"abcdef"')).str(0, max_len=5)
    assert e.value.code == errors.para_length(0)
    assert Args(split_params("0x1C000")).int(0) == 0x1C000


def test_bre_translation_and_filter() -> None:
    # 3.1 AT+SYSMSGFILTERCFG example: ^+HTTPCGET:[0-9]*, is a BRE where + is an ordinary character
    head = bre_to_python(b"^+HTTPCGET:[0-9]*,")
    assert head.search(b"+HTTPCGET:12,data") is not None
    f = Filter.build(b"^+HTTPCGET:[0-9]*,", b"\r\n$")
    assert f.apply(b"+HTTPCGET:4,abcd\r\n") == b"abcd"
    assert Filter.build(b"", b"\r\nOK\r\n$").apply(b"\r\nOK\r\n") == b""
    assert f.apply(b"WIFI CONNECTED\r\n") is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=8))
def test_engine_survives_random_bytes(chunks: list[bytes]) -> None:
    async def run() -> None:
        async with LoopbackBoard.start() as lb:
            for c in chunks:
                lb.send(c)
                await asyncio.sleep(0)
            await asyncio.sleep(0.01)
            lb.send(b"\r\n")
            await asyncio.sleep(0.01)
            lb.take()
            assert (await lb.command("AT")).endswith(b"\r\nOK\r\n")

    asyncio.run(run())
