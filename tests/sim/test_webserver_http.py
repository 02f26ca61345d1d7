"""The web server's request parsing (sim/commands/webserver.py, sans-IO parts)."""

from __future__ import annotations

import pytest

from sim.commands.webserver import parse_head, response


def test_request_line_and_headers() -> None:
    method, path, headers = parse_head(b"POST /setotadata?x=1 HTTP/1.1\r\nObject: ota\r\nContent-Length: 3")
    assert (method, path) == ("POST", "/setotadata")
    assert headers == {"object": "ota", "content-length": "3"}


@pytest.mark.parametrize("head", [b"GET /\r\n", b"GET / FTP/1\r\n", b"GET / HTTP/1.1\r\nno-colon"])
def test_malformed_request_is_refused_with_the_cause(head: bytes) -> None:
    with pytest.raises(ValueError, match="bad"):
        parse_head(head.rstrip(b"\r\n"))


def test_response_has_length_and_closes() -> None:
    out = response("302 Temporary Redirect", b"Redirect", extra="Location: http://127.4.0.1/\r\n")
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 302 Temporary Redirect\r\n")
    assert b"Content-Length: 8" in head and b"Connection: close" in head
    assert b"Location: http://127.4.0.1/" in head
    assert body == b"Redirect"
