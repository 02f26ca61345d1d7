"""3.4.18-3.4.25 (ESP32): the board's GATT server on the virtual air.

AT+BLEGATTSSRVCRE reads the service table (sim/radio/gatts_table.py: the default table of the guide's
examples) and fails once a connection is up (3.4.18 notes); AT+BLEGATTSSRVSTART puts all services, or one by
<srv_index>, on the air (bumble's GATT server, whose own 0x1800/0x1801 come first, as the 4.3 note says a
client sees them); AT+BLEGATTSSRVSTOP takes them off (their attributes answer a peer with an ATT error).
AT+BLEGATTSSRV? and AT+BLEGATTSCHAR? list the created services with the table's indexes.

A peer's write to a characteristic or descriptor is reported ``+WRITE:<conn_index>,<srv_index>,<char_index>,
[<desc_index>],<len>,<value>`` with the raw bytes (3.17, 4.3.2: ``+WRITE:0,1,6,1,2,12``); a read
``+READ:<conn_index>,"<addr>"`` (4.3.2 note). AT+BLEGATTSNTFY / AT+BLEGATTSIND send the ``<length>`` bytes
taken after ``>`` (at most MTU - 3) only to a client that enabled notifications (CCCD bit 0) or indications
(bit 1) by writing the characteristic's 0x2902 descriptor: 4.3.2 "After the client is connected, it must be
configured to receive notifications". AT+BLEGATTSSETATTR sets a value; longer than the table's maximum
fails (3.4.25 note).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.ble import POWER_ON_HOOKS, require_init
from sim.commands.ble_conn import CONN_INDEXES, Link, links
from sim.output import Kind
from sim.radio.ble import BleRadio
from sim.radio.gatts_table import CCCD, Attr, Char, Service, build

SRVCRE = command("AT+BLEGATTSSRVCRE", section="3.4.18")
SRVSTART = command("AT+BLEGATTSSRVSTART", section="3.4.19")
SRVSTOP = command("AT+BLEGATTSSRVSTOP", section="3.4.20")
SRV = command("AT+BLEGATTSSRV", section="3.4.21")
CHAR = command("AT+BLEGATTSCHAR", section="3.4.22")
NTFY = command("AT+BLEGATTSNTFY", section="3.4.23")
IND = command("AT+BLEGATTSIND", section="3.4.24")
SETATTR = command("AT+BLEGATTSSETATTR", section="3.4.25")

#: Characteristic properties (Core spec Vol 3 Part G 3.3.1.1), as the table's 0x2803 rows hold them.
PROP_NOTIFY = 0x10
PROP_INDICATE = 0x20
#: The ATT header of a notification or indication (opcode and handle): <length> is at most MTU - 3.
ATT_HEADER = 3


@dataclass
class Gatts:
    """Per radio: the created services, which are started, what bumble serves, each peer's CCCD values."""

    services: list[Service] | None = None
    started: set[int] = field(default_factory=set)
    on_air: dict[int, Any] = field(default_factory=dict)  # srv_index -> bumble Service
    bumble_chars: dict[tuple[int, int], Any] = field(default_factory=dict)
    cccd: dict[tuple[int, int, int], bytes] = field(default_factory=dict)  # (id(conn), srv, char)


def gatts(board: Board) -> Gatts:
    return board.runtime(Gatts)


#: Who takes a peer's write to a characteristic value before it is reported +WRITE (ble_spp.py: the BLE SPP
#: passthrough's rx characteristic): ``tap(board, connection, srv_index, char_index, value)`` -> taken.
WRITE_TAPS: list[Callable[[Board, Any, int, int, bytes], bool]] = []


def _reset(board: Board, _radio: BleRadio) -> None:
    board.runtime(Gatts).__init__()  # type: ignore[misc]


POWER_ON_HOOKS.append(_reset)


def _link_of(board: Board, connection: Any) -> Link | None:
    return next((lk for lk in links(board).by_index.values() if lk.connection is connection), None)


def _report_write(board: Board, connection: Any, srv: int, char: int, desc: int | None, value: bytes) -> None:
    link = _link_of(board, connection)
    if link is None:
        return
    head = f"+WRITE:{link.index},{srv},{char},{'' if desc is None else desc},{len(value)},"
    board.emit(head.encode() + value + b"\r\n", Kind.URC)


def _att_error(code_name: str) -> Exception:
    from bumble import att

    return att.ATT_Error(getattr(att.ErrorCode, code_name))


