"""The rig's network: access points (credentials by environment variable), the host address, DNS names,
and the host-side peers."""

from __future__ import annotations

import os
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import DNS_NAME_PATTERN, ENV_NAME_PATTERN, MAC_PATTERN, PSK_ECNS, StrictModel, int_in


class MissingSecretError(RuntimeError):
    """A rig names an environment variable for a secret and the variable is not set."""


def _resolve_secret(literal: str | None, env: str | None, what: str) -> str:
    """A literal secret, the value of the variable named ``env``, or "" when neither is given."""
    if literal is not None:
        return literal
    if env is None:
        return ""
    value = os.environ.get(env)
    if value is None:
        raise MissingSecretError(
            f"{what}: environment variable {env} (named by password_env) is not set; export it before the run"
        )
    return value


def _bytes_1_32(value: str | None, field: str) -> None:
    # 3.2.27 AT+CWJEAP: <"identity">, <"username"> and <"password"> are 1 ~ 32 bytes.
    if value is not None and not 1 <= len(value.encode("utf-8")) <= 32:
        raise PydanticCustomError(
            "enterprise",
            "expected {field} of 1..32 bytes (3.2.27), got {size} bytes",
            {"field": field, "size": len(value.encode("utf-8")), "at": field},
        )


#: AT+CWJEAP <method> (3.2.27).
EAP_TLS, EAP_PEAP, EAP_TTLS = 0, 1, 2
#: AT+CWLAP <ecn> of a WPA2-Enterprise AP (3.2).
WPA2_ENTERPRISE_ECN = 5


class Enterprise(StrictModel):
    """How a board joins a WPA2-Enterprise AP with AT+CWJEAP (3.2.27): the values of its parameters.

    PEAP and TTLS need a phase-2 ``username`` and password (``password_env``, or a literal ``password`` on
    an all-sim rig); EAP-TLS needs neither. ``security`` is the guide's bitmask: bit 0 provides the
    client certificate, bit 1 loads the CA certificate that verifies the server's.
    """

    method: Annotated[int, int_in(0, 2)]
    identity: str
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    security: Annotated[int, int_in(0, 3)] = 0

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME_PATTERN.match(value):
            raise PydanticCustomError("env_name", "expected the name of an environment variable")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> Enterprise:
        _bytes_1_32(self.identity, "identity")
        _bytes_1_32(self.username, "username")
        _bytes_1_32(self.password, "password")
        if self.password is not None and self.password_env is not None:
            raise PydanticCustomError(
                "enterprise", "give either 'password' or 'password_env', not both", {"at": "password"}
            )
        if self.method != EAP_TLS:
            missing = [
                name
                for name, given in (
                    ("username", self.username is not None),
                    (
                        "password_env (or password on a sim rig)",
                        self.password is not None or self.password_env is not None,
                    ),
                )
                if not given
            ]
            if missing:
                raise PydanticCustomError(
                    "enterprise",
                    "method {method} (EAP-PEAP / EAP-TTLS) needs a phase-2 {missing} (3.2.27)",
                    {"method": self.method, "missing": " and ".join(missing)},
                )
        return self

    def resolve_password(self, ssid: str) -> str:
        """The phase-2 password ("" when none is given, as for EAP-TLS); raises :class:`MissingSecretError`
        when ``password_env`` names an unset variable."""
        return _resolve_secret(self.password, self.password_env, f"enterprise access point {ssid!r}")


