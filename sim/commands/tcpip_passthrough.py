"""Wi-Fi passthrough mode (3.3.8 execute form, 3.3.7 ``+++``, 3.3.33 AT+CIPRECONNINTV, 3.1.8 power-up).

``AT+CIPSEND`` with AT+CIPMODE=1 answers ``OK`` and ``>`` and hands every input byte to :class:`Passthrough`
through the engine's input hook. Input goes out in 2920-byte packets at once, a shorter rest after the
AT+TRANSINTVL silence (:class:`~sim.net.packets.Packetiser`). A ``+++`` alone, with more than 20 ms of silence
before and after it (:class:`~sim.net.plus.PlusDetector`), leaves the mode; the link stays up.

Decisions where the guide is silent (documented in sim/README.md):

- Input arriving within 0.9 s after ``+++`` (:data:`SETTLE_S` less a margin for host timer jitter) is
  dropped and logged: the guide asks the host to wait 1 s before the next command, so an earlier command
  gets no answer.
- A client link that breaks is reopened every AT+CIPRECONNINTV x 100 ms until ``+++``; input meanwhile is
  dropped. A server link that breaks frees the slot and the next client to connect takes over.
- While the socket is slower than the AT port, the UART stops being read (its receive buffer, then RTS flow
  control if enabled, hold the host back).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.board import Board, on_boot
from sim.commands.tcpip import Link, NetRuntime, is_v6, local_ip_for, net
from sim.commands.tcpip_send import CIPSEND
from sim.net import messages
from sim.net.messages import IPD_MAX
from sim.net.packets import Packetiser
from sim.net.plus import PlusDetector
from sim.net.resolve import resolve_host
from sim.output import Kind

#: 3.3.7: wait at least this long after ``+++`` before the next command.
SETTLE_S = 1.0
#: A host that waits exactly SETTLE_S must not lose its command to scheduling jitter.
SETTLE_MARGIN_S = 0.1
#: Socket send buffer above which the AT port stops being read.
SEND_HIGH_WATER = 64 * 1024


@dataclass
class Target:
    """Where a client passthrough link reconnects to."""

    kind: str
    host: str
    port: int
    local_port: int = 0


class Passthrough:
    def __init__(self, rt: NetRuntime, link: Link | None, target: Target | None) -> None:
        from sim.commands.basic import BasicRuntime

        self.rt = rt
        self.board: Board = rt.b
        self.link = link
        self.target = target
        interval = self.board.runtime(BasicRuntime).transintvl / 1000
        self.packets = Packetiser(IPD_MAX, interval)
        faults = self.board.faults
        self.detector = PlusDetector(
            time.monotonic(), guard=not (faults is not None and faults.ignores_guard_time)
        )
        self._timer: asyncio.TimerHandle | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._draining = False
        self.dropped = 0

    # --- lifetime ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.rt.passthrough = self
        self.board.engine.set_input_hook(self.on_input)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._reconnect is not None:
            self._reconnect.cancel()
        self.board.engine.clear_input_hook()
        if self.board.input_paused:
            self.board.resume_input()

    def leave(self) -> None:
        """``+++`` recognised: send what is buffered, go back to commands after the settle time."""
        for block in [self.packets.flush()] if self.packets.pending else []:
            self._send(block)
        self.stop()
        self.rt.passthrough = None
        self.board.log("tcpip: +++: passthrough mode left")
        if self.board.at.quitt_message:
            self.board.urc("+QUITT")
        engine = self.board.engine

        def settle_input(data: bytes) -> bytes:
            self.board.log(f"tcpip: {len(data)} bytes within {SETTLE_S} s after +++ dropped")
            return b""

        engine.set_input_hook(settle_input)
        # the window counts from the '+++' itself, with a margin for the host's timer resolution
        remaining = self.detector.plus_at + SETTLE_S - SETTLE_MARGIN_S - time.monotonic()
        self.board.call_later(max(remaining, 0.0), engine.clear_input_hook)

    # --- input from the AT port --------------------------------------------------------------------

    def on_input(self, data: bytes) -> bytes:
        now = time.monotonic()
        d = self.detector.feed(data, now)
        if d.data:
            for block in self.packets.feed(d.data, now):
                self._send(block)
        if d.exit:  # only without the guard time (fault ignore_guard_time): 3.3.7 decides in _tick
            self.leave()
            return b""
        self._arm(now)
        return b""

    def _arm(self, now: float) -> None:
        deadlines = [d for d in (self.detector.deadline, self.packets.deadline) if d is not None]
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if deadlines:
            self._timer = self.board.call_later(max(min(deadlines) - now, 0.0), self._tick)

    def _tick(self) -> None:
        self._timer = None
        now = time.monotonic()
        d = self.detector.poll(now)
        if d.data:
            for block in self.packets.feed(d.data, now):
                self._send(block)
        if d.exit:
            self.leave()
            return
        for block in self.packets.poll(now):
            self._send(block)
        self._arm(now)

    def _send(self, block: bytes) -> None:
        link = self.link
        if link is None or link.peer_closed or link.closed:
            self.dropped += len(block)
            self.board.log(f"tcpip: passthrough: no link, {len(block)} bytes dropped")
            return
        link.touch()
        if link.udp is not None:
            link.udp.sendto(block, (link.remote.ip, link.remote.port))
            return
        if link.writer is None:
            return
        link.writer.write(block)
        if link.write_buffered() > SEND_HIGH_WATER and not self._draining:
            self._draining = True
            self.board.input_paused = True
            self.board.spawn(self._drain(link))

    async def _drain(self, link: Link) -> None:
        try:
            if link.writer is not None:
                await link.writer.drain()
        except (OSError, RuntimeError):
            pass
        finally:
            self._draining = False
            self.board.resume_input()

    # --- the link ------------------------------------------------------------------------------------

    def adopt(self, link: Link) -> None:
        """A new server client takes over the passthrough (the server case)."""
        if self.link is None or self.link.peer_closed:
            self.link = link

    def link_lost(self, link: Link) -> None:
        rt = self.rt
        if rt.links.get(link.link_id) is link:
            del rt.links[link.link_id]
        link.abort()
        if self.board.at.passthrough_status:
            self.board.urc(messages.closed_line(bool(rt.mux), link.link_id))
        self.link = None
        if self.target is not None and self._reconnect is None:
            self._reconnect = self.board.spawn(self._reconnect_loop(link.link_id))

    async def _reconnect_loop(self, link_id: int) -> None:
        """3.3.33: retry every AT+CIPRECONNINTV x 100 ms until connected or ``+++``."""
        rt = self.rt
        assert self.target is not None
        try:
            while rt.passthrough is self:
                await asyncio.sleep(rt.reconnintv * 0.1)
                link = await open_target(rt, link_id, self.target)
                if link is not None:
                    self.link = link
                    if self.board.at.passthrough_status:
                        rt.announce(link)
                    return
        finally:
            self._reconnect = None


async def open_target(rt: NetRuntime, link_id: int, target: Target) -> Link | None:
    """One connection attempt to ``target`` as link ``link_id``; None when it failed (logged)."""
    from sim.commands.tcpip_conn import connect_link

    link = Link(rt, link_id, target.kind, server=False)
    try:
        ip = await resolve_host(rt.b, target.host, ipv6=is_v6(target.kind))
        local_ip = local_ip_for(rt.b, ip)
        rt.add_link(link)
        await connect_link(
            rt, link, target.host, ip, target.port, local_ip=local_ip, local_port=target.local_port
        )
    except Exception as e:  # noqa: BLE001 - any failure (no IP yet, refused, TLS) means "try again later"
        if rt.links.get(link_id) is link:
            del rt.links[link_id]
        link.abort()
        rt.b.log(f"tcpip: passthrough: connect to {target.host}:{target.port} failed: {e}")
        return None
    return link


@CIPSEND.execute
async def cipsend_execute(ctx: CommandContext) -> None:
    """3.3.8: enter passthrough mode (needs AT+CIPMODE=1 and the one link)."""
    rt = net(ctx.board)
    if rt.cipmode != 1:
        raise ctx.fail(errors.exec_fail(), "passthrough needs AT+CIPMODE=1")
    if rt.mux:
        server_links = [x for x in rt.links.values() if x.server]
        if rt.server is None or rt.server_maxconn != 1:
            raise ctx.fail(errors.exec_fail(), "passthrough with AT+CIPMUX=1 needs a 1-client server")
        link = server_links[0] if server_links else None
        target = None
    else:
        link = rt.links.get(0)
        if link is None or link.peer_closed:
            raise ctx.fail(errors.exec_fail(), "no connection for passthrough")
        if link.is_udp and link.udp_mode != 0:
            raise ctx.fail(errors.exec_fail(), "UDP passthrough needs <mode> 0 (AT+CIPSTART)")
        target = Target(link.kind, link.remote.ip, link.remote.port, link.local_port if link.is_udp else 0)
    pt = Passthrough(rt, link, target)
    ctx.ok()
    ctx.board.emit(b"\r\n>", Kind.PROMPT, command=ctx.name)
    pt.start()


# --- power-up passthrough (3.1.8 AT+SAVETRANSLINK) -------------------------------------------------------


@on_boot
def _subscribe(board: Board) -> None:
    board.events.on("savetranslink", lambda config: _boot_passthrough(board, config))


def _boot_passthrough(board: Board, config: object) -> None:
    mode = getattr(config, "mode", 0)
    if mode not in (1, 3):
        return  # mode 2 is Bluetooth LE's
    board.spawn(_start_saved(board, config))


async def _start_saved(board: Board, config: object) -> None:
    from sim.commands.tcpip import listen_ips
    from sim.commands.tcpip_server import Server, server_context

    rt = net(board)
    rt.cipmode = 1
    if getattr(config, "mode", 0) == 1:
        rt.mux = 0
        kind = str(getattr(config, "type", "TCP"))
        target = Target(
            kind,
            str(getattr(config, "remote_host", "")),
            int(getattr(config, "remote_port", 0)),
            int(getattr(config, "local_port", 0)),
        )
        if not kind.startswith("UDP"):
            rt.tcpopt[0].keep_alive = int(getattr(config, "keep_alive", 0))
        pt = Passthrough(rt, None, target)
        pt.start()
        while rt.passthrough is pt and pt.link is None:
            link = await open_target(rt, 0, target)
            if link is not None:
                pt.link = link
                if board.at.passthrough_status:
                    rt.announce(link)
                return
            await asyncio.sleep(rt.reconnintv * 0.1)
        return
    # mode 3: a one-client TCP/SSL server in passthrough
    rt.mux = 1
    rt.server_maxconn = 1
    kind = str(getattr(config, "type", "TCP"))
    ca_enable = int(getattr(config, "ca_enable", 0))
    netif = int(getattr(config, "netif", 0))
    port = int(getattr(config, "server_port", 333))
    pt = Passthrough(rt, None, None)
    pt.start()
    while rt.passthrough is pt and rt.server is None:
        try:
            ips = listen_ips(board, kind, netif)
        except AtError:
            ips = []  # no IPv6 address yet for a "TCPv6"/"SSLv6" server: wait as for no IP
        if ips:
            try:
                server = Server(rt, port, kind, ca_enable, netif)
                tls = server_context(board, ca_enable) if kind.startswith("SSL") else None
                await server.start(ips, tls)
                rt.server = server
                return
            except (OSError, ValueError) as e:
                board.log(f"tcpip: power-up server on port {port} failed: {e}")
        await asyncio.sleep(rt.reconnintv * 0.1)
