"""Sending in normal transmission mode (3.3.8-3.3.11): AT+CIPSEND=<len>, AT+CIPSENDEX, AT+CIPSENDL,
AT+CIPSENDLCFG. The execute form AT+CIPSEND (passthrough) is in tcpip_passthrough.

Data mode input is taken through the engine's input hook (:class:`DataInput`): after the ``>`` prompt every
byte is data; bytes beyond the announced length are answered ``busy p...`` and dropped (4.2 notes). A
``+++`` alone (3.3.7 timing) cancels the send: ``SEND Canceled`` (3.17) for AT+CIPSEND/AT+CIPSENDEX, nothing
sent; ``SEND CANCELLED`` (3.3.9) for AT+CIPSENDL, after what was already sent.
"""

from __future__ import annotations

import asyncio
import time

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.tcpip import MAX_LINKS, Link, NetRuntime, net
from sim.net.messages import Remote
from sim.net.packets import Packetiser
from sim.net.plus import PlusDetector
from sim.net.resolve import ResolveError, resolve_host
from sim.output import BUSY, Kind

CIPSEND = command("AT+CIPSEND", section="3.3.8")
CIPSENDL = command("AT+CIPSENDL", section="3.3.9")
CIPSENDLCFG = command("AT+CIPSENDLCFG", section="3.3.10")
CIPSENDEX = command("AT+CIPSENDEX", section="3.3.11")

#: 3.3.9: 2^31-1 for AT+CIPSENDL; AT+CIPSEND / AT+CIPSENDEX take the profile's tcpip.send_max (3.3.8 /
#: 3.3.11: 8192 bytes).
SENDL_MAX = 2**31 - 1
#: A ``+++`` (3.3.7 timing) while AT+CIPSEND / AT+CIPSENDEX waits for data: 3.17's spelling ...
CANCELED = "SEND Canceled"
#: ... and the AT+CIPSENDL section's (3.3.9).
CANCELLED = "SEND CANCELLED"


class DataInput:
    """Input bytes of a data-mode command, taken through the engine's input hook."""

    def __init__(self, board: Board, *, plus: bool = False) -> None:
        self.board = board
        self.buf = bytearray()
        self.cancelled = False
        self._event = asyncio.Event()
        unguarded = board.faults is not None and board.faults.ignores_guard_time
        self._detector = PlusDetector(time.monotonic(), guard=not unguarded) if plus else None
        self._timer: asyncio.TimerHandle | None = None
        self._busy = False

    def start(self) -> None:
        engine = self.board.engine
        pending = engine.lines.pending  # typed after the command line, before the prompt
        engine.lines.reset()
        engine.set_input_hook(self._hook)
        if pending:
            self._hook(pending)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.board.engine.clear_input_hook()

    def refuse_more(self) -> None:
        """From now on input is surplus: answer ``busy p...`` and drop it, until :meth:`stop`."""
        self._busy = True

    def _hook(self, data: bytes) -> bytes:
        if self._busy:
            self.board.emit(BUSY, Kind.BUSY)
            self.board.log(f"tcpip: {len(data)} surplus data bytes dropped")
            return b""
        if self._detector is None:
            self.buf += data
        else:
            d = self._detector.feed(data, time.monotonic())
            self.buf += d.data
            if d.exit:  # only without the guard time (fault ignore_guard_time)
                self.cancelled = True
            self._arm()
        self._event.set()
        return b""

    def _arm(self) -> None:
        assert self._detector is not None
        deadline = self._detector.deadline
        if deadline is not None and self._timer is None:
            self._timer = self.board.call_later(max(deadline - time.monotonic(), 0.0), self._poll)

    def _poll(self) -> None:
        assert self._detector is not None
        self._timer = None
        d = self._detector.poll(time.monotonic())
        self.buf += d.data
        if d.exit:
            self.cancelled = True
        self._arm()
        self._event.set()

    async def wait(self, timeout: float | None = None) -> None:
        """Wait for more input (or a cancel, or ``timeout``)."""
        if not self._event.is_set():  # a signal given while the caller was busy counts
            try:
                await asyncio.wait_for(self._event.wait(), timeout)
            except TimeoutError:
                pass
        self._event.clear()

    def take(self, n: int) -> bytes:
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


async def send_target(ctx: CommandContext, rt: NetRuntime, max_len: int) -> tuple[Link, int, Remote | None]:
    """``[<link ID>,]<length>[,<"remote host">,<remote port>]`` of the CIPSEND family."""
    a = ctx.args
    base = 1 if rt.mux else 0
    a.count(base + 1, base + 3)
    link_id = a.int(0, 0, MAX_LINKS - 1) if rt.mux else 0
    length = a.int(base, 1, max_len)
    remote = None
    link = rt.links.get(link_id)
    if not a.omitted(base + 1) or not a.omitted(base + 2):
        host = a.str(base + 1, max_len=64, min_len=1)
        port = a.int(base + 2, 0, 65535)
        v6 = link is not None and link.kind.endswith("v6")  # a "UDPv6" link sends to IPv6 addresses
        try:
            remote = Remote(await resolve_host(ctx.board, host, ipv6=v6), port)
        except ResolveError as e:
            raise ctx.fail(errors.exec_fail(), str(e)) from e
    if link is None or link.peer_closed or link.local_port == 0:
        raise ctx.fail(errors.exec_fail(), f"link {link_id} is not connected")
    if remote is not None and not link.is_udp:
        raise ctx.fail(errors.exec_fail(), "a remote host can only be given for UDP")
    if rt.cipmode == 1:
        raise ctx.fail(
            errors.exec_fail(), "AT+CIPSEND=<length> is for normal transmission mode (AT+CIPMODE=0)"
        )
    return link, length, remote