class AccessPoint(StrictModel):
    """An access point the boards can join (3.2 AT+CWJAP); for sim rigs also what the air file puts in
    range. ``ecn`` uses the encryption numbering of AT+CWLAP (3.2: 0 OPEN ... 12 WPA3_EXT_PSK_MIXED_MODE)."""

    ssid: str
    password: str | None = None
    password_env: str | None = None
    ecn: Annotated[int, int_in(0, 12)] = 3
    channel: Annotated[int, int_in(1, 14)] = 6
    bssid: str | None = None
    rssi: Annotated[int, int_in(-100, 0)] = -45
    #: For sim rigs, more of this AP as the simulator models it, copied into its air-file entry as given:
    #: ``hidden``, ``wps``, ``pmf``, ``join``, ``connect_s`` ... (sim/README.md).
    sim: dict[str, Any] = Field(default_factory=dict)
    #: A WPA2-Enterprise AP (``ecn: 5``): what AT+CWJEAP joins it with (3.2.27), instead of a password.
    enterprise: Enterprise | None = None

    @field_validator("sim")
    @classmethod
    def _sim_extras(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(
            set(value) & {"ssid", "password", "ecn", "channel", "rssi", "bssid", "network", "enterprise"}
        )
        if taken:
            raise PydanticCustomError(
                "air", "{keys}: set on the access point itself, not under 'sim'", {"keys": ", ".join(taken)}
            )
        return value

    @field_validator("ssid")
    @classmethod
    def _ssid(cls, value: str) -> str:
        # 3.2 AT+CWJAP / AT+CWSAP: an SSID is 1..32 bytes.
        if not 1 <= len(value.encode("utf-8")) <= 32:
            raise PydanticCustomError("ssid", "expected an SSID of 1..32 bytes")
        return value

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME_PATTERN.match(value):
            raise PydanticCustomError("env_name", "expected the name of an environment variable")
        return value

    @field_validator("bssid")
    @classmethod
    def _bssid(cls, value: str | None) -> str | None:
        if value is not None and not MAC_PATTERN.match(value):
            raise PydanticCustomError("mac", 'expected a MAC address like "24:0a:c4:00:01:10" (lower case)')
        return value

    @model_validator(mode="after")
    def _literal_password_length(self) -> AccessPoint:
        # 3.2 AT+CWJAP: <"pwd"> at most 63 bytes; WPA-family pre-shared keys (AT+CWSAP: 8 ~ 63 bytes) need 8.
        if self.password is not None:
            size = len(self.password.encode("utf-8"))
            lo = 8 if self.ecn in PSK_ECNS else 0
            if not lo <= size <= 63:
                raise PydanticCustomError(
                    "password",
                    "expected a password of {lo}..63 bytes for ecn {ecn}, got {size} bytes",
                    {"lo": lo, "ecn": self.ecn, "size": size, "at": "password"},
                )
        return self

    @model_validator(mode="after")
    def _enterprise_ap(self) -> AccessPoint:
        if self.enterprise is None:
            return self
        if self.ecn != WPA2_ENTERPRISE_ECN:
            raise PydanticCustomError(
                "enterprise",
                "an 'enterprise' block needs ecn: 5 (WPA2_ENTERPRISE in AT+CWLAP), got ecn {ecn}",
                {"ecn": self.ecn, "at": "ecn"},
            )
        if self.password is not None or self.password_env is not None:
            raise PydanticCustomError(
                "enterprise",
                "an enterprise AP has no pre-shared key: put the phase-2 password under 'enterprise'",
                {"at": "password" if self.password is not None else "password_env"},
            )
        return self

    @model_validator(mode="after")
    def _one_password_source(self) -> AccessPoint:
        if self.enterprise is not None:
            return self
        if self.password is not None and self.password_env is not None:
            raise PydanticCustomError("password", "give either 'password' or 'password_env', not both")
        if self.ecn != 0 and self.password is None and self.password_env is None:
            raise PydanticCustomError(
                "password", "an encrypted AP (ecn != 0) needs 'password_env' (or 'password' on a sim rig)"
            )
        return self

    def resolve_password(self) -> str:
        """The AP's password: the literal one, the value of ``password_env``, or "" for an open AP.

        Raises :class:`MissingSecretError` when the named variable is unset. That is an error, not a skip:
        a bench run that forgot its credentials must not report the Wi-Fi suites as merely skipped.
        """
        return _resolve_secret(self.password, self.password_env, f"access point {self.ssid!r}")


class SimDhcp(StrictModel):
    """What a simulated AP's DHCP server hands out (the ``network`` block of an air-file AP)."""

    netmask: IPv4Address = IPv4Address("255.0.0.0")
    pool_start: IPv4Address = IPv4Address("127.64.0.10")


class EthernetLan(StrictModel):
    """The wired LAN the boards' Ethernet ports are cabled to (3.10; capability ``ethernet``): what its DHCP
    server hands out. ``gateway``: default ``host_address`` (the host is the LAN's router, as the PC of the
    4.6.1 example is on it). ``sim_pool_start``: the first lease of a simulated LAN (board instance N gets
    it + N), a loopback address apart from the Wi-Fi pool so a board's two interfaces differ; a bench's
    router chooses the address itself and the tests learn it from ``+ETH_GOT_IP``."""

    gateway: IPv4Address | None = None
    netmask: IPv4Address = IPv4Address("255.0.0.0")
    sim_pool_start: IPv4Address = IPv4Address("127.96.0.10")

    def gateway_of(self, host_address: IPv4Address) -> IPv4Address:
        return self.gateway if self.gateway is not None else host_address


class DnsSntp(StrictModel):
    """Where the fixtures' DNS and SNTP peers listen, as a bench's do: a board resolves on port 53 (RFC 1035)
    and syncs on 123 (RFC 4330). Without this block a rig of real boards binds them there on
    ``host_address``, and a rig of simulated boards on free ports (each simulator is told them).

    ``address``: default ``host_address``. A loopback address (a simulated bench) is where the search for a
    free one starts: each worker, and each run on the host, takes the first loopback address from it on
    whose ports nobody listens yet. ``dns_port`` / ``sntp_port``: below 1024 binding needs
    CAP_NET_BIND_SERVICE; a bench without it names unprivileged ports here and redirects 53 and 123 to them
    (docs/bench.md)."""

    address: IPv4Address | None = None
    dns_port: Annotated[int, int_in(1, 65535)] = 53
    sntp_port: Annotated[int, int_in(1, 65535)] = 123


class Network(StrictModel):
    access_points: list[AccessPoint] = Field(default_factory=list)
    #: The address boards reach host-side servers at (the gateway of a sim AP).
    host_address: IPv4Address = IPv4Address("127.0.0.1")
    #: The IPv6 address boards reach host-side servers at (3.3 "TCPv6"/"UDPv6"/"SSLv6" links). None: the
    #: rig has no IPv6 route to the host; a rig whose boards are all sim gets ``::1`` (the simulator's IPv6
    #: sockets use the loopback address, sim/README.md).
    host_address_v6: IPv6Address | None = None
    #: Names the rig's DNS server answers, with their addresses (AT+CIPDOMAIN tests resolve these).
    dns_names: dict[str, IPv4Address] = Field(default_factory=dict)
    sim_dhcp: SimDhcp = SimDhcp()
    #: The wired LAN of the boards with capability ``ethernet`` (:class:`EthernetLan`).
    ethernet: EthernetLan = EthernetLan()
    #: Where the DNS and SNTP peers listen (:class:`DnsSntp`); None: as the boards' kind implies.
    dns_sntp: DnsSntp | None = None

    def dns_sntp_binding(self, all_sim: bool) -> tuple[str, int, int, bool] | None:
        """(address, DNS port, SNTP port, search) where the DNS and SNTP peers listen, or None for free ports
        on ``host_address`` (a rig of simulated boards, which are told the ports). ``search``: the address
        is a loopback one of a sim rig, where the first free address from it on is taken (:class:`DnsSntp`).
        A rig of real boards without ``dns_sntp``: the standard ports on ``host_address``."""
        spec = self.dns_sntp
        if spec is None:
            return (
                None if all_sim else (str(self.host_address), DnsSntp().dns_port, DnsSntp().sntp_port, False)
            )
        address = spec.address if spec.address is not None else self.host_address
        return str(address), spec.dns_port, spec.sntp_port, all_sim and address.is_loopback

    @field_validator("host_address_v6")
    @classmethod
    def _host_address_v6(cls, value: IPv6Address | None) -> IPv6Address | None:
        if value is None:
            return None
        if value.is_unspecified or value.is_multicast or value.ipv4_mapped is not None:
            raise PydanticCustomError(
                "host_address_v6",
                "expected a unicast IPv6 address of the host (e.g. ::1 or 2001:db8::10), got {value}",
                {"value": str(value)},
            )
        if value.scope_id:
            raise PydanticCustomError(
                "host_address_v6",
                "expected an address without a zone (%{zone}): the board names it as its own link sees it",
                {"zone": value.scope_id},
            )
        return value

    @field_validator("dns_names")
    @classmethod
    def _dns_names(cls, value: dict[str, IPv4Address]) -> dict[str, IPv4Address]:
        bad = [name for name in value if not DNS_NAME_PATTERN.match(name)]
        if bad:
            raise PydanticCustomError(
                "dns_name",
                "expected host names like broker.lab.test as keys, got {bad}",
                {"bad": ", ".join(bad)},
            )
        return value


PeerService = Literal["tcp", "udp", "ssl", "mqtt", "http", "websocket", "sntp", "dns", "ota", "ble"]


class Peer(StrictModel):
    """A host-side peer: started on the host by the fixtures (``host``, the default for every service a
    rig does not list) or already running elsewhere (``external``, e.g. a bench's MQTT broker)."""

    service: PeerService
    provided_by: Literal["host", "external"] = "host"
    address: str | None = None
    port: Annotated[int | None, int_in(1, 65535)] = None
    tls: bool = False

    @model_validator(mode="after")
    def _external_needs_address(self) -> Peer:
        if self.provided_by == "external" and (self.address is None or self.port is None):
            raise PydanticCustomError("peer", "an external peer needs 'address' and 'port'")
        return self
