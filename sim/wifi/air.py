"""The air file: the radio environment a simulated board sees (schema in sim/README.md).

Loaded once at start; a bad file gives one :class:`AirFileError` naming the file, the field path
(``access_points[1].channel``) and what was expected. The models are frozen: scripted changes during a
run (an AP going down, a new password) live in :class:`sim.wifi.environment.Environment`, not here.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml

from sim.periph.schema import Peripherals
from sim.validate import Check, SchemaError, build
from sim.wifi.addr import AddressError, format_mac, parse_mac, parse_netmask


class AirFileError(ValueError):
    """The air file cannot be used; ``str()`` is the one-line message the simulator prints."""

    def __init__(self, file: str, field: str, message: str) -> None:
        super().__init__(f"{file}: {field}: {message}")
        self.file = file
        self.field = field
        self.message = message


def _mac(value: str) -> str:
    try:
        return format_mac(parse_mac(value))
    except AddressError as exc:
        raise ValueError(str(exc)) from exc


def _netmask(value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    try:
        return parse_netmask(str(value))
    except AddressError as exc:
        raise ValueError(str(exc)) from exc


def _loopback(value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    if not value.is_loopback:
        raise ValueError(f"expected an address in 127.0.0.0/8 (reachable on this host), got {value}")
    return value


def _ssid(value: str) -> str:
    if len(value.encode()) > 32:
        raise ValueError(f"expected at most 32 bytes, got {len(value.encode())}")
    return value


def _password(value: str) -> str:
    if value and not 8 <= len(value.encode()) <= 63:
        raise ValueError(f'expected "" (open) or 8..63 bytes, got {len(value.encode())} bytes')
    return value


_Loopback = Annotated[ipaddress.IPv4Address, Check(then=_loopback)]
_Mac = Annotated[str, Check(then=_mac)]


@dataclass(frozen=True, kw_only=True)
class Network:
    """What the AP's DHCP server hands to the board's station."""

    gateway: _Loopback = ipaddress.IPv4Address("127.0.0.1")
    netmask: Annotated[ipaddress.IPv4Address, Check(then=_netmask)] = ipaddress.IPv4Address("255.0.0.0")
    pool_start: _Loopback = ipaddress.IPv4Address("127.64.0.10")
    dns: list[ipaddress.IPv4Address] = field(default_factory=lambda: [ipaddress.IPv4Address("127.0.0.1")])
    #: A /64 the AP advertises for SLAAC; without it the board gets only a link-local IPv6 address.
    ipv6_prefix: ipaddress.IPv6Network | None = None

    def lease_for(self, instance: int) -> ipaddress.IPv4Address:
        """The address this AP's DHCP server gives the board with ``--instance`` ``instance``."""
        return ipaddress.IPv4Address(int(self.pool_start) + instance)


class JoinBehaviour(StrEnum):
    """How the AP answers a station that tries to join it (the outcome, before password checks)."""

    ok = "ok"
    timeout = "timeout"  # never answers: AT+CWJAP fails with +CWJAP:1 after <jap_timeout>
    fail = "fail"  # refuses association: +CWJAP:4


@dataclass(frozen=True, kw_only=True)
class Enterprise:
    """Credentials a WPA2-Enterprise AP (ecn 5) accepts from AT+CWJEAP (3.2.27)."""

    methods: list[Annotated[int, Check(ge=0, le=2)]] = field(default_factory=lambda: [0, 1, 2])
    identity: str
    username: str = ""
    password: str = ""


_DEFAULT_CIPHER = {0: 0, 1: 1, 2: 3, 3: 4, 4: 5, 5: 4, 6: 4, 7: 4, 8: 7, 9: 4}


