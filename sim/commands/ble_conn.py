"""3.4.13-3.4.17 (ESP32): AT+BLECONN, AT+BLECONNPARAM, AT+BLEDISCONN, AT+BLEDATALEN, AT+BLECFGMTU on the air.

A connection has a <conn_index> in [0,2] (3.4.13, ESP32). As central the board connects with AT+BLECONN and
answers ``+BLECONN:<conn_index>,"<addr>"`` then OK, or ``+BLECONN:<conn_index>,-1`` then ERROR; as
peripheral (a peer connects to its advertising) it reports ``+BLECONN:<conn_index>,"<addr>"`` (3.17: the
server side learns of a connection only through this report) with the lowest free index, and its own
AT+BLECONN to that peer at that index answers OK alone (4.3.3: it is then the GATT client of the link).
Every connection's end is ``+BLEDISCONN:<conn_index>,"<addr>"`` (3.4.15, 3.17), whoever ended it. The
address is printed quoted and in lower case as the guide's 4.3.2 transcript shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.ble import POWER_ON_HOOKS, require_init
from sim.radio.ble import BleRadio

BLECONN = command("AT+BLECONN", section="3.4.13")
BLECONNPARAM = command("AT+BLECONNPARAM", section="3.4.14")
BLEDISCONN = command("AT+BLEDISCONN", section="3.4.15")

#: 3.4.13 (ESP32): <conn_index> range [0,2].
CONN_INDEXES = range(3)
#: 3.4.13 <timeout>: "Unit: second. Range: [3,30]"; notes: "The maximum timeout for connection is 30
#: seconds", which stands in for an omitted one.
CONNECT_TIMEOUT_RANGE = (3, 30)


@dataclass
class Link:
    index: int
    address: str
    connection: Any
    #: <min_interval>/<max_interval> last asked for (1.25 ms units); 0 "not known" (3.4.14) until then
    wanted: tuple[int, int] = (0, 0)


@dataclass
class Links:
    """The board's connections by <conn_index>, and the index an AT+BLECONN in progress holds."""

    by_index: dict[int, Link] = field(default_factory=dict)
    connecting: set[int] = field(default_factory=set)

    def free_index(self) -> int | None:
        for i in CONN_INDEXES:
            if i not in self.by_index and i not in self.connecting:
                return i
        return None


def links(board: Board) -> Links:
    return board.runtime(Links)


def address_text(address: Any) -> str:
    return str(address).split("/")[0].lower()


def _attach(board: Board, radio: BleRadio) -> None:
    """A freshly powered-on radio: no connections yet; a peer connecting to it is reported."""
    board.runtime(Links).by_index.clear()
    board.runtime(Links).connecting.clear()

    def on_connection(connection: Any) -> None:
        from bumble.hci import Role

        if connection.role == Role.CENTRAL:  # AT+BLECONN's own, reported by the command
            return
        table = links(board)
        index = table.free_index()
        if index is None:  # no index left: the board refuses the link
            board.spawn(connection.disconnect())
            return
        link = Link(index, address_text(connection.peer_address), connection)
        table.by_index[index] = link
        watch(board, link)
        board.urc(f'+BLECONN:{index},"{link.address}"')

    radio.device.on("connection", on_connection)


POWER_ON_HOOKS.append(_attach)


def watch(board: Board, link: Link) -> None:
    """Report the link's end as +BLEDISCONN and free its index; report each change of its parameters as
    +BLECONNPARAM (4.11.5: after a client's updates, and after AT+BLECONNPARAM=, the board prints
    +BLECONNPARAM:<conn_index>,<min_interval>,<max_interval>,<cur_interval>,<latency>,<timeout>; the
    minimum and maximum are the ones AT+BLECONNPARAM asked for, 0 when the other side asked)."""

    def on_disconnection(_reason: int) -> None:
        table = links(board)
        if table.by_index.get(link.index) is link:
            del table.by_index[link.index]
            board.urc(f'+BLEDISCONN:{link.index},"{link.address}"')

    def on_parameters_update() -> None:
        if links(board).by_index.get(link.index) is link:
            board.urc(conn_param_line(link))

    link.connection.on("disconnection", on_disconnection)
    link.connection.on("connection_parameters_update", on_parameters_update)


