"""3.5.16-3.5.21 Classic Bluetooth security: AT+BTSECPARAM, AT+BTKEYREPLY, AT+BTPINREPLY, AT+BTSECCFM,
AT+BTENCDEV, AT+BTENCCLEAR.

Pairing is Secure Simple Pairing over the air's controller (sim/radio/bt.py): with <io_cap> 2 (KeyboardOnly)
the host waits for the key AT+BTKEYREPLY gives (4.10.3: the phone shows it, the user types it on the
ESP32), with 1 (DisplayYesNo) for AT+BTSECCFM; 3 (NoInputNoOutput) pairs as Just Works (4.10.1). The replies
answer OK whether or not a pairing waits for them (3.5 gives them no other response); a reply typed before
the stack asks is kept for that pairing (the user answers what the phone shows at once; no report tells
the host when the stack asks), and forgotten when the pairing ends. Legacy pairing (the PIN of <pin_type> 1, AT+BTPINREPLY) needs a peer without SSP,
which bumble's controller does not model: the PIN is kept and reported, never asked for.

A completed pairing bonds: the peer's address goes to the board's bond list (AT+BTENCDEV?), kept in NVS
across restarts as the Bluetooth stack keeps its bonds in flash; AT+BTENCCLEAR removes one or all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.bt import NVS, POWER_ON_HOOKS, require_init
from sim.radio.bt import BtRadio

BTSECPARAM = command("AT+BTSECPARAM", section="3.5.16")
BTKEYREPLY = command("AT+BTKEYREPLY", section="3.5.17")
BTPINREPLY = command("AT+BTPINREPLY", section="3.5.18")
BTSECCFM = command("AT+BTSECCFM", section="3.5.19")
BTENCDEV = command("AT+BTENCDEV", section="3.5.20")
BTENCCLEAR = command("AT+BTENCCLEAR", section="3.5.21")

#: 3.5.16 <pin_code>: "Maximum: 16 bytes."
PIN_MAX = 16
#: Only <conn_index> 0 (3.5.17-3.5.19: "only 0 is supported for the single connection").
CONN_INDEX = (0, 0)
#: A Simple Pair Key has six decimal digits (Core spec Vol 3 Part C 5.2.2.6 passkey entry: 000000-999999).
KEY_MAX = 999999


@dataclass
class SecParams:
    """3.5.16 per boot: <io_cap> (NoInputNoOutput until set, as the guide's examples set it), <pin_type>
    and <pin_code>."""

    io_cap: int = 3
    pin_type: int = 0
    pin_code: str = ""


def bonds(board: Board) -> list[str]:
    return list(board.nvs.namespace(NVS).get("bonds", []))


def _save_bonds(board: Board, addresses: list[str]) -> None:
    board.nvs.namespace(NVS).set("bonds", addresses)


async def _attach(board: Board, radio: BtRadio) -> None:
    radio.prompts.io_cap = board.runtime(SecParams).io_cap

    def bonded(address: str) -> None:
        known = bonds(board)
        if address not in known:
            _save_bonds(board, [*known, address])

    radio.on_bonded = bonded
    from bumble.keys import MemoryKeyStore

    radio.device.keystore = MemoryKeyStore()  # keys live as long as the stack (never a file of bumble's)


POWER_ON_HOOKS.append(_attach)


@BTSECPARAM.query
async def btsecparam_query(ctx: CommandContext) -> None:
    require_init(ctx)
    p = ctx.board.runtime(SecParams)
    ctx.reply(f'+BTSECPARAM:{p.io_cap},{p.pin_type},"{p.pin_code}"')


@BTSECPARAM.set
async def btsecparam_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(3, 3)
    io_cap = ctx.args.int(0, 0, 3)
    pin_type = ctx.args.int(1, 0, 1)
    pin = ctx.args.str(2, max_len=PIN_MAX)
    if pin_type == 1 and not pin:  # a fixed PIN must be a PIN (Core spec Vol 3 Part C 3.2.3: 1-16 bytes)
        raise ctx.fail(errors.para_invalid(2), "a fixed <pin_code> cannot be empty")
    p = ctx.board.runtime(SecParams)
    p.io_cap, p.pin_type, p.pin_code = io_cap, pin_type, pin
    radio.prompts.io_cap = io_cap


@BTKEYREPLY.set
async def btkeyreply_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(2, 2)
    ctx.args.int(0, *CONN_INDEX)
    radio.prompts.reply_key(ctx.args.int(1, 0, KEY_MAX))


@BTPINREPLY.set
async def btpinreply_set(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.args.count(2, 2)
    ctx.args.int(0, *CONN_INDEX)
    ctx.args.str(1, max_len=PIN_MAX, min_len=1)


@BTSECCFM.set
async def btseccfm_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(2, 2)
    ctx.args.int(0, *CONN_INDEX)
    radio.prompts.reply_confirm(ctx.args.int(1, 0, 1) == 1)


@BTENCDEV.query
async def btencdev_query(ctx: CommandContext) -> None:
    require_init(ctx)
    # 4.10.6 note: "If no device has been successfully bound before, AT will only prompt OK"
    for index, address in enumerate(bonds(ctx.board)):
        ctx.reply(f'+BTENCDEV:{index},"{address}"')


@BTENCCLEAR.set
async def btencclear_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(1, 1)
    known = bonds(ctx.board)
    if not known:
        raise ctx.fail(errors.para_invalid(0), "no bound device to remove")
    index = ctx.args.int(0, 0, len(known) - 1)
    address = known.pop(index)
    _save_bonds(ctx.board, known)
    await _forget(radio, address)


@BTENCCLEAR.execute
async def btencclear_execute(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    for address in bonds(ctx.board):
        await _forget(radio, address)
    _save_bonds(ctx.board, [])


async def _forget(radio: BtRadio, address: str) -> None:
    """The stack forgets the link key too, so the next connection pairs afresh."""
    keystore = radio.device.keystore if radio.device is not None else None
    if keystore is None:
        return
    for name in list((await keystore.get_all()) or []):
        key = name[0] if isinstance(name, tuple) else name
        if str(key).split("/")[0].lower() == address:
            await keystore.delete(key)
