"""sim.net.http_wire: URLs, requests and the response parser fed byte by byte (pure, no sockets)."""

from __future__ import annotations

import pytest

from sim.net.http_wire import (
    Body,
    End,
    Head,
    HttpWireError,
    ResponseParser,
    build_request,
    parse_url,
    resolve_location,
)


def _feed_bytewise(parser: ResponseParser, data: bytes) -> tuple[Head, bytes, bool]:
    events = [ev for i in range(len(data)) for ev in parser.feed(data[i : i + 1])]
    head = next(ev for ev in events if isinstance(ev, Head))
    body = b"".join(ev.data for ev in events if isinstance(ev, Body))
    return head, body, any(isinstance(ev, End) for ev in events)


def test_content_length_body() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
    head, body, ended = _feed_bytewise(ResponseParser(), raw)
    assert (head.status, head.get("x-a"), body, ended) == (200, "b", b"hello", True)


def test_chunked_body_with_extension_and_trailer() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
    _, body, ended = _feed_bytewise(ResponseParser(), raw)
    assert (body, ended) == (b"abcde", True)


def test_close_delimited_body_and_head_response() -> None:
    p = ResponseParser()
    events = p.feed(b"HTTP/1.0 200 OK\r\n\r\nabc")
    assert not any(isinstance(ev, End) for ev in events)
    assert isinstance(p.eof()[-1], End)
    head, body, ended = _feed_bytewise(
        ResponseParser(head_only=True), b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
    )
    assert (head.content_length, body, ended) == (9, b"", True)


def test_truncated_and_malformed_responses() -> None:
    p = ResponseParser()
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")
    with pytest.raises(HttpWireError):
        p.eof()
    with pytest.raises(HttpWireError):
        ResponseParser().feed(b"SIP/2.0 x\r\n\r\n")


def test_urls_and_requests() -> None:
    u = parse_url("https://example.com/a/b?c=1")
    assert (u.scheme, u.host, u.port, u.target) == ("https", "example.com", 443, "/a/b?c=1")
    assert resolve_location(u, "/x").target == "/x"
    assert resolve_location(u, "y").target == "/a/y"
    assert resolve_location(u, "http://h:81/z").port == 81
    with pytest.raises(HttpWireError):
        parse_url("ftp://example.com/")
    req = build_request(
        "POST",
        parse_url("http://h:8080/p"),
        ["content-type: text/xml"],
        b"<a/>",
        content_type="application/json",
    )
    head = req.split(b"\r\n\r\n")[0].decode()
    assert "Host: h:8080" in head and "content-type: text/xml" in head and "application/json" not in head
    assert "Content-Length: 4" in head and req.endswith(b"<a/>")
