"""3.4.10, 3.4.12-3.4.13 (ESP32): AT+BLEADVDATA, AT+BLEADVSTART, AT+BLEADVSTOP on the virtual air.

3.4.12 notes: without AT+BLEADVDATA the payload is empty; advertising goes on until a connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.ble import own_address, require_init

BLEADVDATA = command("AT+BLEADVDATA", section="3.4.10")
BLESCANRSPDATA = command("AT+BLESCANRSPDATA", section="3.4.7")
BLEADVSTART = command("AT+BLEADVSTART", section="3.4.12")
BLEADVSTOP = command("AT+BLEADVSTOP", section="3.4.13")

#: The advertising interval until AT+BLEADVPARAM sets one, in 0.625 ms units: the guide states no default, so
#: the value of its own AT+BLEADVPARAM example (AT+BLEADVPARAM=50,50,0,0,7,0,,) stands in (31.25 ms).
ADV_INTERVAL_UNITS = 50
#: 3.4.10 (ESP32): "The maximum length is 31 bytes."
ADV_DATA_MAX = 31


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


@BLEADVSTART.execute
async def bleadvstart(ctx: CommandContext) -> None:
    state = require_init(ctx)
    adv = ctx.board.runtime(AdvState)
    from bumble.hci import OwnAddressType

    kind, _ = own_address(ctx.board)
    own = OwnAddressType.RANDOM if kind == 1 else OwnAddressType.PUBLIC
    assert state.radio is not None
    await state.radio.device.start_advertising(
        own_address_type=own,
        advertising_data=adv.data,
        scan_response_data=adv.scan_rsp,
        advertising_interval_min=ADV_INTERVAL_UNITS * 0.625,
        advertising_interval_max=ADV_INTERVAL_UNITS * 0.625,
    )
    adv.advertising = True


@BLEADVSTOP.execute
async def bleadvstop(ctx: CommandContext) -> None:
    state = require_init(ctx)
    assert state.radio is not None
    await state.radio.device.stop_advertising()
    ctx.board.runtime(AdvState).advertising = False