def _value_of(board: Board, srv: Service, char: Char, attr: Attr, desc: int | None) -> Any:
    """A bumble AttributeValue over ``attr``: reads and writes report, check the started state and length."""
    from bumble.att import AttributeValue

    def read(connection: Any) -> bytes:
        if srv.index not in gatts(board).started:
            raise _att_error("READ_NOT_PERMITTED")
        if desc is None:
            link = _link_of(board, connection)
            if link is not None:
                board.urc(f'+READ:{link.index},"{link.address}"')
        if attr.uuid == f"0x{CCCD:04X}":
            return gatts(board).cccd.get((id(connection), srv.index, char.index), bytes(attr.value))
        return bytes(attr.value)

    def write(connection: Any, value: bytes) -> None:
        if srv.index not in gatts(board).started:
            raise _att_error("WRITE_NOT_PERMITTED")
        value = bytes(value)
        if len(value) > attr.max_len:
            raise _att_error("INVALID_ATTRIBUTE_LENGTH")
        if attr.uuid == f"0x{CCCD:04X}":
            gatts(board).cccd[(id(connection), srv.index, char.index)] = value
        else:
            attr.value[:] = value
            if any(tap(board, connection, srv.index, char.index, value) for tap in WRITE_TAPS):
                return
        _report_write(board, connection, srv.index, char.index, desc, value)

    return AttributeValue(read=read, write=write)


def _permissions(attr: Attr) -> Any:
    from bumble.att import Attribute

    perms = Attribute.Permissions(0)
    if attr.readable:
        perms |= Attribute.READABLE
    if attr.writable:
        perms |= Attribute.WRITEABLE
    return perms


def _uuid(text: str) -> Any:
    from bumble.core import UUID

    digits = text[2:]
    return UUID.from_16_bits(int(digits, 16)) if len(digits) == 4 else UUID(digits)


def _put_on_air(board: Board, radio: BleRadio, srv: Service) -> None:
    from bumble.gatt import Characteristic, Descriptor
    from bumble.gatt import Service as BumbleService

    state = gatts(board)
    if srv.index in state.on_air:
        return
    chars = []
    for char in srv.chars:
        descs = [
            Descriptor(_uuid(d.uuid), _permissions(d), _value_of(board, srv, char, d, n))
            for n, d in enumerate(char.descs, 1)
        ]
        bc = Characteristic(
            _uuid(char.attr.uuid),
            Characteristic.Properties(char.prop),
            _permissions(char.attr),
            _value_of(board, srv, char, char.attr, None),
            descs,
        )
        state.bumble_chars[(srv.index, char.index)] = bc
        chars.append(bc)
    service = BumbleService(_uuid(srv.uuid), chars, primary=srv.primary)
    radio.device.add_service(service)
    state.on_air[srv.index] = service


def _created(ctx: CommandContext) -> list[Service]:
    services = gatts(ctx.board).services
    if services is None:
        raise ctx.fail(errors.exec_fail(), "no services created (AT+BLEGATTSSRVCRE first)")
    return services


@SRVCRE.execute
async def srvcre_execute(ctx: CommandContext) -> None:
    require_init(ctx)
    if links(
        ctx.board
    ).by_index:  # 3.4.18 notes: "If a Bluetooth LE connection is established first, ...fail"
        raise ctx.fail(errors.exec_fail(), "a connection is up: services cannot be created")
    state = gatts(ctx.board)
    if state.services is None:
        state.services = build()


def _select(ctx: CommandContext) -> list[Service]:
    services = _created(ctx)
    if len(ctx.args) == 0:
        return services
    ctx.args.count(1, 1)
    index = ctx.args.int(0, 1, len(services))
    return [services[index - 1]]


@SRVSTART.execute
@SRVSTART.set
async def srvstart(ctx: CommandContext) -> None:
    state = require_init(ctx)
    assert state.radio is not None
    for srv in _select(ctx):
        _put_on_air(ctx.board, state.radio, srv)
        gatts(ctx.board).started.add(srv.index)


@SRVSTOP.execute
@SRVSTOP.set
async def srvstop(ctx: CommandContext) -> None:
    require_init(ctx)
    for srv in _select(ctx):
        gatts(ctx.board).started.discard(srv.index)


