"""3.4.45-3.4.47 (ESP32): BluFi: AT+BLUFI, AT+BLUFINAME, AT+BLUFISEND on the virtual air, and the BluFi
provisioning of example 4.12.1.

AT+BLUFI=1 (only while Bluetooth LE is not initialized, 3.4.45 note) powers a radio of its own on and
advertises, connectable, the BluFi name (AT+BLUFINAME, default ``BLUFI_DEVICE``, at most 26 bytes: 3.4.46
notes) with the BluFi service of ESP-IDF's BluFi profile (api-guides/blufi: service 0xFFFF, the phone writes
frames to 0xFF01 and the board notifies frames on 0xFF02). A phone's connection is reported ``+BLUFICONN``
and its end ``+BLUFIDISCONN`` (4.12.1; espressif/esp-at#767); AT+BLUFI=0 ends the connection (its
``+BLUFIDISCONN`` before the OK, 4.12.1), stops advertising and frees the radio.

The phone's frames (sim/radio/blufi.py) set the station's SSID and password and the Wi-Fi mode, and ask the
board to connect: the board then joins like any station (WIFI CONNECTED, WIFI GOT IP: 4.12.1), unless every
AP of that SSID is weaker than AT+BLUFI's ``<auth floor>`` (3.4.45). Its address got, the board sends the
connected phone the Wi-Fi connection state report unasked (the app's "device status response" of 4.12.1);
a status request is answered with the same report. AT+BLUFISEND=<length> (at most 600 bytes, 3.4.47
notes) sends ``>``, takes the bytes and sends them as a custom-data frame, fragmented to fit the ATT MTU;
custom data the phone sends is reported ``+BLUFIDATA:<len>,<data>`` (3.17).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.commands.ble import ble_state
from sim.commands.ble_gatts import ATT_HEADER
from sim.commands.wifi_runtime import dispatch, now, wifi_model
from sim.output import Kind
from sim.radio import blufi as bf
from sim.radio.ble import BleRadio
from sim.wifi import ops_provision, ops_station

BLUFI = command("AT+BLUFI", section="3.4.45")
BLUFINAME = command("AT+BLUFINAME", section="3.4.46")
BLUFISEND = command("AT+BLUFISEND", section="3.4.47")

DEFAULT_NAME = "BLUFI_DEVICE"
NAME_MAX = 26
SEND_MAX = 600
#: BluFi's service and characteristics (ESP-IDF blufi profile).
SERVICE_UUID, PHONE_TO_BOARD, BOARD_TO_PHONE = 0xFFFF, 0xFF01, 0xFF02
ADV_INTERVAL_MS = 100
#: The ATT MTU before an exchange (Core spec Vol 3 Part F 3.2.8).
DEFAULT_ATT_MTU = 23


@dataclass
class Blufi:
    """Per boot: the name, the floor, the running BluFi radio, its connection and the frames' state."""

    name: str = DEFAULT_NAME
    auth_floor: int = 0
    radio: BleRadio | None = None
    to_phone: Any = None
    connection: Any = None
    seq: int = 0  # the board's next sequence number on this connection
    receiver: bf.Receiver = field(default_factory=bf.Receiver)
    ssid: str = ""
    password: str = ""
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


def blufi(board: Board) -> Blufi:
    return board.runtime(Blufi)


@on_boot
def _boot(board: Board) -> None:
    """A restart takes the previous boot's BluFi radio off the air, as a reset board's."""
    old = getattr(board, "_blufi_radio", None)
    board._blufi_radio = None  # type: ignore[attr-defined]
    if old is not None:
        board.spawn_detached(old.power_off())
    board.events.on("sta_got_ip", lambda **_: _report_connected(board))


def _report_connected(board: Board) -> None:
    """The station got its address while a phone is connected: the board tells the phone, unasked, with the
    Wi-Fi connection state report (ESP-IDF api-guides/blufi's flow: once connected, the device reports the
    connection state; EspBlufiForiOS#20: configure is followed by the device status response without a
    request; 4.12.1: after Configure the app shows "Receive device status response")."""
    if blufi(board).connection is not None:
        board.spawn(_send(board, bf.DATA, bf.DATA_WIFI_REPORT, _status(board)))


async def _send(board: Board, frame_type: int, subtype: int, data: bytes) -> None:
    """Notify ``data`` to the phone as one message: numbered now, sent in the order messages were made."""
    state = blufi(board)
    connection = state.connection
    if connection is None or state.radio is None:
        return
    room = int(getattr(connection, "att_mtu", DEFAULT_ATT_MTU)) - ATT_HEADER
    raw = bf.frames(frame_type, subtype, data, room, state.seq)
    state.seq = (state.seq + len(raw)) & 0xFF
    device = state.radio.device
    async with state.sending:
        for frame in raw:
            await device.notify_subscriber(connection, state.to_phone, frame)


def _status(board: Board) -> bytes:
    m = wifi_model(board)
    ap = m.sta_ap
    connected = m.sta_has_ip and ap is not None
    return bf.wifi_report(
        m.settings.mode,
        connected,
        len(m.ap_stations) if m.ap_running else 0,
        ap.ssid if ap is not None else "",
        ap.effective_bssid if ap is not None else None,
    )


