"""The rig model: what a rig file says, validated when it is loaded.

A rig is the set of boards and peers one run uses. Each board entry is a *resource* in labgrid's sense: it
says where the board is (an AT port URL and its baud rate, a log port, how to reset it), never how to talk
to it; the drivers in :mod:`rigs.boards` know that. Everything a bench can differ in lives here: ports,
baud rates, Wi-Fi credentials (as the names of environment variables), the host address the boards reach
servers at, which capabilities each board has and the limits measurements are judged against.

Load rig files with :func:`rigs.loader.load_rig`; it turns validation errors into one line per problem that
names the file and the field path.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from ipaddress import IPv4Address
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

#: The capabilities a rig may claim for a board. A fixed vocabulary, so that a typo in a rig file is an
#: error at load time instead of a silently skipped suite; names starting with ``x-`` are free for local use.
KNOWN_CAPABILITIES: frozenset[str] = frozenset(
    {
        "wifi-sta",  # 3.2: the board joins the rig's access points
        "wifi-softap",  # 3.2: the board runs a soft-AP
        "softap-station",  # a station (real or simulated) that joins the board's soft-AP
        "second-ap",  # the rig has two access points (roaming, AT+CWJAP to another SSID)
        "wps",  # 3.2 AT+WPS with a WPS-capable AP
        "smartconfig",  # 3.2 AT+CWSTARTSMART with a phone app or simulated provisioner
        "wpa2-enterprise",  # 3.2 AT+CWJEAP against an enterprise AP
        "mdns",  # 3.2 AT+MDNS reachable from the host
        "ble",  # 3.4 Bluetooth LE
        "ble-peer",  # a BLE peer device on the host side
        "bt",  # 3.5 Classic Bluetooth (ESP32 only)
        "eth",  # 3.10 Ethernet (a board with a PHY)
        "webserver",  # 3.11 web server firmware
        "driver",  # 3.12 driver commands (I2C, SPI, PWM, LEDC)
        "ota",  # AT+CIUPDATE / AT+USEROTA with an OTA server the board reaches
        "fs",  # 3.8 FS commands (a FAT partition)
        "log-port",  # the board's log UART is wired to the host
    }
)

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
#: AT+CWLAP <ecn> values that use a WPA-family pre-shared key (3.2).
_PSK_ECNS = frozenset({2, 3, 4, 6, 7, 8, 11, 12})


def _int_in(lo: int, hi: int) -> Any:
    """An int field whose error reads ``expected an integer in lo..hi`` for any bad input (a string, 0)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise PydanticCustomError("int_range", "expected an integer in {lo}..{hi}", {"lo": lo, "hi": hi})
        return value

    return BeforeValidator(check)


def _number_in(lo: float, hi: float, unit: str = "") -> Any:
    """A float field whose error reads ``expected a number in lo..hi <unit>``."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise PydanticCustomError(
                "number_range",
                "expected a number in {lo}..{hi}{unit}",
                {"lo": lo, "hi": hi, "unit": f" {unit}" if unit else ""},
            )
        return float(value)

    return BeforeValidator(check)


#: 3.1 AT+UART_CUR: an ESP32 UART runs at 80 ... 5000000 baud.
Baud = Annotated[int, _int_in(80, 5_000_000)]
Seconds = Annotated[float, _number_in(0.01, 3600.0, "seconds")]
Fraction = Annotated[float, _number_in(0.0, 1.0)]


class StrictModel(BaseModel):
    """Unknown keys are errors (a misspelt key would otherwise be silently ignored); models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BoardKind(StrEnum):
    SIM = "sim"
    SERIAL = "serial"
    LABGRID = "labgrid"


class ResetMethod(StrEnum):
    """How the driver restarts a board: ``AT+RST`` (3.1), pulsing DTR or RTS (the EN/RST line on most
    USB-serial boards), or not at all."""

    AT = "at"
    DTR = "dtr"
    RTS = "rts"
    NONE = "none"


class SimStation(StrictModel):
    """A simulated station that joins the board's soft-AP (the ``stations`` list of the air file)."""

    mac: str
    join_after_s: Annotated[float, _number_in(0.0, 3600.0, "seconds")] = 0.2

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str) -> str:
        if not _MAC.match(value):
            raise PydanticCustomError("mac", 'expected a MAC address like "02:00:00:00:10:01"')
        return value


class SimAirEvent(StrictModel):
    """A scripted change of the radio environment (the ``events`` list of the air file, sim/README.md)."""

    after_s: Annotated[float, _number_in(0.0, 86400.0, "seconds")]
    action: str
    ssid: str | None = None


