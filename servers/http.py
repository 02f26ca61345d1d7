"""An HTTP(S) peer for 3.7 (AT+HTTPCLIENT, AT+HTTPGETSIZE, AT+HTTPCGET/CPOST/CPUT, AT+HTTPCHEAD).

Routes follow the httpbin.org names the guide's examples use (``/get``, ``/post``, ``/put``,
``/delete``), so an example's URL only needs its host swapped:

- ``/get``, ``/post``, ``/put``, ``/delete``, ``/anything[/...]``: echo method, headers, query
  and body as JSON (HEAD allowed wherever GET is)
- ``/bytes/{n}?seed=S``: n bytes of the seeded pattern with Content-Length, honouring ``Range``
- ``/stream-bytes/{n}?seed=S&chunk_size=C``: the same bytes, chunked transfer encoding
- ``/redirect/{n}`` (302 chain ending at /get), ``/redirect-to?url=U&status_code=301|302``
- ``/delay/{seconds}``: answers after a pause (slow resource); ``/status/{code}``: that status
- anything added with :meth:`HttpServer.add_resource` (fixed bytes at a path)

Every request is kept as a :class:`RequestRecord` (raw header order and case preserved).
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import threading
import time
from dataclasses import dataclass

from aiohttp import web

from servers.base import DEFAULT_HOST, Endpoint, Peer, bind_error
from servers.payload import pattern

MAX_BYTES = 64 * 1024 * 1024
MAX_DELAY = 60.0


@dataclass(frozen=True)
class RequestRecord:
    t: float
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]  # as sent: order and case kept
    body: bytes
    remote: str

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (start, end-exclusive) a single ``Range: bytes=a-b`` header asks for, or None.

    Raises ValueError when the range cannot be satisfied (answered with 416).
    """
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise ValueError(f"unsupported Range header {header!r}")
    if not m.group(1):  # suffix: last N bytes
        start, end = max(size - int(m.group(2)), 0), size
    else:
        start = int(m.group(1))
        end = min(int(m.group(2)) + 1, size) if m.group(2) else size
    if start >= size or start >= end:
        raise ValueError(f"range {header!r} outside 0..{size}")
    return start, end


class AiohttpPeer(Peer):
    """Base for peers that are an aiohttp application (HTTP server, OTA server)."""

    kind = "http"

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host)
        self.requested_port = port
        self.ssl_context = ssl_context
        self.requests: list[RequestRecord] = []
        self._cond = threading.Condition()
        self._runner: web.AppRunner | None = None
        self.scheme = "https" if ssl_context is not None else "http"

    def build_app(self) -> web.Application:  # pragma: no cover - abstract
        raise NotImplementedError

    @web.middleware
    async def _record(self, request: web.Request, handler: object) -> web.StreamResponse:
        body = await request.read()
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers)
        remote = request.remote or ""
        with self._cond:
            self.requests.append(
                RequestRecord(
                    time.monotonic(),
                    request.method,
                    request.path,
                    request.query_string,
                    headers,
                    body,
                    remote,
                )
            )
            self._cond.notify_all()
        return await handler(request)  # type: ignore[operator, no-any-return]

    async def astart(self) -> None:
        app = self.build_app()
        app.middlewares.insert(0, self._record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port, ssl_context=self.ssl_context)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise bind_error(exc, self.kind, self.host, self.requested_port) from exc
        host, port = self._runner.addresses[0][:2]
        self.endpoints = {self.scheme: Endpoint(self.scheme, host, port)}

    async def astop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"{self.scheme}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def wait_requests(self, count: int, timeout: float = 10.0) -> list[RequestRecord]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"{self.kind} peer: expected {count} request(s), saw {len(self.requests)}")
            return list(self.requests)


def _echo_json(request: web.Request, body: bytes) -> dict[str, object]:
    text = body.decode("utf-8", errors="replace")
    parsed: object = None
    if request.content_type == "application/json":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    return {
        "method": request.method,
        "url": str(request.url),
        "args": {k: v for k, v in request.query.items()},
        "headers": {k: v for k, v in request.headers.items()},
        "data": text,
        "json": parsed,
        "origin": request.remote,
    }


