"""What ``labgrid-client`` prints, as data (sans-IO: text in, values out; rigs/labgrid/client.py runs it).

The suite drives labgrid through its command-line client rather than importing it, so that labgrid's
pyserial fork (``pyserial-labgrid``, which installs the same ``serial`` package as pyserial) never enters
the suite's process. The formats parsed here are those of labgrid 26.0 (requirements-labgrid.lock):

- ``labgrid-client -v places``: per place a ``Place 'NAME':`` line, then two-space indented ``key: value``
  lines (``tags: a=b, c=d``, ``acquired: HOST/USER`` or ``None``, ``reservation: TOKEN``) and the lists
  under ``matches:`` and ``acquired resources:`` four spaces in (labgrid/remote/common.py ``Place.show``).
- ``labgrid-client -p PLACE env``: YAML ``targets: {PLACE: {resources: [{CLASS: {name: N, PARAM: ...}}]}}``
  with the parameters of every resource the acquired place holds (labgrid/remote/client.py ``print_env``).
- errors: ``labgrid-client: Error: MESSAGE`` on stderr; a refused acquire names the holder as
  ``already acquired by HOST/USER.``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

#: The username this suite acquires places under: the user's name, the suite's mark, the process id.
#: labgrid records ``HOST/USER`` as a place's holder; the pid lets a later run on the same host see that
#: the holder is dead and take the place back (``release-from``) instead of waiting for a human.
_RUN_USER = re.compile(r"^(?P<base>.+)\.esp-at\.(?P<pid>[0-9]+)$")
_PLACE_HEADER = re.compile(r"^Place '(?P<name>[^']*)':$")
_ALREADY_ACQUIRED = re.compile(r"already acquired by (?P<holder>[^\s/]+/\S+?)\.?(\s|$)")
_ERROR_PREFIX = re.compile(r"^labgrid-client: (Error: )?", re.MULTILINE)

#: Resource classes ``labgrid-client power`` drives (labgrid/remote/client.py ``power``).
POWER_CLASSES = frozenset(
    {
        "NetworkPowerPort",
        "NetworkUSBPowerPort",
        "NetworkSiSPMPowerPort",
        "PDUDaemonPort",
        "TasmotaPowerPort",
        "NetworkYKUSHPowerPort",
        "NetworkSysfsGPIO",
    }
)


class LabgridOutputError(ValueError):
    """labgrid-client printed something this parser does not know; the message quotes it."""


def run_user(base: str, pid: int) -> str:
    """The labgrid username of one run's process: ``alice.esp-at.4242``."""
    return f"{base}.esp-at.{pid}"


@dataclass(frozen=True, slots=True)
class Holder:
    """Who has acquired a place, as labgrid records it: ``HOST/USER``."""

    host: str
    user: str

    @property
    def run_pid(self) -> int | None:
        """The process id when the holder is a run of this suite (:func:`run_user`), else None."""
        m = _RUN_USER.match(self.user)
        return int(m.group("pid")) if m else None

    def __str__(self) -> str:
        return f"{self.host}/{self.user}"


def parse_holder(text: str) -> Holder:
    """``HOST/USER`` -> :class:`Holder`."""
    host, sep, user = text.strip().partition("/")
    if not sep or not host or not user:
        raise LabgridOutputError(f"expected a place holder as HOST/USER, got {text!r}")
    return Holder(host, user)


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    """One place of ``labgrid-client -v places``."""

    name: str
    tags: dict[str, str] = field(default_factory=dict)
    matches: tuple[str, ...] = ()
    acquired: Holder | None = None
    acquired_resources: tuple[str, ...] = ()
    reservation: str | None = None
    changed: str | None = None

    def carries(self, tags: dict[str, str]) -> bool:
        """Every tag of ``tags`` is on this place with that value."""
        return all(self.tags.get(k) == v for k, v in tags.items())


