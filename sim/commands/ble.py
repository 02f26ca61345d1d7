"""3.4.2-3.4.4 Bluetooth LE: AT+BLEINIT (the stack and its role), AT+BLEADDR (the address), AT+BLENAME.

AT+BLEINIT attaches the board's BLE controller to the run's virtual air (sim/radio/ble.py; the air file's
``services.ble_air``). Every other BLE command needs it first (3.4.2 notes: "Before using other Bluetooth LE
AT commands, you should run this command first"); the role cannot change without AT+RST or a deinit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.flash import SavePolicy
from sim.radio.ble import BleRadio

BLEINIT = command("AT+BLEINIT", section="3.4.2")
BLEADDR = command("AT+BLEADDR", section="3.4.3")
BLENAME = command("AT+BLENAME", section="3.4.4")

NVS = "ble"
#: 3.4.4 <device_name>: "The maximum length is 32. Default: "ESP-AT"."
DEFAULT_NAME = "ESP-AT"
NAME_MAX = 32


@dataclass
class BleState:
    """Per-boot: the role of AT+BLEINIT (0 until initialized) and the radio it powered on."""

    role: int = 0
    radio: BleRadio | None = None


#: What other BLE command modules do to a freshly powered-on radio (ble_conn.py: listen for connections).
POWER_ON_HOOKS: list[Callable[[Board, BleRadio], None]] = []


def ble_state(board: Board) -> BleState:
    return board.runtime(BleState)


def require_init(ctx: CommandContext) -> BleState:
    """The BLE state, or ERROR when AT+BLEINIT has not run (3.4.2 notes)."""
    state = ble_state(ctx.board)
    if state.role == 0 or state.radio is None:
        raise ctx.fail(errors.exec_fail(), "Bluetooth LE is not initialized (AT+BLEINIT first)")
    return state


@on_boot
def _boot(board: Board) -> None:
    old = getattr(board, "_ble_radio", None)
    board._ble_radio = None  # type: ignore[attr-defined]
    if old is not None:  # the previous boot's controller leaves the air, as a reset board's does
        board.spawn_detached(old.power_off())


@BLEINIT.query
async def bleinit_query(ctx: CommandContext) -> None:
    ctx.reply(f"+BLEINIT:{ble_state(ctx.board).role}")


@BLEINIT.set
async def bleinit_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 1)
    init = ctx.args.int(0, 0, 3)
    state = ble_state(ctx.board)
    if init == 0:
        radio, state.radio, state.role = state.radio, None, 0
        ctx.board._ble_radio = None  # type: ignore[attr-defined]
        if radio is not None:
            await radio.power_off()
        return
    if state.role == init:
        return
    if state.role != 0:  # 3.4.2 notes: the role cannot be changed without a restart (or a deinit)
        raise ctx.fail(errors.exec_fail(), f"Bluetooth LE already initialized as role {state.role}")
    air = ctx.board.air.services.ble_air if ctx.board.air is not None else None
    if air is None:
        raise ctx.fail(errors.exec_fail(), "no BLE air in the air file (services.ble_air)")
    radio = BleRadio(air, ctx.board.identity.bt_mac, _name(ctx.board))
    try:
        await radio.power_on()
    except (OSError, ConnectionError) as exc:
        raise ctx.fail(errors.exec_fail(), f"the BLE air did not answer: {exc}") from exc
    await _apply_address(ctx.board, radio)
    for hook in POWER_ON_HOOKS:
        hook(ctx.board, radio)
    state.radio, state.role = radio, init
    ctx.board._ble_radio = radio  # type: ignore[attr-defined]


def _name(board: Board) -> str:
    """The name set since boot (AT+SYSSTORE=0 keeps it in RAM only), else the saved one, else the default."""
    current = board.runtime(_Name).value
    return current if current is not None else board.nvs.namespace(NVS).get("name", DEFAULT_NAME)


def own_address(board: Board) -> tuple[int, str]:
    """(addr_type, address) the board advertises and connects with: 3.4.3 <addr_type> 0 public, 1 random."""
    saved = board.nvs.namespace(NVS)
    kind = int(saved.get("addr_type", 0))
    if kind == 1:
        return 1, str(saved.get("random_addr"))
    return 0, board.identity.bt_mac


async def _apply_address(board: Board, radio: BleRadio) -> None:
    kind, address = own_address(board)
    if kind == 1 and radio.device is not None:
        from bumble.hci import Address, HCI_LE_Set_Random_Address_Command

        addr = Address(address, Address.RANDOM_DEVICE_ADDRESS)
        await radio.device.send_command(HCI_LE_Set_Random_Address_Command(random_address=addr))
        radio.device.random_address = addr


@BLEADDR.query
async def bleaddr_query(ctx: CommandContext) -> None:
    require_init(ctx)
    # 3.4.3 (ESP32): the query reports the public address
    ctx.reply(f'+BLEADDR:"{ctx.board.identity.bt_mac}"')


def _static_address_ok(text: str) -> bool:
    """3.4.3 note: the two most significant bits 1, the random part neither all 0 nor all 1."""
    try:
        octets = [int(x, 16) for x in text.split(":")]
    except ValueError:
        return False
    if len(octets) != 6 or any(not 0 <= o <= 255 for o in octets):
        return False
    if octets[0] >> 6 != 0b11:
        return False
    rest = [octets[0] & 0x3F, *octets[1:]]
    return any(rest) and rest != [0x3F, 255, 255, 255, 255, 255]


@BLEADDR.set
async def bleaddr_set(ctx: CommandContext) -> None:
    state = require_init(ctx)
    ctx.args.count(1, 2)
    kind = ctx.args.int(0, 0, 1)
    saved = ctx.board.nvs.namespace(NVS)
    if kind == 0:
        if len(ctx.args) > 1:
            raise ctx.fail(errors.para_num(1, 2), "a public address takes no <random_addr>")
        saved.set("addr_type", 0)
        return
    if len(ctx.args) > 1:
        address = ctx.args.str(1, max_len=17).lower()
        if not _static_address_ok(address):
            raise ctx.fail(errors.para_invalid(1), f"{address!r} is not a static address (3.4.3 note)")
    else:  # a private (non-resolvable) address: the two most significant bits 0
        import random

        octets = [random.randrange(256) for _ in range(6)]
        octets[0] &= 0x3F
        address = ":".join(f"{o:02x}" for o in octets)
    # 3.4.3 note: "The configuration changes will be saved in the NVS partition."
    saved.set("addr_type", 1)
    saved.set("random_addr", address)
    if state.radio is not None:
        await _apply_address(ctx.board, state.radio)


@BLENAME.query
async def blename_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply(f"+BLENAME:{_name(ctx.board)}")


@BLENAME.set
async def blename_set(ctx: CommandContext) -> None:
    state = require_init(ctx)
    ctx.args.count(1, 1)
    name = ctx.args.str(0, max_len=NAME_MAX, min_len=1)
    ctx.board.save(NVS, "name", name, SavePolicy.SYSSTORE)
    ctx.board.runtime(_Name).value = name
    if state.radio is not None and state.radio.device is not None:
        state.radio.device.name = name


@dataclass
class _Name:
    value: str | None = None
