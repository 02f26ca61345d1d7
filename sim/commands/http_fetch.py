"""One HTTP(S) exchange of the board's HTTP client (3.7): connect from the board's address, send, stream the
response back through callbacks. The commands in sim/commands/http.py decide what is printed.

- Names resolve as every other command of the board resolves them (sim.net.resolve), and the socket is bound
  to the station's address, so the server sees the board's IP.
- HTTPS authenticates as AT+HTTPCFG (3.7.9) says: ``<auth_mode>`` 0 (the default) verifies nothing; 1
  presents ``https_cert.<pki_number>``/``https_key.<pki_number>``; 2 verifies the server against
  ``https_ca.<ca_number>`` (and its name against the URL's host, as esp-tls does); 3 both. The PEMs come
  from mfg_nvs (AT+SYSMFG); one that is missing fails the connection (0x7000). TLS is capped at 1.2 as the
  firmware's mbedTLS is; SNI carries the URL's host name.
- ``<timeout>`` bounds the connection and every wait for data (a network timeout, not a command timeout).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sim.board import Board
from sim.commands.tcpip_dns import has_network, sta_address
from sim.net.http_wire import (
    Body,
    End,
    Head,
    HttpWireError,
    ResponseParser,
    Url,
    build_request,
    resolve_location,
)
from sim.net.resolve import ResolveError, resolve_host

#: 3.7.10: 0x7000 is "Connection Failed"; an HTTP status s is reported as 0x7000 + s
CONNECTION_FAILED = 0x7000
#: redirects followed by the commands that follow them (esp_http_client's default limit)
MAX_REDIRECTS = 10
_REDIRECTS = (301, 302, 303, 307, 308)
#: stop reading the socket while this much waits for the UART (as the TCP/IP links do)
_BACKLOG_HIGH = 4096


class HttpFailed(Exception):
    """The request failed; ``extension`` is the low 16 bits of the ERR CODE (3.7.10)."""

    def __init__(self, extension: int, reason: str) -> None:
        super().__init__(reason)
        self.extension = extension
        self.reason = reason


@dataclass
class Request:
    method: str
    url: Url
    headers: list[str]
    body: bytes | None = None
    content_type: str | None = None


OnHead = Callable[[Head], Awaitable[None]]
OnData = Callable[[bytes], Awaitable[None]]


@dataclass
class HttpAuth:
    """AT+HTTPCFG (3.7.9): global to every HTTP command, per boot (the guide does not say it is saved)."""

    auth_mode: int = 0
    pki_number: int = 0
    ca_number: int = 0


def _pem(board: Board, namespace: str, index: int) -> Path:
    value = board.mfg.get(namespace, f"{namespace}.{index}")
    if value is None:
        raise HttpFailed(CONNECTION_FAILED, f"AT+HTTPCFG: no {namespace}.{index} in mfg_nvs")
    path = board.state_dir / "tls" / f"http-{namespace}.{index}.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(value.as_bytes())
    return path


def _tls_context(board: Board) -> ssl.SSLContext:
    auth = board.runtime(HttpAuth)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    verify = auth.auth_mode in (2, 3)
    ctx.check_hostname = verify
    ctx.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    try:
        if verify:
            ctx.load_verify_locations(_pem(board, "https_ca", auth.ca_number))
        if auth.auth_mode in (1, 3):
            cert = _pem(board, "https_cert", auth.pki_number)
            ctx.load_cert_chain(cert, _pem(board, "https_key", auth.pki_number))
    except ssl.SSLError as exc:
        raise HttpFailed(CONNECTION_FAILED, f"AT+HTTPCFG: unusable certificate: {exc!r}") from None
    return ctx


async def _connect(
    board: Board, url: Url, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if not has_network(board):
        raise HttpFailed(CONNECTION_FAILED, "no interface has an address")
    try:
        address = await resolve_host(board, url.host)
    except ResolveError as exc:
        raise HttpFailed(CONNECTION_FAILED, str(exc)) from None
    local = sta_address(board)
    tls = _tls_context(board) if url.tls else None
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(
                address,
                url.port,
                ssl=tls,
                server_hostname=url.host if url.tls else None,
                local_addr=(local, 0) if local and ":" not in address else None,
            ),
            timeout,
        )
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        raise HttpFailed(CONNECTION_FAILED, f"connect to {address}:{url.port}: {exc!r}") from None


async def fetch(
    board: Board,
    request: Request,
    *,
    timeout: float,
    follow_redirects: bool,
    on_head: OnHead,
    on_data: OnData,
) -> Head:
    """Run the request; ``on_head`` sees the final response's head, ``on_data`` its body in pieces (only for
    a status below 400). Returns the final head; raises :class:`HttpFailed`."""
    for _ in range(MAX_REDIRECTS + 1):
        head, location = await _exchange(board, request, timeout, follow_redirects, on_head, on_data)
        if location is None:
            return head
        try:
            target = resolve_location(request.url, location)
        except HttpWireError as exc:
            raise HttpFailed(CONNECTION_FAILED, f"redirect to {location!r}: {exc}") from None
        board.log(f"at-http: {head.status} redirect to {location}")
        if head.status == 303 or (head.status in (301, 302) and request.method == "POST"):
            request = Request("GET", target, request.headers)
        else:
            request = Request(request.method, target, request.headers, request.body, request.content_type)
    raise HttpFailed(CONNECTION_FAILED, f"more than {MAX_REDIRECTS} redirects")


async def _exchange(
    board: Board,
    request: Request,
    timeout: float,
    follow_redirects: bool,
    on_head: OnHead,
    on_data: OnData,
) -> tuple[Head, str | None]:
    reader, writer = await _connect(board, request.url, timeout)
    parser = ResponseParser(head_only=request.method == "HEAD")
    head: Head | None = None
    deliver = False
    try:
        writer.write(
            build_request(
                request.method,
                request.url,
                request.headers,
                request.body,
                content_type=request.content_type,
            )
        )
        await asyncio.wait_for(writer.drain(), timeout)
        while True:
            while board.output_backlog() > _BACKLOG_HIGH:
                await asyncio.sleep(0.005)
            data = await asyncio.wait_for(reader.read(4096), timeout)
            events = parser.feed(data) if data else parser.eof()
            for ev in events:
                if isinstance(ev, Head):
                    head = ev
                    location = ev.get("Location")
                    if follow_redirects and ev.status in _REDIRECTS and location:
                        return ev, location
                    if ev.status >= 400:
                        raise HttpFailed(CONNECTION_FAILED + ev.status, f"status {ev.status} {ev.reason}")
                    await on_head(ev)
                    deliver = True
                elif isinstance(ev, Body) and deliver:
                    await on_data(ev.data)
                elif isinstance(ev, End):
                    assert head is not None
                    return head, None
    except TimeoutError:
        raise HttpFailed(CONNECTION_FAILED, f"no data from the server for {timeout:g} s") from None
    except (OSError, ssl.SSLError) as exc:
        raise HttpFailed(CONNECTION_FAILED, f"connection broke: {exc!r}") from None
    except HttpWireError as exc:
        raise HttpFailed(CONNECTION_FAILED, str(exc)) from None
    finally:
        writer.close()
