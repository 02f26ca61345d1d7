"""TCP/IP connections (3.3): AT+CIPSTART, AT+CIPSTARTEX, AT+CIPCLOSE, AT+CIPMUX, AT+CIPSTATE, AT+CIFSR,
AT+CIPMODE, AT+CIPDINFO, AT+CIPTCPOPT, AT+CIPCONNPERSIST, AT+CIPRECONNINTV."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import astuple

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.commands.tcpip import (
    LOOPBACK_V6,
    MAX_LINKS,
    ConnectFailed,
    Link,
    NetRuntime,
    TcpOpt,
    board_ips,
    board_ipv6_addresses,
    is_v6,
    local_ip_for,
    local_ipv6,
    net,
    open_stream,
    open_udp,
    report_errno,
    save,
)
from sim.commands.tcpip_ssl import TlsSetupError, client_context
from sim.net import messages
from sim.net.resolve import ResolveError, resolve_host

CIPSTATE = command("AT+CIPSTATE", section="3.3.3")
CIPSTART = command("AT+CIPSTART", section="3.3.5")
CIPSTARTEX = command("AT+CIPSTARTEX", section="3.3.6")
CIPCLOSE = command("AT+CIPCLOSE", section="3.3.12")
CIPCONNPERSIST = command("AT+CIPCONNPERSIST", section="3.3.13")
CIFSR = command("AT+CIFSR", section="3.3.14")
CIPMUX = command("AT+CIPMUX", section="3.3.15")
CIPMODE = command("AT+CIPMODE", section="3.3.18")
CIPDINFO = command("AT+CIPDINFO", section="3.3.25")
CIPRECONNINTV = command("AT+CIPRECONNINTV", section="3.3.33")
CIPTCPOPT = command("AT+CIPTCPOPT", section="3.3.40")

TYPES = ("TCP", "TCPv6", "UDP", "UDPv6", "SSL", "SSLv6")
#: 3.3.4: <timeout> in ms, 0 = the stack's own; the stack's own TCP connect limit and the TLS handshake limit.
DEFAULT_CONNECT_S = 20.0
DEFAULT_HANDSHAKE_S = 10.0


# --- AT+CIPSTART / AT+CIPSTARTEX ----------------------------------------------------------------------


async def start_link(ctx: CommandContext, link_id: int, base: int) -> None:
    """Parse ``<"type">,<"remote host">,<remote port>[,...]`` from parameter ``base`` and connect link_id."""
    rt = net(ctx.board)
    a = ctx.args
    kind = a.str(base, choices=TYPES)
    host = a.str(base + 1, max_len=64, min_len=1)
    port = a.int(base + 2, 0, 65535)
    udp = kind.startswith("UDP")
    a.count(base + 3, base + (7 if udp else 6))
    if udp:
        if a.omitted(base + 3) and not a.omitted(base + 4):
            # 3.3.5 UDP note: "To use the parameter <mode>, parameter <local port> must be set first."
            raise AtError(errors.para_invalid(base + 3), "<mode> needs <local port>")
        local_port = a.int(base + 3, 0, 65535, default=0)
        udp_mode = a.int(base + 4, 0, 2, default=0)
        local_ip_arg = a.str(base + 5, default="")
        timeout_ms = a.int(base + 6, 0, 60000, default=0)
        keep_alive = None
    else:
        keep_alive = None if a.omitted(base + 3) else a.int(base + 3, 0, 7200)
        local_ip_arg = a.str(base + 4, default="")
        timeout_ms = a.int(base + 5, 0, 60000, default=0)
        local_port, udp_mode = 0, 0
    v6 = is_v6(kind)
    if v6:
        local_ipv6(ctx.board)  # 3.3.5: IPv6 on (AT+CIPV6=1) and an IPv6 address, else ERROR
    if link_id in rt.links:
        ctx.reply("ALREADY CONNECTED")
        raise ctx.fail(errors.exec_fail(), f"link {link_id} is in use")
    if rt.mux == 0 and rt.server is not None:
        raise ctx.fail(errors.exec_fail(), "a server runs: single connection is not possible")
    try:
        ip = await resolve_host(ctx.board, host, ipv6=v6)
    except ResolveError as e:
        raise ctx.fail(errors.exec_fail(), str(e)) from e
    if not v6 and ":" in ip:
        raise ctx.fail(errors.exec_fail(), f"{ip} is an IPv6 address: use the {kind}v6 type")
    local_ip = local_ip_for(ctx.board, ip) if v6 or not local_ip_arg else local_ip_arg
    own = board_ipv6_addresses(ctx.board) + [LOOPBACK_V6] if v6 else board_ips(ctx.board)
    if local_ip_arg and not _same_address(local_ip_arg, own):
        raise ctx.fail(errors.exec_fail(), f"{local_ip_arg} is not an address of this board")
    if keep_alive is not None:
        rt.tcpopt[link_id].keep_alive = keep_alive  # 3.3.4: shared with AT+CIPTCPOPT, last one wins
    link = Link(rt, link_id, kind, server=False)
    link.udp_mode = udp_mode
    rt.add_link(link)  # reserved while connecting
    timeout_s = timeout_ms / 1000 if timeout_ms else None
    try:
        await connect_link(
            rt, link, host, ip, port, local_ip=local_ip, local_port=local_port, timeout_s=timeout_s
        )
    except ConnectFailed as e:
        if rt.links.get(link_id) is link:
            del rt.links[link_id]
        link.abort()
        ctx.board.log(f"tcpip: link {link_id}: connect to {ip}:{port} failed: {e}")
        report_errno(ctx, e.errno)
        ctx.error(errors.exec_fail())
        # 3.17: a connection that could not be made also ends with [<id>,]CLOSED (as boards print it)
        ctx.board.urc(messages.closed_line(bool(rt.mux), link_id))
        return
    except (AtError, TlsSetupError, ssl.SSLError) as e:
        rt.links.pop(link_id, None)
        if isinstance(e, AtError):
            raise
        raise ctx.fail(errors.exec_fail(), f"SSL client configuration: {e}") from e
    rt.announce(link, response=ctx)


async def connect_link(
    rt: NetRuntime,
    link: Link,
    host: str,
    ip: str,
    port: int,
    *,
    local_ip: str,
    local_port: int = 0,
    timeout_s: float | None = None,
) -> None:
    """Open the socket of a client link (TCP, UDP or SSL); raises ConnectFailed or TlsSetupError."""
    if link.is_udp:
        await open_udp(rt, link, ip, port, local_ip=local_ip, local_port=local_port)
    elif link.is_ssl:
        tls, server_hostname = client_context(rt.b, rt.ssl[link.link_id], host)
        await open_stream(
            rt,
            link,
            ip,
            port,
            local_ip=local_ip,
            timeout_s=timeout_s or DEFAULT_HANDSHAKE_S,
            tls=tls,
            server_hostname=server_hostname,
        )
    else:
        await open_stream(rt, link, ip, port, local_ip=local_ip, timeout_s=timeout_s or DEFAULT_CONNECT_S)


def _same_address(given: str, own: list[str]) -> bool:
    """``<"local IP">`` names one of ``own`` (IPv6 addresses may be spelt in any case or expansion)."""
    try:
        wanted = ipaddress.ip_address(given)
    except ValueError:
        return False
    return any(ipaddress.ip_address(x) == wanted for x in own)


def _link_id_for_start(ctx: CommandContext, rt: NetRuntime) -> tuple[int, int]:
    if rt.mux:
        return ctx.args.int(0, 0, MAX_LINKS - 1), 1
    return 0, 0


@CIPSTART.set
async def cipstart_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    link_id, base = _link_id_for_start(ctx, rt)
    await start_link(ctx, link_id, base)


@CIPSTARTEX.set
async def cipstartex_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    if rt.mux:
        link_id = rt.free_link_id()
        if link_id is None:
            raise ctx.fail(errors.exec_fail(), "no free link ID")
    else:
        link_id = 0
    await start_link(ctx, link_id, 0)


# --- AT+CIPCLOSE -------------------------------------------------------------------------------------


@CIPCLOSE.set
async def cipclose_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    ctx.args.count(1)
    link_id = ctx.args.int(0, 0, MAX_LINKS)
    if not rt.mux:
        raise ctx.fail(errors.exec_fail(), "AT+CIPCLOSE=<link ID> needs AT+CIPMUX=1")
    targets = list(rt.links.values()) if link_id == MAX_LINKS else [rt.links.get(link_id)]
    if link_id != MAX_LINKS and targets[0] is None:
        raise ctx.fail(errors.exec_fail(), f"link {link_id} is not connected")
    for link in targets:
        if link is not None:
            rt.close_link(link)
            ctx.reply(messages.closed_line(True, link.link_id))


@CIPCLOSE.execute
async def cipclose_execute(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    # single connection; with AT+CIPMUX=1 the server passthrough case (one client) is closed the same way
    if rt.mux and len(rt.links) != 1:
        raise ctx.fail(errors.exec_fail(), "AT+CIPCLOSE without a link ID needs a single connection")
    link = rt.links.get(0) if not rt.mux else next(iter(rt.links.values()), None)
    if link is None:
        raise ctx.fail(errors.exec_fail(), "no connection")
    rt.close_link(link)
    ctx.reply(messages.closed_line(bool(rt.mux), link.link_id))


# --- AT+CIPMUX, AT+CIPMODE, AT+CIPDINFO --------------------------------------------------------------


@CIPMUX.query
async def cipmux_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPMUX:{net(ctx.board).mux}")


@CIPMUX.set
async def cipmux_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    ctx.args.count(1)
    mode = ctx.args.int(0, 0, 1)
    if mode == rt.mux:
        return
    if rt.links:
        raise ctx.fail(errors.exec_fail(), "connections exist: close them before changing AT+CIPMUX")
    if mode == 1 and rt.cipmode == 1:
        raise ctx.fail(errors.exec_fail(), "multiple connections need AT+CIPMODE=0")
    if mode == 0 and rt.server is not None:
        raise ctx.fail(errors.exec_fail(), "delete the server (AT+CIPSERVER=0) first")
    rt.mux = mode


@CIPMODE.query
async def cipmode_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPMODE:{net(ctx.board).cipmode}")


@CIPMODE.set
async def cipmode_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    ctx.args.count(1)
    mode = ctx.args.int(0, 0, 1)
    if mode == 1 and rt.mux and rt.server_maxconn != 1:
        # 4.2 (server passthrough): multiple connections only with a one-client server
        raise ctx.fail(errors.exec_fail(), "passthrough needs AT+CIPMUX=0 or a server limited to 1 client")
    if mode == 1 and getattr(ctx.board, "_bt_radio", None) is not None:
        # 3.5.2 note: "If Classic Bluetooth is initialized, AT+CIPMODE cannot be set to 1"
        raise ctx.fail(errors.exec_fail(), "Classic Bluetooth is initialized (AT+BTINIT=0 first)")
    rt.cipmode = mode


@CIPDINFO.query
async def cipdinfo_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPDINFO:{'true' if net(ctx.board).dinfo else 'false'}")
    ctx.ok_after_line()


@CIPDINFO.set
async def cipdinfo_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    net(ctx.board).dinfo = bool(ctx.args.int(0, 0, 1))


# --- AT+CIPSTATE, AT+CIFSR --------------------------------------------------------------------------


@CIPSTATE.query
async def cipstate_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    for link_id in sorted(rt.links):
        link = rt.links[link_id]
        if link.local_port == 0:
            continue  # still connecting
        ctx.reply(messages.cipstate_line(link_id, link.kind, link.remote, link.local_port, link.server))


@CIFSR.execute
async def cifsr_execute(ctx: CommandContext) -> None:
    from sim.commands.wifi_runtime import wifi_model

    model = wifi_model(ctx.board)
    mode = ctx.board.wifi_mode
    if mode in (2, 3):
        ip = model.ap_ipv4.ip if model.ap_running else "0.0.0.0"
        ctx.reply(f'+CIFSR:APIP,"{ip}"')
        ctx.reply(f'+CIFSR:APMAC,"{model.ap_mac}"')
    if mode in (1, 3):
        ip = model.sta_ipv4.ip if model.sta_has_ip else "0.0.0.0"
        ctx.reply(f'+CIFSR:STAIP,"{ip}"')
        ctx.reply(f'+CIFSR:STAMAC,"{model.sta_mac}"')


# --- AT+CIPTCPOPT, AT+CIPCONNPERSIST, AT+CIPRECONNINTV ------------------------------------------------


@CIPTCPOPT.query
async def ciptcpopt_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    keep_alive = ctx.board.profile.tcpip.tcpopt_keep_alive  # a release without <keep_alive> (issue 19)
    for i, o in enumerate(rt.tcpopt):
        tail = f",{o.keep_alive}" if keep_alive else ""
        ctx.reply(f"+CIPTCPOPT:{i},{o.so_linger},{o.tcp_nodelay},{o.so_sndtimeo}{tail}")


@CIPTCPOPT.set
async def ciptcpopt_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    a = ctx.args
    base = 1 if rt.mux else 0
    keep_alive = ctx.board.profile.tcpip.tcpopt_keep_alive
    a.count(base + 1, base + (4 if keep_alive else 3))
    link_id = a.int(0, 0, MAX_LINKS) if rt.mux else 0
    targets = range(MAX_LINKS) if link_id == MAX_LINKS else [link_id]
    for i in targets:
        o = rt.tcpopt[i]
        o.so_linger = a.int(base, -1, 2**31 - 1, default=o.so_linger)
        o.tcp_nodelay = a.int(base + 1, 0, 1, default=o.tcp_nodelay)
        o.so_sndtimeo = a.int(base + 2, 0, 2**31 - 1, default=o.so_sndtimeo)
        if keep_alive:
            o.keep_alive = a.int(base + 3, 0, 7200, default=o.keep_alive)
        link = rt.links.get(i)
        if link is not None and link.writer is not None:
            from sim.commands.tcpip import apply_tcpopt

            apply_tcpopt(link.writer.get_extra_info("socket"), o)
    save(ctx.board, "tcpopt", [list(astuple(o)) for o in rt.tcpopt])


@CIPCONNPERSIST.query
async def cipconnpersist_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    ctx.reply("+CIPCONNPERSIST:" + ",".join(str(v) for v in rt.connpersist))


@CIPCONNPERSIST.set
async def cipconnpersist_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    if rt.mux:
        ctx.args.count(2)
        link_id = ctx.args.int(0, 0, MAX_LINKS)
        value = ctx.args.int(1, 0, 1)
    else:
        ctx.args.count(1)
        link_id, value = 0, ctx.args.int(0, 0, 1)
    for i in range(MAX_LINKS) if link_id == MAX_LINKS else [link_id]:
        rt.connpersist[i] = value


@CIPRECONNINTV.query
async def cipreconnintv_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPRECONNINTV:{net(ctx.board).reconnintv}")


@CIPRECONNINTV.set
async def cipreconnintv_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    rt = net(ctx.board)
    rt.reconnintv = ctx.args.int(0, 1, 36000)
    save(ctx.board, "reconnintv", rt.reconnintv)


__all__ = ["TcpOpt", "start_link"]
