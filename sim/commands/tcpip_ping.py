"""3.3.37 AT+PING: one ICMP echo to an address or a name (resolved IPv4-first through the board's DNS).

``+PING:<time>`` (milliseconds, rounded up: a reply never takes no time) then OK; ``+PING:TIMEOUT`` then
ERROR when the name does not resolve or no reply comes. Only this host's loopback addresses are pinged for
real (:func:`sim.net.resolver.reachable`); any other target has no route and times out. Without a network
interface up (no station address, no soft-AP) nothing is sent and the ping times out.
"""

from __future__ import annotations

import asyncio
import math

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.commands.tcpip_dns import has_network, resolve_for, sta_address
from sim.net.icmp import PingUnavailable, ping
from sim.net.resolver import Network, ResolveError, reachable

PING = command("AT+PING", section="3.3.37")

#: How long the firmware waits for the echo reply (esp_ping's default timeout).
PING_TIMEOUT_S = 1.0
DNS_TIMEOUT_S = 10.0
HOST_MAX = 256


def _timeout(ctx: CommandContext, why: str) -> AtError:
    ctx.board.log(f"at-ping: {why}")
    ctx.reply("+PING:TIMEOUT")
    return AtError(errors.exec_fail(), why)


@PING.set
async def ping_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    host = ctx.args.str(0, min_len=1, max_len=HOST_MAX)
    try:
        target = await resolve_for(ctx.board, host, Network.PREFER_IPV4, DNS_TIMEOUT_S)
    except ResolveError as exc:
        raise _timeout(ctx, str(exc)) from None
    if not has_network(ctx.board) or not reachable(target):
        await asyncio.sleep(PING_TIMEOUT_S)
        raise _timeout(ctx, f"no route to {target}")
    try:
        rtt = await ping(target, timeout=PING_TIMEOUT_S, source=sta_address(ctx.board))
    except PingUnavailable as exc:
        # This host forbids ICMP sockets: the loopback interface would answer, so answer as it would.
        ctx.board.log(f"at-ping: {exc}; assuming the loopback reply")
        rtt = 0.0
    if rtt is None:
        raise _timeout(ctx, f"no echo reply from {target}")
    ctx.reply(f"+PING:{max(1, math.ceil(rtt * 1000))}")