class HttpServer(AiohttpPeer):
    """The httpbin-like HTTP(S) peer; with ``require_client_cert`` the PKI context demands one."""

    kind = "http"

    def __init__(
        self, host: str = DEFAULT_HOST, port: int = 0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(host, port, ssl_context)
        self.resources: dict[str, Resource] = {}

    def add_resource(self, path: str, body: bytes, content_type: str = "application/octet-stream") -> str:
        """Serve ``body`` at ``path`` (GET/HEAD, Range honoured); returns the full URL."""
        self.resources[path if path.startswith("/") else "/" + path] = Resource(body, content_type)
        return self.url(path) if self.endpoints else path

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BYTES)
        app.router.add_route("*", "/get", self._echo)
        app.router.add_route("*", "/post", self._echo)
        app.router.add_route("*", "/put", self._echo)
        app.router.add_route("*", "/delete", self._echo)
        app.router.add_route("*", "/anything", self._echo)
        app.router.add_route("*", "/anything/{tail:.*}", self._echo)
        app.router.add_get("/bytes/{n:\\d+}", self._bytes)
        app.router.add_get("/stream-bytes/{n:\\d+}", self._stream_bytes)
        app.router.add_get("/redirect/{n:\\d+}", self._redirect)
        app.router.add_route("*", "/redirect-to", self._redirect_to)
        app.router.add_get("/delay/{seconds}", self._delay)
        app.router.add_route("*", "/status/{code:\\d+}", self._status)
        app.router.add_route("*", "/{path:.*}", self._resource)
        return app

    async def _echo(self, request: web.Request) -> web.Response:
        return web.json_response(_echo_json(request, await request.read()))

    @staticmethod
    def _ranged(request: web.Request, data: bytes, content_type: str, status: int = 200) -> web.Response:
        try:
            rng = parse_range(request.headers.get("Range"), len(data))
        except ValueError as exc:
            return web.Response(status=416, text=str(exc), headers={"Content-Range": f"bytes */{len(data)}"})
        headers = {"Accept-Ranges": "bytes"}
        if rng is None:
            return web.Response(status=status, body=data, content_type=content_type, headers=headers)
        start, end = rng
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        return web.Response(status=206, body=data[start:end], content_type=content_type, headers=headers)

    async def _bytes(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n > MAX_BYTES:
            return web.Response(status=400, text=f"at most {MAX_BYTES} bytes")
        seed = int(request.query.get("seed", "0"))
        return self._ranged(request, pattern(seed, n), "application/octet-stream")

    async def _stream_bytes(self, request: web.Request) -> web.StreamResponse:
        n = min(int(request.match_info["n"]), MAX_BYTES)
        seed = int(request.query.get("seed", "0"))
        size = max(int(request.query.get("chunk_size", "1024")), 1)
        response = web.StreamResponse()
        response.content_type = "application/octet-stream"
        response.enable_chunked_encoding()
        await response.prepare(request)
        for offset in range(0, n, size):
            await response.write(pattern(seed, min(size, n - offset), offset))
        await response.write_eof()
        return response

    async def _redirect(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        location = "/get" if n <= 1 else f"/redirect/{n - 1}"
        return web.Response(status=302, headers={"Location": location})

    async def _redirect_to(self, request: web.Request) -> web.Response:
        status = int(request.query.get("status_code", "302"))
        if not 300 <= status < 400:
            return web.Response(status=400, text=f"status_code must be 3xx, got {status}")
        return web.Response(status=status, headers={"Location": request.query.get("url", "/get")})

    async def _delay(self, request: web.Request) -> web.Response:
        seconds = min(float(request.match_info["seconds"]), MAX_DELAY)
        await asyncio.sleep(seconds)
        return web.json_response(_echo_json(request, await request.read()))

    async def _status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        if not 100 <= code <= 599:
            return web.Response(status=400, text=f"status code out of range: {code}")
        return web.Response(status=code, text="" if code in (204, 304) or code < 200 else f"status {code}\n")

    async def _resource(self, request: web.Request) -> web.Response:
        res = self.resources.get(request.path)
        if res is None:
            return web.Response(status=404, text=f"no resource at {request.path}\n")
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, text=f"{request.method} not allowed on {request.path}\n")
        return self._ranged(request, res.body, res.content_type, res.status)