class SimOptions(StrictModel):
    """How to launch a simulated board (the command line contract in sim/README.md)."""

    profile: str = "v5.0.0.0-esp32"
    faults: Path | None = None
    seed: int | None = None
    transport: Literal["socket", "pty", "rfc2217"] = "socket"
    log_port: bool = True
    #: ``{python}`` is replaced by the running interpreter; tests point this at a fake simulator.
    command: list[str] = Field(default_factory=lambda: ["{python}", "-m", "sim"], min_length=1)
    state_dir: Path | None = None
    ready_timeout: Seconds = 30.0
    stations: list[SimStation] = Field(default_factory=list)
    events: list[SimAirEvent] = Field(default_factory=list)


class LabgridOptions(StrictModel):
    """Where a labgrid-managed board is: a place on a coordinator (modelled, not yet driven)."""

    place: str
    coordinator: str | None = None


class BoardConfig(StrictModel):
    """One board of the rig: where its ports are and what it can do. Drivers live in :mod:`rigs.boards`."""

    id: str
    kind: BoardKind
    #: The AT port: a pyserial URL or device path (``/dev/ttyUSB0``, ``socket://host:port``,
    #: ``rfc2217://host:port``). None for ``sim`` boards, whose port the simulator reports when ready.
    port: str | None = None
    baud: Baud = 115200
    rtscts: bool = False
    log_port: str | None = None
    log_baud: Baud = 115200
    reset: ResetMethod = ResetMethod.AT
    #: The module name as the "Bin version:<version>(<module_name>)" line of AT+GMR (3.1) gives it.
    module: str = "WROOM-32"
    capabilities: frozenset[str] = frozenset()
    sim: SimOptions | None = None
    labgrid: LabgridOptions | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise PydanticCustomError(
                "board_id", "expected a name of letters, digits, '_', '.', '-' starting with a letter"
            )
        return value

    @field_validator("capabilities", mode="before")
    @classmethod
    def _capabilities(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple | set | frozenset):
            raise PydanticCustomError("capabilities", "expected a list of capability names")
        unknown = sorted(str(c) for c in value if c not in KNOWN_CAPABILITIES and not str(c).startswith("x-"))
        if unknown:
            raise PydanticCustomError(
                "capability",
                "unknown capabilities {unknown}; known: {known} (or a local name starting with 'x-')",
                {"unknown": ", ".join(unknown), "known": ", ".join(sorted(KNOWN_CAPABILITIES))},
            )
        return frozenset(value)

    @model_validator(mode="after")
    def _kind_fields(self) -> BoardConfig:
        if self.kind is BoardKind.SERIAL and not self.port:
            raise PydanticCustomError(
                "kind_fields", "a serial board needs 'port' (its AT port URL or device)"
            )
        if self.kind is BoardKind.SIM and self.port:
            raise PydanticCustomError(
                "kind_fields", "a sim board takes no 'port': the simulator reports its own; use sim.transport"
            )
        if self.kind is not BoardKind.SIM and self.sim is not None:
            raise PydanticCustomError("kind_fields", "'sim' options belong only to boards of kind sim")
        if self.kind is BoardKind.LABGRID and self.labgrid is None:
            raise PydanticCustomError("kind_fields", "a labgrid board needs 'labgrid: {place: ...}'")
        if self.kind is not BoardKind.LABGRID and self.labgrid is not None:
            raise PydanticCustomError(
                "kind_fields", "'labgrid' options belong only to boards of kind labgrid"
            )
        if self.kind is BoardKind.SIM and self.sim is None:
            object.__setattr__(self, "sim", SimOptions())
        return self

    @property
    def line_rate(self) -> float:
        """Payload bytes per second the AT port can carry at most: 8N1 framing puts 10 bits on the wire
        for each byte."""
        return self.baud / 10.0

    @property
    def has_log_port(self) -> bool:
        if self.kind is BoardKind.SIM:
            return self.sim is not None and self.sim.log_port
        return self.log_port is not None


class MissingSecretError(RuntimeError):
    """A rig names an environment variable for a secret and the variable is not set."""


class AccessPoint(StrictModel):
    """An access point the boards can join (3.2 AT+CWJAP); for sim rigs also what the air file puts in
    range. ``ecn`` uses the encryption numbering of AT+CWLAP (3.2: 0 OPEN ... 12 WPA3_EXT_PSK_MIXED_MODE)."""

    ssid: str
    password: str | None = None
    password_env: str | None = None
    ecn: Annotated[int, _int_in(0, 12)] = 3
    channel: Annotated[int, _int_in(1, 14)] = 6
    bssid: str | None = None
    rssi: Annotated[int, _int_in(-120, 0)] = -45

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
        if value is not None and not _ENV_NAME.match(value):
            raise PydanticCustomError("env_name", "expected the name of an environment variable")
        return value

    @field_validator("bssid")
    @classmethod
    def _bssid(cls, value: str | None) -> str | None:
        if value is not None and not _MAC.match(value):
            raise PydanticCustomError("mac", 'expected a MAC address like "24:0a:c4:00:01:10" (lower case)')
        return value

    @model_validator(mode="after")
    def _literal_password_length(self) -> AccessPoint:
        # 3.2 AT+CWJAP: <"pwd"> at most 63 bytes; WPA-family pre-shared keys (AT+CWSAP: 8 ~ 63 bytes) need 8.
        if self.password is not None:
            size = len(self.password.encode("utf-8"))
            lo = 8 if self.ecn in _PSK_ECNS else 0
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
        bad = [name for name in value if not _DNS_NAME.match(name)]
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
    port: Annotated[int | None, _int_in(1, 65535)] = None
    tls: bool = False

    @model_validator(mode="after")
    def _external_needs_address(self) -> Peer:
        if self.provided_by == "external" and (self.address is None or self.port is None):
            raise PydanticCustomError("peer", "an external peer needs 'address' and 'port'")
        return self


