"""The rig's network: access points (credentials by environment variable), the host address, DNS names,
and the host-side peers."""

from __future__ import annotations

import os
from ipaddress import IPv4Address
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import DNS_NAME_PATTERN, ENV_NAME_PATTERN, MAC_PATTERN, PSK_ECNS, StrictModel, int_in


class MissingSecretError(RuntimeError):
    """A rig names an environment variable for a secret and the variable is not set."""


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
    #: ``hidden``, ``wps``, ``pmf``, ``join``, ``connect_s``, ``enterprise`` ... (sim/README.md).
    sim: dict[str, Any] = Field(default_factory=dict)

    @field_validator("sim")
    @classmethod
    def _sim_extras(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(set(value) & {"ssid", "password", "ecn", "channel", "rssi", "bssid", "network"})
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
    def _one_password_source(self) -> AccessPoint:
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
        if self.password is not None:
            return self.password
        if self.password_env is None:
            return ""
        value = os.environ.get(self.password_env)
        if value is None:
            raise MissingSecretError(
                f"access point {self.ssid!r}: environment variable {self.password_env} "
                "(named by password_env) is not set; export it before the run"
            )
        return value


class SimDhcp(StrictModel):
    """What a simulated AP's DHCP server hands out (the ``network`` block of an air-file AP)."""

    netmask: IPv4Address = IPv4Address("255.0.0.0")
    pool_start: IPv4Address = IPv4Address("127.64.0.10")


class Network(StrictModel):
    access_points: list[AccessPoint] = Field(default_factory=list)
    #: The address boards reach host-side servers at (the gateway of a sim AP).
    host_address: IPv4Address = IPv4Address("127.0.0.1")
    #: Names the rig's DNS server answers, with their addresses (AT+CIPDOMAIN tests resolve these).
    dns_names: dict[str, IPv4Address] = Field(default_factory=dict)
    sim_dhcp: SimDhcp = SimDhcp()

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
