"""3.4.33-3.4.40 (ESP32): Bluetooth LE security on the air: AT+BLESECPARAM, AT+BLEENC, AT+BLEENCRSP,
AT+BLEKEYREPLY, AT+BLECONFREPLY, AT+BLEENCDEV, AT+BLEENCCLEAR, AT+BLESETKEY.

The board's Security Manager is bumble's; the AT parameters become its pairing configuration (3.4.33:
<auth_req> bit 0 bonding, bit 2 MITM, bit 3 Secure Connections; <iocap> the SMP IO capability values;
<init_key>/<rsp_key> the SMP key distribution bits; <enc_key_size> the maximum key size). What the user of
the board must do in a pairing is a report and a command:

- the peer asks to pair (or to be encrypted): ``+BLESECREQ:<conn_index>`` (3.17), answered by AT+BLEENCRSP;
- the board must show a passkey: ``+BLESECNTFYKEY:<conn_index>,<key>`` (3.17; the AT+BLESETKEY key when set);
- the board must enter the peer's passkey: ``+BLESECKEYREQ:<conn_index>`` (3.17, 4.3.7), AT+BLEKEYREPLY;
- numeric comparison: ``+BLESECNCREQ:<conn_index>,<key>``, answered by AT+BLECONFREPLY (the guide names
  the command but not the report; a real board's transcript in espressif/esp-at#890 and
  WurthElektronik/WirelessConnectivity-SDK#9 shows ``+BLESECNCREQ:0,924092`` then AT+BLECONFREPLY=0,1);
- the keys exchanged: ``+BLESECKEYTYPE:<conn_index>,<key_type>`` (4.3.4, the Bluedroid key type bits), then
  ``+BLEAUTHCMPL:<conn_index>,<enc_result>`` (0 success, 1 failure).

A bonded peer's address joins the bonding list in NVS (AT+BLEENCDEV?, 3.4.38: at most 15, the sixteenth
overwriting from index 0 on), which AT+RST keeps and AT+BLEENCCLEAR empties.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.ble import NVS, POWER_ON_HOOKS, require_init
from sim.commands.ble_conn import _link, address_text, links
from sim.flash import SavePolicy
from sim.radio.ble import BleRadio

BLESECPARAM = command("AT+BLESECPARAM", section="3.4.33")
BLEENC = command("AT+BLEENC", section="3.4.34")
BLEENCRSP = command("AT+BLEENCRSP", section="3.4.35")
BLEKEYREPLY = command("AT+BLEKEYREPLY", section="3.4.36")
BLECONFREPLY = command("AT+BLECONFREPLY", section="3.4.37")
BLEENCDEV = command("AT+BLEENCDEV", section="3.4.38")
BLEENCCLEAR = command("AT+BLEENCCLEAR", section="3.4.39")
BLESETKEY = command("AT+BLESETKEY", section="3.4.40")

#: 3.4.33 <auth_req> values.
AUTH_REQS = (0, 1, 4, 8, 9, 12, 13)
#: What the board pairs with until AT+BLESECPARAM: the guide states no default; the first example's
#: values (AT+BLESECPARAM=1,4,16,3,3,0 of 3.4.33) stand in.
DEFAULT_SEC_PARAM = (1, 4, 16, 3, 3, 0)
#: 3.4.38: "ESP-AT allows a maximum of 15 devices to be bonded".
BOND_MAX = 15
#: A 6-digit passkey (Core spec Vol 3 Part H 2.3.5.1: 000000 to 999999).
PASSKEY_MAX = 999999
#: Bluedroid's key types (esp_gap_ble_api.h ESP_LE_KEY_*) of what an LE pairing exchanges, in the order the
#: 4.3.4 server transcript prints them: LENC, PENC, LID, PID.
KEY_LENC, KEY_PENC, KEY_LID, KEY_PID = 16, 1, 32, 2
#: How long the board waits for its user's answer before the pairing fails (the SMP timeout, 30 s: Core spec
#: Vol 3 Part H 3.4).
ANSWER_TIMEOUT = 30.0


@dataclass
class _Set:
    """What AT+BLESECPARAM and AT+BLESETKEY set since boot (AT+SYSSTORE=0 keeps it in RAM only)."""

    sec_param: tuple[int, ...] | None = None
    static_key: int | None = None


def sec_param(board: Board) -> tuple[int, ...]:
    current = board.runtime(_Set).sec_param
    if current is not None:
        return current
    stored = board.nvs.namespace(NVS).get("sec_param")
    return tuple(int(v) for v in stored) if stored else DEFAULT_SEC_PARAM


def static_key(board: Board) -> int | None:
    current = board.runtime(_Set).static_key
    if current is not None:
        return current
    value = board.nvs.namespace(NVS).get("static_key")
    return None if value is None else int(value)


def bonded(board: Board) -> list[str]:
    return list(board.nvs.namespace(NVS).get("bonded", []))


@dataclass
class Pending:
    """Answers the board's pairing waits for, by <conn_index> and kind ("rsp", "key", "conf")."""

    answers: dict[tuple[int, str], asyncio.Future[Any]] = field(default_factory=dict)
    #: connections this board asked to encrypt as peripheral (its peer's pairing request needs no +BLESECREQ)
    requested: set[int] = field(default_factory=set)