class Limit(StrictModel):
    """A lower limit on a measured fraction of line rate with a marginal band above it, as OpenHTF
    measurements have: below ``min_fraction`` fails, within ``marginal_band`` above it is marginal."""

    min_fraction: Fraction
    marginal_band: Fraction = 0.0

    def judge(self, fraction: float) -> Literal["pass", "marginal", "fail"]:
        if fraction < self.min_fraction:
            return "fail"
        if fraction < self.min_fraction + self.marginal_band:
            return "marginal"
        return "pass"


class ThroughputTargets(StrictModel):
    default: Limit = Limit(min_fraction=0.5, marginal_band=0.1)
    #: Per-measurement overrides keyed by measurement name (e.g. ``tcp-send-passthrough``).
    measurements: dict[str, Limit] = Field(default_factory=dict)

    def limit(self, measurement: str) -> Limit:
        return self.measurements.get(measurement, self.default)


class Timeouts(StrictModel):
    command: Seconds = 5.0  # an ordinary command's final result
    connect: Seconds = 10.0  # AT+CIPSTART and other outgoing connections
    join: Seconds = 20.0  # AT+CWJAP until WIFI GOT IP
    ready: Seconds = 10.0  # ``ready`` after a reset


class Targets(StrictModel):
    throughput: ThroughputTargets = ThroughputTargets()
    timeouts: Timeouts = Timeouts()


class Rig(StrictModel):
    """A validated rig file. ``path`` and ``name`` are set by the loader, not read from the file."""

    boards: list[BoardConfig] = Field(min_length=1)
    network: Network = Network()
    peers: list[Peer] = Field(default_factory=list)
    targets: Targets = Targets()
    description: str = ""
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> Rig:
        ids = [b.id for b in self.boards]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise PydanticCustomError(
                "rig", "board ids must be unique; repeated: {d}", {"d": ", ".join(dupes)}
            )
        all_sim = all(b.kind is BoardKind.SIM for b in self.boards)
        for i, ap in enumerate(self.network.access_points):
            if ap.password is not None and not all_sim:
                # ``at`` in the context tells the loader which field to name in the message.
                raise PydanticCustomError(
                    "rig",
                    "access point '{ssid}' has a literal 'password', allowed only when every board is sim "
                    "(secrets stay out of the repository): use 'password_env'",
                    {"ssid": ap.ssid, "at": f"network.access_points[{i}].password"},
                )
        loopback = self.network.host_address.is_loopback
        if all_sim and not loopback:
            raise PydanticCustomError(
                "rig",
                "expected a loopback address (127.x.x.x) on a sim rig: simulated boards and the servers "
                "they reach live on this host's loopback",
                {"at": "network.host_address"},
            )
        for i, b in enumerate(self.boards):
            if "second-ap" in b.capabilities and len(self.network.access_points) < 2:
                raise PydanticCustomError(
                    "rig",
                    "board {id} claims second-ap but network.access_points lists fewer than two",
                    {"id": b.id, "at": f"boards[{i}].capabilities"},
                )
        services = [p.service for p in self.peers]
        if len(services) != len(set(services)):
            raise PydanticCustomError("rig", "each peer service may be listed once")
        return self

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "<rig>"

    @property
    def all_sim(self) -> bool:
        return all(b.kind is BoardKind.SIM for b in self.boards)

    def board(self, board_id: str) -> BoardConfig:
        for b in self.boards:
            if b.id == board_id:
                return b
        raise KeyError(
            f"rig {self.name} has no board {board_id!r}; it has {', '.join(b.id for b in self.boards)}"
        )

    def peer(self, service: str) -> Peer:
        """The rig's word on a service; a host-started peer when the rig does not list it."""
        for p in self.peers:
            if p.service == service:
                return p
        return Peer(service=service)  # type: ignore[arg-type]

    def ap(self, index: int = 0) -> AccessPoint:
        if not self.network.access_points:
            raise LookupError(f"rig {self.name} lists no access points (network.access_points)")
        return self.network.access_points[index]
