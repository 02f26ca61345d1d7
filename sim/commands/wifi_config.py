"""Handlers of the settings, MAC, provisioning and enterprise commands (3.2.2, 3.2.4, 3.2.6, 3.2.18-3.2.21,
3.2.24-3.2.29); declared in :mod:`sim.commands.wifi`."""

from __future__ import annotations

from sim.at.context import CommandContext
from sim.commands.wifi import (
    CIPAPMAC,
    CIPSTAMAC,
    CWAPPROTO,
    CWBANDWIDTH,
    CWCONFIG,
    CWCOUNTRY,
    CWHOSTNAME,
    CWINIT,
    CWJEAP,
    CWSTAPROTO,
    CWSTARTSMART,
    CWSTOPSMART,
    WPS,
)
from sim.commands.wifi_runtime import answer, model_for, now
from sim.wifi import ops_config as cfg
from sim.wifi import ops_provision as prov
from sim.wifi.settings import AP_INACTIVE_RANGE, LISTEN_INTERVAL_RANGE, STA_INACTIVE_RANGE, JeapConfig


@CWINIT.query
async def cwinit_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.cwinit_query(model_for(ctx, needs_init=False)))


@CWINIT.set
async def cwinit_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    init = ctx.args.int(0, 0, 1)
    await answer(ctx, cfg.cwinit_set(model_for(ctx, needs_init=False), now(), init))


@CWBANDWIDTH.query
async def cwbandwidth_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.cwbandwidth_query(model_for(ctx)))


@CWBANDWIDTH.set
async def cwbandwidth_set(ctx: CommandContext) -> None:
    ctx.args.count(2, 3)
    netif = ctx.args.int(0, 0, 1)
    bandwidth = ctx.args.int(1, 1, 2)
    if not ctx.args.omitted(2):
        ctx.args.int(2, 0, 2)  # <bandwidth_5ghz>: accepted, meaningless on a 2.4 GHz-only ESP32
    await answer(ctx, cfg.cwbandwidth_set(model_for(ctx), netif, bandwidth))


@CWCONFIG.query
async def cwconfig_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.cwconfig_query(model_for(ctx)))


@CWCONFIG.set
async def cwconfig_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(1, 3)
    ap_time = None if a.omitted(0) else a.int(0, *AP_INACTIVE_RANGE)
    sta_time = None if a.omitted(1) else a.int(1, *STA_INACTIVE_RANGE)
    listen = None if a.omitted(2) else a.int(2, *LISTEN_INTERVAL_RANGE)
    await answer(ctx, cfg.cwconfig_set(model_for(ctx), ap_time, sta_time, listen))


@CWAPPROTO.query
async def cwapproto_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.proto_query(model_for(ctx), softap=True))


@CWAPPROTO.set
async def cwapproto_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    value = ctx.args.int(0, *cfg.PROTOCOL_RANGE)
    await answer(ctx, cfg.proto_set(model_for(ctx), value, softap=True))


@CWSTAPROTO.query
async def cwstaproto_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.proto_query(model_for(ctx), softap=False))


@CWSTAPROTO.set
async def cwstaproto_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    value = ctx.args.int(0, *cfg.PROTOCOL_RANGE)
    await answer(ctx, cfg.proto_set(model_for(ctx), value, softap=False))


@CIPSTAMAC.query
async def cipstamac_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.mac_query(model_for(ctx), softap=False))


@CIPSTAMAC.set
async def cipstamac_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    await answer(ctx, cfg.mac_set(model_for(ctx), ctx.args.str(0), softap=False))


@CIPAPMAC.query
async def cipapmac_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.mac_query(model_for(ctx), softap=True))


@CIPAPMAC.set
async def cipapmac_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    await answer(ctx, cfg.mac_set(model_for(ctx), ctx.args.str(0), softap=True))


@CWSTARTSMART.execute
async def cwstartsmart_execute(ctx: CommandContext) -> None:
    await answer(ctx, prov.cwstartsmart(model_for(ctx), now()))


@CWSTARTSMART.set
async def cwstartsmart_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(1, 3)
    smart_type = a.int(0, 1, 4)
    auth_floor = a.int(1, 0, 15, default=0)
    key = (
        None if a.omitted(2) else a.str(2, min_len=prov.ESPTOUCH_V2_KEY_LEN, max_len=prov.ESPTOUCH_V2_KEY_LEN)
    )
    await answer(ctx, prov.cwstartsmart(model_for(ctx), now(), smart_type, auth_floor, key))


@CWSTOPSMART.execute
async def cwstopsmart_execute(ctx: CommandContext) -> None:
    await answer(ctx, prov.cwstopsmart(model_for(ctx)))


@WPS.set
async def wps_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 2)
    enable = ctx.args.int(0, 0, 1)
    auth_floor = ctx.args.int(1, 0, 15, default=0)
    await answer(ctx, prov.wps_set(model_for(ctx), now(), enable, auth_floor))


@CWJEAP.query
async def cwjeap_query(ctx: CommandContext) -> None:
    await answer(ctx, prov.cwjeap_query(model_for(ctx)))


@CWJEAP.set
async def cwjeap_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(6, 7)
    lo, hi = prov.JEAP_FIELD_RANGE
    config = JeapConfig(
        ssid=a.str(0, min_len=1, max_len=32),
        method=a.int(1, 0, 2),
        identity=a.str(2, min_len=lo, max_len=hi),
        username=a.str(3, min_len=lo, max_len=hi, default=""),
        password=a.str(4, min_len=lo, max_len=hi, default=""),
        security=a.int(5, 0, 3),
        jeap_timeout=a.int(6, 3, 600, default=15),
    )
    await answer(ctx, prov.cwjeap_set(model_for(ctx), now(), config))


@CWHOSTNAME.query
async def cwhostname_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.cwhostname_query(model_for(ctx)))


@CWHOSTNAME.set
async def cwhostname_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    hostname = ctx.args.str(0, min_len=1, max_len=cfg.HOSTNAME_MAX)
    await answer(ctx, cfg.cwhostname_set(model_for(ctx), hostname))


@CWCOUNTRY.query
async def cwcountry_query(ctx: CommandContext) -> None:
    await answer(ctx, cfg.cwcountry_query(model_for(ctx)))


@CWCOUNTRY.set
async def cwcountry_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(4)
    policy = a.int(0, 0, 1)
    code = a.str(1, min_len=1, max_len=cfg.COUNTRY_CODE_MAX)
    start = a.int(2, *cfg.CHANNEL_RANGE)
    count = a.int(3, *cfg.CHANNEL_RANGE)
    await answer(ctx, cfg.cwcountry_set(model_for(ctx), policy, code, start, count))
