"""Real mDNS for AT+MDNS (3.3.39) on the simulator's LAN, the loopback interface, via python-zeroconf.

:class:`MdnsResponder` announces one service (what AT+MDNS=1 sets) until closed; :func:`query` asks the
network (mode 2) and returns :class:`Found` records. Both bind 127.0.0.1 only: multicast to 224.0.0.251
stays on this host. :func:`available` tells whether this host lets a process use multicast on loopback at
all; when it does not, the caller falls back to answering from its own service.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# zeroconf is imported where it is used: a board that never runs AT+MDNS does not carry it (issue 23: about
# 4 MB of a simulated board's memory).
if TYPE_CHECKING:
    from zeroconf import Zeroconf
    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

INTERFACE = "127.0.0.1"


class MdnsUnavailable(OSError):
    """This host does not let the process join the mDNS group on loopback."""


def _zeroconf() -> AsyncZeroconf:
    from zeroconf import IPVersion
    from zeroconf.asyncio import AsyncZeroconf

    try:
        return AsyncZeroconf(interfaces=[INTERFACE], ip_version=IPVersion.V4Only)
    except OSError as exc:
        raise MdnsUnavailable(f"mDNS on {INTERFACE}: {exc}") from exc


def service_type(service: str, proto: str) -> str:
    """``_printer`` + ``_tcp`` -> ``_printer._tcp.local.``"""
    return f"{service.rstrip('.')}.{proto.strip('.')}.local."


@dataclass(frozen=True)
class Announcement:
    hostname: str
    service: str
    proto: str
    port: int
    instance: str
    txt: tuple[tuple[str, str], ...]
    address: str


class MdnsResponder:
    """One board's mDNS responder with the service of AT+MDNS=1; :meth:`close` withdraws it."""

    def __init__(self) -> None:
        self._zc: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    async def announce(self, a: Announcement) -> None:
        from zeroconf import NonUniqueNameException
        from zeroconf.asyncio import AsyncServiceInfo

        await self.close()
        self._zc = _zeroconf()
        kind = service_type(a.service, a.proto)
        self._info = AsyncServiceInfo(
            kind,
            f"{a.instance}.{kind}",
            addresses=[socket.inet_aton(a.address)],
            port=a.port,
            properties=dict(a.txt),
            server=f"{a.hostname}.local.",
        )
        try:
            # Probing and announcing go on in the background, as on the chip; a taken name gets a suffix.
            await self._zc.async_register_service(self._info, allow_name_change=True, strict=False)
        except (NonUniqueNameException, ValueError) as exc:
            await self.close()
            raise MdnsUnavailable(f"cannot announce {a.instance}.{kind}: {exc}") from exc

    async def close(self) -> None:
        zc, self._zc = self._zc, None
        if zc is not None:
            try:
                await zc.async_unregister_all_services()
            finally:
                await zc.async_close()
        self._info = None


@dataclass
class Found:
    """One answer of a query, in 3.3.39's terms."""

    instance: str = ""
    hostname: str = ""
    port: int = 0
    txt: list[tuple[str, str]] = field(default_factory=list)
    ipv4: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)


def _found_from(info: AsyncServiceInfo, kind: str) -> Found:
    from zeroconf import IPVersion

    txt = [
        (k.decode(errors="replace"), (v or b"").decode(errors="replace"))
        for k, v in (info.properties or {}).items()
    ]
    return Found(
        instance=info.name.removesuffix("." + kind),
        hostname=(info.server or "").rstrip("."),
        port=info.port or 0,
        txt=txt,
        ipv4=info.parsed_addresses(IPVersion.V4Only),
        ipv6=info.parsed_addresses(IPVersion.V6Only),
    )


async def query_services(service: str, proto: str, timeout: float, max_results: int) -> list[Found]:
    """PTR query: instances of the service type, each with its SRV, TXT and A records."""
    from zeroconf import ServiceListener
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo

    kind = service_type(service, proto)
    azc = _zeroconf()
    names: list[str] = []
    enough = asyncio.Event()

    class _Listener(ServiceListener):
        def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            if name not in names:
                names.append(name)
            if len(names) >= max_results:
                enough.set()

        def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            pass

        def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            pass

    browser = AsyncServiceBrowser(azc.zeroconf, kind, listener=_Listener())
    try:
        try:
            await asyncio.wait_for(enough.wait(), timeout)
        except TimeoutError:
            pass
        found = []
        for name in names[:max_results]:
            info = AsyncServiceInfo(kind, name)
            if await info.async_request(azc.zeroconf, 1000):
                found.append(_found_from(info, kind))
        return found
    finally:
        await browser.async_cancel()
        await azc.async_close()


async def query_instance(instance: str, service: str, proto: str, timeout: float) -> list[Found]:
    """TXT / SRV query of one named instance."""
    from zeroconf.asyncio import AsyncServiceInfo

    kind = service_type(service, proto)
    azc = _zeroconf()
    try:
        info = AsyncServiceInfo(kind, f"{instance}.{kind}")
        if await info.async_request(azc.zeroconf, int(timeout * 1000)):
            return [_found_from(info, kind)]
        return []
    finally:
        await azc.async_close()


async def query_host(hostname: str, timeout: float, *, ipv4: bool, ipv6: bool) -> list[Found]:
    """A / AAAA query of ``<hostname>.local``."""
    from zeroconf import AddressResolverIPv4, AddressResolverIPv6

    name = hostname if hostname.endswith(".local") else f"{hostname}.local"
    azc = _zeroconf()
    try:
        found = Found(hostname=name)
        if ipv4:
            r4 = AddressResolverIPv4(f"{name}.")
            if await r4.async_request(azc.zeroconf, int(timeout * 1000)):
                found.ipv4 = r4.parsed_addresses()
        if ipv6:
            r6 = AddressResolverIPv6(f"{name}.")
            if await r6.async_request(azc.zeroconf, int(timeout * 1000)):
                found.ipv6 = r6.parsed_addresses()
        return [found] if found.ipv4 or found.ipv6 else []
    finally:
        await azc.async_close()
