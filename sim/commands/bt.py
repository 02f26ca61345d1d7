"""3.5.2-3.5.5, 3.5.22, 3.5.23 Classic Bluetooth: AT+BTINIT, AT+BTNAME, AT+BTSCANMODE, AT+BTSTARTDISC,
AT+BTCOD, AT+BTPOWER.

AT+BTINIT=1 attaches the board's Classic stack to the run's virtual air (sim/radio/bt.py; the air file's
``services.ble_air``, which servers/bt_air.py extends with inquiry). Every other 3.5 command needs it first:
the guide's examples always start with AT+BTINIT=1, and a stack that does not exist has no name, scan mode or
profile (the simulator's reading; 3.5 has no sentence on it). Not in the default firmware (3.5 introduction:
"AT bt command support"): the default profile disables these commands, the qualification build has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.flash import SavePolicy
from sim.radio.bt import BtRadio, Found

BTINIT = command("AT+BTINIT", section="3.5.2")
BTNAME = command("AT+BTNAME", section="3.5.3")
BTSCANMODE = command("AT+BTSCANMODE", section="3.5.4")
BTSTARTDISC = command("AT+BTSTARTDISC", section="3.5.5")
BTCOD = command("AT+BTCOD", section="3.5.22")
BTPOWER = command("AT+BTPOWER", section="3.5.23")

NVS = "bt"
#: 3.5.3 <device_name>: "The maximum length is 32. Default: "ESP32_AT"."
DEFAULT_NAME = "ESP32_AT"
NAME_MAX = 32
#: 3.5.5 <inq_len>: "Range: 0x01 ~ 0x30"; <inq_num_rsps> is one byte of HCI Inquiry (0: unlimited).
INQ_LEN = (0x01, 0x30)
INQ_RSPS_MAX = 0xFF
#: 3.5.23: "Range: [0,7]" for both levels. The levels a fresh stack reports (ESP-IDF's BR/EDR defaults
#: are not in the guide; the simulator's choice, which no test asserts).
POWER_RANGE = (0, 7)
DEFAULT_POWER = (4, 5)


@dataclass
class BtState:
    """Per boot: the stack AT+BTINIT powered on (None before), and what was set on it since."""

    radio: BtRadio | None = None
    power: tuple[int, int] = DEFAULT_POWER


def bt_state(board: Board) -> BtState:
    return board.runtime(BtState)


def require_init(ctx: CommandContext) -> BtRadio:
    radio = bt_state(ctx.board).radio
    if radio is None:
        raise ctx.fail(errors.exec_fail(), "Classic Bluetooth is not initialized (AT+BTINIT=1 first)")
    return radio


#: What other 3.5 modules do to a freshly powered-on stack (bt_spp.py: nothing listens yet; bt_sec.py:
#: the security parameters and the bonds).
POWER_ON_HOOKS: list[Any] = []
#: ... and when it powers off (AT+BTINIT=0): bt_spp.py forgets its profile and connection.
POWER_OFF_HOOKS: list[Any] = []


@on_boot
def _boot(board: Board) -> None:
    old = getattr(board, "_bt_radio", None)
    board._bt_radio = None  # type: ignore[attr-defined]
    if old is not None:  # the previous boot's stack leaves the air, as a reset board's does
        board.spawn_detached(old.power_off())


def name(board: Board) -> str:
    current = board.runtime(_Name).value
    return current if current is not None else board.nvs.namespace(NVS).get("name", DEFAULT_NAME)


@dataclass
class _Name:
    value: str | None = None


@BTINIT.query
async def btinit_query(ctx: CommandContext) -> None:
    ctx.reply(f"+BTINIT:{1 if bt_state(ctx.board).radio is not None else 0}")


@BTINIT.set
async def btinit_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 1)
    init = ctx.args.int(0, 0, 1)
    state = bt_state(ctx.board)
    if init == 0:
        radio, state.radio = state.radio, None
        ctx.board._bt_radio = None  # type: ignore[attr-defined]
        for hook in POWER_OFF_HOOKS:
            hook(ctx.board)
        if radio is not None:
            await radio.power_off()
        return
    if state.radio is not None:
        return
    air = ctx.board.air.services.ble_air if ctx.board.air is not None else None
    if air is None:
        raise ctx.fail(errors.exec_fail(), "no Bluetooth air in the air file (services.ble_air)")
    radio = BtRadio(air, ctx.board.identity.bt_mac, name(ctx.board))
    try:
        await radio.power_on()
    except (OSError, ConnectionError) as exc:
        raise ctx.fail(errors.exec_fail(), f"the Bluetooth air did not answer: {exc}") from exc
    for hook in POWER_ON_HOOKS:
        await hook(ctx.board, radio)
    state.radio = radio
    ctx.board._bt_radio = radio  # type: ignore[attr-defined]


@BTNAME.query
async def btname_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply(f"+BTNAME:{name(ctx.board)}")


@BTNAME.set
async def btname_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(1, 1)
    new = ctx.args.str(0, max_len=NAME_MAX, min_len=1)
    # 3.5.3 notes: "saved in the NVS partition if AT+SYSSTORE=1"
    ctx.board.save(NVS, "name", new, SavePolicy.SYSSTORE)
    ctx.board.runtime(_Name).value = new
    await radio.set_name(new)


@BTSCANMODE.set
async def btscanmode_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(1, 1)
    await radio.set_scan_mode(ctx.args.int(0, 0, 3))


def disc_line(found: Found) -> str:
    """One 3.5.5 result: ``+BTSTARTDISC:<bt_addr>,<dev_name>,<major>,<minor>,<service>,<rssi>``, the class
    fields in hex as 4.10.4 prints them (``0x2,0x3,0x2d0`` for a phone's 0x5a020c) and empty for a device
    whose Class of Device is 0 (4.10.4's ESP32 slave: ``EXAMPLE,,,,-27``)."""
    cod = found.class_of_device
    if cod:
        major, minor, service = (cod >> 8) & 0x1F, (cod >> 2) & 0x3F, (cod >> 13) & 0x7FF
        classes = f"0x{major:x},0x{minor:x},0x{service:x}"
    else:
        classes = ",,"
    return f'+BTSTARTDISC:"{found.address}",{found.name},{classes},{found.rssi}'


@BTSTARTDISC.set
async def btstartdisc_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(3, 3)
    mode = ctx.args.int(0, 0, 1)
    length = ctx.args.int(1, *INQ_LEN)
    limit = ctx.args.int(2, 0, INQ_RSPS_MAX)
    # 4.10.4: the results are lines of the response, printed as devices answer, then OK
    await radio.inquire(mode == 1, length, limit, lambda found: ctx.reply(disc_line(found)))


@BTCOD.set
async def btcod_set(ctx: CommandContext) -> None:
    """<major>, <minor>, <service> are the fields of the Class of Device (Assigned Numbers 2.8: major device
    class 5 bits, minor 6 bits, major service classes 11 bits); the guide's printer is 6,32,32."""
    radio = require_init(ctx)
    ctx.args.count(3, 3)
    major = ctx.args.int(0, 0, 0x1F)
    minor = ctx.args.int(1, 0, 0x3F)
    service = ctx.args.int(2, 0, 0x7FF)
    await radio.set_class_of_device((service << 13) | (major << 8) | (minor << 2))


@BTPOWER.query
async def btpower_query(ctx: CommandContext) -> None:
    require_init(ctx)
    low, high = bt_state(ctx.board).power
    ctx.reply(f"+BTPOWER:{low},{high}")


@BTPOWER.set
async def btpower_set(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.args.count(2, 2)
    low = ctx.args.int(0, *POWER_RANGE)
    high = ctx.args.int(1, *POWER_RANGE)
    if low > high:  # a minimum above the maximum (ESP-IDF's esp_bredr_tx_power_set refuses it)
        raise ctx.fail(errors.para_invalid(0), f"<min_tx_power> {low} above <max_tx_power> {high}")
    bt_state(ctx.board).power = (low, high)
