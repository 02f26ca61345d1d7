"""Typed values in chapter-4 example lines: the ``<field>`` format fields, the types of ``{placeholders}``
learned from the board, and the lengths a line states (pure logic, no board, no pytest).

A field written ``<name>`` in an example line (spec/examples/README.md, "Line notation") differs from run to
run, so it is matched by its *format*, never as "any text": ``<sta_mac>`` is a MAC address, ``<sta_ip>`` an
IPv4 address, ``<time>`` the asctime form AT+CIPSNTPTIME? prints (3.3 AT+CIPSNTPTIME, "the asctime style
time is defined at the asctime man page"), ``<len>`` an integer. :data:`FORMAT_FIELDS` lists every field an
example may use; the loader (spec.examples) refuses a line naming another.

Lengths are checked against what was sent, not only against the guide's digits: ``Recv <n> bytes`` (3.3
AT+CIPSEND) counts the bytes the step wrote after ``>``; ``+IPD,[<link_id>,]<len>[,...]:<data>`` (3.17)
carries ``<len>`` bytes, which are the bytes the peer sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from spec.params import ParamSpec, ParamType

__all__ = [
    "FIELD_NETWORKS",
    "FIELD_PLACEHOLDERS",
    "FORMAT_FIELDS",
    "FieldKind",
    "Ipd",
    "asctime_problem",
    "asctime_value",
    "field_spec",
    "format_fields_of",
    "ipd_of",
    "placeholder_type",
    "recv_count_of",
    "report_name",
    "sntp_timezone_offset",
]


class FieldKind(StrEnum):
    MAC = "mac"
    IPV4 = "ipv4"
    INT = "int"
    ASCTIME = "asctime"
    #: free text: a body, a region name, a result the guide does not type
    TEXT = "text"


#: Every ``<field>`` an example line may hold, with its format. Fields in chapter 3's words where the
#: guide names them (``<link_id>``, ``<asctime style time>``).
FORMAT_FIELDS: dict[str, FieldKind] = {
    "sta_mac": FieldKind.MAC,  # 3.17 +STA_CONNECTED:<sta_mac>, +DIST_STA_IP:<sta_mac>,<sta_ip_addr>
    "sta_ip": FieldKind.IPV4,
    "ip": FieldKind.IPV4,
    "time": FieldKind.ASCTIME,  # 3.3 AT+CIPSNTPTIME?: +CIPSNTPTIME:<asctime style time>
    "asctime style time": FieldKind.ASCTIME,
    "len": FieldKind.INT,
    "size": FieldKind.INT,
    "link_id": FieldKind.INT,
    "port": FieldKind.INT,
    "rssi": FieldKind.INT,
    "cur_interval": FieldKind.INT,
    "key_type": FieldKind.INT,
    # 3.4.6 +BLESCAN:<"addr">,<rssi>,<adv_data>,<scan_rsp_data>,<addr_type> (spec/urcs.yaml ble_scan); the
    # data are HEX strings, empty when nothing was sent
    "addr": FieldKind.MAC,
    "adv_data": FieldKind.TEXT,
    "scan_rsp_data": FieldKind.TEXT,
    "addr_type": FieldKind.INT,
    "data": FieldKind.TEXT,
    "rest": FieldKind.TEXT,
    "header": FieldKind.TEXT,
    "result": FieldKind.TEXT,
    "endpoint": FieldKind.TEXT,
    "region": FieldKind.TEXT,
    "device": FieldKind.TEXT,
}

#: fields that name a value the rig may know (fixtures.example_values), by the placeholder that holds it:
#: the station of +STA_CONNECTED / +DIST_STA_IP is the one the rig lets join the board's soft-AP
FIELD_PLACEHOLDERS: dict[str, str] = {"sta_mac": "station.mac"}

#: address fields that lie in a network an earlier answer named, by the placeholders of its address and
#: netmask: the soft-AP leases +DIST_STA_IP's address from its own network (3.17, 3.2 AT+CWDHCPS: the lease
#: range is in the soft-AP's subnet), which AT+CIPAP? printed
FIELD_NETWORKS: dict[str, tuple[str, str]] = {"sta_ip": ("board.ap_ip", "board.ap_netmask")}

_PARAM_TYPE = {
    FieldKind.MAC: ParamType.MAC,
    FieldKind.IPV4: ParamType.IP,
    FieldKind.INT: ParamType.INT,
    FieldKind.ASCTIME: ParamType.STR,  # the matcher takes the text; asctime_problem() checks its form
    FieldKind.TEXT: ParamType.STR,
}

_FIELD = re.compile(r"<([A-Za-z_][A-Za-z0-9_ ]*)>")


def format_fields_of(line: str) -> list[str]:
    """The ``<field>`` names in one example line, in order."""
    return _FIELD.findall(line)


def field_spec(name: str, template_name: str | None = None) -> ParamSpec:
    """The parameter spec the matcher checks field ``name`` with (KeyError: not a known field)."""
    return ParamSpec(name=template_name or name, type=_PARAM_TYPE[FORMAT_FIELDS[name]])


#: learned placeholders (``{board.sta_ip}``, ``{station.mac}``, ``{board.port}``) by the last word of their
#: name; anything else is text
_PLACEHOLDER_TYPES = (
    (re.compile(r"(^|[._])(\w+_)?(ip|gateway|netmask)\d?$"), ParamType.IP),
    (re.compile(r"(^|[._])(\w+_)?mac$"), ParamType.MAC),
    (re.compile(r"(^|[._])port\d?$"), ParamType.INT),
)


def placeholder_type(name: str) -> ParamType:
    """The type a ``{placeholder}`` learned from the board's answer must have."""
    for pattern, ptype in _PLACEHOLDER_TYPES:
        if pattern.search(name):
            return ptype
    return ParamType.STR


