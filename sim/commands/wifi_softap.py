"""Handlers of the soft-AP and address commands (3.2.12-3.2.16, 3.2.22, 3.2.23); declared in
:mod:`sim.commands.wifi`."""

from __future__ import annotations

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.commands.wifi import CIPAP, CIPSTA, CWDHCP, CWDHCPS, CWLIF, CWQIF, CWSAP
from sim.commands.wifi_runtime import answer, model_for, now
from sim.wifi import ops_softap as ap
from sim.wifi.softap import LEASE_RANGE, MAX_CONN_RANGE, SOFTAP_ECNS


@CWSAP.query
async def cwsap_query(ctx: CommandContext) -> None:
    await answer(ctx, ap.cwsap_query(model_for(ctx)))


@CWSAP.set
async def cwsap_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(4, 6)
    ssid = a.str(0, min_len=1, max_len=ap.SOFTAP_SSID_MAX)
    password = a.str(1, max_len=ap.SOFTAP_PASSWORD_RANGE[1])
    channel = a.int(2, 1, 14)
    ecn = a.int(3, choices=SOFTAP_ECNS)
    max_conn = None if a.omitted(4) else a.int(4, *MAX_CONN_RANGE)
    hidden = None if a.omitted(5) else a.int(5, 0, 1)
    reply = ap.cwsap_set(
        model_for(ctx),
        now(),
        ssid=ssid,
        password=password,
        channel=channel,
        ecn=ecn,
        max_conn=max_conn,
        ssid_hidden=hidden,
    )
    await answer(ctx, reply)


@CWLIF.execute
async def cwlif_execute(ctx: CommandContext) -> None:
    await answer(ctx, ap.cwlif(model_for(ctx)))


@CWQIF.execute
async def cwqif_execute(ctx: CommandContext) -> None:
    await answer(ctx, ap.cwqif(model_for(ctx), now()))


@CWQIF.set
async def cwqif_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    await answer(ctx, ap.cwqif(model_for(ctx), now(), ctx.args.str(0)))


@CWDHCP.query
async def cwdhcp_query(ctx: CommandContext) -> None:
    await answer(ctx, ap.cwdhcp_query(model_for(ctx)))


@CWDHCP.set
async def cwdhcp_set(ctx: CommandContext) -> None:
    ctx.args.count(2)
    operate = ctx.args.int(0, 0, 1)
    mode = ctx.args.int(1, 0, 3)
    await answer(ctx, ap.cwdhcp_set(model_for(ctx), operate, mode))


@CWDHCPS.query
async def cwdhcps_query(ctx: CommandContext) -> None:
    await answer(ctx, ap.cwdhcps_query(model_for(ctx)))


@CWDHCPS.set
async def cwdhcps_set(ctx: CommandContext) -> None:
    a = ctx.args
    n = a.count(1, 4)
    enable = a.int(0, 0, 1)
    if enable == 0:
        await answer(ctx, ap.cwdhcps_set(model_for(ctx), 0))
        return
    if n != 4:
        raise AtError(errors.para_num(4, n), "AT+CWDHCPS=1 needs the lease time and the IP range")
    lease = a.int(1, *LEASE_RANGE)
    await answer(ctx, ap.cwdhcps_set(model_for(ctx), 1, lease, a.str(2), a.str(3)))


async def _address_set(ctx: CommandContext, setter: object) -> None:
    a = ctx.args
    n = a.count(1, 3)
    if n == 2:
        raise AtError(errors.para_num(3, n), "gateway and netmask go together")
    ip = a.str(0)
    gateway = a.str(1) if n == 3 else None
    netmask = a.str(2) if n == 3 else None
    await answer(ctx, setter(model_for(ctx), ip, gateway, netmask))  # type: ignore[operator]


@CIPSTA.query
async def cipsta_query(ctx: CommandContext) -> None:
    await answer(ctx, ap.cipsta_query(model_for(ctx)))


@CIPSTA.set
async def cipsta_set(ctx: CommandContext) -> None:
    await _address_set(ctx, ap.cipsta_set)


@CIPAP.query
async def cipap_query(ctx: CommandContext) -> None:
    await answer(ctx, ap.cipap_query(model_for(ctx)))


@CIPAP.set
async def cipap_set(ctx: CommandContext) -> None:
    await _address_set(ctx, ap.cipap_set)
