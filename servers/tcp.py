"""TCP and SSL peers, server and client roles (the other end of 3.3's TCP/SSL connections).

``TcpServer(Echo())`` accepts connections and plays a behaviour on each; with ``ssl_context`` it is
an SSL server (the handshake runs inside the connection, so a refused client certificate shows up
in that connection's record instead of vanishing into a log). ``TcpClient`` connects to a board
that listens (AT+CIPSERVER) and plays a behaviour there.
"""

from __future__ import annotations

import asyncio
import ssl

from servers.base import DEFAULT_HOST, Endpoint, Peer, bind_error, cert_subject
from servers.behaviours import Behaviour, Echo, abort_with_rst, run_stream
from servers.record import CloseReason, PeerRecord, RecordLog

HANDSHAKE_TIMEOUT = 15.0


def _subject(ssl_object: ssl.SSLObject | None) -> str | None:
    return cert_subject(ssl_object.getpeercert() if ssl_object is not None else None)


class _StreamPeer(Peer):
    """Lets a test push bytes on, or close, a live connection outside its behaviour."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.records = RecordLog()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: dict[int, asyncio.StreamWriter] = {}

    async def _cancel_connections(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def asend(self, record: PeerRecord, data: bytes) -> None:
        writer = self._writers.get(id(record))
        if writer is None or record.closed:
            raise ConnectionError(
                f"connection {record.remote[0]}:{record.remote[1]} is closed ({record.close_reason})"
            )
        writer.write(data)
        await writer.drain()
        record.add_out(data)

    async def aclose_connection(self, record: PeerRecord, rst: bool = False) -> None:
        writer = self._writers.get(id(record))
        if writer is None:
            return
        record.close(CloseReason.LOCAL_RST if rst else CloseReason.LOCAL)
        if rst:
            abort_with_rst(writer)
        else:
            writer.close()

    def send(self, record: PeerRecord, data: bytes) -> None:
        """Send ``data`` on the connection of ``record`` now (e.g. to make a board print +IPD)."""
        self.call(self.asend(record, data))

    def close_connection(self, record: PeerRecord, rst: bool = False) -> None:
        """Close (FIN) or reset (RST) the connection of ``record`` from the peer's side."""
        self.call(self.aclose_connection(record, rst))


class TcpServer(_StreamPeer):
    """A listening TCP (or SSL, with ``ssl_context``) peer; one PeerRecord per connection in ``records``."""

    kind = "tcp"

    def __init__(
        self,
        behaviour: Behaviour | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        idle_timeout: float | None = None,
        keep_data: bool = True,
    ) -> None:
        super().__init__(host)
        self.behaviour: Behaviour = behaviour or Echo()
        self.requested_port = port
        self.ssl_context = ssl_context
        self.idle_timeout = idle_timeout
        self.keep_data = keep_data
        self._server: asyncio.Server | None = None
        if ssl_context is not None:
            self.kind = "ssl"

    async def astart(self) -> None:
        try:
            self._server = await asyncio.start_server(self._on_connect, self.host, self.requested_port)
        except OSError as exc:
            raise bind_error(exc, self.kind, self.host, self.requested_port) from exc
        host, port = self._server.sockets[0].getsockname()[:2]
        self.endpoints = {self.kind: Endpoint(self.kind, host, port)}

    async def astop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._cancel_connections()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            remote = writer.get_extra_info("peername")[:2]
            local = writer.get_extra_info("sockname")[:2]
            record = self.records.add(PeerRecord(remote, local, keep_data=self.keep_data))
            if self.ssl_context is not None:
                try:
                    await writer.start_tls(self.ssl_context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
                except (ssl.SSLError, OSError, TimeoutError) as exc:
                    record.close(CloseReason.ERROR, f"TLS handshake failed: {exc}")
                    writer.transport.abort()
                    return
                record.tls_peer_cert_subject = _subject(writer.get_extra_info("ssl_object"))
            self._writers[id(record)] = writer
            await run_stream(reader, writer, self.behaviour, record, self.idle_timeout)
        except asyncio.CancelledError:
            # The peer is stopping with this connection still open. asyncio's stream server reads the
            # handler task's exception and would log a cancelled one as an error, so end quietly.
            writer.transport.abort()
        finally:
            self._tasks.discard(task)


class TcpClient(_StreamPeer):
    """Connects out (to a board's AT+CIPSERVER) and plays a behaviour on each connection."""

    kind = "tcp-client"

    def __init__(self, idle_timeout: float | None = None, keep_data: bool = True) -> None:
        super().__init__(DEFAULT_HOST)
        self.idle_timeout = idle_timeout
        self.keep_data = keep_data

    async def astart(self) -> None:
        return None

    async def astop(self) -> None:
        await self._cancel_connections()

    async def aconnect(
        self,
        host: str,
        port: int,
        behaviour: Behaviour | None = None,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        timeout: float = 10.0,
    ) -> PeerRecord:
        """Connect and start ``behaviour`` in the background; returns the connection's record."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    host,
                    port,
                    ssl=ssl_context,
                    server_hostname=(server_hostname or host) if ssl_context else None,
                ),
                timeout,
            )
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(f"tcp client: cannot connect to {host}:{port}: {exc}") from exc
        record = self.records.add(
            PeerRecord(
                writer.get_extra_info("peername")[:2], writer.get_extra_info("sockname")[:2], self.keep_data
            )
        )
        record.tls_peer_cert_subject = _subject(writer.get_extra_info("ssl_object"))
        self._writers[id(record)] = writer
        task = asyncio.create_task(run_stream(reader, writer, behaviour or Echo(), record, self.idle_timeout))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return record

    def connect(
        self,
        host: str,
        port: int,
        behaviour: Behaviour | None = None,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        timeout: float = 10.0,
    ) -> PeerRecord:
        """Synchronous :meth:`aconnect` (the client must have been started)."""
        return self.call(
            self.aconnect(host, port, behaviour, ssl_context, server_hostname, timeout), timeout + 5
        )
