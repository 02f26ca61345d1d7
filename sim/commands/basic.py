"""3.1 Basic AT commands, first part: AT .. AT+SYSRAM (in the guide's order, which AT+CMD? follows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import REGISTRY, command
from sim.board import Board, UartConfig, on_boot
from sim.flash import SavePolicy

AT = command("AT", section="3.1.1")
RST = command("AT+RST", section="3.1.2")
GMR = command("AT+GMR", section="3.1.3")
CMD = command("AT+CMD", section="3.1.4")
GSLP = command("AT+GSLP", section="3.1.5")
ATE = command("ATE", section="3.1.6")
RESTORE = command("AT+RESTORE", section="3.1.7")
SAVETRANSLINK = command("AT+SAVETRANSLINK", section="3.1.8")
TRANSINTVL = command("AT+TRANSINTVL", section="3.1.9")
UART_CUR = command("AT+UART_CUR", section="3.1.10")
UART_DEF = command("AT+UART_DEF", section="3.1.11")
SLEEP = command("AT+SLEEP", section="3.1.12")
SYSRAM = command("AT+SYSRAM", section="3.1.13")

#: 3.1 AT+GSLP: at most 2^31-1 milliseconds.
GSLP_MAX_MS = 2**31 - 1
#: ESP32 UART source clock; the divider has 4 fractional bits, so the real rate differs slightly (3.1.10).
UART_SCLK_HZ = 80_000_000


@dataclass
class BasicRuntime:
    """Per-boot settings of this group that are not saved."""

    transintvl: int = 20  # ms, 3.1.9 default
    sleep: int = 1  # 3.1.12: Wi-Fi modem-sleep is the firmware's default


@AT.execute
async def at_execute(ctx: CommandContext) -> None:
    pass


@RST.execute
async def rst_execute(ctx: CommandContext) -> None:
    ctx.ok()
    ctx.board.reboot_after_command()


@GMR.execute
async def gmr_execute(ctx: CommandContext) -> None:
    for line in ctx.board.profile.gmr_lines():
        ctx.reply(line)


@CMD.query
async def cmd_query(ctx: CommandContext) -> None:
    from sim.at.parser import Form

    present = [c for c in REGISTRY if ctx.board.profile.has_command(c.name)]
    for index, c in enumerate(present):
        forms = (Form.TEST, Form.QUERY, Form.SET, Form.EXECUTE)
        profile = ctx.board.profile
        flags = ",".join(str(int(c.supports(f) and profile.has_form(c.name, f.value))) for f in forms)
        ctx.reply(f'+CMD:{index},"{c.name}",{flags}')


@GSLP.set
async def gslp_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    ms = ctx.args.int(0, 0, GSLP_MAX_MS)
    ctx.reply(str(ms))
    ctx.ok()
    board = ctx.board
    if ms == 0:
        board.reboot_after_command()
        return
    board.spawn_detached(_deep_sleep(board, ms / 1000))


async def _deep_sleep(board: Board, seconds: float) -> None:
    import asyncio

    await asyncio.sleep(0.01)  # let the response leave before the chip goes quiet
    board.log(f"deep-sleep for {seconds:.3f} s")
    board.hold_reset()
    await asyncio.sleep(seconds)
    await board.boot(reason="deep-sleep wakeup")


@ATE.execute
async def ate_execute(ctx: CommandContext) -> None:
    ctx.board.at.echo = ctx.cmd.tokens[0].value == "1"


@RESTORE.execute
async def restore_execute(ctx: CommandContext) -> None:
    ctx.ok()
    ctx.board.nvs.erase_all()
    ctx.board.reboot_after_command()


# --- AT+SAVETRANSLINK ----------------------------------------------------------------------------------


@dataclass
class SaveTransLink:
    """The saved passthrough-on-power-up configuration (3.1.8). ``mode`` 0 means none.

    At boot, after ``ready``, a saved mode other than 0 is announced on the event bus as
    ``board.events.emit("savetranslink", config=SaveTransLink)``; the TCP/IP (mode 1, 3) and Bluetooth LE
    (mode 2) groups subscribe in an ``on_boot`` hook and start passthrough.
    """

    mode: int = 0
    remote_host: str = ""
    remote_port: int = 0
    type: str = "TCP"
    keep_alive: int = 0
    local_port: int = 0
    server_port: int = 333
    ca_enable: int = 0
    netif: int = 0
    ble: tuple[int, ...] = ()
    peer_addr: str = ""


def saved_translink(board: Board) -> SaveTransLink:
    raw = board.nvs.namespace("basic").get("savetranslink")
    if not isinstance(raw, dict):
        return SaveTransLink()
    raw = dict(raw)
    raw["ble"] = tuple(raw.get("ble", ()))
    return SaveTransLink(**raw)


@SAVETRANSLINK.set
async def savetranslink_set(ctx: CommandContext) -> None:
    a = ctx.args
    mode = a.int(0, choices=(0, 1, 2, 3))
    cfg = SaveTransLink(mode=mode)
    if mode == 0:
        a.count(1, 7)
    elif mode == 1:
        a.count(3, 5)
        cfg.remote_host = a.str(1, max_len=64, min_len=1)
        cfg.remote_port = a.int(2, 0, 65535)
        cfg.type = a.str(3, choices=("TCP", "TCPv6", "SSL", "SSLv6", "UDP", "UDPv6"), default="TCP")
        if cfg.type.startswith("UDP"):
            cfg.local_port = a.int(4, 0, 65535, default=0)
        else:
            cfg.keep_alive = a.int(4, 0, 7200, default=0)
    elif mode == 2:
        a.count(7)
        role = a.int(1, choices=(1, 2))
        cfg.ble = (role, a.int(2, 0), a.int(3, 0), a.int(4, 0), a.int(5, 0))
        cfg.peer_addr = a.str(6, max_len=17, min_len=17)
    else:
        a.count(1, 5)
        cfg.server_port = a.int(1, 0, 65535, default=333)
        cfg.type = a.str(2, choices=("TCP", "TCPv6", "SSL", "SSLv6"), default="TCP")
        cfg.ca_enable = a.int(3, 0, 1, default=0)
        cfg.netif = a.int(4, 0, 3, default=0)
    ctx.board.save("basic", "savetranslink", asdict(cfg), SavePolicy.ALWAYS)


@on_boot
def _announce_savetranslink(board: Board) -> None:
    cfg = saved_translink(board)
    if cfg.mode != 0:
        board.events.on("ready", lambda: board.events.emit("savetranslink", config=cfg))


# --- AT+TRANSINTVL, AT+SLEEP, AT+SYSRAM -------------------------------------------------------------


@TRANSINTVL.query
async def transintvl_query(ctx: CommandContext) -> None:
    ctx.reply(f"+TRANSINTVL:{ctx.board.runtime(BasicRuntime).transintvl}")


@TRANSINTVL.set
async def transintvl_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    ctx.board.runtime(BasicRuntime).transintvl = ctx.args.int(0, 0, 1000)


@SLEEP.query
async def sleep_query(ctx: CommandContext) -> None:
    ctx.reply(f"+SLEEP:{ctx.board.runtime(BasicRuntime).sleep}")


@SLEEP.set
async def sleep_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    mode = ctx.args.int(0, 0, 3)
    wifi_mode = ctx.board.wifi_mode
    # 3.1.12: modem-sleep (1, 3) only in station or null Wi-Fi mode; light-sleep (2) not with a soft-AP.
    if mode in (1, 3) and wifi_mode not in (0, 1):
        raise ctx.fail(errors.exec_fail(), f"sleep mode {mode} needs station mode, not {wifi_mode}")
    if mode == 2 and wifi_mode in (2, 3):
        raise ctx.fail(errors.exec_fail(), "light-sleep is not allowed with the soft-AP running")
    ctx.board.runtime(BasicRuntime).sleep = mode


@SYSRAM.query
async def sysram_query(ctx: CommandContext) -> None:
    heap = ctx.board.profile.heap
    ctx.reply(f"+SYSRAM:{heap.free},{heap.minimum}")
    ctx.ok_after_line()


@SYSRAM.set
async def sysram_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    caps = ctx.args.int(0, 0, 0xFFFFFFFF)
    heap = ctx.board.profile.heap
    if caps == 0:
        raise ctx.fail(errors.para_invalid(0), "caps 0 selects no memory")
    largest = min(heap.free, 110592)
    ctx.reply(f"+SYSRAM:{largest},{heap.free},{heap.minimum},{heap.total}")


# --- AT+UART_CUR / AT+UART_DEF --------------------------------------------------------------------------


def actual_baudrate(requested: int) -> int:
    """The rate the UART really runs at: 80 MHz divided by a divider with 4 fractional bits (3.1.10)."""
    divider = (UART_SCLK_HZ * 16) // requested
    return (UART_SCLK_HZ * 16) // divider


def _parse_uart(ctx: CommandContext) -> UartConfig:
    """The five parameters of AT+UART_CUR/AT+UART_DEF; their set handler is public (at_uart_cmd.c,
    at_setup_cmd_uart_common), so a bad one is its plain ERROR (errors.plain_error)."""
    a = ctx.args
    with errors.plain_error():
        a.count(5)
        return UartConfig(
            baudrate=a.int(0, 80, ctx.board.profile.uart.baud_max),
            databits=a.int(1, 5, 8),
            stopbits=a.int(2, 1, 3),
            parity=a.int(3, 0, 2),
            flow_control=a.int(4, 0, 3),
        )


def _uart_line(name: str, cfg: UartConfig, actual: bool) -> str:
    baud = actual_baudrate(cfg.baudrate) if actual else cfg.baudrate
    return f"+{name}:{baud},{cfg.databits},{cfg.stopbits},{cfg.parity},{cfg.flow_control}"


@UART_CUR.query
async def uart_cur_query(ctx: CommandContext) -> None:
    ctx.reply(_uart_line("UART_CUR", ctx.board.uart, actual=True))


@UART_CUR.set
async def uart_cur_set(ctx: CommandContext) -> None:
    cfg = _parse_uart(ctx)
    ctx.ok()  # the answer still goes out at the old settings
    ctx.board.set_uart(cfg)


@UART_DEF.query
async def uart_def_query(ctx: CommandContext) -> None:
    saved = ctx.board.nvs.namespace("basic").get("uart_def")
    d = ctx.board.profile.uart
    cfg = (
        UartConfig(*saved)
        if saved
        else UartConfig(d.baudrate, d.databits, d.stopbits, d.parity, d.flow_control)
    )
    ctx.reply(_uart_line("UART_DEF", cfg, actual=False))


@UART_DEF.set
async def uart_def_set(ctx: CommandContext) -> None:
    cfg = _parse_uart(ctx)
    ctx.board.save("basic", "uart_def", list(cfg.as_tuple()), SavePolicy.ALWAYS)
    ctx.ok()
    ctx.board.set_uart(cfg)
