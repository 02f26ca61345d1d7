"""ICMP echo for AT+PING (3.3.37): packet building/parsing (pure) and one echo over a real socket.

The socket is a datagram ICMP socket where ``/proc/sys/net/ipv4/ping_group_range`` admits the process's
group, else a raw socket (root or CAP_NET_RAW). When neither may be opened, :func:`ping` raises
:class:`PingUnavailable`: the caller decides what to report.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import struct
import time

ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY = 8, 0
ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY = 128, 129
_HEADER = struct.Struct(">BBHHH")


class PingUnavailable(OSError):
    """This host lets the process open no ICMP socket (neither datagram nor raw)."""


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def build_echo(ident: int, seq: int, payload: bytes, *, v6: bool = False) -> bytes:
    """An echo request; the ICMPv6 checksum is left 0 for the kernel to fill (it needs the pseudo-header)."""
    kind = ICMPV6_ECHO_REQUEST if v6 else ICMP_ECHO_REQUEST
    header = _HEADER.pack(kind, 0, 0, ident & 0xFFFF, seq & 0xFFFF)
    if v6:
        return header + payload
    return _HEADER.pack(kind, 0, checksum(header + payload), ident & 0xFFFF, seq & 0xFFFF) + payload


def parse_echo_reply(
    packet: bytes, ident: int | None, seq: int, *, v6: bool = False, raw: bool = False
) -> bool:
    """Whether ``packet`` is the echo reply to (ident, seq). Raw IPv4 sockets deliver the IP header too;
    datagram sockets rewrite the identifier (pass ``ident=None`` to skip that check)."""
    if raw and not v6:
        if len(packet) < 20:
            return False
        packet = packet[(packet[0] & 0x0F) * 4 :]
    if len(packet) < _HEADER.size:
        return False
    kind, code, _sum, got_ident, got_seq = _HEADER.unpack_from(packet)
    want = ICMPV6_ECHO_REPLY if v6 else ICMP_ECHO_REPLY
    return kind == want and code == 0 and got_seq == seq and (ident is None or got_ident == ident)


def _open(v6: bool) -> tuple[socket.socket, bool]:
    family = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    errors: list[str] = []
    for kind, raw in ((socket.SOCK_DGRAM, False), (socket.SOCK_RAW, True)):
        try:
            return socket.socket(family, kind, proto), raw
        except OSError as exc:
            errors.append(f"{'raw' if raw else 'datagram'}: {exc.strerror}")
    raise PingUnavailable(f"no ICMP socket allowed ({'; '.join(errors)})")


async def ping(
    target: ipaddress.IPv4Address | ipaddress.IPv6Address, *, timeout: float, source: str | None = None
) -> float | None:
    """Send one echo request; the round trip in seconds, or None when no reply came within ``timeout``."""
    v6 = target.version == 6
    sock, raw = _open(v6)
    loop = asyncio.get_running_loop()
    try:
        sock.setblocking(False)
        if source and not v6:
            try:
                sock.bind((source, 0))
            except OSError:
                pass
        ident, seq = os.getpid() & 0xFFFF, int(time.monotonic() * 1000) & 0xFFFF
        packet = build_echo(ident, seq, b"esp-at-sim-ping" + bytes(17), v6=v6)
        start = time.monotonic()
        await loop.sock_sendto(sock, packet, (str(target), 0))
        end = loop.time() + timeout
        while (left := end - loop.time()) > 0:
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 2048), left)
            except TimeoutError:
                return None
            if parse_echo_reply(data, None if not raw else ident, seq, v6=v6, raw=raw):
                return time.monotonic() - start
        return None
    finally:
        sock.close()
