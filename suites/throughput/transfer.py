"""One throughput transfer: open a link to a host-side peer, move the data one way in one of the guide's
modes, verify every byte at the far end, and time it.

Plain functions over an AT session and servers/ peers, no pytest. Single connection (AT+CIPMUX=0), as
passthrough requires (3.3.8). Timing uses the arrival stamps the session's reader and the peers record
(one ``time.monotonic`` clock), never the test thread's wake-ups:

the rate is taken where the data lands (the peer for an upload, the host for a download), from the first
chunk to the last, counting the bytes after the first chunk: the steady rate, without the time the first
bytes take to cross the board.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rigs.at.errors import AtError
from rigs.at.events import Data, Ipd, RecvData
from rigs.at.session import AtSession
from rigs.model import Rig
from rigs.model.targets import throughput_name
from servers.behaviours import Expect, Pause, Scripted, Send, Sink
from servers.payload import encode_datagram, pattern
from servers.record import PeerRecord
from servers.tcp import TcpServer
from servers.udp import UdpMode, UdpPeer
from suites.throughput.verify import (
    TransferError,
    UdpTally,
    compare_stream,
    count_datagrams,
    scan_records,
    sha256,
)

#: The FAQ's advice for throughput tests: passthrough, 1460-byte writes, sent back to back.
WRITE_SIZE = 1460
#: AT+CIPSEND takes at most 8192 bytes per command (3.3.8); AT+CIPRECVDATA reads are asked this big.
CIPSEND_MAX = 8192
#: What the host sends to start a download; the source peer expects exactly these bytes.
GO = b"GO"
#: A UDP sender offers this fraction of the line's ceiling: near it, yet leaving the +IPD headers room.
UDP_OFFER = 0.95
SEED = 7


@dataclass(frozen=True)
class Case:
    """One point of the matrix: ``tcp``/``udp``/``ssl``, ``upload``/``download``, a mode of rigs.model."""

    transport: str
    direction: str
    mode: str

    @property
    def name(self) -> str:
        return throughput_name(self.transport, self.direction, self.mode)

    @property
    def kind(self) -> str:
        return self.transport.upper()


@dataclass(frozen=True)
class Result:
    """What one transfer moved and how long it took; ``udp`` holds the datagram tally of UDP transfers."""

    payload_bytes: int
    seconds: float
    udp: UdpTally | None = None
    #: When the span began (``time.monotonic``, the first chunk's stamp): the span is
    #: ``[started, started + seconds]``, the window host stalls are counted in (suites/throughput/stalls.py).
    started: float = 0.0

    @property
    def rate(self) -> float:
        """Payload bytes per second."""
        return self.payload_bytes / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Link:
    """The peer of one transfer and, for TCP/SSL, its record of the board's connection."""

    peer: TcpServer | UdpPeer
    record: PeerRecord | None = None