def conn_param_line(link: Link) -> str:
    """+BLECONNPARAM:<conn_index>,<min_interval>,<max_interval>,<cur_interval>,<latency>,<timeout> (3.4.14;
    intervals in 1.25 ms, the timeout in 10 ms)."""
    p = link.connection.parameters
    cur = round(p.connection_interval / 1.25)
    timeout = round(p.supervision_timeout / 10)
    mn, mx = link.wanted
    return f"+BLECONNPARAM:{link.index},{mn},{mx},{cur},{p.peripheral_latency},{timeout}"


def each_link(ctx: CommandContext) -> list[tuple[int, Link]]:
    """The connections by <conn_index> for a query that prints a line each (after AT+BLEINIT, 3.4.2)."""
    require_init(ctx)
    return sorted(links(ctx.board).by_index.items())


@BLECONN.query
async def bleconn_query(ctx: CommandContext) -> None:
    for index, link in each_link(ctx):
        ctx.reply(f'+BLECONN:{index},"{link.address}"')


@BLECONN.set
async def bleconn_set(ctx: CommandContext) -> None:
    state = require_init(ctx)
    assert state.radio is not None
    ctx.args.count(2, 4)
    index = ctx.args.int(0, CONN_INDEXES.start, CONN_INDEXES.stop - 1)
    address = ctx.args.str(1, min_len=17, max_len=17).lower()
    addr_type = ctx.args.int(2, 0, 1, default=0)
    timeout = ctx.args.int(3, *CONNECT_TIMEOUT_RANGE, default=CONNECT_TIMEOUT_RANGE[1])
    from bumble.hci import Address, OwnAddressType

    try:
        peer = Address(address, Address.RANDOM_DEVICE_ADDRESS if addr_type else Address.PUBLIC_DEVICE_ADDRESS)
    except (ValueError, TypeError) as exc:
        raise ctx.fail(errors.para_invalid(1), f"{address!r} is not a Bluetooth LE address") from exc
    table = links(ctx.board)
    if _gatt_client_over_existing_link(table.by_index.get(index), address):
        return
    if index in table.by_index or index in table.connecting:
        raise ctx.fail(errors.exec_fail(), f"<conn_index> {index} is in use")
    from sim.commands.ble import own_address

    own = OwnAddressType.RANDOM if own_address(ctx.board)[0] == 1 else OwnAddressType.PUBLIC
    table.connecting.add(index)
    try:
        connection = await state.radio.device.connect(peer, own_address_type=own, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a timeout or a refusal: 3.4.13's failure response either way
        ctx.reply(f"+BLECONN:{index},-1")
        raise ctx.fail(errors.exec_fail(), f"no connection to {address}: {exc!r}") from exc
    finally:
        table.connecting.discard(index)
    link = Link(index, address, connection)
    table.by_index[index] = link
    watch(ctx.board, link)
    ctx.reply(f'+BLECONN:{index},"{address}"')


def _gatt_client_over_existing_link(link: Link | None, address: str) -> bool:
    """True when AT+BLECONN names the device that already connected to the board at that <conn_index> (the
    board its peripheral): the command then answers OK alone, and the board uses the GATT client commands
    over that link. 4.3.3's note on the server's AT+BLECONN=0,<client>: "the message OK will be prompted
    and the message +BLECONN... will not be prompted"; either role may use the GATT client commands
    (espressif/esp-at#460, #643)."""
    from bumble.hci import Role

    return link is not None and link.address == address and link.connection.role != Role.CENTRAL


def _link(ctx: CommandContext, i: int = 0) -> Link:
    index = ctx.args.int(i, CONN_INDEXES.start, CONN_INDEXES.stop - 1)
    link = links(ctx.board).by_index.get(index)
    if link is None:
        raise ctx.fail(errors.exec_fail(), f"no connection with <conn_index> {index}")
    return link


@BLEDISCONN.set
async def bledisconn_set(ctx: CommandContext) -> None:
    """3.4.15: OK when the command is received; +BLEDISCONN when the link has ended."""
    require_init(ctx)
    ctx.args.count(1, 1)
    link = _link(ctx)
    ctx.board.spawn(_disconnect(link))


async def _disconnect(link: Link) -> None:
    try:
        await link.connection.disconnect()
    except Exception:  # noqa: BLE001 - the link went away on its own meanwhile: reported by its event
        pass


@BLECONNPARAM.query
async def bleconnparam_query(ctx: CommandContext) -> None:
    for _index, link in each_link(ctx):
        ctx.reply(conn_param_line(link))


@BLECONNPARAM.set
async def bleconnparam_set(ctx: CommandContext) -> None:
    """3.4.14: intervals [0x0006,0x0C80] in 1.25 ms, min <= max; latency [0,0x01F3]; timeout
    [0x000A,0x0C80] in 10 ms."""
    require_init(ctx)
    ctx.args.count(5, 5)
    link = _link(ctx)
    mn = ctx.args.int(1, 0x0006, 0x0C80)
    mx = ctx.args.int(2, 0x0006, 0x0C80)
    latency = ctx.args.int(3, 0, 0x01F3)
    timeout = ctx.args.int(4, 0x000A, 0x0C80)
    if mn > mx:
        raise ctx.fail(errors.para_invalid(1), f"<min_interval> {mn} above <max_interval> {mx}")
    link.wanted = (mn, mx)
    # OK once the update is asked for; the new parameters are reported when the link applies them (4.11.5:
    # OK, then +BLECONNPARAM), a refusal as 3.4.14's "+BLECONNPARAM: <conn_index>,-1".
    ctx.board.spawn(_update(ctx.board, link, (mn * 1.25, mx * 1.25, latency, timeout * 10.0)))


async def _update(board: Board, link: Link, parameters: tuple[float, float, int, float]) -> None:
    try:
        await link.connection.update_parameters(*parameters)
    except Exception as exc:  # noqa: BLE001 - 3.4.14's failure report
        board.log(f"connection update refused: {exc!r}")
        board.urc(f"+BLECONNPARAM: {link.index},-1")


BLECFGMTU = command("AT+BLECFGMTU", section="3.4.17")
#: 3.4.17 (ESP32) <mtu_size>: "Unit: byte. Range: [23,517]".
MTU_RANGE = (23, 517)


@BLECFGMTU.query
async def blecfgmtu_query(ctx: CommandContext) -> None:
    """+BLECFGMTU:<conn_index>,<mtu_size> for each connection: the ATT MTU in use (23 until negotiated)."""
    for index, link in each_link(ctx):
        ctx.reply(f"+BLECFGMTU:{index},{int(link.connection.att_mtu)}")


@BLECFGMTU.set
async def blecfgmtu_set(ctx: CommandContext) -> None:
    """3.4.17 notes: only the client sets it; OK "only indicates an attempt to negotiate" (the exchange
    runs after OK; AT+BLECFGMTU? reads the result)."""
    require_init(ctx)
    ctx.args.count(2, 2)
    link = _link(ctx)
    mtu = ctx.args.int(1, *MTU_RANGE)
    from bumble.hci import Role

    if link.connection.role != Role.CENTRAL:
        raise ctx.fail(errors.exec_fail(), "only the client (central) negotiates the MTU (3.4.17 notes)")
    ctx.board.spawn(_exchange_mtu(link, mtu))


async def _exchange_mtu(link: Link, mtu: int) -> None:
    from bumble.device import Peer

    try:
        await Peer(link.connection).request_mtu(mtu)
    except Exception:  # noqa: BLE001 - the peer refused or left: the MTU stays as it was
        pass


BLEDATALEN = command("AT+BLEDATALEN", section="3.4.16")
#: 3.4.16 <pkt_data_len>: "Range: [0x001B,0x00FB]".
DATA_LEN_RANGE = (0x001B, 0x00FB)


@BLEDATALEN.set
async def bledatalen_set(ctx: CommandContext) -> None:
    """3.4.16: the link's maximum transmit payload (the connection has to be established first)."""
    require_init(ctx)
    ctx.args.count(2, 2)
    link = _link(ctx)
    octets = ctx.args.int(1, *DATA_LEN_RANGE)
    # the time those octets take on the 1M PHY: (octets + 14) * 8 us (Core spec Vol 6 Part B 4.5.10)
    try:
        await link.connection.set_data_length(octets, (octets + 14) * 8)
    except Exception as exc:  # noqa: BLE001 - the controller refused: the command fails
        raise ctx.fail(errors.exec_fail(), f"data length not set: {exc!r}") from exc
