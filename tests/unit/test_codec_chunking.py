"""Property: any split of the same bytes into chunks gives the same events, and their raw bytes add up to
the input (the h11-style guarantee the session, the simulator's self-checks and the report rely on)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rigs.at.codec import AtCodec
from rigs.at.events import Data

# Pieces of real conversations (3.17), concatenated in random order: responses, reports, framed data
# holding the bytes that end other messages, prompts, garbage.
_PIECES = [
    b"AT\r\n",
    b"\r\nOK\r\n",
    b"\r\nERROR\r\n",
    b"ERR CODE:0x01090000\r\n",
    b"busy p...\r\n",
    b"ready\r\n",
    b"WIFI CONNECTED\r\nWIFI GOT IP\r\n",
    b"0,CONNECT\r\n",
    b"1,CLOSED\r\n",
    b'+STA_CONNECTED:"1a:2b:3c:4d:5e:6f"\r\n',
    b"+IPD,5\r\n",
    b"+IPD,1,7\r\n",
    b"\r\n+IPD,4:OK\r\n",
    b"\r\n+IPD,0,3:>>>",
    b'+IPD,6,"10.0.0.9",80:\r\nOK\r\n',
    b'+IPD,2,6,"fe80::1",5000:+IPD,1',
    b"+CIPRECVDATA:3,a\r\n\r\nOK\r\n",
    b'+CIPRECVDATA:2,"1.2.3.4",7,"x\r\nOK\r\n',
    b'+CIPRECVDATA:4,"ab"\r\nOK\r\n',
    b'+MQTTSUBRECV:0,"t",4,\r\n\r\n\r\n',
    b"+WS_DATA:0,2,OK\r\n",
    b"+HTTPCLIENT:3,>\r\n\r\n",
    b">",
    b"\r\n>",
    b"Recv 5 bytes\r\n\r\nSEND OK\r\n",
    b"SEND Canceled\r\n",
    b'+CWJAP:"ap","aa:bb:cc:dd:ee:ff",6,-50\r\n',
    b"\xff\x00garbage\r\n",
    b"+",
    b"+IPD,",
    b"\r",
    b"\n",
]


def _decode(stream: bytes, cuts: list[int], command: str | None) -> list[tuple[object, bytes]]:
    codec = AtCodec()
    if command is not None:
        codec.command_sent(command)
    events: list = []
    prev = 0
    for cut in sorted(set(cuts)) + [len(stream)]:
        for e in codec.feed(stream[prev:cut]):
            # Passthrough data comes as one event per chunk read: only its concatenation is defined.
            if isinstance(e, Data) and events and isinstance(events[-1], Data):
                e = Data(events.pop().payload + e.payload, raw=b"")
            events.append(e)
        prev = cut
    return [(e, e.payload if isinstance(e, Data) else e.raw) for e in events]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25),
    data=st.data(),
    command=st.sampled_from([None, "AT", "AT+CIPSEND=0,5", "AT+CIPSEND", "AT+CWJAP?", "AT+CIPRECVDATA=0,10"]),
)
def test_any_chunking_gives_same_events(
    pieces: list[bytes], data: st.DataObject, command: str | None
) -> None:
    stream = b"".join(pieces)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=len(stream)))
    whole = _decode(stream, [], command)
    chunked = _decode(stream, cuts, command)
    bytewise = _decode(stream, list(range(len(stream))), command)
    assert chunked == whole
    assert bytewise == whole
    # Every byte is in one event, except an unfinished tail (a line, header or data still arriving).
    consumed = b"".join(raw for _, raw in whole)
    assert stream.startswith(consumed)


@settings(max_examples=200, deadline=None)
@given(stream=st.binary(max_size=300), data=st.data())
def test_arbitrary_bytes_never_raise_and_chunking_is_irrelevant(stream: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=20))
    whole = _decode(stream, [], None)
    assert _decode(stream, cuts, None) == whole
    assert stream.startswith(b"".join(raw for _, raw in whole))


def test_complete_stream_is_fully_accounted_for() -> None:
    stream = b"".join(p for p in _PIECES if not p.endswith((b"+", b"+IPD,", b"\r"))) + b"\r\nOK\r\n"
    events = _decode(stream, list(range(0, len(stream), 3)), "AT")
    assert b"".join(raw for _, raw in events) == stream