def transfer_size(case: Case, ceiling: float, seconds: float) -> int:
    """Bytes for ``seconds`` of line time, in whole 2920-byte blocks (two 1460-byte writes or UDP records):
    passthrough sends a packet each time 2920 bytes are in (3.3.8, AT+TRANSINTVL), so no remainder waits
    for the interval at the end and the last packet times the line, not the timer."""
    block = 2 * WRITE_SIZE
    return max(int(ceiling * seconds) // block, 4) * block


def transfer_timeout(rig: Rig) -> float:
    """How long a transfer may take: the connect timeout and four times its line time."""
    return rig.targets.timeouts.connect + 4 * rig.targets.throughput.transfer_seconds


def udp_stream(count: int) -> bytes:
    return b"".join(encode_datagram(i, WRITE_SIZE, 0, SEED) for i in range(count))


# --- links ---------------------------------------------------------------------------------------------


def make_peer(case: Case, total: int, host: str, ssl_context: object | None) -> TcpServer | UdpPeer:
    """The far end: a sink for uploads, a source that starts on :data:`GO` for downloads (it then stays
    open, so the board never sees the link close mid-measurement)."""
    if case.transport == "udp":
        return UdpPeer(UdpMode.SINK, host, seed=SEED)
    behaviour = (
        Sink()
        if case.direction == "upload"
        else Scripted((Expect(GO, timeout=30.0), Send(pattern(SEED, total)), Pause(600.0)))
    )
    return TcpServer(behaviour, host, ssl_context=ssl_context, keep_data=False)  # type: ignore[arg-type]


def open_link(dut: AtSession, rig: Rig, case: Case, peer: TcpServer | UdpPeer) -> Link:
    """AT+CIPMUX=0, the receive mode, AT+CIPMODE, then AT+CIPSTART to the peer (3.3.5)."""
    t = rig.targets.timeouts
    dut.cmd("AT+CIPMUX=0", t.command).assert_ok()
    if case.mode == "ciprecvdata":
        dut.cmd("AT+CIPRECVTYPE=1", t.command).assert_ok()
    dut.cmd(f"AT+CIPMODE={1 if case.mode == 'passthrough' else 0}", t.command).assert_ok()
    before = len(peer.records) if isinstance(peer, TcpServer) else 0
    host = str(rig.network.host_address)
    dut.cmd(f'AT+CIPSTART="{case.kind}","{host}",{peer.port}', t.connect).assert_ok()
    if isinstance(peer, TcpServer):
        return Link(peer, peer.records.wait_for(before + 1, t.connect)[before])
    return Link(peer)


def close_link(dut: AtSession, rig: Rig) -> None:
    """Leave the link as the next test wants it: closed, normal mode, active receive."""
    t = rig.targets.timeouts.command
    for line in ("AT+CIPCLOSE", "AT+CIPMODE=0", "AT+CIPRECVTYPE=0"):
        try:
            dut.cmd(line, t)
        except AtError:
            pass


# --- upload --------------------------------------------------------------------------------------------


def upload(dut: AtSession, rig: Rig, case: Case, link: Link, total: int, max_loss: float) -> Result:
    data = udp_stream(total // WRITE_SIZE) if case.transport == "udp" else pattern(SEED, total)
    timeout = transfer_timeout(rig)
    if case.mode == "passthrough":
        with dut.passthrough(timeout=rig.targets.timeouts.command) as p:
            for i in range(0, total, WRITE_SIZE):
                p.write(data[i : i + WRITE_SIZE])
            _wait_upload(case, link, total, timeout)
    elif case.mode == "cipsend":
        step = WRITE_SIZE if case.transport == "udp" else CIPSEND_MAX
        for i in range(0, total, step):
            chunk = data[i : i + step]
            prompt = dut.cmd(f"AT+CIPSEND={len(chunk)}", rig.targets.timeouts.command)
            if not prompt.prompt:
                raise TransferError(f"{prompt.command!r}: expected OK and '>', got {prompt.text!r}")
            _send_ok(dut.send_data(chunk, timeout))
        _wait_upload(case, link, total, timeout)
    else:  # cipsendl: one command, the whole transfer as its data (3.3.9)
        prompt = dut.cmd(f"AT+CIPSENDL={total}", rig.targets.timeouts.command)
        if not prompt.prompt:
            raise TransferError(f"{prompt.command!r}: expected OK and '>', got {prompt.text!r}")
        _send_ok(dut.send_data(data, timeout))
        _wait_upload(case, link, total, timeout)
    if case.transport == "udp":
        assert isinstance(link.peer, UdpPeer)
        arrived = link.peer.received()
        tally = scan_records(b"".join(d.data for d in arrived), total // WRITE_SIZE, WRITE_SIZE, SEED)
        tally.check(max_loss, f"the UDP peer ({case.name})")
        stamps = [(d.t, len(d.data)) for d in arrived]
        return Result(steady_bytes(stamps, tally.payload_bytes), span(stamps, case), tally, stamps[0][0])
    assert link.record is not None
    compare_stream(f"the {case.kind} peer", total, sha256(data), link.record.bytes_in, link.record.sha256_in)
    stamps = [(c.t, c.size) for c in link.record.chunks_in]
    return Result(steady_bytes(stamps, total), span(stamps, case), started=stamps[0][0])


def steady_bytes(stamps: list[tuple[float, int]], payload: int) -> int:
    """The payload that arrived after the first chunk (the clock starts when the first chunk lands)."""
    return max(payload - stamps[0][1], 0) if stamps else 0


def span(stamps: list[tuple[float, int]], case: Case) -> float:
    if len(stamps) < 2:
        raise TransferError(f"{case.name}: the data came in {len(stamps)} piece(s): too few to time")
    return stamps[-1][0] - stamps[0][0]


def _send_ok(r: object) -> None:
    final = getattr(r, "final", None)
    if final != "SEND OK":
        raise TransferError(f"expected SEND OK after the data, got {final!r}: {getattr(r, 'text', '')!r}")


def _wait_upload(case: Case, link: Link, total: int, timeout: float) -> None:
    """Until the last byte reached the peer. UDP may lose datagrams: until the count stops growing."""
    if link.record is not None:
        try:
            link.record.wait_bytes_in(total, timeout)
        except TimeoutError as exc:
            raise TransferError(f"the {case.kind} peer: {exc}") from None
        time.sleep(0.1)  # bytes beyond the transfer would be a fault too: give them a moment to show
        return
    peer = link.peer
    assert isinstance(peer, UdpPeer)
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        got = sum(len(d.data) for d in peer.received())
        if got >= total or got == seen:
            break
        seen = got
        time.sleep(0.5)


# --- download ------------------------------------------------------------------------------------------


def download(
    dut: AtSession, rig: Rig, case: Case, link: Link, total: int, max_loss: float, offer: float
) -> Result:
    """``offer``: bytes/s a UDP source sends at (TCP and SSL sources send as fast as the board takes)."""
    mark = len(dut.history)
    timeout = transfer_timeout(rig)
    if case.mode == "passthrough":
        with dut.passthrough(timeout=rig.targets.timeouts.command) as p:
            start = _start_source(case, link, lambda b: p.write(b), total, offer)
            got = read_passthrough(p, total, timeout)
            start.join()
    elif case.mode == "ipd":
        start = _start_source(case, link, lambda b: _cipsend(dut, rig, b), total, offer)
        got = _read_ipd(dut, total, timeout)
        start.join()
    else:
        start = _start_source(case, link, lambda b: _cipsend(dut, rig, b), total, offer)
        got = _read_passive(dut, rig, total, timeout)
        start.join()
    if start.error is not None:
        raise start.error
    events = [(t, e) for t, e in dut.history[mark:] if payload(e)]
    stamps = [(t, len(payload(e))) for t, e in events]
    seconds = span(stamps, case)
    if case.transport == "udp":
        count = total // WRITE_SIZE
        if case.mode == "passthrough":
            tally = scan_records(got, count, WRITE_SIZE, SEED)
        else:
            tally = count_datagrams([payload(e) for _, e in events], count, WRITE_SIZE, SEED)
        tally.check(max_loss, f"the host ({case.name})")
        return Result(steady_bytes(stamps, tally.payload_bytes), seconds, tally, stamps[0][0])
    compare_stream(f"the host ({case.name})", total, sha256(pattern(SEED, total)), len(got), sha256(got))
    return Result(steady_bytes(stamps, total), seconds, started=stamps[0][0])


def payload(ev: object) -> bytes:
    """The data an event of the session carries (passthrough bytes, +IPD, AT+CIPRECVDATA), else b""."""
    if isinstance(ev, Data | RecvData):
        return ev.payload
    if isinstance(ev, Ipd) and ev.payload is not None:
        return ev.payload
    return b""


def _cipsend(dut: AtSession, rig: Rig, data: bytes) -> None:
    prompt = dut.cmd(f"AT+CIPSEND={len(data)}", rig.targets.timeouts.command)
    if not prompt.prompt:
        raise TransferError(f"{prompt.command!r}: expected OK and '>', got {prompt.text!r}")
    _send_ok(dut.send_data(data, rig.targets.timeouts.connect))


class _Starter:
    """Starts the peer's sending; for UDP, a paced sender thread that joins at the end."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(60.0)


def _start_source(case: Case, link: Link, send: Callable[[bytes], None], total: int, rate: float) -> _Starter:
    """TCP/SSL: send :data:`GO` through the board (the source answers with the data). UDP: send a hello
    through the board so the peer learns its address, then offer sequence datagrams at
    :data:`UDP_OFFER` of the line's ceiling from a thread."""
    starter = _Starter()
    send(GO)
    if case.transport != "udp":
        return starter
    peer = link.peer
    assert isinstance(peer, UdpPeer)
    hello = peer.wait_datagrams(1, 10.0)[0].remote
    count = total // WRITE_SIZE

    def pump() -> None:
        try:
            t0 = time.monotonic()
            for seq in range(count):
                due = t0 + seq * WRITE_SIZE / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                peer.send_to(hello, encode_datagram(seq, WRITE_SIZE, time.monotonic_ns(), SEED))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread, which raises it
            starter.error = exc

    starter.thread = threading.Thread(target=pump, name="udp-source", daemon=True)
    starter.thread.start()
    return starter


def read_passthrough(p: object, total: int, timeout: float) -> bytes:
    """Up to ``total`` bytes from the passthrough, until two quiet seconds or ``timeout``."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < total:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        chunk = p.read(total - len(buf), timeout=min(left, 2.0))  # type: ignore[attr-defined]
        if not chunk:
            break  # two quiet seconds: the rest is not coming (UDP loss)
        buf += chunk
    return bytes(buf)


def _read_ipd(dut: AtSession, total: int, timeout: float) -> bytes:
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < total:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            ev = dut.expect_urc(lambda e: isinstance(e, Ipd), min(left, 2.0))
        except AtError:
            break
        assert isinstance(ev, Ipd)
        buf += ev.payload or b""
    return bytes(buf)


def _read_passive(dut: AtSession, rig: Rig, total: int, timeout: float) -> bytes:
    """AT+CIPRECVDATA until ``total`` bytes came (3.3.35); when nothing is buffered, wait for the next
    ``+IPD,<len>`` notification."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < total and time.monotonic() < deadline:
        for ev in dut.drain_urcs():
            if not isinstance(ev, Ipd):
                dut.transcript.note(f"throughput: unexpected report during the read: {ev!r}"[:200])
        r = dut.cmd(f"AT+CIPRECVDATA={CIPSEND_MAX}", rig.targets.timeouts.command)
        data = b"".join(e.payload for e in r.events if isinstance(e, RecvData))
        if r.ok and data:
            buf += data
            continue
        try:
            dut.expect_urc(lambda e: isinstance(e, Ipd), min(max(deadline - time.monotonic(), 0.01), 2.0))
        except AtError:
            break
    return bytes(buf)


# --- one run -------------------------------------------------------------------------------------------


def run(
    dut: AtSession, rig: Rig, case: Case, peer: TcpServer | UdpPeer, total: int, ceiling: float
) -> Result:
    """Open the link, move ``total`` bytes, verify them, close the link; raises TransferError on loss."""
    max_loss = rig.targets.throughput.udp_max_loss
    link = open_link(dut, rig, case, peer)
    try:
        if case.direction == "upload":
            return upload(dut, rig, case, link, total, max_loss)
        return download(dut, rig, case, link, total, max_loss, ceiling * UDP_OFFER)
    finally:
        close_link(dut, rig)
