"""The board's DNS client: real queries over UDP to the DNS servers the board knows (3.3 AT+CIPDNS).

Used by AT+CIPDOMAIN, AT+PING, AT+CIPSNTPCFG's server names, AT+CIUPDATE, and (through
``sim.net.resolve``) AT+CIPSTART with a domain name. No board here: the caller passes the servers
(AT+CIPDNS or the AP's DHCP list), the UDP port they listen on (53 on a real network, the air file's
``services.dns_port`` in the lab), and the local address to send from (the station's).

Wire format and policy are pure functions (:func:`build_query`, :func:`parse_answer`,
:func:`literal_address`, :func:`query_plan`); :func:`resolve` does the I/O.

Like lwIP, the client asks each server in turn, retrying a silent one, and stops at the first answer
(an NXDOMAIN from the first server is final). Only loopback servers are ever sent to: the simulator has no
route beyond this host, so any other server behaves as unreachable (silence until the timeout).
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: lwIP's DNS_MAX_RETRIES is 4 tries per server; the sim waits this long for each try.
TRY_TIMEOUT_S = 1.0
TRIES_PER_SERVER = 2


class Network(IntEnum):
    """AT+CIPDOMAIN's ``<ip network>`` (3.3): which address families a lookup may return."""

    PREFER_IPV4 = 1
    IPV4_ONLY = 2
    IPV6_ONLY = 3


class ResolveError(Exception):
    """A name that did not resolve; ``reason`` says why (no such name, no server answered, ...)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name!r}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    """What one server said: rcode name (``NOERROR``, ``NXDOMAIN``...) and the addresses of the asked type."""

    rcode: str
    addresses: tuple[IpAddress, ...]


def literal_address(host: str, *, ipv6_enabled: bool) -> IpAddress | None:
    """``host`` as an address when it is one (or ``localhost``), without asking DNS; None for a name.

    lwIP answers ``localhost`` itself with its loopback address (``::1`` only matters with IPv6 on).
    """
    text = host.strip()
    if text.lower() == "localhost":
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        addr = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if addr.version == 6 and not ipv6_enabled:
        return None
    return addr


def query_plan(network: Network) -> list[str]:
    """The record types to ask for, in order: IPv4 first when preferred, IPv6 as the fallback."""
    if network is Network.IPV4_ONLY:
        return ["A"]
    if network is Network.IPV6_ONLY:
        return ["AAAA"]
    return ["A", "AAAA"]


def build_query(name: str, qtype: str, ident: int) -> bytes:
    """A recursive query for ``name`` (``A`` or ``AAAA``) with transaction id ``ident``."""
    # imported at the first lookup: a board that never resolves a name does without it (issue 23, RSS)
    from dnslib import QTYPE, DNSQuestion, DNSRecord

    record = DNSRecord(q=DNSQuestion(name, getattr(QTYPE, qtype)))
    record.header.id = ident & 0xFFFF
    record.header.rd = 1
    return bytes(record.pack())


def parse_answer(packet: bytes, ident: int, name: str, qtype: str) -> Answer | None:
    """The answer in ``packet`` if it replies to our query (id, question), else None (ignore it)."""
    from dnslib import QTYPE, RCODE, DNSError, DNSRecord

    try:
        reply = DNSRecord.parse(packet)
    except (DNSError, struct.error, IndexError, ValueError):
        return None
    if reply.header.id != ident or not reply.header.qr:
        return None
    if reply.questions and str(reply.q.qname).rstrip(".").lower() != name.rstrip(".").lower():
        return None
    want = getattr(QTYPE, qtype)
    found: list[IpAddress] = []
    for rr in reply.rr:
        if rr.rtype == want:
            try:
                found.append(ipaddress.ip_address(str(rr.rdata)))
            except ValueError:
                continue
    return Answer(RCODE.get(reply.header.rcode), tuple(found))


def reachable(server: IpAddress) -> bool:
    """Whether the simulator may send to ``server``: only this host's loopback addresses."""
    return server.is_loopback


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.queue.put_nowait(data)


