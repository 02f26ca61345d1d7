"""Firmware profiles: what one ESP-AT release on one chip says about itself and how it differs.

A profile is a YAML file in ``sim/profiles/`` (``--profile NAME``) or anywhere (``--profile PATH``). Fields
are validated on load; an error names the file and the field.

A custom build of a release differs from it in a few switches (menuconfig's command sets): its profile says
``extends: <profile name>`` and lists only what differs. Mappings merge key by key, any other value (a list
such as ``commands.disabled``, a number, a text) replaces the base's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml

from sim.validate import Check, SchemaError, build

PROFILES_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "v5.0.0.0-esp32"


class ProfileError(Exception):
    """A profile that cannot be found or does not validate; the message names the file and field."""


@dataclass(frozen=True, kw_only=True)
class GmrLines:
    at_version_info: str
    sdk_version_info: str
    compile_time: str
    bin_version: str


@dataclass(frozen=True, kw_only=True)
class UartDefaults:
    baudrate: int = 115200
    databits: int = 8
    stopbits: int = 1
    parity: int = 0
    flow_control: int = 0
    baud_max: int = 5000000
    rx_buffer: int = 8192


@dataclass(frozen=True, kw_only=True)
class Heap:
    free: int
    minimum: int
    total: int


@dataclass(frozen=True, kw_only=True)
class RfPower:
    wifi_levels: list[tuple[int, int, int]]  # (set_lo, set_hi, read_back)
    wifi_default: int
    ble_range: tuple[int, int]
    ble_default: int


@dataclass(frozen=True, kw_only=True)
class Ota:
    running_app_addr: int
    rollback_app_addr: int


@dataclass(frozen=True, kw_only=True)
class Partition:
    name: str
    type: int
    subtype: int
    addr: int
    size: int


@dataclass(frozen=True, kw_only=True)
class Tcpip:
    #: When a peer closes a passive-mode link (3.3 AT+CIPRECVTYPE) whose data is not all read:
    #: "after_read" reports CLOSED once AT+CIPRECVDATA has taken the rest (or AT+CIPCLOSE), "immediately"
    #: reports it at once and keeps the data readable.
    closed_with_passive_data: Literal["after_read", "immediately"] = "after_read"
    #: AT+CIPSERVER's <netif> (issue 19): the set command takes it and the query prints it; False for a
    #: release whose guide has no <netif> there (v3.4.0.0 and older): AT+CIPSERVER? ends at <CA enable>
    server_netif: bool = True
    #: passive receive per link (AT+CIPRECVTYPE=<link ID>,<mode>, one query row per link); False for a release
    #: whose AT+CIPRECVMODE has one setting for all links (v3.2.0.0's 3.3.33: AT+CIPRECVMODE=<mode>,
    #: +CIPRECVMODE:<mode>)
    recv_mode_per_link: bool = True
    #: AT+CIPTCPOPT's <keep_alive> (issue 19): False for a release whose guide has none (v2.2.0.0_esp32's
    #: 3.3.29: AT+CIPTCPOPT=[<link ID>,][<so_linger>],[<tcp_nodelay>],[<so_sndtimeo>], the query ends there)
    tcpopt_keep_alive: bool = True
    #: the most bytes one AT+CIPSEND / AT+CIPSENDEX takes (3.3.8, 3.3.10: 8192; v2.2.0.0_esp32's pages: 2048)
    send_max: int = 8192


@dataclass(frozen=True, kw_only=True)
class Wifi:
    #: AT+CWJAP's <pmf> when the set command leaves it out (3.2.3: 1, PMF capable; v2.2.0.0_esp32's page:
    #: "Default: 0", Wi-Fi_AT_Commands.rst:265)
    pmf_default: Annotated[int, Check(ge=0, le=3)] = 1


@dataclass(frozen=True, kw_only=True)
class Commands:
    """Which commands of the guide this build has. A command the guide documents but the build leaves out
    (its RST's "important" note names the menuconfig switch, e.g. AT+CWJEAP in 3.2) is absent: ERROR with
    ERR CODE 0x01090000 (unsupported command) and not listed by AT+CMD? (3.1.4)."""

    disabled: list[Annotated[str, Check(pattern=r"^AT(\+[A-Z0-9_]+)?$|^ATE$")]] = field(default_factory=list)
    #: forms an older release's build lacks although the command is there (issue 19: AT+CWAUTOCONN's query
    #: form first appears in the v3.4.0.0 guide): ERROR with ERR CODE 0x01020000 (the form is not supported,
    #: as for any form a command lacks) and 0 in that form's AT+CMD? column
    absent_forms: dict[
        Annotated[str, Check(pattern=r"^AT\+[A-Z0-9_]+$")],
        list[Literal["test", "query", "set", "execute"]],
    ] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Profile:
    chip: str
    at_version: str
    gmr: GmrLines
    module_name: str
    uart: UartDefaults = field(default_factory=UartDefaults)
    boot_banner_on_at_port: bool = False
    boot_banner: list[str] = field(default_factory=list)
    boot_time_s: float = 0.05
    heap: Heap
    rfpower: RfPower
    ota: Ota
    partitions: list[Partition] = field(default_factory=list)
    tcpip: Tcpip = field(default_factory=Tcpip)
    wifi: Wifi = field(default_factory=Wifi)
    commands: Commands = field(default_factory=Commands)
    source: str = ""

    def has_command(self, name: str) -> bool:
        """False for a command this build leaves out (see :class:`Commands`)."""
        return name not in self.commands.disabled

    def has_form(self, name: str, form: str) -> bool:
        """False for a form (``"query"``...) this build's command lacks (``commands.absent_forms``)."""
        return form not in self.commands.absent_forms.get(name, [])

    def gmr_lines(self) -> list[str]:
        """The four information lines of AT+GMR (3.1.3)."""
        g = self.gmr
        return [
            g.at_version_info,
            g.sdk_version_info,
            g.compile_time,
            f"Bin version:{g.bin_version}({self.module_name})",
        ]


def _profile_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if "/" not in name_or_path and not name_or_path.endswith((".yaml", ".yml")):
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise ProfileError(f"{path}: profile not found (known names: {known})")
    return path


def merge_profile_data(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merge key by key, every other value replaces the base's."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_profile_data(out[key], value)
        else:
            out[key] = value
    return out


def _profile_data(name_or_path: str, chain: tuple[str, ...] = ()) -> tuple[Path, dict[str, Any]]:
    """The fields of a profile with its ``extends`` chain resolved (a cycle is an error naming it)."""
    path = _profile_path(name_or_path)
    key = str(path.resolve())
    if key in chain:
        raise ProfileError(f"{path}: 'extends' goes round in a circle ({' -> '.join([*chain, key])})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a mapping of profile fields")
    base = data.pop("extends", None)
    if base is None:
        return path, data
    if not isinstance(base, str):
        raise ProfileError(f"{path}: field extends: expected a profile name, got {type(base).__name__}")
    try:
        _, base_data = _profile_data(base, (*chain, key))
    except ProfileError as e:
        raise ProfileError(f"{path}: extends {base}: {e}") from None
    return path, merge_profile_data(base_data, data)


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    path, data = _profile_data(name_or_path)
    try:
        return build(Profile, {**data, "source": str(path)})
    except SchemaError as e:
        where = ".".join(str(p) for p in e.loc)
        raise ProfileError(f"{path}: field {where}: {e.message}") from e
