"""A UDP peer (the other end of 3.3's UDP links): echo, sink or silent, and a sender.

UDP is symmetric, so one class covers both roles: it listens on its port and replies from it,
and :meth:`UdpPeer.send_to` / :meth:`UdpPeer.send_sequence` send to a board's local port.
Sequence-numbered datagrams (:mod:`servers.payload`) let a test count loss and reordering.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from servers.base import DEFAULT_HOST, Endpoint, Peer, bind_error
from servers.payload import SequenceCounter, decode_datagram, encode_datagram


class UdpMode(StrEnum):
    ECHO = "echo"  # send each datagram back to its sender
    SINK = "sink"  # record only
    SILENT = "silent"  # same as sink; named for negative tests that expect no answer


@dataclass(frozen=True)
class Datagram:
    t: float  # time.monotonic()
    remote: tuple[str, int]
    data: bytes
    inbound: bool


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, peer: UdpPeer) -> None:
        self.peer = peer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # selector transports are duck-typed

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.peer._on_datagram(data, (str(addr[0]), int(addr[1])))


class UdpPeer(Peer):
    """Records every datagram in and out, per remote address, with sequence counting."""

    kind = "udp"

    def __init__(
        self, mode: UdpMode | str = UdpMode.ECHO, host: str = DEFAULT_HOST, port: int = 0, seed: int = 0
    ) -> None:
        super().__init__(host)
        self.mode = UdpMode(mode)
        self.requested_port = port
        self.seed = seed
        self.datagrams: list[Datagram] = []
        self.counters: dict[tuple[str, int], SequenceCounter] = {}
        self._protocol: _Protocol | None = None
        self._cond = threading.Condition()

    async def astart(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(self.host, self.requested_port)
            )
        except OSError as exc:
            raise bind_error(exc, self.kind, self.host, self.requested_port) from exc
        self._protocol = protocol
        assert protocol.transport is not None
        host, port = protocol.transport.get_extra_info("sockname")[:2]
        self.endpoints = {"udp": Endpoint("udp", host, port, transport="udp")}

    async def astop(self) -> None:
        if self._protocol and self._protocol.transport:
            self._protocol.transport.close()

    def _record(self, remote: tuple[str, int], data: bytes, inbound: bool) -> None:
        with self._cond:
            self.datagrams.append(Datagram(time.monotonic(), remote, data, inbound))
            self._cond.notify_all()

    def _on_datagram(self, data: bytes, remote: tuple[str, int]) -> None:
        self._record(remote, data, True)
        seq = decode_datagram(data, self.seed)
        if seq is not None:
            self.counters.setdefault(remote, SequenceCounter()).feed(seq)
        if self.mode is UdpMode.ECHO:
            self._send(remote, data)

    def _send(self, remote: tuple[str, int], data: bytes) -> None:
        assert self._protocol is not None and self._protocol.transport is not None
        self._protocol.transport.sendto(data, remote)
        self._record(remote, data, False)

    # --- sending (client role) -----------------------------------------------------------------
    async def asend_to(self, remote: tuple[str, int], data: bytes) -> None:
        self._send(remote, data)

    def send_to(self, remote: tuple[str, int], data: bytes) -> None:
        """Send one datagram from the peer's port to ``remote`` (e.g. a board's UDP local port)."""
        self.call(self.asend_to(remote, data))

    async def asend_sequence(
        self, remote: tuple[str, int], count: int, size: int, rate: float | None
    ) -> None:
        for seq in range(count):
            self._send(remote, encode_datagram(seq, size, time.monotonic_ns(), self.seed))
            if rate:
                await asyncio.sleep(1 / rate)

    def send_sequence(
        self, remote: tuple[str, int], count: int, size: int = 64, rate: float | None = None
    ) -> None:
        """Send ``count`` sequence datagrams of ``size`` bytes, ``rate`` datagrams/s (None = at once)."""
        timeout = 30.0 + (count / rate if rate else 0)
        self.call(self.asend_sequence(remote, count, size, rate), timeout)

    # --- reading what was seen -----------------------------------------------------------------
    def received(self, remote: tuple[str, int] | None = None) -> list[Datagram]:
        return [d for d in list(self.datagrams) if d.inbound and (remote is None or d.remote == remote)]

    def wait_datagrams(self, count: int, timeout: float = 10.0) -> list[Datagram]:
        """Block until ``count`` datagrams have arrived (from anyone)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.received()) >= count, timeout):
                raise TimeoutError(
                    f"udp peer {self.host}:{self.port}: expected {count} datagram(s) within {timeout}s, "
                    f"got {len(self.received())}"
                )
        return self.received()
