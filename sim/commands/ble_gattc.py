"""3.4.26-3.4.30 (ESP32): the board as GATT client of a connected peer.

AT+BLEGATTCPRIMSRV=<conn_index> discovers the peer's primary services, numbered from 1 in the peer's
handle order (4.3 note: a client sees the server's 0x1800 and 0x1801 too); AT+BLEGATTCINCLSRV the
services one includes; AT+BLEGATTCCHAR=<conn_index>,<srv_index> a service's characteristics and their
descriptors, numbered from 1 (4.3 listing). AT+BLEGATTCRD
reads a characteristic or descriptor (``+BLEGATTCRD:<conn_index>,<len>,<value>``, the raw bytes) and
AT+BLEGATTCWR writes the ``<length>`` bytes taken after ``>`` (with response); an attribute that cannot be
read or written answers ERROR (3.4.29, 3.4.30 notes). Once a service's characteristics are discovered, a
notification or indication of one of them is reported ``+NOTIFY`` / ``+INDICATE:<conn_index>,<srv_index>,
<char_index>,<len>,<value>`` (3.17, 4.3.2); the board enables them by writing the 0x2902 descriptor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.ble import require_init
from sim.commands.ble_conn import CONN_INDEXES, Link, links
from sim.output import Kind

PRIMSRV = command("AT+BLEGATTCPRIMSRV", section="3.4.26")
INCLSRV = command("AT+BLEGATTCINCLSRV", section="3.4.27")
CCHAR = command("AT+BLEGATTCCHAR", section="3.4.28")
CRD = command("AT+BLEGATTCRD", section="3.4.29")
CWR = command("AT+BLEGATTCWR", section="3.4.30")

#: How long a discovery, read or write may take over the air before the command fails.
GATT_TIMEOUT = 10.0


@dataclass
class Discovered:
    """Per link: the bumble Peer and the services discovered (proxies, in handle order)."""

    peer: Any
    services: list[Any] = field(default_factory=list)
    described: set[int] = field(default_factory=set)  # srv_index whose characteristics are discovered


def _discovered(board: Board) -> dict[int, Discovered]:
    return board.runtime(_Table).by_conn


@dataclass
class _Table:
    by_conn: dict[int, Discovered] = field(default_factory=dict)


#: Who takes what the peer notifies or indicates before it is reported (ble_spp.py: the BLE SPP rx
#: characteristic): ``tap(board, link_index, srv_index, char_index, value)`` -> taken.
NOTIFY_TAPS: list[Callable[[Board, int, int, int, bytes], bool]] = []


def discovered(board: Board, index: int) -> Discovered | None:
    """What AT+BLEGATTCPRIMSRV / AT+BLEGATTCCHAR discovered over the link ``index``."""
    return _discovered(board).get(index)


def uuid_text(uuid: Any) -> str:
    return "0x" + uuid.to_hex_str().upper()


def _link(ctx: CommandContext) -> Link:
    require_init(ctx)
    index = ctx.args.int(0, CONN_INDEXES.start, CONN_INDEXES.stop - 1)
    link = links(ctx.board).by_index.get(index)
    if link is None:  # "The Bluetooth LE connection has to be established first."
        raise ctx.fail(errors.exec_fail(), f"no connection with <conn_index> {index}")
    return link


def _entry(ctx: CommandContext, link: Link) -> Discovered:
    table = _discovered(ctx.board)
    entry = table.get(link.index)
    if entry is None or entry.peer.connection is not link.connection:
        from bumble.device import Peer

        entry = table[link.index] = Discovered(Peer(link.connection))
    return entry


async def _gatt(ctx: CommandContext, coro: Any, what: str) -> Any:
    import asyncio

    try:
        return await asyncio.wait_for(coro, GATT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - an ATT error, a timeout or a lost link: ERROR (3.4.29/3.4.30)
        raise ctx.fail(errors.exec_fail(), f"{what}: {exc!r}") from exc


@PRIMSRV.set
async def primsrv_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 1)
    link = _link(ctx)
    entry = _entry(ctx, link)
    entry.services = list(await _gatt(ctx, entry.peer.discover_services(), "service discovery"))
    entry.described.clear()
    for n, service in enumerate(entry.services, 1):
        ctx.reply(f"+BLEGATTCPRIMSRV:{link.index},{n},{uuid_text(service.uuid)},1")


def _service(ctx: CommandContext, entry: Discovered, i: int) -> tuple[int, Any]:
    if not entry.services:
        raise ctx.fail(errors.exec_fail(), "no services discovered (AT+BLEGATTCPRIMSRV first)")
    srv_index = ctx.args.int(i, 1, len(entry.services))
    return srv_index, entry.services[srv_index - 1]


@INCLSRV.set
async def inclsrv_set(ctx: CommandContext) -> None:
    """3.4.27: a line per service the service includes; <included_srv_type> 1 when the included service is
    also one of the peer's primary services."""
    ctx.args.count(2, 2)
    link = _link(ctx)
    entry = _entry(ctx, link)
    srv_index, service = _service(ctx, entry, 1)
    found = await _gatt(ctx, entry.peer.discover_included_services(service), "included service discovery")
    primaries = {uuid_text(s.uuid) for s in entry.services}
    head = f"{link.index},{srv_index},{uuid_text(service.uuid)},1"
    for included in found:
        uuid = uuid_text(included.uuid)
        ctx.reply(f"+BLEGATTCINCLSRV:{head},{uuid},{1 if uuid in primaries else 0}")