# asctime(3): "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n", so a day below 10 is padded with a space ("Sep  2", as
# the guide's 4.4 transcripts print it)
_ASCTIME = re.compile(
    r"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"( [1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60) ([0-9]{4})"
)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def asctime_problem(text: str) -> str | None:
    """Why ``text`` is not an asctime-style time (3.3 AT+CIPSNTPTIME), or None when it is one."""
    m = _ASCTIME.fullmatch(text)
    if m is None:
        return "not the asctime form 'Www Mmm dd hh:mm:ss yyyy' (a day below 10 padded with a space)"
    try:
        when = datetime.strptime(f"{m.group(2)} {m.group(3).strip()} {m.group(7)}", "%b %d %Y")
    except ValueError:
        return f"{m.group(2)} {m.group(3).strip()} {m.group(7)} is not a date"
    if _DAYS[when.weekday()] != m.group(1):
        return (
            f"{m.group(2)} {m.group(3).strip()} {m.group(7)} is a {_DAYS[when.weekday()]}, not a {m.group(1)}"
        )
    return None


def asctime_value(text: str) -> datetime:
    """The wall-clock time an asctime-style text names (no zone: the board prints local time)."""
    return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y")


def sntp_timezone_offset(timezone: int) -> int:
    """Seconds east of UTC for AT+CIPSNTPCFG's ``<timezone>`` (3.3): whole hours in [-12,14], otherwise the
    ``[+|-][hh]mm`` UTC offset form (``1245`` is UTC+12:45, ``-500`` UTC-05:00)."""
    if -12 <= timezone <= 14:
        return timezone * 3600
    sign = -1 if timezone < 0 else 1
    hours, minutes = divmod(abs(timezone), 100)
    return sign * (hours * 3600 + minutes * 60)


_RECV = re.compile(r"Recv ([0-9]+) bytes")
_IPD = re.compile(r'\+IPD,(?:([0-9]+),)?([0-9]+)(?:,"?[^,:"]*"?,[0-9]+)?(?::(.*))?', re.DOTALL)


def recv_count_of(line: str) -> int | None:
    """The ``<n>`` of a ``Recv <n> bytes`` line (3.3 AT+CIPSEND), or None for another line."""
    m = _RECV.fullmatch(line)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Ipd:
    """The parts of one ``+IPD`` report (3.17): link ID (multiple connections), length, data (active mode)."""

    link_id: int | None
    length: int
    data: str | None


def ipd_of(line: str) -> Ipd | None:
    """The parts of a ``+IPD`` line as spec/examples writes it (header, then the data after ``:``)."""
    m = _IPD.fullmatch(line)
    if m is None:
        return None
    return Ipd(int(m.group(1)) if m.group(1) else None, int(m.group(2)), m.group(3))


_LINK_PREFIX = re.compile(r"[0-9]+,(?=CONNECT|CLOSED|CONNECT FAIL)")


def report_name(line: str) -> str:
    """The name of the report (3.17) an example line shows: ``0,CONNECT`` -> ``CONNECT``, ``+IPD,4:test``
    -> ``+IPD``, ``+STA_CONNECTED:"..."`` -> ``+STA_CONNECTED``, ``WIFI GOT IP`` as it is."""
    line = _LINK_PREFIX.sub("", line, count=1)
    if line.startswith("+"):
        return re.split(r"[:,]", line, maxsplit=1)[0]
    return line
