"""The Wi-Fi AT commands (3.2): the 28 commands of the guide's table, in its order.

Argument types and ranges are checked here with the engine's typed args (so the ERR CODEs are the
firmware's); state rules live in :mod:`sim.wifi`. The model and the addresses other groups need are
reached with :func:`sim.commands.wifi_runtime.wifi_model`.
"""

from __future__ import annotations

from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.wifi_runtime import answer, model_for, now
from sim.wifi import ops_station as st
from sim.wifi.scan import ScanFilter
from sim.wifi.station import MAX_RECONN_INTERVAL, MAX_REPEAT_COUNT

CWINIT = command("AT+CWINIT", section="3.2.2")
CWMODE = command("AT+CWMODE", section="3.2.3")
CWBANDWIDTH = command("AT+CWBANDWIDTH", section="3.2.4")
CWSTATE = command("AT+CWSTATE", section="3.2.5")
CWCONFIG = command("AT+CWCONFIG", section="3.2.6")
CWJAP = command("AT+CWJAP", section="3.2.7")
CWRECONNCFG = command("AT+CWRECONNCFG", section="3.2.8")
CWLAPOPT = command("AT+CWLAPOPT", section="3.2.9")
CWLAP = command("AT+CWLAP", section="3.2.10")
CWQAP = command("AT+CWQAP", section="3.2.11")
CWSAP = command("AT+CWSAP", section="3.2.12")
CWLIF = command("AT+CWLIF", section="3.2.13")
CWQIF = command("AT+CWQIF", section="3.2.14")
CWDHCP = command("AT+CWDHCP", section="3.2.15")
CWDHCPS = command("AT+CWDHCPS", section="3.2.16")
CWAUTOCONN = command("AT+CWAUTOCONN", section="3.2.17")
CWAPPROTO = command("AT+CWAPPROTO", section="3.2.18")
CWSTAPROTO = command("AT+CWSTAPROTO", section="3.2.19")
CIPSTAMAC = command("AT+CIPSTAMAC", section="3.2.20")
CIPAPMAC = command("AT+CIPAPMAC", section="3.2.21")
CIPSTA = command("AT+CIPSTA", section="3.2.22")
CIPAP = command("AT+CIPAP", section="3.2.23")
CWSTARTSMART = command("AT+CWSTARTSMART", section="3.2.24")
CWSTOPSMART = command("AT+CWSTOPSMART", section="3.2.25")
WPS = command("AT+WPS", section="3.2.26")
CWJEAP = command("AT+CWJEAP", section="3.2.27")
CWHOSTNAME = command("AT+CWHOSTNAME", section="3.2.28")
CWCOUNTRY = command("AT+CWCOUNTRY", section="3.2.29")


# ---------------------------------------------------------------- AT+CWMODE


@CWMODE.query
async def cwmode_query(ctx: CommandContext) -> None:
    await answer(ctx, st.cwmode_query(model_for(ctx)))


@CWMODE.set
async def cwmode_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 2)
    mode = ctx.args.int(0, 0, 3)
    auto_connect = ctx.args.int(1, 0, 1, default=1)
    await answer(ctx, st.cwmode_set(model_for(ctx), now(), mode, auto_connect))


# ---------------------------------------------------------------- AT+CWSTATE


@CWSTATE.query
async def cwstate_query(ctx: CommandContext) -> None:
    await answer(ctx, st.cwstate_query(model_for(ctx)))


# ---------------------------------------------------------------- AT+CWJAP


@CWJAP.query
async def cwjap_query(ctx: CommandContext) -> None:
    await answer(ctx, st.cwjap_query(model_for(ctx)))


@CWJAP.set
async def cwjap_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(1, 9)
    reply = st.cwjap_set(
        model_for(ctx),
        now(),
        ssid=_opt_str(ctx, 0, min_len=1, max_len=st.SSID_MAX),
        password=_opt_str(ctx, 1, max_len=st.PASSWORD_MAX),
        bssid=_opt_str(ctx, 2),
        pci_en=_opt_int(ctx, 3, 0, 1),
        reconn_interval=_opt_int(ctx, 4, 0, MAX_RECONN_INTERVAL),
        listen_interval=_opt_int(ctx, 5, 1, 100),
        scan_mode=_opt_int(ctx, 6, 0, 1),
        jap_timeout=_opt_int(ctx, 7, 3, 600),
        pmf=_opt_int(ctx, 8, 0, 3) if not a.omitted(8) else ctx.board.profile.wifi.pmf_default,
    )
    await answer(ctx, reply)


