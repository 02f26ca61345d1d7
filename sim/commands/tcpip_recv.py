"""Passive receive mode (3.3.34-3.3.36): AT+CIPRECVMODE (the name in the seed guide) and AT+CIPRECVTYPE (the
v5.0.0.0 name) for the same setting, AT+CIPRECVLEN, AT+CIPRECVDATA."""

from __future__ import annotations

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.tcpip import MAX_LINKS, net
from sim.net import messages

CIPRECVMODE = command("AT+CIPRECVMODE", section="3.3.34")
CIPRECVTYPE = command("AT+CIPRECVTYPE", section="3.3.34")
CIPRECVDATA = command("AT+CIPRECVDATA", section="3.3.35")
CIPRECVLEN = command("AT+CIPRECVLEN", section="3.3.36")


def _query(prefix: str):  # type: ignore[no-untyped-def]
    async def handler(ctx: CommandContext) -> None:
        rt = net(ctx.board)
        if not ctx.board.profile.tcpip.recv_mode_per_link:  # one setting for all links (issue 19)
            ctx.reply(f"+{prefix}:{rt.recv_mode[0]}")
            return
        ids = range(MAX_LINKS) if rt.mux else [0]
        for i in ids:
            ctx.reply(f"+{prefix}:{i},{rt.recv_mode[i]}")

    return handler


async def _set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    a = ctx.args
    if rt.mux and ctx.board.profile.tcpip.recv_mode_per_link:
        a.count(2)
        link_id = a.int(0, 0, MAX_LINKS)
        mode = a.int(1, 0, 1)
    else:
        a.count(1)
        link_id, mode = MAX_LINKS, a.int(0, 0, 1)  # single connection: the one setting for every link
    if rt.cipmode == 1:
        raise ctx.fail(errors.exec_fail(), "passive receive is not available with AT+CIPMODE=1")
    for i in range(MAX_LINKS) if link_id == MAX_LINKS else [link_id]:
        rt.recv_mode[i] = mode
        link = rt.links.get(i)
        if link is not None:
            link.room.set()


CIPRECVMODE.query(_query("CIPRECVMODE"))
CIPRECVTYPE.query(_query("CIPRECVTYPE"))
CIPRECVMODE.set(_set)
CIPRECVTYPE.set(_set)


@CIPRECVLEN.query
async def ciprecvlen_query(ctx: CommandContext) -> None:
    """One field per link ID 0..4 with AT+CIPMUX=1 (empty where there is no connection); one field with
    AT+CIPMUX=0, as the 4.2 passive-mode example prints it."""
    rt = net(ctx.board)
    fields = []
    for i in range(MAX_LINKS if rt.mux else 1):
        link = rt.links.get(i)
        fields.append(str(len(link.passive.data)) if link is not None else "")
    ctx.reply("+CIPRECVLEN:" + ",".join(fields))


@CIPRECVDATA.set
async def ciprecvdata_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    a = ctx.args
    if rt.mux:
        a.count(2)
        link_id, length = a.int(0, 0, MAX_LINKS - 1), a.int(1, 1, 0x7FFFFFFF)
    else:
        a.count(1)
        link_id, length = 0, a.int(0, 1, 0x7FFFFFFF)
    if rt.recv_mode[link_id] != 1:
        raise ctx.fail(errors.exec_fail(), "AT+CIPRECVDATA needs passive receive mode")
    link = rt.links.get(link_id)
    if link is None or not link.passive.data:
        raise ctx.fail(errors.exec_fail(), f"no data buffered on link {link_id}")
    remote = link.passive.remote if rt.dinfo else None
    data = link.passive.read(length)
    ctx.write(messages.recvdata(data, remote))
    link.room.set()
    if link.peer_closed and not link.passive.data:
        ctx.board.call_later(0, lambda: rt.drained(link))  # CLOSED after this command's OK
    elif link.passive.data:
        # what is left is announced again after this command's OK, as boards do
        ctx.board.call_later(0, lambda: rt.renotify(link))
