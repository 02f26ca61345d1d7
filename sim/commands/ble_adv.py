"""3.4.7-3.4.12 (ESP32): AT+BLESCANRSPDATA, AT+BLEADVPARAM, AT+BLEADVDATA(EX), AT+BLEADVSTART, AT+BLEADVSTOP.

3.4.11 notes: without AT+BLEADVDATA the payload is empty; advertising goes on until a connection.
AT+BLEADVPARAM's interval, <adv_type> and <own_addr_type> shape the advertising AT+BLEADVSTART starts (kept
under AT+SYSSTORE like the other BLE settings); channel map and filter policy are read back only (the air has
one channel and no accept list).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.ble import NVS, own_address, require_init
from sim.flash import SavePolicy

BLEADVPARAM = command("AT+BLEADVPARAM", section="3.4.8")
BLEADVDATA = command("AT+BLEADVDATA", section="3.4.9")
BLEADVDATAEX = command("AT+BLEADVDATAEX", section="3.4.10")
BLESCANRSPDATA = command("AT+BLESCANRSPDATA", section="3.4.7")
BLEADVSTART = command("AT+BLEADVSTART", section="3.4.11")
BLEADVSTOP = command("AT+BLEADVSTOP", section="3.4.12")

#: The advertising interval until AT+BLEADVPARAM sets one, in 0.625 ms units: the guide states no default, so
#: the value of its own AT+BLEADVPARAM example (AT+BLEADVPARAM=50,50,0,0,7,0,,) stands in (31.25 ms).
ADV_INTERVAL_UNITS = 50
#: 3.4.9 (ESP32): "The maximum length is 31 bytes."
ADV_DATA_MAX = 31


#: 3.4.8 (ESP32): intervals [0x0020,0x4000]; <adv_type> 0-4; <channel_map> 1, 2, 4, 7; filter policy 0-3.
ADV_INTERVAL_RANGE = (0x0020, 0x4000)
ADV_TYPES = range(5)
CHANNEL_MAPS = (1, 2, 4, 7)


@dataclass(frozen=True)
class AdvParam:
    """AT+BLEADVPARAM's values; until one is set, the interval of ADV_INTERVAL_UNITS, ADV_IND, public
    address, all channels, no filter."""

    int_min: int = ADV_INTERVAL_UNITS
    int_max: int = ADV_INTERVAL_UNITS
    adv_type: int = 0
    own_addr_type: int | None = None  # None: AT+BLEADDR's <addr_type>
    channel_map: int = 7
    filter_policy: int = 0
    peer_addr_type: int = 0
    peer_addr: str = "00:00:00:00:00:00"


def adv_param(board: Board) -> AdvParam:
    current = board.runtime(_AdvParamNow).value
    if current is not None:
        return current
    saved = board.nvs.namespace(NVS).get("advparam")
    return AdvParam(*saved) if saved else AdvParam()


@dataclass
class _AdvParamNow:
    value: AdvParam | None = None


@BLEADVPARAM.query
async def bleadvparam_query(ctx: CommandContext) -> None:
    require_init(ctx)
    p = adv_param(ctx.board)
    own = p.own_addr_type if p.own_addr_type is not None else own_address(ctx.board)[0]
    ctx.reply(
        f"+BLEADVPARAM:{p.int_min},{p.int_max},{p.adv_type},{own},{p.channel_map},{p.filter_policy},"
        f'{p.peer_addr_type},"{p.peer_addr}"'
    )


@BLEADVPARAM.set
async def bleadvparam_set(ctx: CommandContext) -> None:
    require_init(ctx)
    n = ctx.args.count(5, 8)
    args = ctx.args
    int_min = args.int(0, *ADV_INTERVAL_RANGE)
    int_max = args.int(1, *ADV_INTERVAL_RANGE)
    if int_min > int_max:  # 3.4.8: "It should be less than or equal to the value of <adv_int_max>"
        raise ctx.fail(errors.para_invalid(0), f"<adv_int_min> {int_min} above <adv_int_max> {int_max}")
    adv_type = args.int(2, choices=ADV_TYPES)
    own = args.int(3, 0, 1)
    channel_map = args.int(4, choices=CHANNEL_MAPS)
    policy = args.int(5, 0, 3, default=0) if n > 5 else 0
    peer_type, peer = 0, "00:00:00:00:00:00"
    # [,<peer_addr_type>,<"peer_addr">] go together, and may be left empty together: the guide's own
    # AT+BLEADVPARAM=32,32,0,0,7,0,, (3.4.8 example, BLE_AT_Commands.rst:537) and every 4.3 transcript's
    # AT+BLEADVPARAM=50,50,0,0,7,0,, are answered OK
    if n > 6 and not (n == 8 and args.omitted(6) and args.omitted(7)):
        args.count(8, 8)
        peer_type = args.int(6, 0, 1)
        peer = args.str(7, min_len=17, max_len=17).lower()
    p = AdvParam(int_min, int_max, adv_type, own, channel_map, policy, peer_type, peer)
    ctx.board.runtime(_AdvParamNow).value = p
    ctx.board.save(NVS, "advparam", list(vars(p).values()), SavePolicy.SYSSTORE)


#: bumble's advertising type for each <adv_type> (3.4.8: ADV_TYPE_IND, _DIRECT_IND_HIGH, _SCAN_IND,
#: _NONCONN_IND, _DIRECT_IND_LOW).
_BUMBLE_TYPES = (
    "UNDIRECTED_CONNECTABLE_SCANNABLE",
    "DIRECTED_CONNECTABLE_HIGH_DUTY",
    "UNDIRECTED_SCANNABLE",
    "UNDIRECTED",
    "DIRECTED_CONNECTABLE_LOW_DUTY",
)


@dataclass
class AdvState:
    data: bytes = b""
    scan_rsp: bytes = b""
    advertising: bool = False


def _hex_data(ctx: CommandContext, what: str) -> bytes:
    require_init(ctx)
    ctx.args.count(1, 1)
    text = ctx.args.str(0, max_len=2 * ADV_DATA_MAX)
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise ctx.fail(errors.para_invalid(0), f"<{what}> is not a HEX string: {text!r}") from exc


@BLEADVDATA.set
async def bleadvdata_set(ctx: CommandContext) -> None:
    ctx.board.runtime(AdvState).data = _hex_data(ctx, "adv_data")


@BLESCANRSPDATA.set
async def blescanrspdata_set(ctx: CommandContext) -> None:
    """3.4.7: the scan response an active scanner gets. The guide gives no maximum; 31 bytes is a legacy
    SCAN_RSP PDU's limit (Core spec Vol 6 Part B 2.3.2.2)."""
    ctx.board.runtime(AdvState).scan_rsp = _hex_data(ctx, "scan_rsp_data")