def _recv_bytes(ctx: CommandContext, n: int) -> None:
    """3.17 "Recv <n> bytes", framed as the firmware frames it: esp-at components/at/src/at_user_cmd.c writes
    "\\r\\nRecv %d bytes\\r\\n" (so it is never glued to the '>'; real boards: esp-at issues 89, 731)."""
    ctx.board.emit(b"\r\nRecv %d bytes\r\n" % n, Kind.RESPONSE, command=ctx.name)


def _prompt(ctx: CommandContext) -> None:
    ctx.ok()
    ctx.board.emit(b"\r\n>", Kind.PROMPT, command=ctx.name)


@CIPSEND.set
async def cipsend_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    link, length, remote = await send_target(ctx, rt, ctx.board.profile.tcpip.send_max)
    inp = DataInput(ctx.board, plus=True)
    rt.begin_send()
    try:
        inp.start()
        _prompt(ctx)
        while len(inp.buf) < length and not inp.cancelled:
            await inp.wait()
        if inp.cancelled:
            ctx.final(CANCELED)
            return
        data = inp.take(length)
        if inp.buf:
            ctx.board.emit(BUSY, Kind.BUSY)
            inp.buf.clear()
        inp.refuse_more()
        _recv_bytes(ctx, length)
        ok = await link.send(data, remote)
        ctx.final("SEND OK" if ok else "SEND FAIL")
    finally:
        inp.stop()
        rt.end_send()


def unescape_sendex(raw: bytearray, need: int) -> tuple[bytes, int, bool]:
    """3.3.11: ``\\0`` ends the data early, ``\\<c>`` stands for c. Returns (data, raw bytes used, ended)."""
    out = bytearray()
    i = 0
    while i < len(raw) and len(out) < need:
        c = raw[i]
        if c == 0x5C:
            if i + 1 >= len(raw):
                break  # the escaped character has not arrived yet
            nxt = raw[i + 1]
            i += 2
            if nxt == 0x30:
                return bytes(out), i, True
            out.append(nxt)
            continue
        out.append(c)
        i += 1
    return bytes(out), i, len(out) >= need


@CIPSENDEX.set
async def cipsendex_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    link, length, remote = await send_target(ctx, rt, ctx.board.profile.tcpip.send_max)
    inp = DataInput(ctx.board, plus=True)
    rt.begin_send()
    try:
        inp.start()
        _prompt(ctx)
        while True:
            data, used, ended = unescape_sendex(inp.buf, length)
            if ended or inp.cancelled:
                break
            await inp.wait()
        if inp.cancelled:
            ctx.final(CANCELED)
            return
        del inp.buf[:used]
        if inp.buf:
            ctx.board.emit(BUSY, Kind.BUSY)
            inp.buf.clear()
        inp.refuse_more()
        _recv_bytes(ctx, len(data))
        ok = await link.send(data, remote)
        ctx.final("SEND OK" if ok else "SEND FAIL")
    finally:
        inp.stop()
        rt.end_send()


@CIPSENDL.set
async def cipsendl_set(ctx: CommandContext) -> None:
    """3.3.9: data goes out while it arrives, in AT+CIPSENDLCFG blocks; progress every <report size>."""
    from sim.commands.basic import BasicRuntime

    rt = net(ctx.board)
    link, length, remote = await send_target(ctx, rt, SENDL_MAX)
    interval = ctx.board.runtime(BasicRuntime).transintvl / 1000
    pk = Packetiser(rt.sendl_transmit, interval)
    inp = DataInput(ctx.board, plus=True)
    received = sent = 0
    next_report = rt.sendl_report
    ok = True

    async def push(blocks: list[bytes]) -> None:
        nonlocal sent, next_report, ok
        for block in blocks:
            if ok and await link.send(block, remote):
                sent += len(block)
            else:
                ok = False
            while sent >= next_report:
                ctx.reply(f"+CIPSENDL:{next_report},{received}")
                next_report += rt.sendl_report

    rt.begin_send()
    try:
        inp.start()
        _prompt(ctx)
        while received < length and not inp.cancelled:
            deadline = pk.deadline
            await inp.wait(None if deadline is None else max(deadline - time.monotonic(), 0.0))
            chunk = inp.take(length - received)
            received += len(chunk)
            await push(pk.feed(chunk, time.monotonic()) if chunk else pk.poll(time.monotonic()))
        if inp.buf:
            ctx.board.emit(BUSY, Kind.BUSY)
            inp.buf.clear()
        inp.refuse_more()
        if not inp.cancelled:
            await push([pk.flush()] if pk.pending else [])
        if sent != next_report - rt.sendl_report or sent == 0:
            ctx.reply(f"+CIPSENDL:{sent},{received}")
        if inp.cancelled:
            ctx.final(CANCELLED)
        else:
            ctx.final("SEND OK" if ok and sent == length else "SEND FAIL")
    finally:
        inp.stop()
        rt.end_send()


@CIPSENDLCFG.query
async def cipsendlcfg_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    ctx.reply(f"+CIPSENDLCFG:{rt.sendl_report},{rt.sendl_transmit}")


@CIPSENDLCFG.set
async def cipsendlcfg_set(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    ctx.args.count(1, 2)
    report = ctx.args.int(0, 100, 2**20)
    transmit = ctx.args.int(1, 100, 2920, default=rt.sendl_transmit)
    rt.sendl_report, rt.sendl_transmit = report, transmit