def parse_places(text: str) -> list[PlaceInfo]:
    """The places of ``labgrid-client -v places`` (or the first block of ``-p PLACE show``), in order."""
    places: list[PlaceInfo] = []
    current: dict[str, Any] | None = None
    listing: str | None = None

    def finish() -> None:
        if current is not None:
            places.append(PlaceInfo(**current))

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line:
            continue
        header = _PLACE_HEADER.match(line)
        if header:
            finish()
            current, listing = {"name": header.group("name")}, None
            continue
        if current is None or not line.startswith("  "):
            if current is not None and not line.startswith(" "):
                # the resource blocks `show` prints after the place end the place's part
                break
            raise LabgridOutputError(f"line {number}: expected \"Place 'NAME':\", got {raw!r}")
        if line.startswith("    ") and listing is not None:
            item = line.strip()
            key = "matches" if listing == "matches" else "acquired_resources"
            current[key] = (*current.get(key, ()), item.split(" -> ", 1)[0])
            continue
        key, sep, value = line.strip().partition(":")
        if not sep:
            raise LabgridOutputError(
                f"line {number}: expected 'key: value' in place {current['name']}, got {raw!r}"
            )
        value = value.strip()
        listing = None
        if key == "tags":
            current["tags"] = _parse_tags(value, number)
        elif key == "matches":
            listing = "matches"
        elif key == "acquired resources":
            listing = "acquired resources"
        elif key == "acquired":
            current["acquired"] = None if value == "None" else parse_holder(value)
        elif key == "reservation":
            current["reservation"] = value
        elif key == "changed":
            current["changed"] = value
        # aliases, comment, allowed, created: not needed to acquire a place
    finish()
    return places


def _parse_tags(value: str, number: int) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in value.split(", "):
        key, sep, tag = pair.partition("=")
        if not sep or not key:
            raise LabgridOutputError(f"line {number}: expected tags as key=value, got {pair!r}")
        tags[key] = tag
    return tags


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of an acquired place: its class, its name in the place, its parameters."""

    cls: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_serial(self) -> bool:
        return self.cls == "NetworkSerialPort"

    @property
    def is_power(self) -> bool:
        return self.cls in POWER_CLASSES


def parse_env(text: str, place: str) -> list[Resource]:
    """The resources of ``labgrid-client -p PLACE env`` for ``place``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabgridOutputError(f"labgrid-client env printed no YAML: {exc}") from None
    try:
        entries = data["targets"][place]["resources"]
    except (KeyError, TypeError):
        raise LabgridOutputError(
            f"labgrid-client env: expected targets.{place}.resources, got {text.strip()[:300]!r}"
        ) from None
    resources: list[Resource] = []
    for entry in entries or []:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise LabgridOutputError(
                f"labgrid-client env: expected {{CLASS: {{...}}}} per resource, got {entry!r}"
            )
        ((cls, params),) = entry.items()
        params = dict(params or {})
        # labgrid leaves out the name where it equals the class (labgrid/remote/client.py get_target_config)
        name = str(params.pop("name", cls))
        resources.append(Resource(str(cls), name, params))
    return resources


def serial_url(resource: Resource) -> str:
    """The pyserial URL of a NetworkSerialPort: ``rfc2217://host:port``, or ``socket://host:port`` for
    ``protocol: raw`` (labgrid's SerialDriver opens the same two)."""
    if not resource.is_serial:
        raise LabgridOutputError(f"resource {resource.name} is a {resource.cls}, not a NetworkSerialPort")
    host, port = resource.params.get("host"), resource.params.get("port")
    if not host or not isinstance(port, int):
        raise LabgridOutputError(
            f"NetworkSerialPort {resource.name}: expected host and port, got {resource.params}"
        )
    protocol = resource.params.get("protocol", "rfc2217")
    if protocol == "rfc2217":
        scheme = "rfc2217"
    elif protocol == "raw":
        scheme = "socket"
    else:
        raise LabgridOutputError(f"NetworkSerialPort {resource.name}: unknown protocol {protocol!r}")
    if ":" in str(host) and not str(host).startswith("["):
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def error_text(stderr: str) -> str:
    """labgrid-client's complaint without its ``labgrid-client: Error:`` prefixes, one line."""
    lines = [_ERROR_PREFIX.sub("", line).strip() for line in stderr.strip().splitlines()]
    return "; ".join(line for line in lines if line) or "(no message)"


def refused_holder(stderr: str) -> Holder | None:
    """The holder a refused ``acquire`` names (``Place X is already acquired by HOST/USER.``)."""
    m = _ALREADY_ACQUIRED.search(stderr)
    return parse_holder(m.group("holder")) if m else None
