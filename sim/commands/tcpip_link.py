"""A link of the TCP/IP link table (3.3) and the sockets under it.

A :class:`Link` is a real asyncio TCP, UDP or TLS socket bound to the board's own loopback address (``::1``
for the IPv6 types, see :data:`sim.commands.tcpip.LOOPBACK_V6`). Its
socket receive buffer is kept small (:data:`SOCKET_RCVBUF`), and it stops reading while the AT port
is behind (:meth:`NetRuntime.deliver <sim.commands.tcpip.NetRuntime.deliver>` waits), so a fast peer is held
back by TCP. Settings of a link slot (AT+CIPTCPOPT, AT+CIPSSLC*) are :class:`TcpOpt` and :class:`SslConf`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.net.errnos import board_errno
from sim.net.messages import IPD_MAX, Remote
from sim.net.passive import RECV_WINDOW, PassiveBuffer

if TYPE_CHECKING:
    from sim.commands.tcpip import NetRuntime

#: Queued UDP datagrams per link beyond which new ones are dropped (UDP has no flow control).
UDP_QUEUE_MAX = 256
#: The kernel receive buffer of a link's socket. The firmware's window is 5760 bytes, but loopback's MSS is
#: 64 KiB: a buffer that small makes Linux delay window updates (receiver-side silly-window avoidance) and
#: the peer stall in zero-window probes. 64 KiB keeps the hold-back (the peer blocks once it and the board's
#: 5760-byte passive window are full) without the stalls.
SOCKET_RCVBUF = 65536


@dataclass
class TcpOpt:
    """AT+CIPTCPOPT per link (3.3.x): applied to the real socket when the link is made."""

    so_linger: int = -1
    tcp_nodelay: int = 0
    so_sndtimeo: int = 0  # ms; 0: no limit
    keep_alive: int = 0  # s; 0: off


@dataclass
class SslConf:
    """The SSL client settings of one link slot (AT+CIPSSLC*)."""

    auth_mode: int = 0
    pki_number: int = 0
    ca_number: int = 0
    common_name: str = ""
    sni: str = ""
    alpn: list[str] = field(default_factory=list)
    psk: bytes = b""
    psk_hint: str = ""
    ciphers: list[int] = field(default_factory=list)


class Link:
    """One connection of the link table."""

    def __init__(self, rt: NetRuntime, link_id: int, kind: str, *, server: bool) -> None:
        self.rt = rt
        self.link_id = link_id
        self.kind = kind  # "TCP", "UDP", "SSL" or their "v6" forms (the type AT+CIPSTATE prints)
        self.server = server
        self.remote = Remote("0.0.0.0", 0)
        self.local_ip = "0.0.0.0"
        self.local_port = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.udp: asyncio.DatagramTransport | None = None
        self.udp_mode = 0
        self.udp_remote_changed = False
        self.udp_queue: asyncio.Queue[tuple[bytes, Remote]] = asyncio.Queue()
        self.passive = PassiveBuffer()
        self.room = asyncio.Event()
        self.room.set()
        self.peer_closed = False
        self.closed_reported = False  # CLOSED already printed (peer gone, passive data still readable)
        self.closed = False
        self.task: asyncio.Task[Any] | None = None
        self.last_activity = time.monotonic()
        self.opt = rt.tcpopt[link_id]  # AT+CIPTCPOPT of this link ID, live

    @property
    def is_udp(self) -> bool:
        return self.kind.startswith("UDP")

    @property
    def is_ssl(self) -> bool:
        return self.kind.startswith("SSL")

    @property
    def is_passive(self) -> bool:
        return self.rt.recv_mode[self.link_id] == 1

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, data: bytes, remote: Remote | None = None) -> bool:
        """Hand data to the socket; False when the link cannot take it (SEND FAIL)."""
        if self.closed or self.peer_closed:
            return False
        self.touch()
        if self.udp is not None:
            dest = remote or self.remote
            try:
                for i in range(0, max(len(data), 1), 65507):
                    self.udp.sendto(data[i : i + 65507], (dest.ip, dest.port))
            except OSError:
                return False
            return True
        if self.writer is None or self.writer.is_closing():
            return False
        try:
            self.writer.write(data)
            timeout = self.opt.so_sndtimeo / 1000 if self.opt.so_sndtimeo > 0 else None
            await asyncio.wait_for(self.writer.drain(), timeout)
        except (OSError, TimeoutError, ssl.SSLError, RuntimeError):
            return False
        return True

    def write_buffered(self) -> int:
        if self.writer is None or self.writer.transport.is_closing():
            return 0
        return self.writer.transport.get_write_buffer_size()

    # --- receiving -------------------------------------------------------------------------------

    async def stream_loop(self) -> None:
        """Read the TCP/TLS socket as fast as the AT port (or the passive window) allows."""
        assert self.reader is not None
        reason = "peer closed"
        try:
            while True:
                n = IPD_MAX
                if self.is_passive and not self.rt.in_passthrough(self):
                    while self.passive.room == 0:
                        self.room.clear()
                        await self.room.wait()
                    n = self.passive.room
                data = await self.reader.read(n)
                if not data:
                    break
                self.touch()
                await self.rt.deliver(self, data, self.remote, datagram=False)
        except (OSError, ssl.SSLError) as e:
            reason = f"peer reset ({e})"
        finally:
            if not self.closed:
                self.rt.b.spawn(self.rt.peer_gone(self, reason))

    async def udp_loop(self) -> None:
        while True:
            data, remote = await self.udp_queue.get()
            await self.rt.deliver(self, data, remote, datagram=True)

    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """3.3.x AT+CIPSTART UDP ``<mode>``: 0 keeps the remote, 1 adopts the first other sender, 2 each."""
        sender = Remote(addr[0], addr[1])
        if sender != self.remote:
            if self.udp_mode == 2 or (self.udp_mode == 1 and not self.udp_remote_changed):
                self.remote = sender
                self.udp_remote_changed = True
        self.touch()
        if self.udp_queue.qsize() >= UDP_QUEUE_MAX:
            self.rt.b.log(f"tcpip: link {self.link_id}: UDP queue full, datagram of {len(data)} dropped")
            return
        self.udp_queue.put_nowait((data, sender))

    # --- closing ---------------------------------------------------------------------------------

    def abort(self) -> None:
        """Close the socket now (AT+CIPCLOSE, server shutdown, reboot)."""
        self.closed = True
        if self.task is not None:
            self.task.cancel()
        if self.udp is not None:
            self.udp.close()
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, link: Link) -> None:
        self.link = link

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.link.on_datagram(data, (str(addr[0]), int(addr[1])))


# --- socket options ------------------------------------------------------------------------------------


def apply_tcpopt(sock: socket.socket | None, opt: TcpOpt) -> None:
    """AT+CIPTCPOPT / AT+CIPSTART keep-alive on the real socket (SO_SNDTIMEO is applied per send)."""
    if sock is None:
        return
    with contextlib.suppress(OSError):
        if opt.so_linger >= 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, opt.so_linger))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if opt.tcp_nodelay else 0)
        if opt.keep_alive > 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, opt.keep_alive)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)


# --- opening links -------------------------------------------------------------------------------------


class ConnectFailed(Exception):
    def __init__(self, errno: int, reason: str) -> None:
        super().__init__(reason)
        self.errno = errno


async def open_stream(
    rt: NetRuntime,
    link: Link,
    ip: str,
    port: int,
    *,
    local_ip: str,
    timeout_s: float | None,
    tls: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
) -> None:
    """Connect a TCP (or TLS) link; raises ConnectFailed with the number +ERRNO prints.

    The socket's receive buffer is small (:data:`SOCKET_RCVBUF`), so a peer faster than the AT port is
    held back by TCP itself soon after the board stops reading."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_RCVBUF)
        sock.setblocking(False)
        sock.bind((local_ip, 0))

        async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            await loop.sock_connect(sock, (ip, port))
            reader, writer = await asyncio.open_connection(sock=sock, limit=RECV_WINDOW)
            if tls is not None:
                # no SNI for a literal address: start_tls accepts a missing name, open_connection does not
                await writer.start_tls(tls, server_hostname=server_hostname)
            return reader, writer

        reader, writer = await asyncio.wait_for(connect(), timeout_s)
    except (OSError, ssl.SSLError, TimeoutError) as e:
        sock.close()
        raise ConnectFailed(board_errno(e), f"{type(e).__name__}: {e}") from e
    attach_stream(rt, link, reader, writer)


def attach_stream(
    rt: NetRuntime, link: Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    link.reader, link.writer = reader, writer
    sock = writer.get_extra_info("socket")
    local = writer.get_extra_info("sockname")
    peer = writer.get_extra_info("peername")
    link.local_ip, link.local_port = str(local[0]), int(local[1])
    link.remote = Remote(str(peer[0]), int(peer[1]))
    apply_tcpopt(sock, link.opt)
    link.task = rt.b.spawn(link.stream_loop())


async def open_udp(rt: NetRuntime, link: Link, ip: str, port: int, *, local_ip: str, local_port: int) -> None:
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(link), local_addr=(local_ip, local_port)
        )
    except OSError as e:
        raise ConnectFailed(board_errno(e), f"{type(e).__name__}: {e}") from e
    link.udp = transport
    local = transport.get_extra_info("sockname")
    link.local_ip, link.local_port = str(local[0]), int(local[1])
    link.remote = Remote(ip, port)
    link.task = rt.b.spawn(link.udp_loop())
