"""3.14 User AT commands: AT+USERRAM (the user's RAM buffer), AT+USERDOCS (where the guide is),
AT+USERWKMCUCFG and AT+USERMCUSLEEP (how the board wakes the host MCU); AT+USEROTA: sim/commands/user_ota.py.

In the default firmware (3.14 introduction: "supports all the AT commands mentioned on this page"). Their
handler is public (components/at/src/at_user_cmd.c at v5.0.0.0), and this module follows what it prints where
the guide says less: every refusal is a plain ESP_AT_RESULT_CODE_ERROR (ERR CODE 0x010a0000, no parameter
code); a write ends in ``WRITE OK`` after the data instead of OK; a read prints ``+USERRAM:<length>,`` and
the bytes with no line end, in pieces of at most 1024 bytes (3.14.2 note), then OK.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command

USERRAM = command("AT+USERRAM", section="3.14.2")
USERDOCS = command("AT+USERDOCS", section="3.14.6")
USERWKMCUCFG = command("AT+USERWKMCUCFG", section="3.14.4")
USERMCUSLEEP = command("AT+USERMCUSLEEP", section="3.14.5")

#: 3.14.2 note: a read longer than 1024 bytes comes in several replies of at most 1024 bytes.
READ_PIECE = 1024
#: 3.14.4 <delay time>: [0, 60000] ms
DELAY_MAX_MS = 60_000
#: 3.14.4 <check mcu awake method>: bits 0..2 (bit 3 is "not implemented yet": refused, as the handler does)
CHECK_BITS_END = 1 << 3
#: 3.14.2 <operation>
_OPS = {"free": 0, "malloc": 1, "write": 2, "read": 3, "clear": 4}


@dataclass
class UserRuntime:
    """Per boot: the RAM buffer is heap memory, the wake-up configuration is not saved."""

    ram: bytearray | None = None
    wake: tuple[int, int, int, int, int, int] | None = None  #: enable, mode, number, signal, delay, check
    mcu_asleep: bool = False


def _plain(ctx: CommandContext, why: str) -> AtError:
    # at_user_cmd.c: every refusal returns ESP_AT_RESULT_CODE_ERROR, which carries no parameter code
    return ctx.fail(errors.exec_fail(), why)


def _int(ctx: CommandContext, i: int) -> int:
    try:
        return ctx.args.int(i)
    except AtError as exc:
        raise _plain(ctx, str(exc)) from None


@USERRAM.query
async def userram_query(ctx: CommandContext) -> None:
    ram = ctx.board.runtime(UserRuntime).ram
    ctx.reply(f"+USERRAM:{0 if ram is None else len(ram)}")


@USERRAM.set
async def userram_set(ctx: CommandContext) -> None:
    """3.14.2: <operation>,<size>[,<offset>]; release and clear take the operation alone."""
    n = len(ctx.args)
    op = _int(ctx, 0)
    if not 0 <= op <= 4:
        raise _plain(ctx, f"<operation> {op} outside [0,4]")
    sized = op in (_OPS["malloc"], _OPS["write"], _OPS["read"])
    want = [1] if not sized else ([2] if op == _OPS["malloc"] else [2, 3])
    if n not in want:
        raise _plain(ctx, f"{n} parameters for <operation> {op}")
    size = _int(ctx, 1) if sized else 0
    if sized and size <= 0:
        raise _plain(ctx, f"<size> {size} is not positive")
    offset = _int(ctx, 2) if n == 3 else 0
    if offset < 0:
        raise _plain(ctx, f"<offset> {offset} is negative")
    rt = ctx.board.runtime(UserRuntime)
    if op == _OPS["malloc"]:
        # the buffer comes from the heap: at most the free heap AT+SYSRAM? reports
        if rt.ram is not None or size > ctx.board.profile.heap.free:
            raise _plain(ctx, "already allocated" if rt.ram is not None else "not enough heap")
        rt.ram = bytearray(size)
        return
    if rt.ram is None:
        raise _plain(ctx, "no user RAM allocated (AT+USERRAM=1,<size> first: 3.14.2 note)")
    if op == _OPS["free"]:
        rt.ram = None
    elif op == _OPS["clear"]:
        rt.ram[:] = bytes(len(rt.ram))
    elif offset + size > len(rt.ram):
        raise _plain(ctx, f"{offset}+{size} is beyond the {len(rt.ram)} bytes allocated")
    elif op == _OPS["write"]:
        ctx.ok()
        data = await ctx.prompt_and_read(size)
        if data is None:
            ctx.error(errors.exec_fail())
            return
        rt.ram[offset : offset + size] = data
        ctx.final("WRITE OK")
    else:
        for start in range(offset, offset + size, READ_PIECE):
            piece = bytes(rt.ram[start : min(start + READ_PIECE, offset + size)])
            ctx.write(f"+USERRAM:{len(piece)},".encode() + piece)


@USERDOCS.query
async def userdocs_query(ctx: CommandContext) -> None:
    """3.14.6: the English and the Chinese guide of the running firmware; ``latest`` as the guide's example
    (the firmware puts its build branch there, "latest" for master: esp-at CMakeLists.txt)."""
    for lang in ("en", "zh_CN"):
        ctx.reply(f'+USERDOCS:"https://docs.espressif.com/projects/esp-at/{lang}/latest/esp32/index.html"')


@USERWKMCUCFG.set
async def userwkmcucfg_set(ctx: CommandContext) -> None:
    """3.14.4: <enable>,<wake mode>,<wake number>,<wake signal>,<delay time>[,<check mcu awake method>]; 0
    alone disables. Refused while the MCU is asleep, and a second enable without a disable first (the
    handler)."""
    rt = ctx.board.runtime(UserRuntime)
    if rt.mcu_asleep:
        raise _plain(ctx, "the MCU is asleep (AT+USERMCUSLEEP=1)")
    n = len(ctx.args)
    enable = _int(ctx, 0)
    if enable not in (0, 1):
        raise _plain(ctx, f"<enable> {enable} is not 0 or 1")
    if enable == 0:
        if n != 1 and rt.wake is not None:
            raise _plain(ctx, "AT+USERWKMCUCFG=0 takes no more parameters")
        rt.wake = None
        return
    if rt.wake is not None:
        raise _plain(ctx, "already enabled: disable it first (AT+USERWKMCUCFG=0)")
    if n not in (5, 6):
        raise _plain(ctx, f"{n} parameters")
    mode, number, signal, delay = (_int(ctx, i) for i in range(1, 5))
    check = _int(ctx, 5) if n == 6 else 1
    if mode == 1:
        ok = 0 <= number <= 39 and signal in (0, 1)  # a valid ESP32 GPIO, a level
    else:
        ok = mode == 2 and number == 1 and 0 <= signal <= 255  # only UART1; a wake-up byte
    if not ok or not 0 <= delay <= DELAY_MAX_MS or not 0 <= check < CHECK_BITS_END:
        raise _plain(ctx, "a parameter outside what 3.14.4 allows")
    rt.wake = (1, mode, number, signal, delay, check)


@USERMCUSLEEP.set
async def usermcusleep_set(ctx: CommandContext) -> None:
    """3.14.5: takes effect only with AT+USERWKMCUCFG's <check mcu awake method> bit 0; refused while the
    wake-up configuration is disabled (the handler)."""
    rt = ctx.board.runtime(UserRuntime)
    if rt.wake is None:
        raise _plain(ctx, "no wake-up configuration (AT+USERWKMCUCFG=1,...)")
    if len(ctx.args) != 1:
        raise _plain(ctx, f"{len(ctx.args)} parameters")
    state = _int(ctx, 0)
    if state not in (0, 1):
        raise _plain(ctx, f"<state> {state} is not 0 or 1")
    if rt.wake[5] & 1:
        rt.mcu_asleep = bool(state)
        if not state:
            ctx.board.events.emit("mcu_awake")  # ends a wake-up wait (sim/commands/user_wake.py)
