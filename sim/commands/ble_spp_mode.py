"""3.4.32 (ESP32) AT+BLESPP: Bluetooth LE SPP, the UART-Bluetooth LE passthrough over the characteristics
AT+BLESPPCFG chose (ble_spp.py).

As server (the board's link is peripheral, 4.3.6; the server side of 4.3.5) the bytes from the AT port go
out as notifications or indications of the tx characteristic, which the client must have enabled (else
ERROR, 3.4.32), and what the client writes to the rx characteristic comes out of the AT port as it is, with
no +WRITE. As client (4.3.5's client) AT+BLESPP first enables the rx characteristic's notifications or
indications (its 0x2902 descriptor; the 4.3.5 note's AT+BLEGATTCWR=0,3,7,1,1 is what a client that has not
entered SPP must do itself), then writes the AT port's bytes to the tx characteristic and passes on what the
server notifies.

Input is cut into MTU - 3 byte values (the ATT payload of one notification or write), a shorter rest after
the AT+TRANSINTVL silence (sim/net/packets.py). A ``+++`` alone (3.4.32 notes: "the packet which only
contains +++"; with 3.3.7's guard silences, sim/net/plus.py) leaves the mode; input within the following
second is dropped as in Wi-Fi passthrough (the notes: "wait for at least one second before sending the next
AT command").
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
from sim.commands.ble import require_init
from sim.commands.ble_conn import Link, links
from sim.commands.ble_gattc import NOTIFY_TAPS, discovered
from sim.commands.ble_gatts import ATT_HEADER, PROP_NOTIFY, WRITE_TAPS, gatts
from sim.commands.ble_spp import SppConfig
from sim.net.packets import Packetiser
from sim.net.plus import PlusDetector
from sim.output import Kind
from sim.radio.pace import SppPacer

BLESPP = command("AT+BLESPP", section="3.4.32")

#: 3.4.32 notes: wait this long after ``+++`` before the next command (input meanwhile is dropped, less a
#: margin for the host's timer resolution, as in tcpip_passthrough.py).
SETTLE_S = 0.9
#: CCCD values (Core spec Vol 3 Part G 3.3.3.3): notifications, indications.
CCCD_NOTIFY, CCCD_INDICATE = b"\x01\x00", b"\x02\x00"


class BleSpp:
    """One AT+BLESPP session over ``link``: ``send`` takes each value for the air, in order."""

    def __init__(self, board: Board, link: Link, cfg: SppConfig, send: Any, central: bool) -> None:
        from sim.commands.basic import BasicRuntime

        self.board, self.link, self.cfg, self.send, self.central = board, link, cfg, send, central
        mtu = int(getattr(link.connection, "att_mtu", 23))
        self.packets = Packetiser(mtu - ATT_HEADER, board.runtime(BasicRuntime).transintvl / 1000)
        self.detector = PlusDetector(time.monotonic())
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()  # None: the session is over
        self.pacer = SppPacer(board)  # no pace unless the slow_spp fault sets one
        self._timer: asyncio.TimerHandle | None = None
        self._sender: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.board.runtime(_Active).spp = self
        self._sender = self.board.spawn(self._send_loop())
        self.board.engine.set_input_hook(self.on_input)

    async def _send_loop(self) -> None:
        while (block := await self.queue.get()) is not None:
            if wait := self.pacer.delay(len(block)):
                await asyncio.sleep(wait)
            try:
                await self.send(block)
            except Exception as exc:  # noqa: BLE001 - the link went away or the peer refused: dropped
                self.board.log(f"ble spp: {len(block)} bytes not delivered: {exc!r}")

    def deliver(self, value: bytes) -> None:
        """What the other side sent: out of the AT port as it is."""
        self.board.emit(value, Kind.PASSTHROUGH)

    def on_input(self, data: bytes) -> bytes:
        self._step(self.detector.feed(data, time.monotonic()), time.monotonic())
        return b""

    def _step(self, d: Any, now: float) -> None:
        for block in self.packets.feed(d.data, now) if d.data else []:
            self.queue.put_nowait(block)
        if d.exit:
            self.leave()
            return
        for block in self.packets.poll(now):
            self.queue.put_nowait(block)
        if self._timer is not None:
            self._timer.cancel()
        deadlines = [t for t in (self.detector.deadline, self.packets.deadline) if t is not None]
        self._timer = self.board.call_later(max(min(deadlines) - now, 0.0), self._tick) if deadlines else None

    def _tick(self) -> None:
        self._timer = None
        now = time.monotonic()
        self._step(self.detector.poll(now), now)

    def leave(self) -> None:
        """``+++``: the rest is sent, the AT port takes commands again a second after it."""
        if self.packets.pending:
            self.queue.put_nowait(self.packets.flush())
        self.queue.put_nowait(None)
        if self._timer is not None:
            self._timer.cancel()
        self.board.runtime(_Active).spp = None
        engine = self.board.engine
        engine.set_input_hook(lambda data: b"")
        if self.board.at.quitt_message:
            self.board.urc("+QUITT")
        remaining = self.detector.plus_at + SETTLE_S - time.monotonic()
        self.board.call_later(max(remaining, 0.0), engine.clear_input_hook)
        self.board.log("ble spp: +++: passthrough left")


@dataclass
class _Active:
    """The running AT+BLESPP session of this boot, if any."""

    spp: BleSpp | None = None


def _server_tap(board: Board, connection: Any, srv: int, char: int, value: bytes) -> bool:
    spp = board.runtime(_Active).spp
    if spp is None or spp.central or spp.link.connection is not connection:
        return False
    if (srv, char) != (spp.cfg.rx_service, spp.cfg.rx_char):
        return False
    spp.deliver(value)
    return True


def _client_tap(board: Board, index: int, srv: int, char: int, value: bytes) -> bool:
    spp = board.runtime(_Active).spp
    if spp is None or not spp.central or spp.link.index != index:
        return False
    if (srv, char) != (spp.cfg.rx_service, spp.cfg.rx_char):
        return False
    spp.deliver(value)
    return True


WRITE_TAPS.append(_server_tap)
NOTIFY_TAPS.append(_client_tap)


def _server_sender(ctx: CommandContext, link: Link, cfg: SppConfig) -> Any:
    """Notify or indicate the tx characteristic, as the client enabled it; ERROR when it enabled neither."""
    table = gatts(ctx.board)
    bc = table.bumble_chars.get((cfg.tx_service, cfg.tx_char))
    cccd = table.cccd.get((id(link.connection), cfg.tx_service, cfg.tx_char), b"\0\0")
    if bc is None or not cccd or not cccd[0] & 0x03:
        raise ctx.fail(
            errors.exec_fail(), "the client has not enabled notifications of the SPP tx characteristic"
        )
    device = require_init(ctx).radio.device  # type: ignore[union-attr]
    notify = bool(cccd[0] & 0x01)

    async def send(block: bytes) -> None:
        if notify:
            await device.notify_subscriber(link.connection, bc, block, force=True)
        else:
            await device.indicate_subscriber(link.connection, bc, block, force=True)

    return send


async def _client_sender(ctx: CommandContext, link: Link, cfg: SppConfig) -> Any:
    """Enable the rx characteristic's notifications (or indications) on the server; write the tx one."""
    entry = discovered(ctx.board, link.index)

    def char(srv: int, index: int) -> Any:
        if (
            entry is None
            or srv not in entry.described
            or not 1 <= index <= len(entry.services[srv - 1].characteristics)
        ):
            raise ctx.fail(
                errors.exec_fail(), f"characteristic {srv},{index} not discovered (AT+BLEGATTCCHAR)"
            )
        return entry.services[srv - 1].characteristics[index - 1]

    tx, rx = char(cfg.tx_service, cfg.tx_char), char(cfg.rx_service, cfg.rx_char)
    cccd = next((d for d in rx.descriptors if d.type.to_hex_str().upper() == "2902"), None)
    if cccd is None:
        raise ctx.fail(errors.exec_fail(), "the SPP rx characteristic has no 0x2902 descriptor")
    value = CCCD_NOTIFY if int(rx.properties) & PROP_NOTIFY else CCCD_INDICATE
    assert entry is not None
    try:
        await asyncio.wait_for(entry.peer.write_value(cccd, value, with_response=True), 10.0)
    except Exception as exc:  # noqa: BLE001 - ATT error or timeout
        raise ctx.fail(errors.exec_fail(), f"enabling the SPP rx characteristic failed: {exc!r}") from exc

    async def send(block: bytes) -> None:
        await entry.peer.write_value(tx, block, with_response=True)

    return send


@BLESPP.execute
async def blespp_execute(ctx: CommandContext) -> None:
    """3.4.32: OK and ``>``, then passthrough; ERROR without a configuration, a link or (as server) the
    client's notifications enabled."""
    require_init(ctx)
    cfg = ctx.board.runtime(SppConfig)
    if not cfg.tx_service:
        raise ctx.fail(errors.exec_fail(), "no BLE SPP configuration (AT+BLESPPCFG=1,... first)")
    table = links(ctx.board).by_index
    if not table:
        raise ctx.fail(errors.exec_fail(), "no Bluetooth LE connection")
    link = table[min(table)]
    from bumble.hci import Role

    central = link.connection.role == Role.CENTRAL
    send = await _client_sender(ctx, link, cfg) if central else _server_sender(ctx, link, cfg)
    spp = BleSpp(ctx.board, link, cfg, send, central)
    ctx.ok()
    ctx.board.emit(b"\r\n>", Kind.PROMPT, command=ctx.name)
    spp.start()
