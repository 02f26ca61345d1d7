"""3.3.39 AT+MDNS: start/stop the board's mDNS service (mode 1/0) and query services on the LAN (mode 2).

Simulated without packets (see sim/README.md): the board keeps the service it announces and a query
answers from the services announced by this board; anything else is not found within ``<timeout>``, after
which the query ends with OK and no ``+MDNS`` report.

Query result layout (3.3.39): ``+MDNS:<data_len>,`` CR LF, then ``<data_len>`` bytes of ``KEY=value`` lines
each ending in CR LF (IF, IP, PTR, SRV, TXT, A, AAAA), then OK.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sim.at.args import Args
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.wifi_runtime import wifi_model

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


def result_lines(q: MdnsQuery, s: MdnsService, netif: int, ipv4: str) -> list[str]:
    """The KEY=value lines of one result, in 3.3.39's order."""
    lines = [f"IF={netif}", "IP=0"]
    if q.kind == PTR:
        lines.append(f"PTR={s.instance}")
    if q.kind in (PTR, SRV, TXT_SRV):
        lines.append(f"SRV={s.hostname}.local:{s.port}")
    if q.kind in (PTR, TXT, TXT_SRV):
        lines += [f"TXT={k}={v}" for k, v in s.txt]
    if q.kind in (PTR, A, A_AAAA):
        lines.append(f"A={ipv4}")
    return lines


@MDNS.set
async def mdns_set(ctx: CommandContext) -> None:
    if len(ctx.args) < 1:
        ctx.args.count(1)
    mode = ctx.args.int(0, choices=(0, 1, 2))
    rt = ctx.board.runtime(MdnsRuntime)
    if mode == 0:
        ctx.args.count(1)
        rt.service = None
        return
    if mode == 1:
        rt.service = parse_start(ctx.args)
        ctx.board.log(f"at-mdns: announcing {rt.service}")
        return
    query = parse_query(ctx.args)
    model = wifi_model(ctx.board)
    found: list[tuple[int, str]] = []
    s = rt.service
    # The sim's board announces IPv4 only: an AAAA-only query finds nothing.
    if s is not None and query.kind != AAAA and _matches(query, s):
        if model.sta_has_ip:
            found.append((NETIF_STA, str(model.sta_ipv4.ip)))
        if model.ap_running and len(found) < query.max_results:
            found.append((NETIF_AP, str(model.ap_ipv4.ip)))
    if not found:
        await asyncio.sleep(query.timeout_ms / 1000)
        ctx.board.log(f"at-mdns: nothing found for {query.names}")
        return
    assert s is not None
    for netif, ip in found[: query.max_results]:
        data = "".join(line + "\r\n" for line in result_lines(query, s, netif, ip))
        ctx.reply(f"+MDNS:{len(data.encode())},")
        ctx.write(data.encode())
