"""A WebSocket(S) peer for 3.9 (AT+WSCFG, AT+WSHEAD, AT+WSOPEN, AT+WSSEND, AT+WSCLOSE).

Paths choose what the server does with a session:

- ``/`` and anything not below: echo each message back with the same opcode (text or binary),
  like the guide's websocket example server
- ``/close/{code}``: close with that code (reason ``?reason=...``) after the first message, or at
  once with ``?now=1``
- ``/silent``: accept and never answer
- ``/push?count=N&size=S``: send N binary messages of the seeded pattern after the handshake

Every frame the client sends (TEXT, BINARY, CONT, PING, PONG, CLOSE) is recorded with its opcode,
so a test can check the ``<opcode>`` of AT+WSSEND; the client's close code and reason, the
request headers (AT+WSHEAD) and the offered/selected subprotocol are kept per session.
``auth_mode`` 1-3 of AT+WSCFG map to ``ssl_context`` from the PKI, with or without a required
client certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, NegotiationError
from websockets.frames import Frame
from websockets.http11 import Request
from websockets.typing import Subprotocol

from servers.base import DEFAULT_HOST, Endpoint, Peer, bind_error, cert_subject
from servers.payload import pattern


@dataclass(frozen=True)
class WsFrame:
    t: float
    opcode: str  # "TEXT", "BINARY", "CONT", "PING", "PONG", "CLOSE"
    data: bytes
    fin: bool


@dataclass
class WsSession:
    """One client session as the server saw it."""

    path: str
    query: dict[str, str]
    headers: list[tuple[str, str]]
    offered_subprotocols: list[str]
    subprotocol: str | None
    remote: tuple[str, int]
    client_cert_subject: str | None = None
    frames_in: list[WsFrame] = field(default_factory=list)
    messages_out: list[bytes | str] = field(default_factory=list)
    close_code: int | None = None  # as received from the client; None if it never sent a close
    close_reason: str | None = None
    closed: threading.Event = field(default_factory=threading.Event, repr=False)
    connection: ServerConnection | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def messages_in(self) -> list[WsFrame]:
        return [f for f in self.frames_in if f.opcode in ("TEXT", "BINARY", "CONT")]

    def wait_closed(self, timeout: float = 10.0) -> int | None:
        if not self.closed.wait(timeout):
            raise TimeoutError(f"websocket session {self.path} still open after {timeout}s")
        return self.close_code


class _RecordingConnection(ServerConnection):
    """Records every frame the client sends before websockets handles it."""

    session: WsSession | None = None

    def process_event(self, event: object) -> None:
        if isinstance(event, Frame) and self.session is not None:
            self.session.frames_in.append(
                WsFrame(time.monotonic(), event.opcode.name, bytes(event.data), event.fin)
            )
        super().process_event(event)  # type: ignore[arg-type]


class WsServer(Peer):
    """Echo WebSocket server with close/silent/push paths; ``sessions`` lists what it saw."""

    kind = "ws"

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        subprotocols: Sequence[str] = (),
        strict_subprotocol: bool = False,
        ping_interval: float | None = None,
    ) -> None:
        super().__init__(host)
        self.requested_port = port
        self.ssl_context = ssl_context
        self.subprotocols = list(subprotocols)
        self.strict_subprotocol = strict_subprotocol
        self.ping_interval = ping_interval
        self.sessions: list[WsSession] = []
        self._cond = threading.Condition()
        self._server: Server | None = None
        if ssl_context is not None:
            self.kind = "wss"

    def _select(self, connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        for name in self.subprotocols:
            if name in offered:
                return Subprotocol(name)
        if self.strict_subprotocol and (offered or self.subprotocols):
            raise NegotiationError(
                f"no common subprotocol: offered {list(offered)}, server has {self.subprotocols}"
            )
        return None

    def _process_request(self, connection: ServerConnection, request: Request) -> None:
        # Attach the session before any frame arrives, so none is missed.
        split = urlsplit(request.path)
        peer = connection.transport.get_extra_info("peername") or ("", 0)
        cert = connection.transport.get_extra_info("peercert") if self.ssl_context else None
        session = WsSession(
            path=split.path,
            query={k: v[-1] for k, v in parse_qs(split.query).items()},
            headers=list(request.headers.raw_items()),
            offered_subprotocols=[
                p.strip() for h in request.headers.get_all("Sec-WebSocket-Protocol") for p in h.split(",")
            ],
            subprotocol=None,
            remote=(str(peer[0]), int(peer[1])),
            client_cert_subject=cert_subject(cert),
            connection=connection,
        )
        assert isinstance(connection, _RecordingConnection)
        connection.session = session
        with self._cond:
            self.sessions.append(session)
            self._cond.notify_all()

    async def _handler(self, connection: ServerConnection) -> None:
        assert isinstance(connection, _RecordingConnection) and connection.session is not None
        session = connection.session
        session.subprotocol = connection.subprotocol
        try:
            await self._play(connection, session)
        except ConnectionClosed:
            pass
        finally:
            rcvd = connection.protocol.close_rcvd
            if rcvd is not None:
                session.close_code, session.close_reason = rcvd.code, rcvd.reason
            session.closed.set()

    async def _send(self, connection: ServerConnection, session: WsSession, message: bytes | str) -> None:
        await connection.send(message)
        session.messages_out.append(message)

    async def _play(self, connection: ServerConnection, session: WsSession) -> None:
        if session.path.startswith("/close/"):
            code = int(session.path.removeprefix("/close/") or 1000)
            if session.query.get("now") != "1":
                await connection.recv()
            await connection.close(code, session.query.get("reason", ""))
            return
        if session.path == "/push":
            count, size = int(session.query.get("count", "1")), int(session.query.get("size", "64"))
            for i in range(count):
                await self._send(connection, session, pattern(i, size))
        if session.path == "/silent":
            async for _ in connection:
                pass
            return
        async for message in connection:
            await self._send(connection, session, message)

    async def astart(self) -> None:
        try:
            self._server = await serve(
                self._handler,
                self.host,
                self.requested_port,
                ssl=self.ssl_context,
                select_subprotocol=self._select,
                process_request=self._process_request,
                create_connection=_RecordingConnection,
                compression=None,  # ESP-AT's client does not negotiate permessage-deflate
                ping_interval=self.ping_interval,
                ping_timeout=None if self.ping_interval is None else self.ping_interval * 2,
                max_size=None,
            )
        except OSError as exc:
            raise bind_error(exc, self.kind, self.host, self.requested_port) from exc
        host, port = next(iter(self._server.sockets)).getsockname()[:2]
        self.endpoints = {self.kind: Endpoint(self.kind, host, port)}

    async def astop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 10)

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"{self.kind}://{host}:{port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def wait_sessions(self, count: int = 1, timeout: float = 10.0) -> list[WsSession]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.sessions) >= count, timeout):
                raise TimeoutError(
                    f"{self.kind} server: expected {count} session(s), saw {len(self.sessions)}"
                )
            return list(self.sessions)

    # --- acting on a live session from the test's thread ----------------------------------------
    def send(self, session: WsSession, message: bytes | str) -> None:
        """Send a text (str) or binary (bytes) message to the client of ``session``."""
        assert session.connection is not None
        self.call(self._send(session.connection, session, message))

    def ping(self, session: WsSession, data: bytes = b"", timeout: float = 10.0) -> float:
        """Ping the client and wait for its pong; returns the round-trip time in seconds."""
        assert session.connection is not None

        async def _ping() -> float:
            assert session.connection is not None
            return await asyncio.wait_for(await session.connection.ping(data), timeout)

        return self.call(_ping(), timeout + 5)

    def close(self, session: WsSession, code: int = 1000, reason: str = "") -> None:
        """Close the session from the server with ``code``."""
        assert session.connection is not None
        self.call(session.connection.close(code, reason))