def pending(board: Board) -> Pending:
    return board.runtime(Pending)


def _index_of(board: Board, connection: Any) -> int | None:
    for index, link in links(board).by_index.items():
        if link.connection is connection:
            return index
    return None


async def _ask(board: Board, index: int, kind: str, report: str) -> Any:
    """Print ``report`` and wait for the AT command that answers it."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    pending(board).answers[(index, kind)] = future
    board.urc(report)
    try:
        return await asyncio.wait_for(future, ANSWER_TIMEOUT)
    finally:
        pending(board).answers.pop((index, kind), None)


def _delegate(board: Board, connection: Any, iocap: int, key_size: int, init_key: int, rsp_key: int) -> Any:
    from bumble.pairing import PairingDelegate

    class AtDelegate(PairingDelegate):  # type: ignore[misc]
        def index(self) -> int:
            found = _index_of(board, connection)
            return -1 if found is None else found

        async def accept(self) -> bool:
            index = self.index()
            if index in pending(board).requested:  # the pairing answers the board's own AT+BLEENC
                return True
            return bool(await _ask(board, index, "rsp", f"+BLESECREQ:{index}"))

        async def generate_passkey(self) -> int:
            key = static_key(board)
            return secrets.randbelow(PASSKEY_MAX + 1) if key is None else key

        async def display_number(self, number: int, digits: int) -> None:
            board.urc(f"+BLESECNTFYKEY:{self.index()},{number:06d}")

        async def get_number(self) -> int | None:
            index = self.index()
            return int(await _ask(board, index, "key", f"+BLESECKEYREQ:{index}"))

        async def compare_numbers(self, number: int, digits: int) -> bool:
            index = self.index()
            return bool(await _ask(board, index, "conf", f"+BLESECNCREQ:{index},{number:06d}"))

    return AtDelegate(
        io_capability=PairingDelegate.IoCapability(iocap),
        local_initiator_key_distribution=PairingDelegate.KeyDistribution(init_key & 0x0F),
        local_responder_key_distribution=PairingDelegate.KeyDistribution(rsp_key & 0x0F),
        maximum_encryption_key_size=key_size,
    )


def _attach(board: Board, radio: BleRadio) -> None:
    """A freshly powered-on radio pairs with the AT parameters and reports every step."""
    from bumble.pairing import PairingConfig

    pending(board).answers.clear()
    pending(board).requested.clear()
    device = radio.device

    def config(connection: Any) -> Any:
        auth_req, iocap, key_size, init_key, rsp_key, _option = sec_param(board)
        return PairingConfig(
            sc=bool(auth_req & 8),
            mitm=bool(auth_req & 4),
            bonding=bool(auth_req & 1),
            delegate=_delegate(board, connection, iocap, key_size, init_key, rsp_key),
        )

    device.pairing_config_factory = config

    def on_connection(connection: Any) -> None:
        sessions: dict[str, Any] = {}

        def on_start() -> None:
            sessions["smp"] = device.smp_manager.sessions.get(connection.handle)

        def on_pairing(keys: Any) -> None:
            index = _index_of(board, connection)
            pending(board).requested.discard(index if index is not None else -1)
            types = [KEY_LENC, KEY_PENC] if keys.ltk is not None or keys.ltk_central is not None else []
            if keys.irk is not None:
                types += [KEY_LID, KEY_PID]
            for key_type in types:
                board.urc(f"+BLESECKEYTYPE:{index},{key_type}")
            session = sessions.get("smp")
            if session is not None and session.bonding:
                bond(board, address_text(connection.peer_address))
            board.urc(f"+BLEAUTHCMPL:{index},0")

        def on_failure(_reason: int) -> None:
            index = _index_of(board, connection)
            pending(board).requested.discard(index if index is not None else -1)
            board.urc(f"+BLEAUTHCMPL:{index},1")

        def on_security_request(_auth_req: Any) -> None:  # the board is central: its user decides
            index = _index_of(board, connection)

            async def answer() -> None:
                with contextlib.suppress(asyncio.TimeoutError):
                    if await _ask(board, index if index is not None else -1, "rsp", f"+BLESECREQ:{index}"):
                        await _pair(device, connection)

            board.spawn(answer())

        connection.on("pairing_start", on_start)
        connection.on("pairing", on_pairing)
        connection.on("pairing_failure", on_failure)
        connection.on("security_request", on_security_request)

    device.on("connection", on_connection)


POWER_ON_HOOKS.append(_attach)


def bond(board: Board, address: str) -> None:
    """Add ``address`` to the bonding list (3.4.38: past 15, overwrite from index 0 on, in bonding order)."""
    saved = board.nvs.namespace(NVS)
    devices = bonded(board)
    if address in devices:
        return
    if len(devices) < BOND_MAX:
        devices.append(address)
    else:
        slot = int(saved.get("bond_next", 0))
        devices[slot] = address
        saved.set("bond_next", (slot + 1) % BOND_MAX)
    saved.set("bonded", devices)


def _answer(ctx: CommandContext, kind: str, lo: int, hi: int) -> None:
    """AT+BLEENCRSP / AT+BLEKEYREPLY / AT+BLECONFREPLY=<conn_index>,<value>: the answer the link's pairing
    waits for (ERROR when it waits for none)."""
    require_init(ctx)
    ctx.args.count(2, 2)
    index = _link(ctx).index
    value = ctx.args.int(1, lo, hi)
    future = pending(ctx.board).answers.get((index, kind))
    if future is None or future.done():
        raise ctx.fail(errors.exec_fail(), f"connection {index} waits for no {kind} answer")
    future.set_result(value)


async def _pair(device: Any, connection: Any) -> None:
    """Pair as initiator; a failure is reported by the connection's pairing_failure event."""
    try:
        await device.pair(connection)
    except Exception:  # noqa: BLE001 - reported as +BLEAUTHCMPL:<conn_index>,1
        pass


