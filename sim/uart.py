"""The AT port's UART: bytes move at the configured line rate in both directions.

A byte on the wire takes ``1 start + data + parity + stop`` bit times, so the port carries
``baud / bits_per_byte`` bytes per second (115200 8N1: 11,520 B/s). Both directions are paced with a
deadline scheduler: the line is "busy until" a time that advances by ``len(chunk) / rate`` for every chunk
sent, and chunks are sized to about :data:`CHUNK_S` of line time, so the average rate is exact however coarse
the event loop's timers are, without a sleep per byte.

Receive side: bytes from the host reach the firmware at the line rate too. The firmware's receive buffer
holds ``profile.uart.rx_buffer`` bytes (8192 by default) while the firmware is not reading (``rx_paused``,
e.g. in passthrough mode while the network is slow); beyond that, bytes are dropped and the drop is logged on
the log port, unless RTS flow control is on (AT+UART_CUR flow control bit 0), in which case the host is
held back instead (the transport stops reading).

Transmit side: with CTS flow control (bit 1) the board stops sending while the host deasserts its RTS
(only an rfc2217 client can say so).

A configuration change (AT+UART_CUR) takes effect after the bytes queued before it have left, as the
firmware waits for its TX FIFO to drain before reprogramming the UART.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from sim.board import UartConfig

#: Line time covered by one chunk written to the host.
CHUNK_S = 0.0015
#: Timer lateness the pacer makes up for by sending a larger chunk, so the average rate stays exact.
CATCH_UP_S = 0.02
#: Host bytes waiting "on the wire" beyond which the transport stops reading from the host.
WIRE_HIGH_WATER = 64 * 1024


class _Pacer:
    """Deadline bookkeeping of one direction."""

    def __init__(self) -> None:
        self.busy_until = 0.0

    def budget(self, now: float, rate: float) -> int:
        """How many bytes may go now (at least one chunk's worth once the line is free)."""
        if self.busy_until < now - CATCH_UP_S:
            # idle line (or a stall longer than we make up for): no credit for the time before
            self.busy_until = now - CATCH_UP_S
        ahead = now + CHUNK_S - self.busy_until
        return int(ahead * rate) if ahead >= CHUNK_S / 2 else 0  # a wake-up moves at least half a chunk

    def idle(self, now: float) -> None:
        """Data arrives on an idle line: it starts now, with no credit for the quiet time."""
        self.busy_until = max(self.busy_until, now)

    def spend(self, n: int, rate: float) -> None:
        self.busy_until += n / rate

    def wait_s(self, now: float) -> float:
        return max(self.busy_until - CHUNK_S / 2 - now, 0.0)


class Uart:
    def __init__(self, config: UartConfig, *, rx_buffer: int, log: Callable[[str], None]) -> None:
        self.config = config
        self.rx_buffer = rx_buffer
        self.log = log
        self.slow_factor = 1.0  # the fault engine's "slow the UART" (0.8 = 80 % of the line rate)
        self.host_rts = True  # host's RTS line, seen by the board as CTS (rfc2217 only)
        self.rx_paused: Callable[[], bool] = lambda: False
        self._tx: deque[bytes | UartConfig] = deque()
        self._tx_pacer = _Pacer()
        self._rx_wire = bytearray()  # host bytes still travelling on the wire
        self._rx_fifo = bytearray()  # bytes arrived while the firmware is not reading
        self._rx_pacer = _Pacer()
        self._wake_tx = asyncio.Event()
        self._wake_rx = asyncio.Event()
        self._sink: Callable[[bytes], None] | None = None
        self._sink_busy: Callable[[], bool] = lambda: False
        self._deliver: Callable[[bytes], None] = lambda data: None
        self._hold_host: Callable[[bool], None] = lambda hold: None
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped_rx = 0
        self.sent_tx = 0

    # --- wiring ---------------------------------------------------------------------------------------

    def start(self, deliver: Callable[[bytes], None]) -> None:
        """Run the pacers; received bytes go to ``deliver`` (the board's input)."""
        self._deliver = deliver
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._tx_loop()), loop.create_task(self._rx_loop())]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            try:
                await t
            except asyncio.CancelledError:
                pass

    def attach_host(
        self,
        sink: Callable[[bytes], None] | None,
        *,
        busy: Callable[[], bool] = lambda: False,
        hold: Callable[[bool], None] = lambda hold: None,
    ) -> None:
        """Where transmitted bytes go (None: nobody listening, bytes are lost as on an unplugged cable)."""
        self._sink = sink
        self._sink_busy = busy
        self._hold_host = hold
        self._wake_tx.set()

    @property
    def rate(self) -> float:
        return self.config.bytes_per_second * self.slow_factor

    # --- transmit -------------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if data:
            self._tx.append(data)
            self._wake_tx.set()

    def reconfigure(self, config: UartConfig) -> None:
        self._tx.append(config)
        self._wake_tx.set()

    def flush_tx(self) -> None:
        """Forget what was not sent yet (the chip was reset)."""
        self._tx = deque(item for item in self._tx if isinstance(item, UartConfig))

    @property
    def tx_pending(self) -> int:
        return sum(len(x) for x in self._tx if isinstance(x, bytes))

    async def _tx_loop(self) -> None:
        while True:
            if not self._tx:
                self._wake_tx.clear()
                await self._wake_tx.wait()
                self._tx_pacer.idle(time.monotonic())
                continue
            head = self._tx[0]
            if isinstance(head, UartConfig):
                self._tx.popleft()
                self._apply(head)
                continue
            if self._sink is None:
                if self._seen_host:
                    self._tx.popleft()  # cable unplugged: the bytes go nowhere
                    continue
                self._wake_tx.clear()  # before the first client: keep the boot output for it
                await self._wake_tx.wait()
                continue
            if (self.config.flow_control & 2 and not self.host_rts) or self._sink_busy():
                await asyncio.sleep(0.002)
                continue
            now = time.monotonic()
            n = self._tx_pacer.budget(now, self.rate)
            if n <= 0:
                await asyncio.sleep(self._tx_pacer.wait_s(now))
                continue
            chunk = head[:n]
            if len(chunk) == len(head):
                self._tx.popleft()
            else:
                self._tx[0] = head[n:]
            self._tx_pacer.spend(len(chunk), self.rate)
            self.sent_tx += len(chunk)
            self._sink(chunk)

    _seen_host = False

    def host_connected(self) -> None:
        self._seen_host = True

    def _apply(self, config: UartConfig) -> None:
        self.log(f"uart: {config.as_tuple()} ({config.bytes_per_second:.0f} B/s)")
        self.config = config
        self._hold_host(False)

    # --- receive --------------------------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote; they reach the firmware at the line rate."""
        self._rx_wire += data
        if len(self._rx_wire) > WIRE_HIGH_WATER:
            self._hold_host(True)
        self._wake_rx.set()

    def discard_rx(self) -> None:
        self._rx_wire.clear()
        self._rx_fifo.clear()

    def kick_rx(self) -> None:
        """The firmware may be reading again (passthrough resumed): drain what waits."""
        self._wake_rx.set()

    async def _rx_loop(self) -> None:
        while True:
            if self._rx_fifo and not self.rx_paused():
                data = bytes(self._rx_fifo)
                self._rx_fifo.clear()
                self._deliver(data)
                continue
            if not self._rx_wire:
                self._wake_rx.clear()
                await self._wake_rx.wait()
                self._rx_pacer.idle(time.monotonic())
                continue
            now = time.monotonic()
            n = self._rx_pacer.budget(now, self.rate)
            if n <= 0:
                await asyncio.sleep(self._rx_pacer.wait_s(now))
                continue
            if self.rx_paused():
                room = self.rx_buffer - len(self._rx_fifo)
                if room <= 0 and self.config.flow_control & 1:
                    self._hold_host(True)  # RTS deasserted: the host must wait
                    await asyncio.sleep(0.002)
                    continue
            chunk = bytes(self._rx_wire[:n])
            del self._rx_wire[:n]
            self._rx_pacer.spend(len(chunk), self.rate)
            if len(self._rx_wire) < WIRE_HIGH_WATER // 2:
                self._hold_host(False)
            if self.rx_paused():
                room = self.rx_buffer - len(self._rx_fifo)
                keep = chunk[: max(room, 0)]
                self._rx_fifo += keep
                lost = len(chunk) - len(keep)
                if lost:
                    self.dropped_rx += lost
                    self.log(f"uart: rx buffer full ({self.rx_buffer} bytes), dropped {lost} bytes")
                continue
            self._deliver(chunk)
