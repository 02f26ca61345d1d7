"""What a stream peer does with a connection: echo, sink, source, scripted, reset, silent.

A behaviour is a small frozen dataclass; :func:`run_stream` plays it on one connection and fills
the connection's :class:`~servers.record.PeerRecord`. The same behaviours serve the TCP and SSL
server roles and the client role (when the board is the server, AT+CIPSERVER, 3.3).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from dataclasses import dataclass, field

from servers.errors import ScriptMismatchError
from servers.payload import pattern
from servers.record import CloseReason, PeerRecord

READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class Echo:
    """Send back every byte that arrives."""


@dataclass(frozen=True)
class Sink:
    """Read and count (and SHA-256) everything; never send."""


@dataclass(frozen=True)
class Silent:
    """Never answer: the connection is accepted, what arrives is recorded, nothing is sent."""


@dataclass(frozen=True)
class Source:
    """Send ``total`` bytes of the pattern for ``seed``, at ``rate`` bytes/s (None = as fast as possible).

    Meant for download throughput: the board's +IPD or AT+CIPRECVDATA data can be checked against
    :func:`servers.payload.pattern` at any offset.
    """

    total: int
    seed: int = 0
    rate: float | None = None
    chunk: int = 1460
    close_when_done: bool = True


@dataclass(frozen=True)
class Reset:
    """Reset the connection (TCP RST) after ``after_bytes`` bytes arrived (0 = at once)."""

    after_bytes: int = 0


@dataclass(frozen=True)
class Send:
    data: bytes


@dataclass(frozen=True)
class Expect:
    """Read until exactly ``data`` has arrived (compared byte for byte)."""

    data: bytes
    timeout: float = 10.0


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Close:
    """Close the connection (FIN), or reset it with ``rst=True``."""

    rst: bool = False


Step = Send | Expect | Pause | Close


@dataclass(frozen=True)
class Scripted:
    """Play ``steps`` in order; a mismatch closes with CloseReason.ERROR and names the step."""

    steps: tuple[Step, ...] = field(default_factory=tuple)


Behaviour = Echo | Sink | Silent | Source | Reset | Scripted


def abort_with_rst(writer: asyncio.StreamWriter) -> None:
    """Close so that the kernel sends RST instead of FIN (SO_LINGER with a zero timeout)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


class _Conn:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: PeerRecord
    ) -> None:
        self.reader, self.writer, self.record = reader, writer, record

    async def read(self, timeout: float | None) -> bytes:
        """One read; b'' on FIN. Raises TimeoutError / ConnectionResetError."""
        data = await asyncio.wait_for(self.reader.read(READ_SIZE), timeout)
        if data:
            self.record.add_in(data)
        return data

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()
        self.record.add_out(data)


async def _read_until_close(conn: _Conn, idle_timeout: float | None, echo: bool) -> CloseReason:
    while True:
        data = await conn.read(idle_timeout)
        if not data:
            return CloseReason.FIN
        if echo:
            await conn.write(data)


async def _source(conn: _Conn, b: Source) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while sent < b.total:
        n = min(b.chunk, b.total - sent)
        await conn.write(pattern(b.seed, n, sent))
        sent += n
        if b.rate:
            delay = start + sent / b.rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)


async def _scripted(conn: _Conn, b: Scripted) -> CloseReason | None:
    pending = b""
    for i, step in enumerate(b.steps):
        if isinstance(step, Send):
            await conn.write(step.data)
        elif isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Close):
            return CloseReason.LOCAL_RST if step.rst else CloseReason.LOCAL
        else:
            deadline = asyncio.get_running_loop().time() + step.timeout
            while len(pending) < len(step.data):
                left = deadline - asyncio.get_running_loop().time()
                try:
                    data = await conn.read(max(left, 0))
                except TimeoutError:
                    data = b""
                if not data:
                    break
                pending += data
            got, pending = pending[: len(step.data)], pending[len(step.data) :]
            if got != step.data:
                remote = f"{conn.record.remote[0]}:{conn.record.remote[1]}"
                raise ScriptMismatchError(i, step.data, got, remote)
    return None


async def run_stream(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    behaviour: Behaviour,
    record: PeerRecord,
    idle_timeout: float | None = None,
) -> None:
    """Play ``behaviour`` on one connection and close it, recording why it ended."""
    conn = _Conn(reader, writer, record)
    reason: CloseReason | None = None
    error: str | None = None
    try:
        if isinstance(behaviour, Echo | Sink | Silent):
            reason = await _read_until_close(conn, idle_timeout, echo=isinstance(behaviour, Echo))
        elif isinstance(behaviour, Source):
            await _source(conn, behaviour)
            if not behaviour.close_when_done:
                reason = await _read_until_close(conn, idle_timeout, echo=False)
        elif isinstance(behaviour, Reset):
            while record.bytes_in < behaviour.after_bytes:
                if not await conn.read(idle_timeout):
                    reason = CloseReason.FIN
                    break
            if reason is None:
                reason = CloseReason.LOCAL_RST
        elif isinstance(behaviour, Scripted):
            reason = await _scripted(conn, behaviour)
    except TimeoutError:
        reason = CloseReason.TIMEOUT
    except (ConnectionResetError, BrokenPipeError) as exc:
        reason, error = CloseReason.RST, str(exc)
    except ssl.SSLError as exc:
        reason, error = CloseReason.ERROR, f"TLS: {exc}"
    except ScriptMismatchError as exc:
        reason, error = CloseReason.ERROR, str(exc)
    except asyncio.CancelledError:
        record.close(CloseReason.LOCAL, "peer stopped")
        writer.transport.abort()
        raise
    if reason is CloseReason.LOCAL_RST:
        abort_with_rst(writer)
    else:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 5)
        except (OSError, ssl.SSLError, TimeoutError):
            pass
    record.close(reason or CloseReason.LOCAL, error)