def _subscribe_reports(board: Board, link: Link, entry: Discovered, srv_index: int, service: Any) -> None:
    """Report what the peer notifies or indicates of the service's characteristics (3.17)."""
    client = entry.peer.gatt_client
    for char_index, char in enumerate(service.characteristics, 1):

        def report(value: bytes, kind: str, char_index: int = char_index) -> None:
            if any(tap(board, link.index, srv_index, char_index, bytes(value)) for tap in NOTIFY_TAPS):
                return
            head = f"{kind}:{link.index},{srv_index},{char_index},{len(value)},"
            board.emit(head.encode() + bytes(value) + b"\r\n", Kind.URC)

        client.notification_subscribers.setdefault(char.handle, set()).add(
            lambda v, r=report: r(v, "+NOTIFY")
        )
        client.indication_subscribers.setdefault(char.handle, set()).add(
            lambda v, r=report: r(v, "+INDICATE")
        )


@CCHAR.set
async def cchar_set(ctx: CommandContext) -> None:
    ctx.args.count(2, 2)
    link = _link(ctx)
    entry = _entry(ctx, link)
    srv_index, service = _service(ctx, entry, 1)
    if srv_index not in entry.described:
        chars = await _gatt(
            ctx, entry.peer.discover_characteristics(service=service), "characteristic discovery"
        )
        for char in chars:
            await _gatt(ctx, entry.peer.discover_descriptors(char), "descriptor discovery")
        _subscribe_reports(ctx.board, link, entry, srv_index, service)
        entry.described.add(srv_index)
    for char_index, char in enumerate(service.characteristics, 1):
        head = f"{link.index},{srv_index},{char_index}"
        ctx.reply(f'+BLEGATTCCHAR:"char",{head},{uuid_text(char.uuid)},0x{int(char.properties):02X}')
        for n, desc in enumerate(char.descriptors, 1):
            ctx.reply(f'+BLEGATTCCHAR:"desc",{head},{n},{uuid_text(desc.type)}')


def _target(ctx: CommandContext, entry: Discovered, srv_index: int, service: Any, desc_arg: int) -> Any:
    if srv_index not in entry.described:
        raise ctx.fail(errors.exec_fail(), "characteristics not discovered (AT+BLEGATTCCHAR first)")
    chars = service.characteristics
    char = chars[ctx.args.int(2, 1, max(1, len(chars))) - 1] if chars else None
    if char is None:
        raise ctx.fail(errors.para_invalid(2), "the service has no characteristics")
    if ctx.args.omitted(desc_arg):
        return char
    descs = char.descriptors
    if not descs:
        raise ctx.fail(errors.para_invalid(desc_arg), "the characteristic has no descriptors")
    return descs[ctx.args.int(desc_arg, 1, len(descs)) - 1]


def _addressed(ctx: CommandContext) -> tuple[Link, Discovered, Any]:
    """<conn_index>,<srv_index>,<char_index>[,<desc_index>]: the link, its discovery and the attribute."""
    link = _link(ctx)
    entry = _entry(ctx, link)
    srv_index, service = _service(ctx, entry, 1)
    return link, entry, _target(ctx, entry, srv_index, service, 3)


@CRD.set
async def crd_set(ctx: CommandContext) -> None:
    ctx.args.count(3, 4)
    link, entry, target = _addressed(ctx)
    value = bytes(await _gatt(ctx, entry.peer.read_value(target), "read"))
    ctx.reply(f"+BLEGATTCRD:{link.index},{len(value)},".encode() + value)


@CWR.set
async def cwr_set(ctx: CommandContext) -> None:
    ctx.args.count(5, 5)
    _, entry, target = _addressed(ctx)
    length = ctx.args.int(4, 1, 512)  # ATT's longest attribute value (Core spec Vol 3 Part F 3.2.9)
    data = await ctx.prompt_and_read(length)
    if data is None:
        raise ctx.fail(errors.exec_fail(), "the data did not come")
    await _gatt(ctx, entry.peer.write_value(target, data, with_response=True), "write")
