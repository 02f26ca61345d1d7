"""The air file: the radio environment a simulated board sees (schema in sim/README.md).

Loaded once at start; a bad file gives one :class:`AirFileError` naming the file, the field path
(``access_points[1].channel``) and what was expected. The models are frozen: scripted changes during a
run (an AP going down, a new password) live in :class:`sim.wifi.environment.Environment`, not here.
"""

from __future__ import annotations

import hashlib
import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.periph.schema import Peripherals
from sim.wifi.addr import AddressError, format_mac, parse_mac, parse_netmask


class AirFileError(ValueError):
    """The air file cannot be used; ``str()`` is the one-line message the simulator prints."""

    def __init__(self, file: str, field: str, message: str) -> None:
        super().__init__(f"{file}: {field}: {message}")
        self.file = file
        self.field = field
        self.message = message


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _mac(value: str) -> str:
    try:
        return format_mac(parse_mac(value))
    except AddressError as exc:
        raise ValueError(str(exc)) from exc


class Network(_Model):
    """What the AP's DHCP server hands to the board's station."""

    gateway: ipaddress.IPv4Address = ipaddress.IPv4Address("127.0.0.1")
    netmask: ipaddress.IPv4Address = ipaddress.IPv4Address("255.0.0.0")
    pool_start: ipaddress.IPv4Address = ipaddress.IPv4Address("127.64.0.10")
    dns: list[ipaddress.IPv4Address] = Field(default_factory=lambda: [ipaddress.IPv4Address("127.0.0.1")])
    #: A /64 the AP advertises for SLAAC; without it the board gets only a link-local IPv6 address.
    ipv6_prefix: ipaddress.IPv6Network | None = None

    def lease_for(self, instance: int) -> ipaddress.IPv4Address:
        """The address this AP's DHCP server gives the board with ``--instance`` ``instance``."""
        return ipaddress.IPv4Address(int(self.pool_start) + instance)

    @field_validator("netmask")
    @classmethod
    def _netmask(cls, value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        try:
            return parse_netmask(str(value))
        except AddressError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("pool_start", "gateway")
    @classmethod
    def _loopback(cls, value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        if not value.is_loopback:
            raise ValueError(f"expected an address in 127.0.0.0/8 (reachable on this host), got {value}")
        return value


class JoinBehaviour(StrEnum):
    """How the AP answers a station that tries to join it (the outcome, before password checks)."""

    ok = "ok"
    timeout = "timeout"  # never answers: AT+CWJAP fails with +CWJAP:1 after <jap_timeout>
    fail = "fail"  # refuses association: +CWJAP:4


class Enterprise(_Model):
    """Credentials a WPA2-Enterprise AP (ecn 5) accepts from AT+CWJEAP (3.2.27)."""

    methods: list[Annotated[int, Field(ge=0, le=2)]] = Field(default_factory=lambda: [0, 1, 2])
    identity: str
    username: str = ""
    password: str = ""


_DEFAULT_CIPHER = {0: 0, 1: 1, 2: 3, 3: 4, 4: 5, 5: 4, 6: 4, 7: 4, 8: 7, 9: 4}


class AccessPoint(_Model):
    ssid: Annotated[str, Field(min_length=1)]
    password: str = ""
    ecn: Annotated[int, Field(ge=0, le=15)] | None = None
    channel: Annotated[int, Field(ge=1, le=14)] = 1
    rssi: Annotated[int, Field(ge=-100, le=0)] = -50
    bssid: str | None = None
    hidden: bool = False
    wps: bool = False
    #: 0: no PMF, 1: PMF capable, 2: PMF required.
    pmf: Annotated[int, Field(ge=0, le=2)] = 1
    #: The AP's <wifi_protocol> bitmask in AT+CWLAP (bit0 b, bit1 g, bit2 n, ...).
    protocol: Annotated[int, Field(ge=0, le=0x7F)] = 7
    pairwise_cipher: Annotated[int, Field(ge=0, le=7)] | None = None
    group_cipher: Annotated[int, Field(ge=0, le=7)] | None = None
    #: Reserved fields of AT+CWLAP; ESP32 firmware v3.x prints -1 for both.
    freq_offset: int = -1
    freqcal_val: int = -1
    #: ISO 3166 code the AP advertises; with AT+CWCOUNTRY policy 0 the board adopts it.
    country: Annotated[str, Field(min_length=2, max_length=3)] | None = None
    join: JoinBehaviour = JoinBehaviour.ok
    #: Simulated seconds from the join request to WIFI CONNECTED, then to WIFI GOT IP.
    connect_s: Annotated[float, Field(ge=0, le=60)] = 0.05
    dhcp_s: Annotated[float, Field(ge=0, le=60)] = 0.05
    enterprise: Enterprise | None = None
    network: Network = Field(default_factory=Network)

    @field_validator("ssid")
    @classmethod
    def _ssid(cls, value: str) -> str:
        if len(value.encode()) > 32:
            raise ValueError(f"expected at most 32 bytes, got {len(value.encode())}")
        return value

    @field_validator("bssid")
    @classmethod
    def _bssid(cls, value: str | None) -> str | None:
        return None if value is None else _mac(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if value and not 8 <= len(value.encode()) <= 63:
            raise ValueError(f'expected "" (open) or 8..63 bytes, got {len(value.encode())} bytes')
        return value

    @model_validator(mode="after")
    def _enterprise_needs_ecn5(self) -> AccessPoint:
        if self.enterprise is not None and self.effective_ecn != 5:
            raise ValueError("enterprise credentials need ecn: 5 (WPA2_ENTERPRISE)")
        return self

    @property
    def effective_ecn(self) -> int:
        if self.ecn is not None:
            return self.ecn
        return 3 if self.password else 0

    @property
    def effective_bssid(self) -> str:
        if self.bssid is not None:
            return self.bssid
        digest = hashlib.sha256(self.ssid.encode()).digest()
        return format_mac(bytes([0x02]) + digest[:5])

    @property
    def effective_pairwise(self) -> int:
        if self.pairwise_cipher is not None:
            return self.pairwise_cipher
        return _DEFAULT_CIPHER.get(self.effective_ecn, 4)

    @property
    def effective_group(self) -> int:
        return self.group_cipher if self.group_cipher is not None else self.effective_pairwise


class SoftApStation(_Model):
    """A simulated station that joins the board's soft-AP while it is up."""

    mac: str
    join_after_s: Annotated[float, Field(ge=0)] = 0.2
    #: Leaves again this many seconds after joining (never, when omitted).
    leave_after_s: Annotated[float, Field(gt=0)] | None = None
    #: A station with dhcp: false has a static address and does not show in AT+CWLIF (3.2.13).
    dhcp: bool = True
    #: The password it tries (the soft-AP's, when omitted); a wrong one means it never joins.
    password: str | None = None

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str) -> str:
        return _mac(value)


class Trigger(StrEnum):
    boot = "boot"
    connected = "connected"  # the first WIFI GOT IP after boot
    softap_up = "softap_up"  # the first time the soft-AP starts


class AirEvent(_Model):
    """A scripted change to the air, ``after_s`` seconds after its trigger."""

    after_s: Annotated[float, Field(ge=0)]
    trigger: Trigger = Trigger.boot
    action: Literal["ap_down", "ap_up", "set_password", "set_rssi", "station_join", "station_leave"]
    ssid: str | None = None
    password: str | None = None
    rssi: Annotated[int, Field(ge=-100, le=0)] | None = None
    mac: str | None = None
    #: ap_down: true (default) when the AP deauthenticates its stations as it goes (the board notices at
    #: once); false for a power cut, noticed only when beacons stay away for AT+CWCONFIG's
    #: <sta_inactive_time>.
    graceful: bool = True

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        return None if value is None else _mac(value)

    @model_validator(mode="after")
    def _needs(self) -> AirEvent:
        needs = {
            "ap_down": ("ssid",),
            "ap_up": ("ssid",),
            "set_password": ("ssid", "password"),
            "set_rssi": ("ssid", "rssi"),
            "station_join": ("mac",),
            "station_leave": ("mac",),
        }[self.action]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"action {self.action} needs {', '.join(missing)}")
        return self


class SmartConfig(_Model):
    """What a phone sends when the board runs AT+CWSTARTSMART (3.2.24)."""

    ssid: str
    password: str = ""
    bssid: str | None = None
    #: Which protocol the phone uses; the board reports it in ``smartconfig type:``.
    type: Literal["ESPTOUCH", "AIRKISS", "ESPTOUCH_V2"] = "ESPTOUCH"
    after_s: Annotated[float, Field(ge=0)] = 0.2
    #: ESP-Touch v2 reserved data, reported as +SCRD:<length>,<data>.
    reserved_data: str | None = None


class Wps(_Model):
    """The AP whose WPS button is pressed while the board runs AT+WPS=1 (3.2.26)."""

    ssid: str
    after_s: Annotated[float, Field(ge=0)] = 0.2


class OtaService(_Model):
    """The OTA server AT+CIUPDATE / AT+CIPFWVER reach instead of iot.espressif.cn (3.3)."""

    url: Annotated[str, Field(pattern=r"^http://[^/]+")]  # <ota mode> 0
    ssl_url: Annotated[str, Field(pattern=r"^https://[^/]+")] | None = None  # <ota mode> 1
    token: str = ""


class Services(_Model):
    """Where the lab's well-known services really listen: the board sends to these ports (a real network
    uses 53 and 123) so that host-side servers on free ports are reachable (the TCP/IP services group)."""

    dns_port: Annotated[int, Field(ge=1, le=65535)] = 53
    sntp_port: Annotated[int, Field(ge=1, le=65535)] = 123
    ota: OtaService | None = None
    #: The virtual BLE air (issue 17): the bumble transport the board's BLE controller attaches to
    #: (``tcp-client:HOST:PORT``); without it AT+BLEINIT has no radio and fails.
    ble_air: str | None = None


class Ethernet(_Model):
    """The board's Ethernet cable and the LAN behind it (3.10; sim/README.md, "Ethernet (3.10)").

    ``cable_file``: the side channel, ``{"plugged": true|false}``, watched while the board runs (relative to
    the state directory); without it the cable is plugged from power-on, as a bench's fixed cable."""

    network: Network = Field(default_factory=lambda: Network(pool_start=ipaddress.IPv4Address("127.96.0.10")))
    cable_file: str | None = None
    link_s: Annotated[float, Field(ge=0, le=60)] = 0.05  #: cable plugged -> +ETH_CONNECTED
    dhcp_s: Annotated[float, Field(ge=0, le=60)] = 0.05  #: +ETH_CONNECTED -> +ETH_GOT_IP by DHCP


class Air(_Model):
    access_points: list[AccessPoint] = Field(default_factory=list)
    stations: list[SoftApStation] = Field(default_factory=list)
    events: list[AirEvent] = Field(default_factory=list)
    smartconfig: SmartConfig | None = None
    wps: Wps | None = None
    services: Services = Field(default_factory=Services)
    #: The scripted I2C/SPI devices and ADC sources of the driver commands (3.12; sim/periph/schema.py).
    peripherals: Peripherals | None = None
    #: The Ethernet LAN and cable (3.10); None: no cable (the interface never comes up).
    ethernet: Ethernet | None = None

    @model_validator(mode="after")
    def _references(self) -> Air:
        names = {ap.ssid for ap in self.access_points}
        for index, event in enumerate(self.events):
            if event.ssid is not None and event.ssid not in names:
                raise _RefError(
                    f"events[{index}].ssid", f"expected one of the access_points' ssids, got {event.ssid!r}"
                )
        for name, ref in (("smartconfig", self.smartconfig), ("wps", self.wps)):
            if ref is not None and ref.ssid not in names:
                raise _RefError(f"{name}.ssid", f"expected one of the access_points' ssids, got {ref.ssid!r}")
        return self


class _RefError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "constrained-")) or "[" in part:
            continue  # pydantic's internal validator names, not fields
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def parse_air(data: object, file: str = "<air>") -> Air:
    """Validate already-parsed YAML (``None`` for an empty file means an empty air)."""
    if data is None:
        return Air()
    if not isinstance(data, dict):
        raise AirFileError(file, "(top level)", f"expected a mapping, got {type(data).__name__}")
    try:
        return Air.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        ctx_error = (first.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _RefError):
            raise AirFileError(file, ctx_error.field, ctx_error.message) from None
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field (expected one of the schema's fields in sim/README.md)"
        elif (
            first["type"] != "missing" and " got " not in message and not isinstance(first.get("input"), dict)
        ):
            message += f", got {first['input']!r}"
        raise AirFileError(file, _loc_to_path(tuple(first["loc"])), message) from None


def load_air(path: str | Path) -> Air:
    """Read and validate an air file."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise AirFileError(file, "(file)", f"cannot read it: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise AirFileError(file, where, f"expected valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_air(data, file)
