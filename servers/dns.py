"""A DNS server for AT+CIPDNS / AT+CIPDOMAIN (3.3): the rig's names, NXDOMAIN for the rest.

A and AAAA answers come from a name -> addresses table (IPv4 gives A, IPv6 gives AAAA); a name
in the table without an address of the asked type gets an empty NOERROR answer. UDP and TCP
(length-prefixed) are both served on the same port number. Message parsing is dnslib's.
"""

from __future__ import annotations

import asyncio
import ipaddress
import struct
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dnslib import AAAA, QTYPE, RCODE, RR, A, DNSError, DNSRecord

from servers.base import DEFAULT_HOST, Endpoint, Peer, bind_error


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


@dataclass(frozen=True)
class DnsQuery:
    t: float
    remote: tuple[str, int]
    transport: str  # "udp" or "tcp"
    name: str
    qtype: str  # "A", "AAAA", ...
    rcode: str  # "NOERROR", "NXDOMAIN", "FORMERR"; "" when the server stayed silent


class DnsZone:
    """The names a rig defines; sans-IO: answers a query packet with a reply packet."""

    def __init__(self, names: Mapping[str, Iterable[str]] | None = None, ttl: int = 60) -> None:
        self.ttl = ttl
        self.names: dict[str, list[ipaddress.IPv4Address | ipaddress.IPv6Address]] = {}
        for name, addresses in (names or {}).items():
            self.add(name, *addresses)

    def add(self, name: str, *addresses: str) -> None:
        """Define ``name`` (adds to any addresses it already has); bad addresses raise ValueError."""
        parsed = [ipaddress.ip_address(a) for a in addresses]
        self.names.setdefault(_norm(name), []).extend(parsed)

    def answer(self, packet: bytes) -> tuple[bytes | None, str, str, str]:
        """(reply, name, qtype, rcode) for a query; reply None when the packet is not parseable."""
        try:
            request = DNSRecord.parse(packet)
        except (DNSError, struct.error, IndexError):
            return None, "", "", "FORMERR"
        reply = request.reply()
        if not request.questions:
            reply.header.rcode = RCODE.FORMERR
            return reply.pack(), "", "", "FORMERR"
        q = request.q
        name, qtype = _norm(str(q.qname)), QTYPE.get(q.qtype)
        addresses = self.names.get(name)
        if addresses is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply.pack(), name, qtype, "NXDOMAIN"
        for addr in addresses:
            if q.qtype == QTYPE.A and addr.version == 4:
                reply.add_answer(RR(q.qname, QTYPE.A, rdata=A(str(addr)), ttl=self.ttl))
            elif q.qtype == QTYPE.AAAA and addr.version == 6:
                reply.add_answer(RR(q.qname, QTYPE.AAAA, rdata=AAAA(str(addr)), ttl=self.ttl))
        return reply.pack(), name, qtype, "NOERROR"


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        remote = (str(addr[0]), int(addr[1]))
        reply = self.server._handle(data, remote, "udp")
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, remote)


class DnsServer(Peer):
    """Serves a :class:`DnsZone` over UDP and TCP on one port; ``queries`` logs every question."""

    kind = "dns"

    def __init__(
        self,
        names: Mapping[str, Iterable[str]] | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        ttl: int = 60,
        tcp: bool = True,
        silent: bool = False,
    ) -> None:
        super().__init__(host)
        self.zone = DnsZone(names, ttl)
        self.requested_port = port
        self.with_tcp = tcp
        self.silent = silent
        self.queries: list[DnsQuery] = []
        self._cond = threading.Condition()
        self._udp: _Udp | None = None
        self._tcp: asyncio.Server | None = None

    def add(self, name: str, *addresses: str) -> None:
        self.zone.add(name, *addresses)

    def _handle(self, data: bytes, remote: tuple[str, int], transport: str) -> bytes | None:
        reply, name, qtype, rcode = self.zone.answer(data)
        if self.silent:
            reply, rcode = None, ""
        with self._cond:
            self.queries.append(DnsQuery(time.monotonic(), remote, transport, name, qtype, rcode))
            self._cond.notify_all()
        return reply

    async def _on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        remote = writer.get_extra_info("peername")[:2]
        try:
            while True:
                (length,) = struct.unpack(">H", await reader.readexactly(2))
                reply = self._handle(
                    await reader.readexactly(length), (str(remote[0]), int(remote[1])), "tcp"
                )
                if reply is not None:
                    writer.write(struct.pack(">H", len(reply)) + reply)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def astart(self) -> None:
        # TCP and UDP share one port number. With port 0 the system picks a free UDP port whose TCP
        # twin may be taken by another process: then try another number.
        attempts = 1 if self.requested_port else 20
        for attempt in range(attempts):
            try:
                await self._bind_once()
                return
            except OSError as exc:
                await self.astop()
                taken = self.endpoints.get("udp")
                self.endpoints = {}
                if attempt == attempts - 1 or taken is None:
                    port = taken.port if taken else self.requested_port
                    raise bind_error(exc, self.kind, self.host, port) from exc

    async def _bind_once(self) -> None:
        loop = asyncio.get_running_loop()
        self._udp, self._tcp = None, None
        _, self._udp = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=(self.host, self.requested_port)
        )
        assert self._udp.transport is not None
        host, port = self._udp.transport.get_extra_info("sockname")[:2]
        self.endpoints = {"udp": Endpoint("udp", host, port, transport="udp")}
        if self.with_tcp:
            self._tcp = await asyncio.start_server(self._on_tcp, host, port)
            self.endpoints["tcp"] = Endpoint("tcp", host, port)

    async def astop(self) -> None:
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()
        self._udp, self._tcp = None, None

    def wait_queries(self, count: int = 1, timeout: float = 10.0) -> list[DnsQuery]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.queries) >= count, timeout):
                raise TimeoutError(f"dns server: expected {count} query(ies), saw {len(self.queries)}")
            return list(self.queries)