def _act(board: Board, action: bf.Action) -> None:
    state = blufi(board)
    if action.kind == "custom":
        board.emit(f"+BLUFIDATA:{len(action.data)},".encode() + action.data + b"\r\n", Kind.URC)
    elif action.kind == "ssid":
        state.ssid = action.data.decode("utf-8", errors="replace")
    elif action.kind == "password":
        state.password = action.data.decode("utf-8", errors="replace")
    elif action.kind == "opmode" and action.data and action.data[0] <= 3:
        ops_station.cwmode_set(wifi_model(board), now(), action.data[0])
        dispatch(board)
    elif action.kind == "connect":
        ops_provision.blufi_join(wifi_model(board), now(), state.ssid, state.password, state.auth_floor)
        dispatch(board)
    elif action.kind == "disconnect":
        ops_provision.blufi_leave(wifi_model(board), now())
        dispatch(board)
    elif action.kind == "status":
        board.spawn(_send(board, bf.DATA, bf.DATA_WIFI_REPORT, _status(board)))


def _service(board: Board) -> Any:
    from bumble.att import Attribute, AttributeValue
    from bumble.core import UUID
    from bumble.gatt import Characteristic, Service

    state = blufi(board)
    props = Characteristic.Properties

    def write(_connection: Any, value: bytes) -> None:
        actions = state.receiver.feed(bytes(value))
        for reply in state.receiver.replies:
            board.spawn(_send(board, *reply))
        for action in actions:
            _act(board, action)

    state.to_phone = Characteristic(
        UUID.from_16_bits(BOARD_TO_PHONE), props.READ | props.NOTIFY, Attribute.READABLE, b""
    )
    from_phone: Any = Characteristic(
        UUID.from_16_bits(PHONE_TO_BOARD), props.WRITE, Attribute.WRITEABLE, AttributeValue(write=write)
    )
    return Service(UUID.from_16_bits(SERVICE_UUID), [from_phone, state.to_phone])


def _adv_data(name: str) -> bytes:
    """Flags (LE General Discoverable, BR/EDR not supported), the 16-bit UUID 0xFFFF and the name, as
    ESP-IDF's BluFi example advertises them (espressif/esp-idf#12479's HCI trace)."""
    encoded = name.encode()
    return (
        bytes([2, 0x01, 0x06, 3, 0x03])
        + SERVICE_UUID.to_bytes(2, "little")
        + bytes([len(encoded) + 1, 0x09])
        + encoded
    )


def _on_connection(board: Board, connection: Any) -> None:
    state = blufi(board)
    state.connection, state.seq, state.receiver = connection, 0, bf.Receiver()
    board.urc("+BLUFICONN")

    def on_disconnection(_reason: int) -> None:
        if state.connection is connection:
            state.connection = None
            board.urc("+BLUFIDISCONN")

    connection.on("disconnection", on_disconnection)


@BLUFI.query
async def blufi_query(ctx: CommandContext) -> None:
    ctx.reply(f"+BLUFI:{1 if blufi(ctx.board).radio is not None else 0}")


async def _stop(board: Board) -> None:
    state = blufi(board)
    radio, connection = state.radio, state.connection
    state.radio = None
    board._blufi_radio = None  # type: ignore[attr-defined]
    if connection is not None:
        # 4.12.1: AT+BLUFI=0 prints +BLUFIDISCONN before its OK
        ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_end(_reason: int) -> None:
            if not ended.done():
                ended.set_result(None)

        connection.once("disconnection", on_end)
        await connection.disconnect()
        await asyncio.wait_for(ended, 5.0)
    if radio is not None:
        await radio.power_off()


@BLUFI.set
async def blufi_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 2)
    option = ctx.args.int(0, 0, 1)
    floor = ctx.args.int(1, 0, 15) if len(ctx.args) > 1 else 0
    if ble_state(ctx.board).role != 0:  # 3.4.45 note: only while Bluetooth LE is not initialized
        raise ctx.fail(errors.exec_fail(), "Bluetooth LE is initialized (AT+BLEINIT=0 first)")
    state = blufi(ctx.board)
    if option == 0:
        await _stop(ctx.board)
        return
    state.auth_floor = floor
    if state.radio is not None:
        return
    air = ctx.board.air.services.ble_air if ctx.board.air is not None else None
    if air is None:
        raise ctx.fail(errors.exec_fail(), "no BLE air in the air file (services.ble_air)")
    radio = BleRadio(air, ctx.board.identity.bt_mac, state.name)
    try:
        await radio.power_on()
    except (OSError, ConnectionError) as exc:
        raise ctx.fail(errors.exec_fail(), f"the BLE air did not answer: {exc}") from exc
    device = radio.device
    device.add_service(_service(ctx.board))
    board = ctx.board
    device.on("connection", lambda connection: _on_connection(board, connection))
    from bumble.hci import OwnAddressType

    await device.start_advertising(
        own_address_type=OwnAddressType.PUBLIC,
        advertising_data=_adv_data(state.name),
        advertising_interval_min=ADV_INTERVAL_MS,
        advertising_interval_max=ADV_INTERVAL_MS,
    )
    state.radio = radio
    ctx.board._blufi_radio = radio  # type: ignore[attr-defined]


@BLUFINAME.query
async def blufiname_query(ctx: CommandContext) -> None:
    ctx.reply(f"+BLUFINAME:{blufi(ctx.board).name}")


@BLUFINAME.set
async def blufiname_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 1)
    blufi(ctx.board).name = ctx.args.str(0, min_len=1, max_len=NAME_MAX)


@BLUFISEND.set
async def blufisend_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 1)
    length = ctx.args.int(0, 1, SEND_MAX)
    state = blufi(ctx.board)
    if state.radio is None or state.connection is None:
        raise ctx.fail(errors.exec_fail(), "no phone connected over BluFi (AT+BLUFI=1, then its connection)")
    data = await ctx.prompt_and_read(length)
    if data is None:
        raise ctx.fail(errors.exec_fail(), "the data did not come")
    if state.connection is None:
        raise ctx.fail(errors.exec_fail(), "the phone disconnected meanwhile")
    await _send(ctx.board, bf.DATA, bf.DATA_CUSTOM, data)
