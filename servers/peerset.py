"""Every peer a conformance run may need, built from one place.

The fixtures start these one at a time, on demand; :class:`PeerSet` starts them all (the
self-test that two sets run side by side, and ``python -m servers all``). Names are the
fixture names without their ``esp_`` prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address
from pathlib import Path
from typing import Self

from servers.base import DEFAULT_HOST, Peer
from servers.behaviours import Echo, Sink
from servers.ble_air import BleAir
from servers.dns import DnsServer
from servers.errors import PortInUseError
from servers.http import HttpServer
from servers.mqtt import MqttBroker
from servers.ota import OtaServer
from servers.pki import EspPki
from servers.sntp import SntpServer
from servers.tcp import TcpServer
from servers.udp import UdpMode, UdpPeer
from servers.ws import WsServer

#: The clock the SNTP peer serves by default: 2024-01-01T00:00:00Z, far from the host's clock so a
#: board that shows host time instead of SNTP time is caught.
SNTP_EPOCH = 1_704_067_200.0
OTA_TOKEN = "esp-at-conformance-ota-token"
#: The ports a board's resolver and SNTP client use (RFC 1035, RFC 4330).
DNS_PORT, SNTP_PORT = 53, 123


@dataclass(frozen=True)
class ServiceBind:
    """Where the DNS and SNTP peers listen when not on free ports of the context's host (rig
    ``network.dns_sntp``; a bench's standard ports). ``search``: ``host`` is a loopback address from which
    :func:`start_on_free_loopback` looks for one whose ports are free (workers and runs side by side)."""

    host: str
    dns_port: int = DNS_PORT
    sntp_port: int = SNTP_PORT
    search: bool = False


@dataclass(frozen=True)
class PeerContext:
    """What every peer is built from: where to bind, the PKI, a work directory, the rig's names."""

    workdir: Path
    pki: EspPki
    host: str = DEFAULT_HOST
    dns_names: Mapping[str, list[str]] = field(default_factory=dict)
    sntp_epoch: float = SNTP_EPOCH
    ota_token: str = OTA_TOKEN
    #: Bind the DNS and SNTP peers on their standard ports (53, 123), as a real board on a bench looks for
    #: them there; free ports otherwise (a simulated board is told the port, sim/README.md).
    standard_ports: bool = False
    #: Where the DNS and SNTP peers listen instead (it wins over ``standard_ports``).
    service_bind: ServiceBind | None = None

    @property
    def dns_sntp(self) -> ServiceBind | None:
        """Where the DNS and SNTP peers listen; None: free ports on ``host``."""
        if self.service_bind is not None:
            return self.service_bind
        return ServiceBind(self.host) if self.standard_ports else None


def _bind(c: PeerContext) -> tuple[str, int, int]:
    """(host, DNS port, SNTP port) of the DNS and SNTP peers; port 0: a free one."""
    bind = c.dns_sntp
    return (c.host, 0, 0) if bind is None else (bind.host, bind.dns_port, bind.sntp_port)


def _mqtt(c: PeerContext) -> Peer:
    return MqttBroker(c.workdir / "mqtt", c.pki, c.host)


FACTORIES: dict[str, Callable[[PeerContext], Peer]] = {
    "tcp_echo": lambda c: TcpServer(Echo(), c.host),
    "tcp_sink": lambda c: TcpServer(Sink(), c.host),
    "udp_peer": lambda c: UdpPeer(UdpMode.ECHO, c.host),
    "ssl_echo": lambda c: TcpServer(Echo(), c.host, ssl_context=c.pki.server_context()),
    "ssl_mtls_echo": lambda c: TcpServer(
        Echo(), c.host, ssl_context=c.pki.server_context(require_client_cert=True)
    ),
    "mqtt_broker": _mqtt,
    "http_server": lambda c: HttpServer(c.host),
    "https_server": lambda c: HttpServer(c.host, ssl_context=c.pki.server_context()),
    "https_mtls_server": lambda c: HttpServer(
        c.host, ssl_context=c.pki.server_context(require_client_cert=True)
    ),
    "ws_server": lambda c: WsServer(c.host),
    "wss_server": lambda c: WsServer(c.host, ssl_context=c.pki.server_context()),
    "wss_mtls_server": lambda c: WsServer(c.host, ssl_context=c.pki.server_context(require_client_cert=True)),
    "sntp_server": lambda c: SntpServer(_bind(c)[0], port=_bind(c)[2], epoch=c.sntp_epoch),
    "dns_server": lambda c: DnsServer(c.dns_names, _bind(c)[0], port=_bind(c)[1]),
    "ota_server": lambda c: OtaServer(c.ota_token, c.host),
    "ble_air": lambda c: BleAir(c.host),
}


def build(name: str, context: PeerContext) -> Peer:
    """The (not yet started) peer called ``name``; KeyError lists the known names."""
    try:
        factory = FACTORIES[name]
    except KeyError:
        raise KeyError(f"no peer called {name!r}; known: {', '.join(FACTORIES)}") from None
    return factory(context)


#: How many loopback addresses :func:`start_on_free_loopback` tries.
LOOPBACK_TRIES = 64


def start_on_free_loopback(name: str, context: PeerContext, tries: int = LOOPBACK_TRIES) -> Peer:
    """Start the DNS or SNTP peer ``name`` on its ports at the first loopback address, from the context's
    ``service_bind.host`` on, where they are free (another worker or run may hold the first). Any error
    other than a port in use (e.g. :class:`servers.errors.PrivilegedPortError`) is raised at once."""
    bind = context.dns_sntp
    if bind is None:
        raise ValueError("the context names no DNS/SNTP address to start from (service_bind)")
    first = IPv4Address(bind.host)
    if not first.is_loopback:
        raise ValueError(f"{first} is not a loopback address: only there may the peer move to another one")
    last: PortInUseError | None = None
    for i in range(tries):
        address = first + i
        if not address.is_loopback:
            break
        try:
            return build(name, replace(context, service_bind=replace(bind, host=str(address)))).start()
        except PortInUseError as exc:
            last = exc
    assert last is not None
    raise PortInUseError(
        last.peer, bind.host, last.port, f"Also taken on the next {tries - 1} loopback addresses."
    )


class PeerSet:
    """All peers of :data:`FACTORIES`, started together (stopped together, in reverse)."""

    def __init__(self, context: PeerContext, names: list[str] | None = None) -> None:
        self.context = context
        self.peers: dict[str, Peer] = {n: build(n, context) for n in (names or list(FACTORIES))}
        self._started: list[Peer] = []

    def start(self) -> Self:
        try:
            for peer in self.peers.values():
                peer.start()
                self._started.append(peer)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __getitem__(self, name: str) -> Peer:
        return self.peers[name]

    def ports(self) -> list[tuple[str, str, int]]:
        """(peer, endpoint, port) for every bound endpoint."""
        return [(n, e.name, e.port) for n, p in self.peers.items() for e in p.endpoints.values()]
