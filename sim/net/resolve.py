"""Turning the ``<"remote host">`` of AT+CIPSTART / AT+CIPSEND / AT+SAVETRANSLINK into an address (3.3).

This is the interface the TCP/IP commands call. It knows literal IPv4/IPv6 addresses and ``localhost``; the
TCP/IP services group (AT+CIPDOMAIN, AT+CIPDNS, sim/net/resolver.py) extends it by registering a resolver
with :func:`set_domain_resolver`, which is then asked for every other name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

#: ``resolver(board, name, want_ipv6) -> address`` for names that are not literal addresses; raises
#: :class:`ResolveError` when the name does not resolve.
DomainResolver = Callable[[Any, str, bool], Awaitable[str]]

_domain_resolver: DomainResolver | None = None


class ResolveError(Exception):
    """The host name does not resolve (the command answers ERROR)."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"cannot resolve {host!r}: {reason}")
        self.host = host
        self.reason = reason


def set_domain_resolver(resolver: DomainResolver | None) -> None:
    """Install the resolver used for domain names (None: only literal addresses and localhost)."""
    global _domain_resolver
    _domain_resolver = resolver


def literal_address(host: str) -> str | None:
    """The address ``host`` spells literally (``localhost`` counts as 127.0.0.1), else None."""
    if host.lower() == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


async def resolve_host(board: Any, host: str, *, ipv6: bool = False) -> str:
    """The address to connect to for ``host``; raises :class:`ResolveError`.

    ``ipv6`` is set for the IPv6 link types (3.3.5 "TCPv6", "UDPv6", "SSLv6"): names resolve to AAAA
    records, ``localhost`` is ``::1``, and a literal IPv4 address is refused (it cannot be reached from an
    IPv6 socket)."""
    if ipv6 and host.lower() == "localhost":
        return "::1"
    addr = literal_address(host)
    if addr is not None:
        if ipv6 and ":" not in addr:
            raise ResolveError(host, "an IPv4 address for an IPv6 link type")
        return addr
    if _domain_resolver is None:
        raise ResolveError(
            host, "no DNS resolver in this simulator build (literal addresses and localhost only)"
        )
    return await _domain_resolver(board, host, ipv6)