#: AD types (Bluetooth Assigned Numbers, Common Data Types).
AD_COMPLETE_NAME, AD_UUID16_COMPLETE, AD_UUID128_COMPLETE, AD_TX_POWER, AD_MANUFACTURER = (
    0x09,
    0x03,
    0x07,
    0x0A,
    0xFF,
)
#: The TX power level the board puts in its advertising (dBm): the sim's radio has one power.
TX_POWER_DBM = 0


def advdata_ex(name: str, uuid_hex: str, manufacturer: bytes, include_power: bool) -> bytes:
    """3.4.10: the structures "in sequence" of the parameters, cut to 31 bytes (3.4.10 notes)."""
    parts = [(AD_COMPLETE_NAME, name.encode())]
    uuid = bytes.fromhex(uuid_hex)[::-1]  # little-endian on the air (Core spec Supplement Part A 1.1)
    if uuid:
        parts.append((AD_UUID16_COMPLETE if len(uuid) == 2 else AD_UUID128_COMPLETE, uuid))
    if manufacturer:
        parts.append((AD_MANUFACTURER, manufacturer))
    if include_power:
        parts.append((AD_TX_POWER, TX_POWER_DBM.to_bytes(1, "little", signed=True)))
    data = b"".join(bytes([len(v) + 1, t]) + v for t, v in parts)
    return data[:ADV_DATA_MAX]


