"""An SNTP server (RFC 4330 / NTPv4 server mode) for AT+CIPSNTPCFG / AT+CIPSNTPTIME (3.3).

It serves a known clock: either one that started at a fixed Unix epoch when the server started
(``epoch=``), or the host's clock shifted by ``offset`` seconds, so a test can compare the time the
board reports with the time it was given, to the second. Packet building is sans-IO.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from dataclasses import dataclass

from servers.base import DEFAULT_HOST, Endpoint, Peer, bind_error

NTP_UNIX_DELTA = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
PACKET = struct.Struct(">BBbbII4sQQQQ")  # 48 bytes
MODE_CLIENT, MODE_SERVER = 3, 4


class SntpClock:
    """The time the server hands out, as Unix seconds."""

    def __init__(self, epoch: float | None = None, offset: float = 0.0) -> None:
        self.epoch, self.offset = epoch, offset
        self._t0 = time.monotonic()

    def now(self) -> float:
        if self.epoch is not None:
            return self.epoch + (time.monotonic() - self._t0)
        return time.time() + self.offset


def to_ntp(unix: float) -> int:
    """A 64-bit NTP timestamp (32.32 fixed point since 1900) for Unix time ``unix``."""
    seconds = unix + NTP_UNIX_DELTA
    whole = int(seconds)
    return (whole << 32) | int((seconds - whole) * (1 << 32))


def from_ntp(stamp: int) -> float:
    return (stamp >> 32) - NTP_UNIX_DELTA + (stamp & 0xFFFFFFFF) / (1 << 32)


@dataclass(frozen=True)
class SntpRequest:
    version: int
    mode: int
    transmit: int  # the client's transmit timestamp, echoed back as originate


def parse_request(data: bytes) -> SntpRequest | None:
    """The fields of a client request, or None when ``data`` is not an NTP client packet."""
    if len(data) < PACKET.size:
        return None
    first, *_rest = PACKET.unpack_from(data)
    mode, version = first & 0x7, (first >> 3) & 0x7
    if mode != MODE_CLIENT or not 1 <= version <= 4:
        return None
    return SntpRequest(version, mode, PACKET.unpack_from(data)[-1])


def build_response(request: SntpRequest, received: float, transmit: float, stratum: int = 1) -> bytes:
    """A server-mode reply: LI 0, the client's version, reference id 'LOCL'."""
    first = (0 << 6) | (request.version << 3) | MODE_SERVER
    return PACKET.pack(
        first,
        stratum,
        6,  # poll: 64 s
        -20,  # precision: about a microsecond
        0,  # root delay
        1 << 8,  # root dispersion: 1/256 s
        b"LOCL",
        to_ntp(received),  # reference time: last "sync" of our own clock
        request.transmit,  # originate
        to_ntp(received),
        to_ntp(transmit),
    )


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: SntpServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.server._on_request(data, (str(addr[0]), int(addr[1])))


@dataclass(frozen=True)
class SntpQuery:
    t: float  # time.monotonic() on arrival
    remote: tuple[str, int]
    valid: bool
    answered: bool


class SntpServer(Peer):
    """UDP SNTP server; ``queries`` lists every request, ``silent=True`` never answers."""

    kind = "sntp"

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = 0,
        epoch: float | None = None,
        offset: float = 0.0,
        stratum: int = 1,
        silent: bool = False,
    ) -> None:
        super().__init__(host)
        self.requested_port = port
        self.clock = SntpClock(epoch, offset)
        self.stratum = stratum
        self.silent = silent
        self.queries: list[SntpQuery] = []
        self._cond = threading.Condition()
        self._protocol: _Protocol | None = None

    @property
    def request_count(self) -> int:
        return len(self.queries)

    def _on_request(self, data: bytes, remote: tuple[str, int]) -> None:
        received = self.clock.now()
        request = parse_request(data)
        answer = request is not None and not self.silent
        if answer:
            assert request is not None and self._protocol is not None and self._protocol.transport is not None
            self._protocol.transport.sendto(
                build_response(request, received, self.clock.now(), self.stratum), remote
            )
        with self._cond:
            self.queries.append(SntpQuery(time.monotonic(), remote, request is not None, answer))
            self._cond.notify_all()

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
        self.endpoints = {"sntp": Endpoint("sntp", host, port, transport="udp")}

    async def astop(self) -> None:
        if self._protocol and self._protocol.transport:
            self._protocol.transport.close()

    def wait_queries(self, count: int = 1, timeout: float = 10.0) -> list[SntpQuery]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.queries) >= count, timeout):
                raise TimeoutError(f"sntp server: expected {count} request(s), saw {len(self.queries)}")
            return list(self.queries)