async def _ask(
    server: IpAddress, port: int, name: str, qtype: str, local: str | None, deadline: float
) -> Answer | None:
    """One server, up to TRIES_PER_SERVER tries; None when it stayed silent (or cannot be reached)."""
    loop = asyncio.get_running_loop()
    if not reachable(server):
        await asyncio.sleep(max(0.0, min(deadline - loop.time(), TRY_TIMEOUT_S)))
        return None
    family = socket.AF_INET6 if server.version == 6 else socket.AF_INET
    bind = (local, 0) if local and family == socket.AF_INET else None
    try:
        transport, inbox = await loop.create_datagram_endpoint(_Inbox, local_addr=bind, family=family)
    except OSError:
        transport, inbox = await loop.create_datagram_endpoint(_Inbox, family=family)
    try:
        for _ in range(TRIES_PER_SERVER):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            ident = random.getrandbits(16)
            try:
                transport.sendto(build_query(name, qtype, ident), (str(server), port))
            except OSError:
                return None
            try_end = loop.time() + min(TRY_TIMEOUT_S, remaining)
            while (left := try_end - loop.time()) > 0:
                try:
                    packet = await asyncio.wait_for(inbox.queue.get(), left)
                except TimeoutError:
                    break
                answer = parse_answer(packet, ident, name, qtype)
                if answer is not None:
                    return answer
        return None
    finally:
        transport.close()


async def resolve(
    name: str,
    servers: Sequence[IpAddress],
    *,
    port: int = 53,
    network: Network = Network.PREFER_IPV4,
    local: str | None = None,
    timeout: float = 10.0,
) -> list[IpAddress]:
    """The addresses of ``name`` (one family, in the server's order), asking ``servers`` in turn.

    Raises :class:`ResolveError` when no server answered with an address within ``timeout`` seconds.
    """
    if not servers:
        raise ResolveError(name, "no DNS server configured")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for qtype in query_plan(network):
        answered = False
        for server in servers:
            answer = await _ask(server, port, name, qtype, local, deadline)
            if answer is None:
                continue
            answered = True
            if answer.addresses:
                return list(answer.addresses)
            break  # a server that answered (NXDOMAIN or no record of this type) is believed
        if not answered:
            raise ResolveError(name, "no DNS server answered")
    raise ResolveError(name, "no address of the asked family")


@dataclass(frozen=True)
class DnsConfig:
    """What a lookup needs from the board: its DNS servers, their port, the address to send from."""

    servers: tuple[IpAddress, ...]
    port: int = 53
    local: str | None = None
    ipv6_enabled: bool = False


async def lookup(
    host: str, config: DnsConfig, *, network: Network = Network.PREFER_IPV4, timeout: float = 10.0
) -> IpAddress:
    """The address a command uses for ``host``: a literal address (or ``localhost``) as is, else the first
    DNS answer. IPv6 answers need IPv6 on (AT+CIPV6=1). Raises :class:`ResolveError`."""
    literal = literal_address(host, ipv6_enabled=True)
    if literal is not None and literal.version == 6 and not config.ipv6_enabled:
        raise ResolveError(host, "an IPv6 address while IPv6 is disabled (AT+CIPV6=0)")
    if literal is not None:
        if (network is Network.IPV6_ONLY and literal.version != 6) or (
            network is Network.IPV4_ONLY and literal.version != 4
        ):
            raise ResolveError(
                host, f"an IPv{literal.version} address where network {int(network)} was asked"
            )
        return literal
    if not config.ipv6_enabled:
        if network is Network.IPV6_ONLY:
            raise ResolveError(host, "IPv6 is disabled (AT+CIPV6=0)")
        network = Network.IPV4_ONLY
    found = await resolve(
        host, config.servers, port=config.port, network=network, local=config.local, timeout=timeout
    )
    return found[0]