@dataclass(frozen=True, kw_only=True)
class AccessPoint:
    ssid: Annotated[str, Check(min_length=1, then=_ssid)]
    password: Annotated[str, Check(then=_password)] = ""
    ecn: Annotated[int, Check(ge=0, le=15)] | None = None
    channel: Annotated[int, Check(ge=1, le=14)] = 1
    rssi: Annotated[int, Check(ge=-100, le=0)] = -50
    bssid: _Mac | None = None
    hidden: bool = False
    wps: bool = False
    #: 0: no PMF, 1: PMF capable, 2: PMF required.
    pmf: Annotated[int, Check(ge=0, le=2)] = 1
    #: The AP's <wifi_protocol> bitmask in AT+CWLAP (bit0 b, bit1 g, bit2 n, ...).
    protocol: Annotated[int, Check(ge=0, le=0x7F)] = 7
    pairwise_cipher: Annotated[int, Check(ge=0, le=7)] | None = None
    group_cipher: Annotated[int, Check(ge=0, le=7)] | None = None
    #: Reserved fields of AT+CWLAP; ESP32 firmware v3.x prints -1 for both.
    freq_offset: int = -1
    freqcal_val: int = -1
    #: ISO 3166 code the AP advertises; with AT+CWCOUNTRY policy 0 the board adopts it.
    country: Annotated[str, Check(min_length=2, max_length=3)] | None = None
    join: JoinBehaviour = JoinBehaviour.ok
    #: Simulated seconds from the join request to WIFI CONNECTED, then to WIFI GOT IP.
    connect_s: Annotated[float, Check(ge=0, le=60)] = 0.05
    dhcp_s: Annotated[float, Check(ge=0, le=60)] = 0.05
    enterprise: Enterprise | None = None
    network: Network = field(default_factory=Network)

    def __post_init__(self) -> None:
        if self.enterprise is not None and self.effective_ecn != 5:
            raise ValueError("enterprise credentials need ecn: 5 (WPA2_ENTERPRISE)")

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


@dataclass(frozen=True, kw_only=True)
class SoftApStation:
    """A simulated station that joins the board's soft-AP while it is up."""

    mac: _Mac
    join_after_s: Annotated[float, Check(ge=0)] = 0.2
    #: Leaves again this many seconds after joining (never, when omitted).
    leave_after_s: Annotated[float, Check(gt=0)] | None = None
    #: A station with dhcp: false has a static address and does not show in AT+CWLIF (3.2.13).
    dhcp: bool = True
    #: The password it tries (the soft-AP's, when omitted); a wrong one means it never joins.
    password: str | None = None


class Trigger(StrEnum):
    boot = "boot"
    connected = "connected"  # the first WIFI GOT IP after boot
    softap_up = "softap_up"  # the first time the soft-AP starts


@dataclass(frozen=True, kw_only=True)
class AirEvent:
    """A scripted change to the air, ``after_s`` seconds after its trigger."""

    after_s: Annotated[float, Check(ge=0)]
    trigger: Trigger = Trigger.boot
    action: Literal["ap_down", "ap_up", "set_password", "set_rssi", "station_join", "station_leave"]
    ssid: str | None = None
    password: str | None = None
    rssi: Annotated[int, Check(ge=-100, le=0)] | None = None
    mac: _Mac | None = None
    #: ap_down: true (default) when the AP deauthenticates its stations as it goes (the board notices at
    #: once); false for a power cut, noticed only when beacons stay away for AT+CWCONFIG's
    #: <sta_inactive_time>.
    graceful: bool = True

    def __post_init__(self) -> None:
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


@dataclass(frozen=True, kw_only=True)
class SmartConfig:
    """What a phone sends when the board runs AT+CWSTARTSMART (3.2.24)."""

    ssid: str
    password: str = ""
    bssid: str | None = None
    #: Which protocol the phone uses; the board reports it in ``smartconfig type:``.
    type: Literal["ESPTOUCH", "AIRKISS", "ESPTOUCH_V2"] = "ESPTOUCH"
    after_s: Annotated[float, Check(ge=0)] = 0.2
    #: ESP-Touch v2 reserved data, reported as +SCRD:<length>,<data>.
    reserved_data: str | None = None


@dataclass(frozen=True, kw_only=True)
class Wps:
    """The AP whose WPS button is pressed while the board runs AT+WPS=1 (3.2.26)."""

    ssid: str
    after_s: Annotated[float, Check(ge=0)] = 0.2


@dataclass(frozen=True, kw_only=True)
class OtaService:
    """The OTA server AT+CIUPDATE / AT+CIPFWVER reach instead of iot.espressif.cn (3.3)."""

    url: Annotated[str, Check(pattern=r"^http://[^/]+")]  # <ota mode> 0
    ssl_url: Annotated[str, Check(pattern=r"^https://[^/]+")] | None = None  # <ota mode> 1
    token: str = ""


