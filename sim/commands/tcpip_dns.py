"""3.3 TCP/IP services, names and addresses: AT+CIPV6, AT+CIPDOMAIN, AT+CIPDNS.

Other groups resolve through :func:`dns_config` and :func:`sim.net.resolver.lookup`::

    addr = await lookup(host, dns_config(board), network=Network.PREFER_IPV4)

Persistence (3.1 AT+SYSSTORE list): AT+CIPV6 and AT+CIPDNS are saved while AT+SYSSTORE=1.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.commands.wifi_runtime import wifi_model
from sim.flash import SavePolicy
from sim.net import resolve
from sim.net.resolver import DnsConfig, IpAddress, Network, ResolveError, lookup
from sim.wifi.air import Services

CIPV6 = command("AT+CIPV6", section="3.3.2")
CIPDOMAIN = command("AT+CIPDOMAIN", section="3.3.4")
CIPDNS = command("AT+CIPDNS", section="3.3.38")

NAMESPACE = "tcpip"
#: 3.3 AT+CIPDNS: the servers used when none is given, and with automatic settings before DHCP gave any.
DEFAULT_DNS: tuple[IpAddress, ...] = tuple(
    ipaddress.ip_address(a) for a in ("208.67.222.222", "114.114.114.114", "8.8.8.8")
)
#: 3.3 AT+CIPDOMAIN <timeout>: [0,60000] ms; 0 leaves it to the stack (the sim's resolver budget).
DOMAIN_TIMEOUT_MAX_MS = 60000
STACK_DNS_TIMEOUT_S = 10.0
#: lwIP's DNS_MAX_NAME_LENGTH.
NAME_MAX = 256


@dataclass
class DnsSettings:
    """AT+CIPDNS: manual (``<enable>`` 1) with up to three servers, or automatic from DHCP (0)."""

    manual: bool = False
    servers: list[IpAddress] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"manual": self.manual, "servers": [str(s) for s in self.servers]}

    @classmethod
    def from_json(cls, data: object) -> DnsSettings:
        if not isinstance(data, dict):
            return cls()
        servers = [ipaddress.ip_address(s) for s in data.get("servers", []) if isinstance(s, str)]
        return cls(bool(data.get("manual", False)), servers)


@dataclass
class NetServicesState:
    """This group's settings in RAM (what the query commands report), reloaded from NVS at each boot."""

    ipv6: bool = False
    dns: DnsSettings = field(default_factory=DnsSettings)


def state(board: Board) -> NetServicesState:
    return board.runtime(NetServicesState)


def services(board: Board) -> Services:
    """The air file's ``services`` block: the real ports of DNS/SNTP and the OTA server."""
    return wifi_model(board).air.services


def sta_address(board: Board) -> str | None:
    """The station's IPv4 address while it has one (the source address of the board's packets)."""
    model = wifi_model(board)
    return str(model.sta_ipv4.ip) if model.sta_has_ip else None


def has_network(board: Board) -> bool:
    """An interface that can reach a server: the station with an address (or a running soft-AP)."""
    model = wifi_model(board)
    return model.sta_has_ip or model.ap_running


def current_dns_servers(board: Board) -> tuple[IpAddress, ...]:
    """The servers lookups use: manual ones, else DHCP's once the station has a lease, else the defaults."""
    dns = state(board).dns
    if dns.manual:
        return tuple(dns.servers) or DEFAULT_DNS
    model = wifi_model(board)
    if model.sta_has_ip and model.sta_dns:
        return tuple(model.sta_dns)
    return DEFAULT_DNS


def dns_config(board: Board) -> DnsConfig:
    return DnsConfig(
        servers=current_dns_servers(board),
        port=services(board).dns_port,
        local=sta_address(board),
        ipv6_enabled=state(board).ipv6,
    )


async def resolve_for(board: Board, host: str, network: Network, timeout: float) -> IpAddress:
    """Resolve ``host`` as a command of this board would; ResolveError when it cannot."""
    config = dns_config(board)
    literal_only = not has_network(board)
    if literal_only:
        config = DnsConfig(servers=(), ipv6_enabled=config.ipv6_enabled)
    return await lookup(host, config, network=network, timeout=timeout)


