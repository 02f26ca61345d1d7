"""The fast lookups of rigs/at/lookup.py give the answers of the plain walks over the tables of
rigs/at/messages.py (issue 23: the codec got faster, its events must not change).

Each plain walk is written out here as the codec did it before: every LINE_URCS pattern in order, every
FRAMED_MESSAGES header through match_header (undecided as soon as one is, else the longest match), and the
character walk that split report fields.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rigs.at.codec import _split_fields
from rigs.at.lookup import framed_candidates, line_urc_candidates, match_framed
from rigs.at.messages import FRAMED_MESSAGES, LINE_URCS, Match, match_header


def _first_urc_walk(text: str) -> str | None:
    for u in LINE_URCS:
        if u.pattern.fullmatch(text):
            return u.kind
    return None


def _first_urc_fast(text: str) -> str | None:
    for u in line_urc_candidates(text):
        if u.pattern.fullmatch(text):
            return u.kind
    return None


def _framed_walk(buf: bytes, pos: int) -> object:
    best = None
    for spec in FRAMED_MESSAGES:
        status, end, values = match_header(buf, pos, spec.tokens)
        if status is Match.PARTIAL:
            return "undecided"
        if status is Match.YES and (best is None or end > best[1]):
            best = (spec.tokens, end, values)
    return best


def _framed_fast(buf: bytes, pos: int) -> object:
    headers = framed_candidates(buf, pos)
    if headers is None:
        return "undecided"
    best = None
    for h in headers:
        status, end, values = match_framed(buf, pos, h)
        if status is Match.PARTIAL:
            return "undecided"
        if status is Match.YES and (best is None or end > best[1]):
            best = (h.spec.tokens, end, list(values))
    return best


def _split_walk(s: str) -> tuple[str, ...]:
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in s:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return tuple(out)


# Lines the reports of 3.17 look like, and near misses of them.
_LINES = [
    "WIFI CONNECTED",
    "WIFI GOT IP",
    "0,CONNECT",
    "CONNECT",
    "4,CLOSED",
    '+STA_CONNECTED:"1a:2b:3c:4d:5e:6f"',
    '+DIST_STA_IP:"1a:2b:3c:4d:5e:6f","192.168.4.2"',
    "+ETH_GOT_IP",
    '+ETH_GOT_IP:ip:"10.0.0.2"',
    "+ETH_GOT_IPX",
    "+MQTTPUB:OK",
    "+MQTTPUB:FAIL",
    "+MQTTPUB:MAYBE",
    '+BLESCAN:"24:0a:c4:00:00:01",-60,0201060f09,,0',
    "+BLESCANDONE",
    '+BLECONN:0,"24:0a:c4:00:00:01"',
    "+WRITE:0",
    "+CIPUPDATE:4",
    '+CWLAP:(3,"ap",-55)',
    "smartconfig type:ESPTOUCH",
    "ssid:home",
    "password:secret",
    "Have 2 Connections",
    "+",
    "+:",
    "+QUITT",
    "+QUITT:",
    "+blescan:x",
]


@given(st.sampled_from(_LINES), st.text(alphabet='+:,"0aA_ \r', max_size=6))
@settings(max_examples=400)
def test_line_urc_candidates_find_what_the_walk_finds(line: str, noise: str) -> None:
    for text in (line, line + noise, noise + line, noise):
        assert _first_urc_fast(text) == _first_urc_walk(text), text


def test_every_report_line_of_the_table_is_found() -> None:
    for text in _LINES:
        assert _first_urc_fast(text) == _first_urc_walk(text), text


_FRAMED = [
    b"+IPD,5\r\n",
    b"+IPD,1,7\r\n",
    b"+IPD,4:OK\r\n",
    b'+IPD,6,"10.0.0.9",80:\r\nOK\r\n',
    b"+IPD,6,10.0.0.9,80:abcdef",
    b'+IPD,2,6,"fe80::1",5000:+IPD,1',
    b"+IPD,12345678901:x",
    b"+CIPRECVDATA:3,a\r\n",
    b'+CIPRECVDATA:2,"1.2.3.4",7,xy',
    b'+MQTTSUBRECV:0,"t/a",4,abcd\r\n',
    b'+MQTTSUBRECV:0,"' + b"t" * 130 + b'",4,abcd\r\n',
    b"+WS_DATA:0,2,OK\r\n",
    b"+WRITE:0,1,2,,3,abc\r\n",
    b"+WRITE:0,1,2,4,3,abc\r\n",
    b"+NOTIFY:0,1,2,3,abc\r\n",
    b"+HTTPCLIENT:3,>\r\n",
    b"+BLEGATTCRD:0,2,hi\r\n",
    b"+USERRAM:2,hi",
    b"+FS:5",
    b"+BLESCAN:x",
    b"+IPD",
    b"+",
]


@given(st.sampled_from(_FRAMED), st.binary(max_size=4))
@settings(max_examples=300)
@example(b'+MQTTSUBRECV:0,"t/a",4,abcd\r\n', b"")
def test_framed_lookup_decides_as_the_walk_on_every_prefix(msg: bytes, tail: bytes) -> None:
    stream = msg + tail
    for end in range(len(stream) + 1):
        buf = bytearray(b"xx" + stream[:end])
        assert _framed_fast(buf, 2) == _framed_walk(buf, 2), (stream, end)
    long = bytearray(b"xx" + stream + b"\x00" * 200)
    assert _framed_fast(long, 2) == _framed_walk(long, 2)


def test_most_headers_have_an_expression() -> None:
    from rigs.at.lookup import _FRAMED_BY_HEAD

    headers = [h for hs in _FRAMED_BY_HEAD.values() for h in hs]
    assert len(headers) == len(FRAMED_MESSAGES)
    assert all(h.regex is not None for h in headers)


@given(st.text(alphabet='ab,"', max_size=12))
@settings(max_examples=400)
def test_split_fields_as_the_character_walk(s: str) -> None:
    assert _split_fields(s) == _split_walk(s)


def test_maker_builds_the_same_frozen_events_as_the_classes() -> None:
    import dataclasses

    import pytest

    from rigs.at.events import Blank, Ipd, Line, Urc, maker

    pairs = [
        (
            maker(Urc)(b"+X:1\r\n", "+X", ("1",), "+X:1", None),
            Urc(kind="+X", fields=("1",), text="+X:1", raw=b"+X:1\r\n"),
        ),
        (maker(Line)(b"a\r\n", "a", None), Line(text="a", raw=b"a\r\n")),
        (maker(Blank)(b"\r\n"), Blank(raw=b"\r\n")),
        (
            maker(Ipd)(b"+IPD,1:x", None, 1, None, None, b"x"),
            Ipd(link_id=None, length=1, payload=b"x", raw=b"+IPD,1:x"),
        ),
    ]
    for fast, plain in pairs:
        assert type(fast) is type(plain)
        assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
        assert fast.raw == plain.raw
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.raw = b""  # type: ignore[misc]
