"""3.3.39 AT+MDNS: start/stop the board's mDNS service (mode 1/0) and query services on the LAN (mode 2).

Real mDNS on the simulator's LAN (the loopback interface, python-zeroconf, :mod:`sim.net.mdns`): the
service of AT+MDNS=1 is announced from the station's address (the soft-AP's when only it is up) and can be
browsed by any mDNS client on this host; mode 2 sends real queries. Where the host forbids multicast on
loopback, the board keeps the service without packets and answers queries from its own service only.

A query that finds nothing within ``<timeout>`` ends with OK and no ``+MDNS`` report. Result layout
(3.3.39): ``+MDNS:<data_len>,`` CR LF, then ``<data_len>`` bytes of ``KEY=value`` lines each ending in
CR LF (IF, IP, PTR, SRV, TXT, A, AAAA), then OK.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sim.at.args import Args
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.wifi_runtime import wifi_model
from sim.net import mdns
from sim.net.mdns import Found

MDNS = command("AT+MDNS", section="3.3.39")

TXT_MIN, TXT_MAX = 1, 20
#: 3.3.39 mode 2: names longer than this are cut, not refused.
QUERY_NAME_MAX = 64
QUERY_TIMEOUT_MS = (1000, 180000, 5000)
MAX_RESULTS = (1, 255, 1)
NAME_MAX = 64
PTR, TXT, SRV, TXT_SRV, A, AAAA, A_AAAA = range(7)
NETIF_STA, NETIF_AP = 1, 2


@dataclass(frozen=True)
class MdnsService:
    """What AT+MDNS=1 announces."""

    hostname: str
    service_type: str
    port: int
    instance: str
    proto: str = "_tcp"
    txt: tuple[tuple[str, str], ...] = ()


@dataclass
class MdnsRuntime:
    service: MdnsService | None = None
    task: asyncio.Task[None] | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)


def _cut(name: str) -> str:
    return name.encode("utf-8")[:QUERY_NAME_MAX].decode("utf-8", errors="ignore")


def parse_start(args: Args) -> MdnsService:
    """AT+MDNS=1,<"hostname">,<"service_type">,<port>[,<"instance">][,<"proto">][,<txt_number>][,<k>,<v>...]."""
    n = len(args)
    if n < 4:
        args.count(4, 4 + 3 + 2 * TXT_MAX)
    hostname = args.str(1, min_len=1, max_len=NAME_MAX)
    service_type = args.str(2, min_len=1, max_len=NAME_MAX)
    port = args.int(3, 0, 65535)
    instance = args.str(4, max_len=NAME_MAX, default="") or hostname
    proto = args.str(5, max_len=NAME_MAX, default="") or "_tcp"
    txt: list[tuple[str, str]] = []
    if n > 6 and not args.omitted(6):
        count = args.int(6, TXT_MIN, TXT_MAX)
        args.count(7 + 2 * count)
        for k in range(count):
            txt.append((args.str(7 + 2 * k, min_len=1), args.str(8 + 2 * k)))
    else:
        args.count(4, 7)
    return MdnsService(hostname, service_type, port, instance, proto, tuple(txt))


@dataclass(frozen=True)
class MdnsQuery:
    kind: int
    names: tuple[str, ...]  # (service, proto) | (instance, service, proto) | (hostname,)
    timeout_ms: int
    max_results: int


def parse_query(args: Args) -> MdnsQuery:
    """The three layouts of mode 2, chosen by ``<type>``."""
    if len(args) < 3:
        args.count(3, 7)
    kind = args.int(1, 0, 6)
    names_count = 2 if kind == PTR else 3 if kind in (TXT, SRV, TXT_SRV) else 1
    first_opt = 2 + names_count
    args.count(first_opt, first_opt + 2)
    names = tuple(_cut(args.str(2 + i, min_len=1)) for i in range(names_count))
    timeout_ms = args.int(first_opt, QUERY_TIMEOUT_MS[0], QUERY_TIMEOUT_MS[1], default=QUERY_TIMEOUT_MS[2])
    max_results = args.int(first_opt + 1, MAX_RESULTS[0], MAX_RESULTS[1], default=MAX_RESULTS[2])
    return MdnsQuery(kind, names, timeout_ms, max_results)


def _matches(q: MdnsQuery, s: MdnsService) -> bool:
    if q.kind == PTR:
        return (q.names[0], q.names[1]) == (s.service_type, s.proto)
    if q.kind in (TXT, SRV, TXT_SRV):
        return q.names == (s.instance, s.service_type, s.proto)
    return q.names[0] in (s.hostname, f"{s.hostname}.local")


def result_lines(kind: int, found: Found, netif: int) -> list[str]:
    """The KEY=value lines of one result, in 3.3.39's order, for a query of type ``kind``."""
    lines = [f"IF={netif}", "IP=0"]
    if kind == PTR:
        lines.append(f"PTR={found.instance}")
    if kind in (PTR, SRV, TXT_SRV):
        lines.append(f"SRV={found.hostname}:{found.port}")
    if kind in (PTR, TXT, TXT_SRV):
        lines += [f"TXT={k}={v}" for k, v in found.txt]
    if kind in (PTR, A, A_AAAA):
        lines += [f"A={ip}" for ip in found.ipv4]
    if kind in (PTR, AAAA, A_AAAA):
        lines += [f"AAAA={ip}" for ip in found.ipv6]
    return lines


