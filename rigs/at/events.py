"""Typed events of the ESP-AT command port, as produced by :class:`rigs.at.codec.AtCodec`.

Every byte the board puts on its AT port ends up in exactly one event (section 3.17 of the guide, "AT
Messages", lists what a board may say). Each event keeps the exact bytes it was decoded from in ``raw``, so
a transcript can be rebuilt from the event stream alone: ``b"".join(e.raw for e in events)`` equals the
bytes fed.

This module is the contract between the codec, the AT session, the simulator's self-checks and the report:
add a kind here rather than inventing a parallel one elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

#: Final result codes that end a command's response (3.17, "ESP-AT Response Messages").
FINAL_RESULTS: tuple[str, ...] = ("OK", "ERROR", "SEND OK", "SEND FAIL", "SET OK")


@dataclass(frozen=True, slots=True)
class Event:
    raw: bytes = field(repr=False, compare=False, kw_only=True, default=b"")


@dataclass(frozen=True, slots=True)
class Echo(Event):
    """The board repeating the command line it received (ATE1, the default)."""

    line: str


@dataclass(frozen=True, slots=True)
class Line(Event):
    """An information line of the pending command's response (``+CIPSTA:ip:"..."``, a bare value, ...).

    ``payload`` holds the binary value of a length-framed response line (``+HTTPCLIENT:<size>,<data>``),
    None for ordinary lines; ``text`` is then the header followed by the data decoded with replacement.
    """

    text: str
    payload: bytes | None = None


@dataclass(frozen=True, slots=True)
class Blank(Event):
    """An empty line (a bare CR LF). Kept as an event because where the guide puts blank lines is checked."""


@dataclass(frozen=True, slots=True)
class Final(Event):
    """A final result: one of :data:`FINAL_RESULTS`."""

    result: str


@dataclass(frozen=True, slots=True)
class Prompt(Event):
    """The ``>`` the board sends, with no line ending, when it waits for data (AT+CIPSEND and kin)."""


@dataclass(frozen=True, slots=True)
class Busy(Event):
    """``busy p...`` (or ``busy s...``): input arrived while a command was still running."""

    text: str


@dataclass(frozen=True, slots=True)
class ErrCode(Event):
    """``ERR CODE:0x%08x`` (printed before ERROR when AT+SYSLOG=1)."""

    code: int


@dataclass(frozen=True, slots=True)
class Ready(Event):
    """``ready``: the firmware (re)started."""


@dataclass(frozen=True, slots=True)
class RecvBytes(Event):
    """``Recv <n> bytes``: the board has taken n data bytes after a ``>`` prompt."""

    count: int


@dataclass(frozen=True, slots=True)
class SendCanceled(Event):
    """``SEND Canceled``: a data-mode send was cancelled with ``+++``."""


@dataclass(frozen=True, slots=True)
class Ipd(Event):
    """``+IPD`` in any of its six forms (3.17).

    ``payload`` is None for the passive-mode notifications (``+IPD,<len>`` / ``+IPD,<link_id>,<len>``),
    which carry no data; otherwise it holds exactly ``length`` bytes, whatever they contain.
    """

    link_id: int | None
    length: int
    remote_ip: str | None = None
    remote_port: int | None = None
    payload: bytes | None = None


@dataclass(frozen=True, slots=True)
class RecvData(Event):
    """``+CIPRECVDATA:<actual_len>,[<"remote_ip">,<remote_port>,]<data>``: a length-framed response line."""

    length: int
    remote_ip: str | None
    remote_port: int | None
    payload: bytes


@dataclass(frozen=True, slots=True)
class Urc(Event):
    """Any other active message report of 3.17 (``WIFI CONNECTED``, ``0,CONNECT``, ``+STA_CONNECTED:...``).

    ``kind`` is a stable name (``"WIFI CONNECTED"``, ``"CONNECT"``, ``"CLOSED"``, ``"+STA_CONNECTED"``,
    ``"+MQTTSUBRECV"`` ...), ``fields`` the values it carries in order (a ``link_id`` first where the URC
    has one), ``text`` the line without its CR LF.

    ``payload`` holds the binary data of a length-framed report (``+MQTTSUBRECV``, ``+WS_DATA``,
    ``+WRITE`` ...), None otherwise; ``fields`` then hold the header's values (the length included).
    """

    kind: str
    fields: tuple[str, ...]
    text: str
    payload: bytes | None = None


@dataclass(frozen=True, slots=True)
class Unsolicited(Event):
    """A complete line that is neither part of a pending command's response nor a known URC."""

    text: str


@dataclass(frozen=True, slots=True)
class Data(Event):
    """Bytes received in passthrough mode: payload, never lines."""

    payload: bytes


AnyEvent = (
    Echo
    | Line
    | Blank
    | Final
    | Prompt
    | Busy
    | ErrCode
    | Ready
    | RecvBytes
    | SendCanceled
    | Ipd
    | RecvData
    | Urc
    | Unsolicited
    | Data
)


_E = TypeVar("_E", bound=Event)


def maker(cls: type[_E]) -> Callable[..., _E]:
    """A constructor of ``cls`` taking every field positionally, ``raw`` first, that fills the slots
    directly: the same frozen event as ``cls(...)`` (equal, same hash and repr), made in a third of the
    time a frozen dataclass's ``__init__`` takes (its ``object.__setattr__`` per field). For the codec's
    hot paths (issue 23: a flood of short reports); everywhere else, call the class."""
    names = [f.name for f in fields(cls)]
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    o = _new(_cls)"]
    for i, name in enumerate(names):
        owner = next(k for k in cls.__mro__ if name in k.__dict__)
        ns[f"_set{i}"] = owner.__dict__[name].__set__
        lines.append(f"    _set{i}(o, {name})")
    lines.append("    return o")
    exec("\n".join(lines), ns)  # noqa: S102 - the source is built from the dataclass's own field names
    make: Callable[..., _E] = ns["make"]
    make.__doc__ = f"{cls.__name__}({', '.join(names)}) with every field given, raw first"
    return make