@BLEADVDATAEX.query
async def bleadvdataex_query(ctx: CommandContext) -> None:
    require_init(ctx)
    saved = ctx.board.runtime(_DataExNow).value or ctx.board.nvs.namespace(NVS).get("advdataex")
    if saved:
        name, uuid, manufacturer, power = saved
        ctx.reply(f'+BLEADVDATAEX:"{name}","{uuid}","{manufacturer}",{power}')


@dataclass
class _DataExNow:
    value: tuple[str, str, str, int] | None = None


@BLEADVDATAEX.set
async def bleadvdataex_set(ctx: CommandContext) -> None:
    """3.4.10: sets the advertising data and starts advertising; <adv_type> goes back to 0 (notes)."""
    state = require_init(ctx)
    ctx.args.count(4, 4)
    name = ctx.args.str(0, max_len=ADV_DATA_MAX)
    uuid = ctx.args.str(1, max_len=32)
    manufacturer = ctx.args.str(2, max_len=2 * ADV_DATA_MAX)
    power = ctx.args.int(3, 0, 1)
    try:
        if len(uuid) not in (0, 4, 32):
            raise ValueError(uuid)
        bytes.fromhex(uuid)
        mdata = bytes.fromhex(manufacturer)
    except ValueError as exc:
        raise ctx.fail(errors.para_invalid(1), f"<uuid> or <manufacturer_data> not HEX: {exc}") from exc
    ctx.board.runtime(AdvState).data = advdata_ex(name, uuid, mdata, bool(power))
    values = (name, uuid, manufacturer, power)
    ctx.board.runtime(_DataExNow).value = values
    ctx.board.save(NVS, "advdataex", list(values), SavePolicy.SYSSTORE)
    p = adv_param(ctx.board)
    if p.adv_type != 0:
        ctx.board.runtime(_AdvParamNow).value = AdvParam(**{**vars(p), "adv_type": 0})
    assert state.radio is not None
    if ctx.board.runtime(AdvState).advertising:
        await state.radio.device.stop_advertising()
    await _start(ctx)


@BLEADVSTART.execute
async def bleadvstart(ctx: CommandContext) -> None:
    await _start(ctx)


async def _start(ctx: CommandContext) -> None:
    state = require_init(ctx)
    adv = ctx.board.runtime(AdvState)
    from bumble.device import AdvertisingType
    from bumble.hci import Address, OwnAddressType

    p = adv_param(ctx.board)
    kind = p.own_addr_type if p.own_addr_type is not None else own_address(ctx.board)[0]
    own = OwnAddressType.RANDOM if kind == 1 else OwnAddressType.PUBLIC
    directed = p.adv_type in (1, 4)
    target = Address(
        p.peer_addr, Address.RANDOM_DEVICE_ADDRESS if p.peer_addr_type else Address.PUBLIC_DEVICE_ADDRESS
    )
    assert state.radio is not None
    await state.radio.device.start_advertising(
        advertising_type=getattr(AdvertisingType, _BUMBLE_TYPES[p.adv_type]),
        target=target if directed else None,
        own_address_type=own,
        advertising_data=adv.data,
        scan_response_data=adv.scan_rsp,
        advertising_interval_min=p.int_min * 0.625,
        advertising_interval_max=p.int_max * 0.625,
    )
    adv.advertising = True


@BLEADVSTOP.execute
async def bleadvstop(ctx: CommandContext) -> None:
    state = require_init(ctx)
    assert state.radio is not None
    await state.radio.device.stop_advertising()
    ctx.board.runtime(AdvState).advertising = False
