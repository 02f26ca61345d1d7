"""TCP/IP (3.3): the per-boot network runtime shared by the tcpip_* command modules.

The link table (link IDs 0..4) holds :class:`~sim.commands.tcpip_link.Link` objects: real asyncio TCP, UDP or
TLS sockets bound to the board's own loopback address (its station or soft-AP IP from the Wi-Fi model), so
peers see the board's address. Received data goes to the AT port as ``+IPD`` (active mode), into the
passive window (passive mode) or raw (passthrough), always paced by the UART: a link stops reading its
socket while the AT port's output queue is long, so a fast peer is held back by TCP instead of losing data.

Ordering rule (3.3.8, 3.17): while a send command runs (from its ``>`` to ``SEND OK``), reports of received
data and ``CLOSED`` wait, so ``SEND OK`` always comes before the ``+IPD`` of an echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from typing import TYPE_CHECKING, Any

from sim.at import errors
from sim.at.errors import AtError
from sim.board import Board, on_boot
from sim.commands.tcpip_link import (
    ConnectFailed,
    Link,
    SslConf,
    TcpOpt,
    apply_tcpopt,
    attach_stream,
    open_stream,
    open_udp,
)
from sim.flash import SavePolicy
from sim.net import messages
from sim.net.messages import IPD_MAX, Remote
from sim.output import Kind

if TYPE_CHECKING:
    from sim.at.context import CommandContext

MAX_LINKS = 5
#: AT port output (bytes queued for the UART) above which links stop reading their sockets.
OUTPUT_HIGH_WATER = 4096
NAMESPACE = "tcpip"


class NetRuntime:
    """Per-boot state of the TCP/IP group (``board.runtime(NetRuntime)``); :func:`net` wires the board."""

    def __init__(self) -> None:
        self.board: Board | None = None
        self.links: dict[int, Link] = {}
        #: set when a link is added (:meth:`add_link`): the interface watch sleeps while there is none
        self.link_added = asyncio.Event()
        self.mux = 0
        self.cipmode = 0
        self.dinfo = False
        self.recv_mode = [0] * MAX_LINKS
        self.tcpopt = [TcpOpt() for _ in range(MAX_LINKS)]
        self.ssl = [SslConf() for _ in range(MAX_LINKS)]
        self.connpersist = [0] * MAX_LINKS
        self.server_maxconn = MAX_LINKS
        self.sto = 180
        self.reconnintv = 1
        self.sendl_report = 1024
        self.sendl_transmit = 2920
        self.server: Any = None  # tcpip_server.Server while AT+CIPSERVER=1
        self.passthrough: Any = None  # tcpip_passthrough.Passthrough while in passthrough mode
        self._sending = 0
        self.send_idle = asyncio.Event()
        self.send_idle.set()

    # --- helpers ---------------------------------------------------------------------------------

    @property
    def b(self) -> Board:
        assert self.board is not None
        return self.board

    def in_passthrough(self, link: Link) -> bool:
        """AT+CIPMODE=1: received data goes to the AT port unframed, in passthrough mode and in the
        passthrough receiving mode around it (glossary)."""
        return self.cipmode == 1

    def add_link(self, link: Link) -> None:
        """``link`` takes its link ID (connecting, connected or accepted)."""
        self.links[link.link_id] = link
        self.link_added.set()

    def free_link_id(self) -> int | None:
        for i in range(MAX_LINKS):
            if i not in self.links:
                return i
        return None

    def begin_send(self) -> None:
        self._sending += 1
        self.send_idle.clear()

    def end_send(self) -> None:
        self._sending = max(self._sending - 1, 0)
        if self._sending == 0:
            self.send_idle.set()

    async def ready_to_report(self) -> None:
        """Wait until no send command runs and the AT port has room; both hold when this returns."""
        while True:
            await self.send_idle.wait()
            await self.pace()
            if self.send_idle.is_set():
                return

    async def pace(self) -> None:
        """Wait while the AT port has more than :data:`OUTPUT_HIGH_WATER` bytes queued."""
        board = self.b
        while board.output_backlog() > OUTPUT_HIGH_WATER:
            await asyncio.sleep(0.002)

    # --- received data ---------------------------------------------------------------------------

    async def deliver(self, link: Link, data: bytes, remote: Remote, *, datagram: bool) -> None:
        board = self.b
        if self.in_passthrough(link):
            await self.pace()
            board.emit(data, Kind.PASSTHROUGH)
            return
        mux = bool(self.mux)
        if link.is_passive:
            dropped = link.passive.dropped
            if link.passive.add(data, remote, datagram=datagram) == "notify":
                await self.ready_to_report()
                if link.passive.data:  # the host may have read it all meanwhile
                    board.emit(messages.ipd_notice(mux, link.link_id, len(link.passive.data)), Kind.URC)
                else:
                    link.passive.notified = False
            elif link.passive.dropped != dropped:
                board.log(f"tcpip: link {link.link_id}: passive window full, {len(data)} UDP bytes dropped")
            return
        for i in range(0, len(data), IPD_MAX):
            await self.ready_to_report()
            shown = remote if self.dinfo else None
            board.emit(messages.ipd_data(mux, link.link_id, data[i : i + IPD_MAX], shown), Kind.URC)

    # --- closing ---------------------------------------------------------------------------------

    async def peer_gone(self, link: Link, reason: str) -> None:
        """The peer closed or reset the connection (or the server timed it out)."""
        if link.closed or link.peer_closed:
            return  # closed by the host meanwhile, or already being handled
        link.peer_closed = True
        self.b.log(f"tcpip: link {link.link_id}: {reason}")
        if self.passthrough is not None and self.passthrough.link is link:
            self.passthrough.link_lost(link)
            return
        await self.ready_to_report()
        if link.closed:
            return  # AT+CIPCLOSE came first and printed CLOSED
        if link.is_passive and link.passive.data:
            # the rest stays readable (AT+CIPRECVDATA); when CLOSED is printed is a profile switch
            if self.b.profile.tcpip.closed_with_passive_data == "immediately":
                link.closed_reported = True
                self.b.urc(messages.closed_line(bool(self.mux), link.link_id))
            return
        self.report_closed(link)

    def renotify(self, link: Link) -> None:
        """Announce data still buffered after a partial AT+CIPRECVDATA (``+IPD,[<id>,]<remaining>``)."""
        if link.passive.data and not link.passive.notified and self.links.get(link.link_id) is link:
            link.passive.notified = True
            self.b.emit(messages.ipd_notice(bool(self.mux), link.link_id, len(link.passive.data)), Kind.URC)

    def drained(self, link: Link) -> None:
        """The host read the last passive byte of a link whose peer had gone: the link ends now."""
        if not (link.peer_closed and not link.passive.data):
            return
        if link.closed_reported:
            if self.links.get(link.link_id) is link:
                del self.links[link.link_id]
            link.abort()
        else:
            self.report_closed(link)

    def report_closed(self, link: Link) -> None:
        if self.links.get(link.link_id) is link:
            del self.links[link.link_id]
        link.abort()
        if self.passthrough is None or self.b.at.passthrough_status:
            self.b.urc(messages.closed_line(bool(self.mux), link.link_id))

    def close_link(self, link: Link) -> None:
        """AT+CIPCLOSE: forget the link and close its socket (the caller prints CLOSED)."""
        if self.links.get(link.link_id) is link:
            del self.links[link.link_id]
        link.abort()

    def announce(self, link: Link, *, response: CommandContext | None = None) -> None:
        """``[<id>,]CONNECT`` or ``+LINK_CONN:...`` (AT+SYSMSG bit 1)."""
        board = self.b
        if board.at.link_conn_detail:
            text = messages.link_conn_line(
                failed=False,
                link_id=link.link_id,
                kind=link.kind,
                server=link.server,
                remote=link.remote,
                local_port=link.local_port,
            )
        else:
            text = messages.connect_line(bool(self.mux), link.link_id)
        if response is not None:
            response.reply(text)
        else:
            board.urc(text)

    def close_all(self) -> None:
        for link in list(self.links.values()):
            link.abort()
        self.links.clear()

    def shutdown(self) -> None:
        """The board restarted: every socket of this boot is closed, silently."""
        self.close_all()
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.passthrough is not None:
            self.passthrough.stop()
            self.passthrough = None


#: The runtime of each board's running boot, so the next boot can close the sockets the last one left open.
_LIVE: dict[int, NetRuntime] = {}


def net(board: Board) -> NetRuntime:
    rt = board.runtime(NetRuntime)
    if rt.board is None:
        rt.board = board
        old = _LIVE.get(id(board))
        if old is not None and old is not rt:
            old.shutdown()
        _LIVE[id(board)] = rt
    return rt


# --- addresses -----------------------------------------------------------------------------------------


#: The host address every IPv6 socket of the board binds to. The Wi-Fi model's IPv6 addresses (link-local
#: fe80::/64, global from the AP's prefix) are not configured on the host, so they cannot be bound; ::1 is the
#: one IPv6 address loopback always has. AT+CIPSTA? keeps reporting the model's addresses (sim/README.md).
LOOPBACK_V6 = "::1"


def is_v6(kind: str) -> bool:
    """The IPv6 link and server types of 3.3 ("TCPv6", "UDPv6", "SSLv6")."""
    return kind.endswith("v6")


def board_ipv6_addresses(board: Board, netif: int = 0) -> list[str]:
    """The model's IPv6 addresses (station link-local/global, soft-AP link-local), by <netif> as board_ips.

    Empty while AT+CIPV6=0: the board only takes IPv6 addresses with IPv6 on (3.3.1 AT+CIPV6)."""
    from sim.commands.wifi_runtime import wifi_model
    from sim.wifi.addr import link_local_ipv6

    model = wifi_model(board)
    if not model.ipv6_enabled():
        return []
    ips = []
    if netif in (0, 1) and model.sta_has_ip:
        ips += [str(a) for a in (model.sta_ip6ll, model.sta_ip6gl) if a is not None]
    if netif in (0, 2) and model.ap_running:
        ips.append(str(link_local_ipv6(model.settings.ap_mac)))
    return ips


def local_ipv6(board: Board, netif: int = 0) -> str:
    """The address an IPv6 socket of the board binds to (:data:`LOOPBACK_V6`).

    Raises AtError while IPv6 is off or no interface has an IPv6 address (3.3.5: AT+CIPV6=1, then
    AT+CWJAP)."""
    from sim.commands.wifi_runtime import wifi_model

    if not wifi_model(board).ipv6_enabled():
        raise AtError(errors.exec_fail(), "IPv6 links and servers need AT+CIPV6=1")
    if not board_ipv6_addresses(board, netif):
        why = "no IPv6 address (set AT+CIPV6=1 before joining the AP or starting the soft-AP)"
        raise AtError(errors.exec_fail(), why)
    return LOOPBACK_V6


def local_ip_for(board: Board, remote_ip: str | None = None) -> str:
    """The board address a socket binds to: the soft-AP's for peers in its subnet, else the station's;
    :data:`LOOPBACK_V6` for an IPv6 peer.

    Raises AtError when neither interface has an address (3.3.x: a connection needs Wi-Fi)."""
    from sim.commands.wifi_runtime import wifi_model

    if remote_ip is not None and ":" in remote_ip:
        return local_ipv6(board)
    model = wifi_model(board)
    ap = model.ap_ipv4
    if model.ap_running and remote_ip is not None:
        with contextlib.suppress(ValueError):
            net_ = ipaddress.ip_network(f"{ap.ip}/{ap.netmask}", strict=False)
            if ipaddress.ip_address(remote_ip) in net_:
                return str(ap.ip)
    if model.sta_has_ip:
        return str(model.sta_ipv4.ip)
    from sim.commands.eth import eth_ipv4

    eth = eth_ipv4(board)
    if eth is not None:
        return str(eth.ip)
    if model.ap_running:
        return str(ap.ip)
    raise AtError(errors.exec_fail(), "no interface has an IP address (join an AP or start the soft-AP)")


def board_ips(board: Board, netif: int = 0) -> list[str]:
    """IPv4 addresses a server listens on: 0 all interfaces, 1 station, 2 soft-AP, 3 Ethernet (3.3
    AT+CIPSERVER)."""
    from sim.commands.wifi_runtime import wifi_model

    model = wifi_model(board)
    ips = []
    if netif in (0, 1) and model.sta_has_ip:
        ips.append(str(model.sta_ipv4.ip))
    if netif in (0, 2) and model.ap_running:
        ips.append(str(model.ap_ipv4.ip))
    from sim.commands.eth import eth_ipv4

    eth = eth_ipv4(board)
    if netif in (0, 3) and eth is not None and str(eth.ip) not in ips:
        ips.append(str(eth.ip))
    return ips


def listen_ips(board: Board, kind: str, netif: int = 0) -> list[str]:
    """What a server of ``kind`` listens on. An IPv6 server is dual-stack, as lwIP's socket bound to the
    IPv6 any-address: the IPv4 addresses and :data:`LOOPBACK_V6`. Raises AtError as :func:`local_ipv6`."""
    ips = board_ips(board, netif)
    if is_v6(kind):
        ips.append(local_ipv6(board, netif))
    return ips


def report_errno(ctx: CommandContext, errno: int) -> None:
    """``+ERRNO:<n>`` (3.17) before ERROR, when AT+SYSLOG=1 asks for detailed errors."""
    if ctx.board.at.syslog:
        ctx.reply(f"+ERRNO:{errno}")


# --- persistence ---------------------------------------------------------------------------------------


def save(board: Board, key: str, value: Any) -> None:
    board.save(NAMESPACE, key, value, SavePolicy.SYSSTORE)


#: How often links are checked against their interface's state (AT+CIPCONNPERSIST).
NETIF_CHECK_S = 0.2


async def _netif_watch(rt: NetRuntime) -> None:
    """3.3.13: when an interface loses its address, its TCP/SSL links are closed unless persistent. With no
    link there is nothing to close: the watch waits for one instead of waking every NETIF_CHECK_S (an idle
    board should not wake at all, issue 23)."""
    from sim.commands.eth import eth_link
    from sim.commands.wifi_runtime import wifi_model

    board = rt.b
    while True:
        if not rt.links:
            rt.link_added.clear()
            await rt.link_added.wait()
        await asyncio.sleep(NETIF_CHECK_S)
        model = wifi_model(board)
        ap_ip = str(model.ap_ipv4.ip)
        eth = eth_link(board)
        eth_ip = None if eth is None else (str(eth.ipv4.ip) if eth.ipv4.is_set else eth.last_ip)
        eth_up = eth is not None and eth.has_ip
        for link in list(rt.links.values()):
            if link.is_udp or link.peer_closed or link.local_port == 0 or rt.connpersist[link.link_id]:
                continue
            on_ap = link.local_ip == ap_ip
            on_eth = eth_ip is not None and link.local_ip == eth_ip
            if on_eth:
                if not eth_up:
                    await rt.peer_gone(link, "its network interface went down")
                continue
            if (on_ap and not model.ap_running) or (not on_ap and not model.sta_has_ip):
                await rt.peer_gone(link, "its network interface went down")


@on_boot
def _load(board: Board) -> None:
    rt = net(board)

    def start_watch(**_: Any) -> None:
        board.spawn(_netif_watch(rt))

    board.events.on("ready", start_watch)
    ns = board.nvs.namespace(NAMESPACE)
    rt.reconnintv = int(ns.get("reconnintv", 1))
    saved_opt = ns.get("tcpopt")
    if isinstance(saved_opt, list) and len(saved_opt) == MAX_LINKS:
        rt.tcpopt = [TcpOpt(*o) for o in saved_opt]
    saved_ssl = ns.get("sslcconf")
    if isinstance(saved_ssl, list) and len(saved_ssl) == MAX_LINKS:
        for conf, (mode, pki, ca) in zip(rt.ssl, saved_ssl, strict=True):
            conf.auth_mode, conf.pki_number, conf.ca_number = mode, pki, ca


__all__ = [
    "MAX_LINKS",
    "ConnectFailed",
    "Link",
    "NetRuntime",
    "SslConf",
    "TcpOpt",
    "apply_tcpopt",
    "attach_stream",
    "board_ips",
    "local_ip_for",
    "net",
    "open_stream",
    "open_udp",
    "report_errno",
    "save",
]