@SRV.query
async def srv_query(ctx: CommandContext) -> None:
    require_init(ctx)
    state = gatts(ctx.board)
    for srv in state.services or []:
        started = 1 if srv.index in state.started else 0
        ctx.reply(f"+BLEGATTSSRV:{srv.index},{started},{srv.uuid},{1 if srv.primary else 0}")


@CHAR.query
async def char_query(ctx: CommandContext) -> None:
    require_init(ctx)
    for srv in gatts(ctx.board).services or []:
        for char in srv.chars:
            ctx.reply(f'+BLEGATTSCHAR:"char",{srv.index},{char.index},{char.attr.uuid},0x{char.prop:02X}')
            for n, desc in enumerate(char.descs, 1):
                ctx.reply(f'+BLEGATTSCHAR:"desc",{srv.index},{char.index},{n},{desc.uuid}')


def _char(ctx: CommandContext, srv_arg: int) -> tuple[Service, Char]:
    services = _created(ctx)
    srv_index = ctx.args.int(srv_arg, 1, len(services))
    srv = services[srv_index - 1]
    char_index = ctx.args.int(srv_arg + 1, 1, len(srv.chars))
    char = srv.char(char_index)
    assert char is not None
    return srv, char


async def _send(ctx: CommandContext, prop: int, bit: int, what: str) -> None:
    """AT+BLEGATTSNTFY / AT+BLEGATTSIND: ``>``, <length> bytes, then the notification or indication."""
    state = require_init(ctx)
    assert state.radio is not None
    ctx.args.count(4, 4)
    index = ctx.args.int(0, CONN_INDEXES.start, CONN_INDEXES.stop - 1)
    srv, char = _char(ctx, 1)
    link = links(ctx.board).by_index.get(index)
    if link is None:
        raise ctx.fail(errors.exec_fail(), f"no connection with <conn_index> {index}")
    if not char.prop & prop:
        raise ctx.fail(errors.exec_fail(), f"characteristic {srv.index},{char.index} cannot {what}")
    if srv.index not in gatts(ctx.board).started:
        raise ctx.fail(errors.exec_fail(), f"service {srv.index} is not started")
    mtu = int(getattr(link.connection, "att_mtu", 23))
    length = ctx.args.int(3, 1, mtu - ATT_HEADER)
    data = await ctx.prompt_and_read(length)
    if data is None:
        raise ctx.fail(errors.exec_fail(), "the data did not come")
    cccd = gatts(ctx.board).cccd.get((id(link.connection), srv.index, char.index), b"\0\0")
    if not cccd or not cccd[0] & bit:
        raise ctx.fail(errors.exec_fail(), f"the client has not enabled {what} (CCCD {cccd.hex()})")
    bc = gatts(ctx.board).bumble_chars[(srv.index, char.index)]
    device = state.radio.device
    try:
        if prop == PROP_NOTIFY:
            await device.notify_subscriber(link.connection, bc, data, force=True)
        else:
            await device.indicate_subscriber(link.connection, bc, data, force=True)
    except Exception as exc:  # noqa: BLE001 - the link went away or the peer did not confirm
        raise ctx.fail(errors.exec_fail(), f"{what} not delivered: {exc!r}") from exc


@NTFY.set
async def ntfy_set(ctx: CommandContext) -> None:
    await _send(ctx, PROP_NOTIFY, 0x01, "notify")


@IND.set
async def ind_set(ctx: CommandContext) -> None:
    await _send(ctx, PROP_INDICATE, 0x02, "indicate")


@SETATTR.set
async def setattr_set(ctx: CommandContext) -> None:
    """3.4.25 (ESP32): <srv_index>,<char_index>,[<desc_index>],<length>."""
    require_init(ctx)
    ctx.args.count(4, 4)
    srv, char = _char(ctx, 0)
    attr: Attr | None = char.attr
    if not ctx.args.omitted(2):
        attr = char.desc(ctx.args.int(2, 1, max(1, len(char.descs))))
        if attr is None:
            raise ctx.fail(
                errors.para_invalid(2), f"characteristic {srv.index},{char.index} has no descriptors"
            )
    assert attr is not None
    length = ctx.args.int(3, 1)
    if length > attr.max_len:  # 3.4.25 note: "larger than the maximum length allowed, the setting will fail"
        raise ctx.fail(
            errors.para_invalid(3), f"<length> {length} above the attribute's maximum {attr.max_len}"
        )
    data = await ctx.prompt_and_read(length)
    if data is None:
        raise ctx.fail(errors.exec_fail(), "the data did not come")
    attr.value[:] = data