@BLESECPARAM.query
async def blesecparam_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply("+BLESECPARAM:" + ",".join(str(v) for v in sec_param(ctx.board)))


@BLESECPARAM.set
async def blesecparam_set(ctx: CommandContext) -> None:
    require_init(ctx)
    n = ctx.args.count(5, 6)
    auth_req = ctx.args.int(0, choices=AUTH_REQS)
    iocap = ctx.args.int(1, 0, 4)
    key_size = ctx.args.int(2, 7, 16)
    init_key = ctx.args.int(3, 0, 0x0F)
    rsp_key = ctx.args.int(4, 0, 0x0F)
    option = ctx.args.int(5, 0, 1) if n == 6 else 0
    value = (auth_req, iocap, key_size, init_key, rsp_key, option)
    ctx.board.save(NVS, "sec_param", list(value), SavePolicy.SYSSTORE)
    ctx.board.runtime(_Set).sec_param = value


@BLEENC.set
async def bleenc_set(ctx: CommandContext) -> None:
    """3.4.34: OK at once; the pairing's steps and result are reports."""
    state = require_init(ctx)
    ctx.args.count(2, 2)
    link = _link(ctx)
    sec_act = ctx.args.int(1, 0, 3)
    if sec_act == 0:  # SEC_NONE: nothing to start
        return
    from bumble.hci import Role

    assert state.radio is not None
    device = state.radio.device
    if link.connection.role == Role.CENTRAL:
        ctx.board.spawn(_pair(device, link.connection))
    else:
        pending(ctx.board).requested.add(link.index)
        device.request_pairing(link.connection)


@BLEENCRSP.set
async def bleencrsp_set(ctx: CommandContext) -> None:
    _answer(ctx, "rsp", 0, 1)  # 3.4.35 <accept>: 0 reject, 1 accept


@BLEKEYREPLY.set
async def blekeyreply_set(ctx: CommandContext) -> None:
    _answer(ctx, "key", 0, PASSKEY_MAX)


@BLECONFREPLY.set
async def bleconfreply_set(ctx: CommandContext) -> None:
    _answer(ctx, "conf", 0, 1)  # 3.4.37 <confirm>: 0 No, 1 Yes


@BLEENCDEV.query
async def bleencdev_query(ctx: CommandContext) -> None:
    require_init(ctx)
    for index, address in enumerate(bonded(ctx.board)):
        ctx.reply(f"+BLEENCDEV:{index},{address}")


@BLEENCCLEAR.set
async def bleencclear_set(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.args.count(1, 1)
    devices = bonded(ctx.board)
    index = ctx.args.int(0, 0, BOND_MAX - 1)
    if index >= len(devices):
        raise ctx.fail(errors.exec_fail(), f"no bonded device with <enc_dev_index> {index}")
    del devices[index]
    ctx.board.nvs.namespace(NVS).set("bonded", devices)


@BLEENCCLEAR.execute
async def bleencclear_execute(ctx: CommandContext) -> None:
    require_init(ctx)
    saved = ctx.board.nvs.namespace(NVS)
    saved.set("bonded", [])
    saved.set("bond_next", 0)


@BLESETKEY.query
async def blesetkey_query(ctx: CommandContext) -> None:
    require_init(ctx)
    key = static_key(ctx.board)
    # 3.4.40 (ESP32): "If it is not set, AT will return -1."
    ctx.reply(f"+BLESETKEY:{-1 if key is None else key}")


@BLESETKEY.set
async def blesetkey_set(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.args.count(1, 1)
    key = ctx.args.int(0, 0, PASSKEY_MAX)
    ctx.board.save(NVS, "static_key", key, SavePolicy.SYSSTORE)
    ctx.board.runtime(_Set).static_key = key