@CWJAP.execute
async def cwjap_execute(ctx: CommandContext) -> None:
    await answer(ctx, st.cwjap_execute(model_for(ctx), now()))


def _opt_int(ctx: CommandContext, i: int, lo: int, hi: int) -> int | None:
    """An optional number: None when omitted, else range-checked like a mandatory one."""
    return None if ctx.args.omitted(i) else ctx.args.int(i, lo, hi)


def _opt_str(ctx: CommandContext, i: int, *, min_len: int = 0, max_len: int | None = None) -> str | None:
    """An optional string: None when omitted (AT+CWJAP falls back to the last configuration)."""
    return None if ctx.args.omitted(i) else ctx.args.str(i, min_len=min_len, max_len=max_len)


# ---------------------------------------------------------------- AT+CWRECONNCFG


@CWRECONNCFG.query
async def cwreconncfg_query(ctx: CommandContext) -> None:
    await answer(ctx, st.cwreconncfg_query(model_for(ctx)))


@CWRECONNCFG.set
async def cwreconncfg_set(ctx: CommandContext) -> None:
    ctx.args.count(2)
    interval = ctx.args.int(0, 0, MAX_RECONN_INTERVAL)
    repeat = ctx.args.int(1, 0, MAX_REPEAT_COUNT)
    await answer(ctx, st.cwreconncfg_set(model_for(ctx), interval, repeat))


# ---------------------------------------------------------------- AT+CWLAPOPT / AT+CWLAP


@CWLAPOPT.set
async def cwlapopt_set(ctx: CommandContext) -> None:
    ctx.args.count(2, 4)
    reserved = _opt_int(ctx, 0, 0, 1)
    print_mask = ctx.args.int(1, 0, 0x7FF)
    rssi_filter = _opt_int(ctx, 2, -100, 40)
    authmode_mask = _opt_int(ctx, 3, 0, 0xFFFF)
    await answer(ctx, st.cwlapopt_set(model_for(ctx), reserved, print_mask, rssi_filter, authmode_mask))


@CWLAP.set
async def cwlap_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(1, 7)
    flt = ScanFilter(
        ssid=_opt_str(ctx, 0, max_len=st.SSID_MAX),
        mac=_opt_str(ctx, 1),
        channel=_opt_int(ctx, 2, 0, 14),
        scan_type=a.int(3, 0, 1, default=0),
        scan_time_min=_opt_int(ctx, 4, 0, 1500),
        scan_time_max=_opt_int(ctx, 5, 0, 1500),
        channel_bitmap=_opt_int(ctx, 6, 0, 0x7FFF),
    )
    await answer(ctx, st.cwlap(model_for(ctx), flt))


@CWLAP.execute
async def cwlap_execute(ctx: CommandContext) -> None:
    await answer(ctx, st.cwlap(model_for(ctx)))


# ---------------------------------------------------------------- AT+CWQAP


@CWQAP.execute
async def cwqap_execute(ctx: CommandContext) -> None:
    await answer(ctx, st.cwqap(model_for(ctx), now()))


# ---------------------------------------------------------------- AT+CWAUTOCONN


@CWAUTOCONN.query
async def cwautoconn_query(ctx: CommandContext) -> None:
    await answer(ctx, st.cwautoconn_query(model_for(ctx, needs_init=False)))


@CWAUTOCONN.set
async def cwautoconn_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    enable = ctx.args.int(0, 0, 1)
    await answer(ctx, st.cwautoconn_set(model_for(ctx, needs_init=False), enable))


# The soft-AP, address and settings commands attach their handlers on import.
from sim.commands import wifi_config as _wifi_config  # noqa: E402,F401
from sim.commands import wifi_softap as _wifi_softap  # noqa: E402,F401
