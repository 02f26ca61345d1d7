"""3.1 Basic AT commands: AT+RFPOWER .. AT+SYSREG (in the guide's order)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.commands.tcpip_sntp import board_clock
from sim.flash import SavePolicy

RFPOWER = command("AT+RFPOWER", section="3.1.19")
RFCAL = command("AT+RFCAL", section="3.1.20")
SYSROLLBACK = command("AT+SYSROLLBACK", section="3.1.21")
SYSTIMESTAMP = command("AT+SYSTIMESTAMP", section="3.1.22")
SYSLOG = command("AT+SYSLOG", section="3.1.23")
SLEEPWKCFG = command("AT+SLEEPWKCFG", section="3.1.24")
SYSSTORE = command("AT+SYSSTORE", section="3.1.25")
SYSREG = command("AT+SYSREG", section="3.1.26")

#: ESP32 GPIO numbers (a light-sleep wakeup pin must be one).
ESP32_GPIO_MAX = 39
INT32_MAX = 2**31 - 1


@dataclass
class SystemRuntime:
    wifi_power: int = 78  # the quantised value AT+RFPOWER? reports
    ble_power: tuple[int, int, int] = (0, 0, 0)
    wakeup: tuple[int, int, int] | None = None
    registers: dict[int, int] = field(default_factory=dict)


@on_boot
def _boot(board: Board) -> None:
    rt = board.runtime(SystemRuntime)
    rt.wifi_power = quantise_wifi_power(board, board.profile.rfpower.wifi_default)
    b = board.profile.rfpower.ble_default
    rt.ble_power = (b, b, b)
    rt.time_offset = -board.booted_at  # 3.1.22: the clock starts at 0 on boot until set or synced


def quantise_wifi_power(board: Board, value: int) -> int:
    """3.1 AT+RFPOWER: the value read back is the level the set value falls in."""
    for lo, hi, get in board.profile.rfpower.wifi_levels:
        if lo <= value <= hi:
            return get
    return value


@RFPOWER.query
async def rfpower_query(ctx: CommandContext) -> None:
    if ctx.board.wifi_mode == 0:
        raise ctx.fail(errors.exec_fail(), "Wi-Fi is off (AT+CWMODE=0): no TX power to report")
    rt = ctx.board.runtime(SystemRuntime)
    ctx.reply(f"+RFPOWER:{rt.wifi_power},{rt.ble_power[0]},{rt.ble_power[1]},{rt.ble_power[2]}")


@RFPOWER.set
async def rfpower_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(1, 4)
    levels = ctx.board.profile.rfpower.wifi_levels
    wifi = a.int(0, levels[0][0], levels[-1][1])
    lo, hi = ctx.board.profile.rfpower.ble_range
    rt = ctx.board.runtime(SystemRuntime)
    adv = a.int(1, lo, hi, default=rt.ble_power[0])
    a.int(2, lo, hi, default=adv)
    a.int(3, lo, hi, default=adv)
    if ctx.board.wifi_mode == 0:
        raise ctx.fail(errors.exec_fail(), "Wi-Fi is off (AT+CWMODE=0): cannot set its TX power")
    rt.wifi_power = quantise_wifi_power(ctx.board, wifi)
    # 3.1 AT+RFPOWER: scan and connection power follow the advertising power.
    rt.ble_power = (adv, adv, adv)


@RFCAL.execute
async def rfcal_execute(ctx: CommandContext) -> None:
    import asyncio

    await asyncio.sleep(0.02)  # a full calibration takes a moment
    ctx.board.log("rf: full calibration done")


@SYSROLLBACK.query
async def sysrollback_query(ctx: CommandContext) -> None:
    ota = ctx.board.profile.ota
    running = ctx.board.profile.gmr.bin_version
    ctx.reply(f'+SYSROLLBACK:0x{ota.running_app_addr:x},"{running}",0x{ota.rollback_app_addr:x},""')


@SYSROLLBACK.execute
async def sysrollback_execute(ctx: CommandContext) -> None:
    # A module flashed once has nothing valid in the other OTA partition, so there is nothing to roll back to.
    raise ctx.fail(errors.exec_fail(), "no valid firmware in the other OTA partition")


@SYSTIMESTAMP.query
async def systimestamp_query(ctx: CommandContext) -> None:
    # One wall clock for the chip (the RTC that SNTP sets, sim.commands.tcpip_sntp): 3.1.22 says the time
    # stamp "will be the same as SNTP time when the SNTP time is updated".
    ctx.reply(f"+SYSTIMESTAMP:{int(board_clock(ctx.board).now())}")


@SYSTIMESTAMP.set
async def systimestamp_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    value = ctx.args.int(0, 0, INT32_MAX)
    board_clock(ctx.board).set(value)
    ctx.board.events.emit("time_set", timestamp=value)


@SYSLOG.query
async def syslog_query(ctx: CommandContext) -> None:
    ctx.reply(f"+SYSLOG:{int(ctx.board.at.syslog)}")


@SYSLOG.set
async def syslog_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    ctx.board.at.syslog = bool(ctx.args.int(0, 0, 1))


@SLEEPWKCFG.set
async def sleepwkcfg_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(2, 3)
    source = a.int(0, 0, 2)
    if source != 2:
        raise ctx.fail(errors.para_invalid(0), f"wakeup source {source} is reserved")
    gpio = a.int(1, 0, ESP32_GPIO_MAX)
    level = a.int(2, 0, 1, default=0)
    ctx.board.runtime(SystemRuntime).wakeup = (source, gpio, level)
    ctx.board.events.emit("sleep_config")


@SYSSTORE.query
async def sysstore_query(ctx: CommandContext) -> None:
    ctx.reply(f"+SYSSTORE:{int(ctx.board.at.sysstore)}")


@SYSSTORE.set
async def sysstore_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    ctx.board.at.sysstore = bool(ctx.args.int(0, 0, 1))
    ctx.board.save("basic", "sysstore", ctx.board.at.sysstore, SavePolicy.ALWAYS)


@SYSREG.set
async def sysreg_set(ctx: CommandContext) -> None:
    a = ctx.args
    direct = a.int(0, 0, 1)
    a.count(3 if direct else 2)
    address = a.int(1, 0, 0xFFFFFFFF)
    regs = ctx.board.runtime(SystemRuntime).registers
    if direct == 1:
        regs[address] = a.int(2, 0, 0xFFFFFFFF)
        return
    # The guide shows only <read value>; an ESP-AT-compatible firmware's source prints "0x%lx" (no padding).
    ctx.reply(f"+SYSREG:0x{regs.get(address, 0):x}")
