"""3.4.5-3.4.6 (ESP32): AT+BLESCANPARAM and AT+BLESCAN on the virtual air.

Every advertising report the board's controller hears while scanning is one
``+BLESCAN:<"addr">,<rssi>,<adv_data>,<scan_rsp_data>,<addr_type>`` (3.4.6; the field layout of the guide's
4.3.2 transcript: the address quoted and lower case, the data as unquoted lower-case HEX, an empty field where
there is none). A scan response is reported with the advertising data it answers and its own data, as the
Bluedroid stack under ESP-AT hands both to the application in one scan result (adv_data_len and
scan_rsp_len of ESP_GAP_SEARCH_INQ_RES_EVT). A scan with a <duration> ends with +BLESCANDONE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.ble import NVS, require_init
from sim.flash import SavePolicy

BLESCANPARAM = command("AT+BLESCANPARAM", section="3.4.5")
BLESCAN = command("AT+BLESCAN", section="3.4.6")

#: The scan parameters until AT+BLESCANPARAM sets them. The guide states no default; its own example
#: (AT+BLESCANPARAM=0,0,0,100,50: passive, public, allow all, 62.5 ms interval, 31.25 ms window) stands in.
DEFAULT_SCAN_PARAM = (0, 0, 0, 100, 50)
#: 3.4.5 <scan_interval>/<scan_window>: [0x0004,0x4000] in units of 0.625 ms.
UNITS_MIN, UNITS_MAX = 0x0004, 0x4000
#: 3.4.6 <filter_type>: 1 "MAC", 2 "NAME".
FILTER_MAC, FILTER_NAME = 1, 2
#: AD types of the device name (Core Specification Supplement Part A 1.2): shortened, complete.
AD_NAME_TYPES = (0x08, 0x09)


def scan_param(board: Board) -> tuple[int, ...]:
    saved = board.runtime(_ScanParam).value
    if saved is not None:
        return saved
    stored = board.nvs.namespace(NVS).get("scan_param")
    return tuple(int(v) for v in stored) if stored else DEFAULT_SCAN_PARAM


@dataclass
class _ScanParam:
    value: tuple[int, ...] | None = None


@BLESCANPARAM.query
async def blescanparam_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply("+BLESCANPARAM:" + ",".join(str(v) for v in scan_param(ctx.board)))


@BLESCANPARAM.set
async def blescanparam_set(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.args.count(5, 5)
    scan_type = ctx.args.int(0, 0, 1)
    own_addr_type = ctx.args.int(1, 0, 3)
    filter_policy = ctx.args.int(2, 0, 3)
    interval = ctx.args.int(3, UNITS_MIN, UNITS_MAX)
    window = ctx.args.int(4, UNITS_MIN, UNITS_MAX)
    if window > interval:  # 3.4.5: the window "should be less than or equal to" the interval
        raise ctx.fail(errors.para_invalid(4), f"<scan_window> {window} exceeds <scan_interval> {interval}")
    value = (scan_type, own_addr_type, filter_policy, interval, window)
    ctx.board.save(NVS, "scan_param", list(value), SavePolicy.SYSSTORE)
    ctx.board.runtime(_ScanParam).value = value


@dataclass
class ScanState:
    """The running scan: its filter, its report listener, and the last advertising data of each address
    (what a scan response is reported with)."""

    listener: Any = None
    device: Any = None  # the device the listener is on (a deinit and a new AT+BLEINIT make another)
    filter_type: int = 0
    filter_param: str = ""
    last_adv: dict[str, bytes] = field(default_factory=dict)


def ad_name(data: bytes) -> str | None:
    """The device name in advertising data (AD structures: length, type, value), or None."""
    i = 0
    while i < len(data):
        length = data[i]
        if length == 0 or i + 1 + length > len(data):
            return None
        if data[i + 1] in AD_NAME_TYPES:
            return data[i + 2 : i + 1 + length].decode("utf-8", errors="replace")
        i += 1 + length
    return None


def scan_line(address: str, rssi: int, adv: bytes, scan_rsp: bytes, addr_type: int) -> str:
    return f'+BLESCAN:"{address}",{rssi},{adv.hex()},{scan_rsp.hex()},{addr_type}'


def _passes(state: ScanState, address: str, data: bytes) -> bool:
    if state.filter_type == FILTER_MAC:
        return address == state.filter_param.lower()
    if state.filter_type == FILTER_NAME:
        return ad_name(data) == state.filter_param
    return True


async def _stop(board: Board, device: Any) -> bool:
    """Stop the running scan, if any; whether one ran."""
    state = board.runtime(ScanState)
    if state.listener is None or state.device is not device:
        return False
    device.host.remove_listener("advertising_report", state.listener)
    state.listener = state.device = None
    await device.stop_scanning()
    return True


@BLESCAN.set
async def blescan_set(ctx: CommandContext) -> None:
    ble = require_init(ctx)
    assert ble.radio is not None
    device = ble.radio.device
    n = ctx.args.count(1, 4)
    enable = ctx.args.int(0, 0, 1)
    if enable == 0:
        if (
            n > 1
        ):  # 3.4.6 <duration>: "If you want to disable the scanning, this parameter should be omitted."
            raise ctx.fail(errors.para_num(1, n), "AT+BLESCAN=0 takes no other parameter")
        await _stop(ctx.board, device)
        return
    if n == 3:
        raise ctx.fail(errors.para_num(4, n), "<filter_type> needs its <filter_param>")
    duration = ctx.args.int(1, 0, None, default=0)
    state = ctx.board.runtime(ScanState)
    if state.listener is not None and state.device is device:
        raise ctx.fail(errors.exec_fail(), "already scanning (AT+BLESCAN=0 first)")
    filter_type, filter_param = 0, ""
    if n == 4:
        filter_type = ctx.args.int(2, choices=(FILTER_MAC, FILTER_NAME))
        filter_param = ctx.args.str(3, min_len=1, max_len=32)
    scan_type, own_addr_type, _policy, interval, window = scan_param(ctx.board)
    state.filter_type, state.filter_param, state.last_adv = filter_type, filter_param, {}
    board = ctx.board

    def on_report(report: Any) -> None:
        address = str(report.address).split("/")[0].lower()
        data = bytes(report.data)
        if _is_scan_response(report):
            adv, rsp = state.last_adv.get(address, b""), data
        else:
            adv, rsp = data, b""
            state.last_adv[address] = data
        if _passes(state, address, adv):
            board.urc(scan_line(address, int(report.rssi), adv, rsp, int(report.address_type) & 1))

    from bumble.hci import OwnAddressType

    state.listener, state.device = on_report, device
    device.host.on("advertising_report", on_report)
    await device.start_scanning(
        active=scan_type == 1,
        own_address_type=OwnAddressType(own_addr_type),
        scan_interval=interval * 0.625,
        scan_window=window * 0.625,
        filter_duplicates=False,
    )
    if duration > 0:

        async def done() -> None:
            import asyncio

            await asyncio.sleep(duration)
            try:
                stopped = state.listener is on_report and await _stop(board, device)
            except (OSError, ConnectionError):  # the radio went away meanwhile (a deinit)
                return
            if stopped:
                board.urc("+BLESCANDONE")

        board.spawn(done())


def _is_scan_response(report: Any) -> bool:
    from bumble import hci

    if isinstance(report, hci.HCI_LE_Extended_Advertising_Report_Event.Report):
        return bool(int(report.event_type) & 0x08)  # bit 3: scan response
    return int(report.event_type) == hci.HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP
