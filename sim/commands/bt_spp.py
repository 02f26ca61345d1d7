"""3.5.6-3.5.10 Classic Bluetooth SPP: AT+BTSPPINIT, AT+BTSPPCONN, AT+BTSPPDISCONN, AT+BTSPPSEND,
AT+BTSPPSTART, and the +BTDATA report (4.10.1).

SPP is RFCOMM with an SDP record of the Serial Port service class (0x1101), over bumble (sim/radio/bt.py).
One connection, index 0 (3.5.7: "Only 0 is supported"). AT+BTSPPCONN and AT+BTSPPDISCONN wait for the
link: ``+BTSPPCONN:0,"<addr>"`` / ``+BTSPPDISCONN:0,"<addr>"``, then OK, as all four SPP transcripts of 4.10
print them (3.5.7/3.5.8 list OK first in prose); a failed connection: ``+BTSPPCONN:0,-1`` then ERROR (as
AT+BLECONN's, espressif/esp-at issue 750). A peer that connects to the slave's service or ends the link is
reported the same way, as a report. In passthrough (AT+BTSPPSEND
execute form) a change of the connection is reported only with AT+SYSMSG bit 2 (3.5.10 note).

- Roles (3.5.6 <init>): 1 master connects with AT+BTSPPCONN; 2 slave offers the service once AT+BTSPPSTART
  ran. Another role needs AT+BTSPPINIT=0 first (the simulator's reading, as AT+BLEINIT's 3.4.2 note).
- <sec_mode> (3.5.7) is a mask of the listed values; any of authorization, encryption, MITM or 16-digit
  PIN makes the master authenticate (pair, with the IO capability of AT+BTSECPARAM) and encrypt first.
- Normal mode: AT+BTSPPSEND=0,<len>, ``>``, exactly <len> bytes go to the peer, OK (4.10.1; more bytes than
  <len> get ``busy p...``, as in every data mode of the engine). Received data: ``+BTDATA:<len>,<data>``.
- Passthrough: AT+BTSPPSEND: OK, ``>`` (4.10.2), input goes out in RFCOMM frames after AT+TRANSINTVL of
  silence; received data is printed raw; ``+++`` with the 3.3.7 guard times leaves (+QUITT with AT+SYSMSG
  bit 0), input in the next 0.9 s is dropped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.bt import POWER_OFF_HOOKS, require_init
from sim.commands.tcpip_passthrough import Passthrough
from sim.commands.tcpip_send import DataInput
from sim.net.packets import Packetiser
from sim.net.plus import PlusDetector
from sim.output import BUSY, Kind
from sim.radio.bt import SPP_RECORD_HANDLE, SPP_UUID16, BtRadio
from sim.radio.pace import SppPacer

BTSPPINIT = command("AT+BTSPPINIT", section="3.5.6")
BTSPPCONN = command("AT+BTSPPCONN", section="3.5.7")
BTSPPDISCONN = command("AT+BTSPPDISCONN", section="3.5.8")
BTSPPSEND = command("AT+BTSPPSEND", section="3.5.9")
BTSPPSTART = command("AT+BTSPPSTART", section="3.5.10")

#: 3.5.7 <sec_mode> values: authorization, encryption, MITM protection, 16-digit PIN.
SEC_BITS = 0x0001 | 0x0036 | 0x3000 | 0x4000
#: The largest <data_len> taken (3.5.9 states none; the simulator's bound, as AT+CIPSEND's 8192).
SEND_MAX = 8192
#: 3.3.7: wait at least a second after ``+++``; input within 0.9 s is dropped (as Wi-Fi passthrough).
SETTLE_S = 0.9
#: How long a master's connection attempt may take (page, pairing, SDP, RFCOMM) before +BTSPPCONN:0,-1.
CONNECT_TIMEOUT_S = 15.0
#: How long AT+BTSPPDISCONN waits for the link to end.
DISCONNECT_TIMEOUT_S = 5.0
#: Passthrough input goes out in pieces of at most this many bytes (bumble's default RFCOMM frame size).
FRAME_MAX = 1000


@dataclass
class SppLink:
    address: str
    dlc: Any
    connection: Any


@dataclass
class SppState:
    role: int = 0
    started: bool = False
    server: Any = None
    link: SppLink | None = None
    connecting: bool = False
    passthrough: BtPassthrough | None = None


def spp(board: Board) -> SppState:
    return board.runtime(SppState)


def _reset(board: Board) -> None:
    state = spp(board)
    if state.passthrough is not None:
        state.passthrough.stop()
    board.runtime(SppState).__init__()  # type: ignore[misc]


POWER_OFF_HOOKS.append(_reset)


def _require_role(ctx: CommandContext) -> SppState:
    require_init(ctx)
    state = spp(ctx.board)
    if state.role == 0:
        raise ctx.fail(errors.exec_fail(), "SPP is not initialized (AT+BTSPPINIT first)")
    return state


def _status_reports(board: Board) -> bool:
    """3.5.10 note: in passthrough, connection changes are reported only with AT+SYSMSG bit 2."""
    return spp(board).passthrough is None or bool(board.at.passthrough_status)


def _on_data(board: Board, data: bytes) -> None:
    state = spp(board)
    if state.passthrough is not None:
        board.emit(data, Kind.PASSTHROUGH)
        return
    board.emit(b"+BTDATA:%d," % len(data) + data + b"\r\n", Kind.URC)


def _adopt(board: Board, address: str, dlc: Any, connection: Any) -> None:
    """A DLC is open: it is connection 0; its data is reported, its end too."""
    state = spp(board)
    link = SppLink(address, dlc, connection)
    state.link = link
    dlc.sink = lambda data: _on_data(board, bytes(data))

    def closed(*_args: Any) -> None:
        if state.link is not link:
            return
        state.link = None
        if _status_reports(board):
            board.urc(f'+BTSPPDISCONN:0,"{address}"')

    dlc.on("close", closed)
    connection.on("disconnection", closed)
    if _status_reports(board):
        board.urc(f'+BTSPPCONN:0,"{address}"')


def _address(connection: Any) -> str:
    return str(connection.peer_address).split("/")[0].lower()


@BTSPPINIT.query
async def btsppinit_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply(f"+BTSPPINIT:{1 if spp(ctx.board).role else 0}")


@BTSPPINIT.set
async def btsppinit_set(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.args.count(1, 1)
    role = ctx.args.int(0, 0, 2)
    state = spp(ctx.board)
    if role == 0:
        link = state.link
        _reset(ctx.board)
        if link is not None:
            await link.connection.disconnect()
        return
    if state.role not in (0, role):
        raise ctx.fail(
            errors.exec_fail(), f"SPP already initialized as role {state.role} (AT+BTSPPINIT=0 first)"
        )
    state.role = role


@BTSPPSTART.execute
async def btsppstart_execute(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    radio = require_init(ctx)
    if state.started:
        return
    from bumble import core, rfcomm

    device = radio.device
    if state.server is None:
        state.server = rfcomm.Server(device)

    def accept(dlc: Any) -> None:
        connection = dlc.multiplexer.l2cap_channel.connection
        if spp(ctx.board).link is not None:  # one connection only (3.5.7)
            ctx.board.spawn(dlc.disconnect())
            return
        _adopt(ctx.board, _address(connection), dlc, connection)

    channel = state.server.listen(accept)
    # beside any other record the stack offers (A2DP's, sim/radio/a2dp.py)
    device.sdp_service_records = {
        **(device.sdp_service_records or {}),
        SPP_RECORD_HANDLE: rfcomm.make_service_sdp_records(
            SPP_RECORD_HANDLE, channel, core.UUID.from_16_bits(SPP_UUID16)
        ),
    }
    state.started = True


@BTSPPCONN.query
async def btsppconn_query(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    link = state.link
    ctx.reply(f'+BTSPPCONN:0,"{link.address}"' if link is not None else "+BTSPPCONN:-1")


@BTSPPCONN.set
async def btsppconn_set(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    radio = require_init(ctx)
    ctx.args.count(3, 3)
    ctx.args.int(0, 0, 0)
    sec_mode = ctx.args.int(1, 0, 0xFFFF)
    if sec_mode & ~SEC_BITS:
        raise ctx.fail(errors.para_invalid(1), f"<sec_mode> 0x{sec_mode:04x} has bits 3.5.7 does not list")
    address = ctx.args.str(2, max_len=17).lower()
    if len(address.split(":")) != 6:
        raise ctx.fail(errors.para_invalid(2), f"{address!r} is not a Bluetooth address")
    if state.role != 1:
        raise ctx.fail(errors.exec_fail(), "only the master (AT+BTSPPINIT=1) connects")
    if state.link is not None or state.connecting:
        raise ctx.fail(errors.exec_fail(), "SPP connection 0 is already in use")
    state.connecting = True
    try:
        await _connect(ctx.board, radio, address, sec_mode)
    finally:
        state.connecting = False
    if state.link is None:  # 3.5.7 "Otherwise": the failure report, then ERROR (as AT+BLECONN's)
        ctx.reply("+BTSPPCONN:0,-1")
        raise ctx.fail(errors.exec_fail(), f"no SPP connection to {address}")


async def _connect(board: Board, radio: BtRadio, address: str, sec_mode: int) -> None:
    """Page, pair (with any <sec_mode> bit), find the SPP channel by SDP, open it: the link is adopted
    (its report printed); on any failure nothing is (the caller reports -1)."""
    from bumble import core, rfcomm

    connection = None
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            connection = await radio.device.connect(address, transport=core.PhysicalTransport.BR_EDR)
            if sec_mode:
                await connection.authenticate()
                await connection.encrypt()
            uuid = core.UUID.from_16_bits(SPP_UUID16)
            channel = await rfcomm.find_rfcomm_channel_with_uuid(connection, uuid)
            if not channel:
                raise LookupError(f"{address} offers no Serial Port service")
            mux = await rfcomm.Client(connection).start()
            dlc = await mux.open_dlc(channel)
    except (Exception, TimeoutError) as exc:  # noqa: BLE001 - any failure is the guide's -1 report
        board.log(f"bt: SPP connection to {address} failed: {exc!r}")
        if connection is not None:
            board.spawn_detached(_quiet_disconnect(connection))
        return
    _adopt(board, address, dlc, connection)


async def _quiet_disconnect(connection: Any) -> None:
    try:
        await connection.disconnect()
    except Exception:  # noqa: BLE001 - already gone
        pass


@BTSPPDISCONN.set
async def btsppdisconn_set(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    ctx.args.count(1, 1)
    ctx.args.int(0, 0, 0)
    link = state.link
    if link is None:
        raise ctx.fail(errors.exec_fail(), "no SPP connection")
    # 4.10.1-4.10.4: the report (from _adopt's close handler), then OK
    gone = asyncio.get_running_loop().create_future()
    link.dlc.on("close", lambda: gone.done() or gone.set_result(None))
    link.connection.on("disconnection", lambda _reason: gone.done() or gone.set_result(None))
    await link.connection.disconnect()
    try:
        await asyncio.wait_for(gone, DISCONNECT_TIMEOUT_S)
    except TimeoutError:
        raise ctx.fail(errors.exec_fail(), "the SPP connection did not end") from None


@BTSPPSEND.set
async def btsppsend_set(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    ctx.args.count(2, 2)
    ctx.args.int(0, 0, 0)
    n = ctx.args.int(1, 1, SEND_MAX)
    if state.link is None:
        raise ctx.fail(errors.exec_fail(), "no SPP connection")
    inp = DataInput(ctx.board)
    try:
        inp.start()
        ctx.board.emit(b"\r\n>", Kind.PROMPT, command=ctx.name)  # 4.10.1: ">" alone, the bytes, then OK
        while len(inp.buf) < n:
            await inp.wait()
        data = inp.take(n)
        if inp.buf:  # 4.10.1 note: more bytes than <data_len>: busy p..., the first n are sent
            ctx.board.emit(BUSY, Kind.BUSY)
            inp.buf.clear()
        inp.refuse_more()
        link = state.link
        if link is None:
            raise ctx.fail(errors.exec_fail(), "the SPP connection ended before the data was sent")
        link.dlc.write(data)
    finally:
        inp.stop()


@BTSPPSEND.execute
async def btsppsend_execute(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    if state.link is None:
        raise ctx.fail(errors.exec_fail(), "no SPP connection")
    ctx.ok()  # 4.10.2: OK, then ">"
    ctx.board.emit(b"\r\n>", Kind.PROMPT, command=ctx.name)
    BtPassthrough(ctx.board).start()


class BtPassthrough(Passthrough):
    """UART <-> SPP passthrough until ``+++``: Wi-Fi passthrough's input handling (the ``+++`` detector,
    packets after AT+TRANSINTVL), with the SPP connection as the other end."""

    def __init__(self, board: Board) -> None:  # noqa: D107 - no NetRuntime: only the input side is shared
        from sim.commands.basic import BasicRuntime

        self.board = board
        self.link = None
        self.target = None
        self.packets = Packetiser(FRAME_MAX, board.runtime(BasicRuntime).transintvl / 1000)
        faults = board.faults
        self.detector = PlusDetector(
            time.monotonic(), guard=not (faults is not None and faults.ignores_guard_time)
        )
        self._timer = None
        self._reconnect = None
        self._draining = False
        self.dropped = 0
        self.pacer = SppPacer(board)  # no pace unless the slow_spp fault sets one

    def start(self) -> None:
        spp(self.board).passthrough = self
        self.board.engine.set_input_hook(self.on_input)

    def stop(self) -> None:
        super().stop()
        if spp(self.board).passthrough is self:
            spp(self.board).passthrough = None

    def leave(self) -> None:
        for block in [self.packets.flush()] if self.packets.pending else []:
            self._send(block)
        self.stop()
        if self.board.at.quitt_message:
            self.board.urc("+QUITT")
        engine = self.board.engine

        def settle_input(data: bytes) -> bytes:
            self.board.log(f"bt: {len(data)} bytes within 1 s after +++ dropped")
            return b""

        engine.set_input_hook(settle_input)
        remaining = self.detector.plus_at + SETTLE_S - time.monotonic()
        self.board.call_later(max(remaining, 0.0), engine.clear_input_hook)

    def _send(self, block: bytes) -> None:
        if wait := self.pacer.delay(len(block)):  # the slow_spp fault: the block leaves later, in order
            self.board.call_later(wait, lambda: self._write(block))
            return
        self._write(block)

    def _write(self, block: bytes) -> None:
        link = spp(self.board).link
        if link is None:
            self.board.log(f"bt: passthrough: no SPP connection, {len(block)} bytes dropped")
            return
        link.dlc.write(block)