def _board_address(board: Board) -> tuple[int, str] | None:
    """(netif, address) the board's mDNS speaks from: the station's, else the soft-AP's."""
    model = wifi_model(board)
    if model.sta_has_ip:
        return NETIF_STA, str(model.sta_ipv4.ip)
    if model.ap_running:
        return NETIF_AP, str(model.ap_ipv4.ip)
    return None


def _own_answer(board: Board, query: MdnsQuery) -> list[Found]:
    """Without mDNS packets: the board's own service, if it matches (IPv4 only)."""
    s = board.runtime(MdnsRuntime).service
    where = _board_address(board)
    if s is None or where is None or query.kind == AAAA or not _matches(query, s):
        return []
    return [Found(s.instance, f"{s.hostname}.local", s.port, list(s.txt), [where[1]])]


async def _network_query(query: MdnsQuery) -> list[Found]:
    timeout = query.timeout_ms / 1000
    if query.kind == PTR:
        return await mdns.query_services(query.names[0], query.names[1], timeout, query.max_results)
    if query.kind in (TXT, SRV, TXT_SRV):
        instance, service, proto = query.names
        return await mdns.query_instance(instance, service, proto, timeout)
    return await mdns.query_host(
        query.names[0], timeout, ipv4=query.kind in (A, A_AAAA), ipv6=query.kind in (AAAA, A_AAAA)
    )


async def _keep_announcing(
    responder: mdns.MdnsResponder, what: mdns.Announcement, stop: asyncio.Event
) -> None:
    """Announce until AT+MDNS=0 or a restart (which cancels this task) withdraws the service."""
    try:
        await responder.announce(what)
        await stop.wait()
    finally:
        await responder.close()


async def _stop(rt: MdnsRuntime) -> None:
    task, rt.task = rt.task, None
    rt.stop.set()
    if task is not None:
        await asyncio.gather(task, return_exceptions=True)


@MDNS.set
async def mdns_set(ctx: CommandContext) -> None:
    if len(ctx.args) < 1:
        ctx.args.count(1)
    mode = ctx.args.int(0, choices=(0, 1, 2))
    board = ctx.board
    rt = board.runtime(MdnsRuntime)
    if mode == 0:
        ctx.args.count(1)
        rt.service = None
        await _stop(rt)
        return
    if mode == 1:
        service = parse_start(ctx.args)
        await _stop(rt)
        rt.service = service
        where = _board_address(board)
        if where is None:
            board.log("at-mdns: no interface up; the service is kept but not announced")
            return
        what = mdns.Announcement(
            service.hostname,
            service.service_type,
            service.proto,
            service.port,
            service.instance,
            service.txt,
            where[1],
        )
        rt.stop = asyncio.Event()
        rt.task = board.spawn(_keep_announcing(mdns.MdnsResponder(), what, rt.stop))
        board.log(f"at-mdns: announcing {service}")
        return
    query = parse_query(ctx.args)
    where = _board_address(board)
    results: list[Found] = []
    if where is not None:
        try:
            results = await _network_query(query)
        except mdns.MdnsUnavailable as exc:
            board.log(f"at-mdns: {exc}; answering from the board's own service")
            results = _own_answer(board, query)
            if not results:
                await asyncio.sleep(query.timeout_ms / 1000)
    else:
        await asyncio.sleep(query.timeout_ms / 1000)
    if not results:
        board.log(f"at-mdns: nothing found for {query.names}")
        return
    assert where is not None
    for found in results[: query.max_results]:
        data = "".join(line + "\r\n" for line in result_lines(query.kind, found, where[0]))
        ctx.reply(f"+MDNS:{len(data.encode())},")
        ctx.write(data.encode())
