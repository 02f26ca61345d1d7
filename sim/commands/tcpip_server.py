"""The board as a TCP/SSL server (3.3.16, 3.3.17, 3.3.19): AT+CIPSERVER, AT+CIPSERVERMAXCONN, AT+CIPSTO.

The server listens on the board's own addresses (station and/or soft-AP, by ``<netif>``); an IPv6 server
("TCPv6", "SSLv6") also on ``::1`` (:func:`sim.commands.tcpip.listen_ips`). Each accepted
client takes the lowest free link ID and is announced ``<id>,CONNECT`` (or ``+LINK_CONN``); a client beyond
AT+CIPSERVERMAXCONN (or with no free link ID) is closed at once and ``Have <n> Connections`` is reported
(3.17). AT+CIPSTO closes server links idle for longer than its value.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.tcpip import Link, NetRuntime, attach_stream, listen_ips, net
from sim.commands.tcpip_link import SOCKET_RCVBUF
from sim.net import messages
from sim.net.passive import RECV_WINDOW

CIPSERVER = command("AT+CIPSERVER", section="3.3.16")
CIPSERVERMAXCONN = command("AT+CIPSERVERMAXCONN", section="3.3.17")
CIPSTO = command("AT+CIPSTO", section="3.3.19")

#: 3.3.16: the port when <param2> is omitted.
DEFAULT_PORT = 333
STO_CHECK_S = 0.25


class Server:
    def __init__(self, rt: NetRuntime, port: int, kind: str, ca_enable: int, netif: int) -> None:
        self.rt = rt
        self.port = port
        self.kind = kind
        self.ca_enable = ca_enable
        self.netif = netif
        self.aio: asyncio.base_events.Server | None = None

    async def start(self, ips: list[str], tls: ssl.SSLContext | None) -> None:
        self.aio = await asyncio.start_server(
            self._on_client, ips, self.port, ssl=tls, limit=RECV_WINDOW, reuse_address=True
        )
        for sock in self.aio.sockets:
            # accepted links inherit it (see tcpip_link.SOCKET_RCVBUF)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_RCVBUF)
        self.rt.b.spawn(self._idle_watch())

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        rt = self.rt
        board = rt.b
        clients = sum(1 for link in rt.links.values() if link.server)
        link_id = rt.free_link_id()
        if self.aio is None or clients >= rt.server_maxconn or link_id is None:
            board.log(f"tcpip: server: client {writer.get_extra_info('peername')} refused (limit reached)")
            writer.close()
            board.urc(f"Have {clients} Connections")
            return
        link = Link(rt, link_id, self.kind, server=True)
        rt.add_link(link)
        attach_stream(rt, link, reader, writer)
        if rt.passthrough is not None:
            rt.passthrough.adopt(link)
            if not board.at.passthrough_status:
                return
        rt.announce(link)

    async def _idle_watch(self) -> None:
        """3.3.19: a server link with no traffic for AT+CIPSTO seconds is closed."""
        rt = self.rt
        while rt.server is self or rt.server is None:  # a newer server's watcher takes over
            await asyncio.sleep(STO_CHECK_S)
            if rt.sto == 0:
                continue
            now = time.monotonic()
            for link in list(rt.links.values()):
                if link.server and not link.peer_closed and now - link.last_activity > rt.sto:
                    await rt.peer_gone(link, f"idle for more than AT+CIPSTO={rt.sto} s")

    def close(self) -> None:
        if self.aio is not None:
            self.aio.close()
            self.aio = None


def server_context(board: Board, ca_enable: int) -> ssl.SSLContext:
    """The board's TLS server identity from mfg_nvs (server_cert/server_key, server_ca when CA is on)."""
    from sim.commands.tcpip_ssl import load_pki

    cert, key = load_pki(board, "server_cert", 0), load_pki(board, "server_key", 0)
    if cert is None or key is None:
        raise ValueError("no server certificate/key in mfg_nvs (server_cert.0 / server_key.0)")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # as the firmware's mbedTLS (see tcpip_ssl)
    ctx.load_cert_chain(cert, key)
    if ca_enable:
        ca = load_pki(board, "server_ca", 0)
        if ca is None:
            raise ValueError("CA enabled but no server_ca.0 in mfg_nvs")
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(ca)
    return ctx


@CIPSERVER.query
async def cipserver_query(ctx: CommandContext) -> None:
    s = net(ctx.board).server
    if s is None:
        ctx.reply("+CIPSERVER:0")
    else:
        # <netif> only where the profile's release has it (issue 19)
        netif = f",{s.netif}" if ctx.board.profile.tcpip.server_netif else ""
        ctx.reply(f'+CIPSERVER:1,{s.port},"{s.kind}",{s.ca_enable}{netif}')


@CIPSERVER.set
async def cipserver_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    a = ctx.args
    a.count(1, 5 if ctx.board.profile.tcpip.server_netif else 4)
    mode = a.int(0, 0, 1)
    if mode == 0:
        a.count(1, 2)
        close_all = a.int(1, 0, 1, default=0)
        if rt.server is None:
            raise ctx.fail(errors.exec_fail(), "no server is running")
        rt.server.close()
        rt.server = None
        if close_all:
            for link in [x for x in rt.links.values() if x.server]:
                rt.close_link(link)
                ctx.reply(messages.closed_line(True, link.link_id))
        return
    port = a.int(1, 0, 65535, default=DEFAULT_PORT)
    kind = a.str(2, choices=("TCP", "TCPv6", "SSL", "SSLv6"), default="TCP")
    ca_enable = a.int(3, 0, 1, default=0)
    netif = a.int(4, 0, 3, default=0)
    if not rt.mux:
        raise ctx.fail(errors.exec_fail(), "a server needs AT+CIPMUX=1")
    if rt.server is not None:
        raise ctx.fail(errors.exec_fail(), "a server is already running (only one)")
    ips = listen_ips(ctx.board, kind, netif)  # an IPv6 type needs AT+CIPV6=1 and an IPv6 address
    if not ips:
        raise ctx.fail(errors.exec_fail(), f"no address on network interface {netif}")
    tls = None
    if kind.startswith("SSL"):
        try:
            tls = server_context(ctx.board, ca_enable)
        except (ValueError, ssl.SSLError) as e:
            raise ctx.fail(errors.exec_fail(), str(e)) from e
    server = Server(rt, port, kind, ca_enable, netif)
    try:
        await server.start(ips, tls)
    except OSError as e:
        with contextlib.suppress(Exception):
            server.close()
        from sim.commands.tcpip import report_errno
        from sim.net.errnos import board_errno

        report_errno(ctx, board_errno(e))
        raise ctx.fail(errors.exec_fail(), f"cannot listen on {ips}:{port}: {e}") from e
    rt.server = server


@CIPSERVERMAXCONN.query
async def cipservermaxconn_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPSERVERMAXCONN:{net(ctx.board).server_maxconn}")


@CIPSERVERMAXCONN.set
async def cipservermaxconn_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    rt = net(ctx.board)
    value = ctx.args.int(0, 1, 5)
    if rt.server is not None:
        raise ctx.fail(errors.exec_fail(), "set AT+CIPSERVERMAXCONN before creating the server")
    rt.server_maxconn = value


@CIPSTO.query
async def cipsto_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPSTO:{net(ctx.board).sto}")


@CIPSTO.set
async def cipsto_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    net(ctx.board).sto = ctx.args.int(0, 0, 7200)
