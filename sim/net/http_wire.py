"""HTTP/1.1 on the wire for the board's HTTP client (3.7), sans-IO.

:func:`parse_url` splits the ``<"url">`` of the 3.7 commands, :func:`build_request` writes a request, and
:class:`ResponseParser` is fed the bytes a server sends and hands back the head, body pieces and the end
(Content-Length, chunked transfer coding, or a body ended by the server closing the connection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: what the firmware's client sends as User-Agent (the 3.7 examples' echoed headers, chapter 4.8)
USER_AGENT = "ESP32 HTTP Client/1.0"

#: 3.7 AT+HTTPCLIENT <opt>
METHODS = {1: "HEAD", 2: "GET", 3: "POST", 4: "PUT", 5: "DELETE"}

#: 3.7 AT+HTTPCLIENT <content-type>
CONTENT_TYPES = {
    0: "application/x-www-form-urlencoded",
    1: "application/json",
    2: "multipart/form-data",
    3: "text/xml",
}


class HttpWireError(ValueError):
    """A URL or a response the client cannot use."""


@dataclass(frozen=True)
class Url:
    scheme: str  # "http" or "https"
    host: str
    port: int
    target: str  # path and query, at least "/"

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    def authority(self) -> str:
        default = 443 if self.tls else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse_url(url: str) -> Url:
    """An http:// or https:// URL; HttpWireError for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise HttpWireError(f"bad URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise HttpWireError(f"URL {url!r}: expected http:// or https://")
    if not parts.hostname:
        raise HttpWireError(f"URL {url!r} has no host")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return Url(scheme, parts.hostname, port or (443 if scheme == "https" else 80), target)


def resolve_location(base: Url, location: str) -> Url:
    """The URL a redirect's Location names, relative to the request's URL."""
    if location.startswith(("http://", "https://")):
        return parse_url(location)
    if location.startswith("//"):
        return parse_url(f"{base.scheme}:{location}")
    if location.startswith("/"):
        return Url(base.scheme, base.host, base.port, location)
    directory = base.target.split("?", 1)[0].rsplit("/", 1)[0]
    return Url(base.scheme, base.host, base.port, f"{directory}/{location}")


def header_name(line: str) -> str:
    """The lower-cased name of a ``key: value`` header line."""
    return line.split(":", 1)[0].strip().lower()


def build_request(
    method: str, url: Url, headers: list[str], body: bytes | None, *, content_type: str | None = None
) -> bytes:
    """A request; ``headers`` (``key: value`` lines, later ones winning over earlier ones of the same name)
    replace the client's own of the same name (3.7 AT+HTTPCHEAD)."""
    own = [f"Host: {url.authority()}", f"User-Agent: {USER_AGENT}"]
    if content_type is not None:
        own.append(f"Content-Type: {content_type}")
    if body is not None or method in ("POST", "PUT"):
        own.append(f"Content-Length: {len(body or b'')}")
    merged: dict[str, str] = {}
    for line in own + headers:
        if ":" in line:
            merged[header_name(line)] = line.strip()
    lines = [f"{method} {url.target} HTTP/1.1", *merged.values(), "Connection: close"]
    if "connection" in merged:
        lines.pop()
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1", errors="replace") + (body or b"")


@dataclass(frozen=True)
class Head:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)

    @property
    def content_length(self) -> int | None:
        value = self.get("Content-Length")
        return int(value) if value is not None and value.strip().isdigit() else None


@dataclass(frozen=True)
class Body:
    data: bytes


@dataclass(frozen=True)
class End:
    pass


Event = Head | Body | End


@dataclass
class ResponseParser:
    """Feed the server's bytes; get :class:`Head`, then :class:`Body` pieces, then :class:`End`.

    ``head_only`` is for a HEAD request, whose response has no body whatever its headers say. Call
    :meth:`eof` when the server closes: it ends a close-delimited body, and is an error mid-message.
    """

    head_only: bool = False
    _buf: bytearray = field(default_factory=bytearray)
    _head: Head | None = None
    _remaining: int | None = None  # Content-Length left; None: chunked or until close
    _chunked: bool = False
    _chunk_left: int = 0  # bytes left in the current chunk; -1 before a chunk size line
    _trailer: bool = False
    done: bool = False

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        out: list[Event] = []
        if self.done:
            return out
        if self._head is None:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > 16384:
                    raise HttpWireError("response head longer than 16384 bytes")
                return out
            self._head = self._parse_head(bytes(self._buf[:end]))
            del self._buf[: end + 4]
            out.append(self._head)
            status = self._head.status
            if self.head_only or status in (204, 304) or 100 <= status < 200:
                return self._finish(out)
            coding = (self._head.get("Transfer-Encoding") or "").lower()
            if "chunked" in coding:
                self._chunked, self._chunk_left = True, -1
            else:
                self._remaining = self._head.content_length
                if self._remaining == 0:
                    return self._finish(out)
        if self._chunked:
            self._feed_chunked(out)
        elif self._remaining is None:
            if self._buf:
                out.append(Body(bytes(self._buf)))
                self._buf.clear()
        else:
            take = bytes(self._buf[: self._remaining])
            del self._buf[: len(take)]
            self._remaining -= len(take)
            if take:
                out.append(Body(take))
            if self._remaining == 0:
                self._finish(out)
        return out

    def eof(self) -> list[Event]:
        """The server closed the connection."""
        if self.done:
            return []
        if self._head is not None and not self._chunked and self._remaining is None:
            return self._finish([])
        raise HttpWireError("the server closed the connection in the middle of the response")

    def _finish(self, out: list[Event]) -> list[Event]:
        self.done = True
        out.append(End())
        return out

    def _feed_chunked(self, out: list[Event]) -> None:
        while not self.done:
            if self._trailer:
                end = self._buf.find(b"\r\n")
                if end < 0:
                    return
                line = bytes(self._buf[:end])
                del self._buf[: end + 2]
                if not line:
                    self._finish(out)
                continue
            if self._chunk_left == -1:
                end = self._buf.find(b"\r\n")
                if end < 0:
                    return
                size_text = bytes(self._buf[:end]).split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise HttpWireError(f"bad chunk size line {size_text!r}") from None
                del self._buf[: end + 2]
                if size == 0:
                    self._trailer = True
                    continue
                self._chunk_left = size
            if self._chunk_left > 0:
                take = bytes(self._buf[: self._chunk_left])
                if not take:
                    return
                del self._buf[: len(take)]
                self._chunk_left -= len(take)
                out.append(Body(take))
            if self._chunk_left == 0:
                if len(self._buf) < 2:
                    return
                if bytes(self._buf[:2]) != b"\r\n":
                    raise HttpWireError("chunk data not followed by CR LF")
                del self._buf[:2]
                self._chunk_left = -1

    @staticmethod
    def _parse_head(raw: bytes) -> Head:
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise HttpWireError(f"bad status line {lines[0]!r}")
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise HttpWireError(f"bad header line {line!r}")
            headers.append((name.strip(), value.strip()))
        return Head(int(parts[1]), parts[2] if len(parts) > 2 else "", tuple(headers))