@dataclass(frozen=True, kw_only=True)
class Services:
    """Where the lab's well-known services really listen: the board sends to these ports (a real network
    uses 53 and 123) so that host-side servers on free ports are reachable (the TCP/IP services group)."""

    dns_port: Annotated[int, Check(ge=1, le=65535)] = 53
    sntp_port: Annotated[int, Check(ge=1, le=65535)] = 123
    ota: OtaService | None = None
    #: The virtual BLE air (issue 17): the bumble transport the board's BLE controller attaches to
    #: (``tcp-client:HOST:PORT``); without it AT+BLEINIT has no radio and fails.
    ble_air: str | None = None


@dataclass(frozen=True, kw_only=True)
class Ethernet:
    """The board's Ethernet cable and the LAN behind it (3.10; sim/README.md, "Ethernet (3.10)").

    ``cable_file``: the side channel, ``{"plugged": true|false}``, watched while the board runs (relative to
    the state directory); without it the cable is plugged from power-on, as a bench's fixed cable."""

    network: Network = field(default_factory=lambda: Network(pool_start=ipaddress.IPv4Address("127.96.0.10")))
    cable_file: str | None = None
    link_s: Annotated[float, Check(ge=0, le=60)] = 0.05  #: cable plugged -> +ETH_CONNECTED
    dhcp_s: Annotated[float, Check(ge=0, le=60)] = 0.05  #: +ETH_CONNECTED -> +ETH_GOT_IP by DHCP


@dataclass(frozen=True, kw_only=True)
class Pins:
    """The board's GPIO pins a rig drives or watches (3.1 AT+SLEEPWKCFG's light-sleep wake-up pin, 3.14.4
    AT+USERWKMCUCFG's MCU wake-up pin; sim/README.md, "Sleep and wake-up pins").

    ``input_file``: ``{"levels": {"<gpio>": 0|1}}``, the levels the host drives, polled while the board runs;
    ``output_file``: ``{"levels": {...}, "changes": [[<gpio>, <level>], ...]}``, the levels the board drives,
    rewritten at each change (both relative to the state directory)."""

    input_file: str | None = None
    output_file: str | None = None
    #: wake-up pin at its level -> the AT port takes bytes again
    wake_latency_s: Annotated[float, Check(ge=0, le=5)] = 0.005


@dataclass(frozen=True, kw_only=True)
class Air:
    access_points: list[AccessPoint] = field(default_factory=list)
    stations: list[SoftApStation] = field(default_factory=list)
    events: list[AirEvent] = field(default_factory=list)
    smartconfig: SmartConfig | None = None
    wps: Wps | None = None
    services: Services = field(default_factory=Services)
    #: The scripted I2C/SPI devices and ADC sources of the driver commands (3.12; sim/periph/schema.py).
    peripherals: Peripherals | None = None
    #: The Ethernet LAN and cable (3.10); None: no cable (the interface never comes up).
    ethernet: Ethernet | None = None
    #: The wake-up pins' side channel (3.1 light-sleep, 3.14.4); None: no pin is driven or watched.
    pins: Pins | None = None

    def __post_init__(self) -> None:
        names = {ap.ssid for ap in self.access_points}
        for index, event in enumerate(self.events):
            if event.ssid is not None and event.ssid not in names:
                message = f"expected one of the access_points' ssids, got {event.ssid!r}"
                raise SchemaError(("events", index, "ssid"), message, input=event.ssid)
        for name, ref in (("smartconfig", self.smartconfig), ("wps", self.wps)):
            if ref is not None and ref.ssid not in names:
                message = f"expected one of the access_points' ssids, got {ref.ssid!r}"
                raise SchemaError((name, "ssid"), message, input=ref.ssid)


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def parse_air(data: object, file: str = "<air>") -> Air:
    """Validate already-parsed YAML (``None`` for an empty file means an empty air)."""
    if data is None:
        return Air()
    if not isinstance(data, dict):
        raise AirFileError(file, "(top level)", f"expected a mapping, got {type(data).__name__}")
    try:
        return build(Air, data)
    except SchemaError as exc:
        message = exc.message
        if exc.kind == "extra":
            message = "unknown field (expected one of the schema's fields in sim/README.md)"
        elif exc.kind != "missing" and " got " not in message and not isinstance(exc.input, dict):
            message += f", got {exc.input!r}"
        raise AirFileError(file, _loc_to_path(exc.loc), message) from None


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