async def _resolve_for_connection(board: Board, host: str, want_ipv6: bool) -> str:
    """sim.net.resolve's hook: the address AT+CIPSTART & co. connect to for a domain name."""
    network = Network.IPV6_ONLY if want_ipv6 else Network.IPV4_ONLY
    try:
        return str(await resolve_for(board, host, network, STACK_DNS_TIMEOUT_S))
    except ResolveError as exc:
        raise resolve.ResolveError(host, exc.reason) from None


resolve.set_domain_resolver(_resolve_for_connection)


@on_boot
def _load(board: Board) -> None:
    ns = board.nvs.namespace(NAMESPACE)
    st = state(board)
    st.ipv6 = bool(ns.get("ipv6", 0))
    st.dns = DnsSettings.from_json(ns.get("dns"))
    # The Wi-Fi group reads board.cipv6 to decide on IPv6 addresses (sim.commands.wifi_runtime).
    setattr(board, "cipv6", st.ipv6)  # noqa: B010 - Board has no declared field for it


# --------------------------------------------------------------------------------------- AT+CIPV6


@CIPV6.query
async def cipv6_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPV6:{int(state(ctx.board).ipv6)}")


@CIPV6.set
async def cipv6_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    enable = ctx.args.int(0, 0, 1)
    state(ctx.board).ipv6 = bool(enable)
    setattr(ctx.board, "cipv6", bool(enable))  # noqa: B010
    ctx.board.save(NAMESPACE, "ipv6", enable, SavePolicy.SYSSTORE)


# ----------------------------------------------------------------------------------- AT+CIPDOMAIN


@CIPDOMAIN.set
async def cipdomain_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 3)
    name = ctx.args.str(0, min_len=1, max_len=NAME_MAX)
    network = Network(ctx.args.int(1, 1, 3, default=1))
    timeout_ms = ctx.args.int(2, 0, DOMAIN_TIMEOUT_MAX_MS, default=0)
    st = state(ctx.board)
    if network is Network.IPV6_ONLY and not st.ipv6:
        raise ctx.fail(errors.exec_fail(), "IPv6 resolution needs AT+CIPV6=1")
    timeout = timeout_ms / 1000 if timeout_ms else STACK_DNS_TIMEOUT_S
    try:
        addr = await resolve_for(ctx.board, name, network, timeout)
    except ResolveError as exc:
        ctx.board.log(f"at-dns: {exc}")
        raise AtError(errors.exec_fail(), str(exc)) from None
    ctx.reply(f'+CIPDOMAIN:"{addr}"')


# -------------------------------------------------------------------------------------- AT+CIPDNS


@CIPDNS.query
async def cipdns_query(ctx: CommandContext) -> None:
    st = state(ctx.board)
    servers = ",".join(f'"{s}"' for s in current_dns_servers(ctx.board))
    ctx.reply(f"+CIPDNS:{int(st.dns.manual)},{servers}")


@CIPDNS.set
async def cipdns_set(ctx: CommandContext) -> None:
    n = ctx.args.count(1, 4)
    enable = ctx.args.int(0, 0, 1)
    servers: list[IpAddress] = []
    if enable == 1:
        for i in range(1, n):
            if ctx.args.omitted(i):
                continue
            text = ctx.args.str(i, min_len=1, max_len=64)
            try:
                addr = ipaddress.ip_address(text)
            except ValueError:
                raise AtError(errors.para_invalid(i), f"DNS server {text!r} is not an IP address") from None
            if addr in servers:
                raise AtError(errors.para_invalid(i), f"DNS server {addr} given twice")
            servers.append(addr)
    settings = DnsSettings(manual=enable == 1, servers=servers)
    state(ctx.board).dns = settings
    ctx.board.save(NAMESPACE, "dns", settings.to_json(), SavePolicy.SYSSTORE)
