"""Which events belong to which command (3.17), and how tests name the reports they wait for.

A command owns the events from its write to its final result (or its ``>`` prompt); a data-mode send owns
the events up to its verdict. :func:`collect` adds one event to the command's :class:`Collector` and says
whether that ended it. Reports are both listed in the response and left for ``expect_urc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rigs.at.events import (
    AnyEvent,
    Blank,
    Echo,
    ErrCode,
    Final,
    Ipd,
    Line,
    Prompt,
    Ready,
    RecvBytes,
    RecvData,
    SendCanceled,
    Unsolicited,
    Urc,
)
from rigs.at.response import Response

__all__ = [
    "CLEAN_AT",
    "URC_LIKE",
    "Collector",
    "UrcPattern",
    "collect",
    "event_kind",
    "event_text",
    "matcher",
]

UrcPattern = str | re.Pattern[str] | Callable[[AnyEvent], bool]
URC_LIKE = (Urc, Ipd, Unsolicited, Ready)
# What the response to a plain "AT" may contain when the port is really in sync (3.1 AT: echo, OK).
CLEAN_AT = (Echo, Blank, Final, Urc, Ipd)


def event_text(ev: AnyEvent) -> str:
    """The text a report pattern is matched against: the line without CR LF (for ``+IPD``, its header)."""
    if isinstance(ev, Urc | Unsolicited):
        return ev.text
    if isinstance(ev, Ready):
        return "ready"
    raw = ev.raw
    if isinstance(ev, Ipd) and ev.payload is not None:
        raw = raw[: len(raw) - len(ev.payload)]
    return raw.decode("utf-8", "replace").strip("\r\n")


def event_kind(ev: AnyEvent) -> str:
    if isinstance(ev, Urc):
        return ev.kind
    if isinstance(ev, Ipd):
        return "+IPD"
    if isinstance(ev, Ready):
        return "ready"
    return "unsolicited"


def matcher(pattern: UrcPattern) -> tuple[Callable[[AnyEvent], bool], str]:
    """A string matches a report whose kind (``"WIFI GOT IP"``, ``"+IPD"``, ``"+MQTTPUB:OK"``, ``"ready"``)
    or whole text equals it, or whose whole text it matches as a regular expression (when it is one:
    ``"+IPD"`` is not); a compiled pattern is searched in the text; a callable is used as is."""
    if isinstance(pattern, re.Pattern):
        pat = pattern
        return (lambda ev: pat.search(event_text(ev)) is not None), f"/{pattern.pattern}/"
    if isinstance(pattern, str):
        try:
            rx: re.Pattern[str] | None = re.compile(pattern)
        except re.error:
            rx = None

        def by_kind_or_text(ev: AnyEvent) -> bool:
            if event_kind(ev) == pattern:
                return True
            text = event_text(ev)
            return text == pattern or (rx is not None and rx.fullmatch(text) is not None)

        return by_kind_or_text, repr(pattern)
    return pattern, getattr(pattern, "__name__", "predicate")


@dataclass(slots=True)
class Collector:
    """Gathers the events of one command (mode "cmd") or one data-mode send (mode "data")."""

    response: Response
    mode: str
    expect_prompt: bool = False
    done_kinds: tuple[str, ...] = ()
    done: bool = False
    rebooted: bool = False
    raws: list[bytes] = field(default_factory=list)


def collect(c: Collector, ev: AnyEvent, t: float) -> str | None:
    """Attribute ``ev`` to ``c``; sets ``c.done`` when it ends the command. Returns a protocol violation
    to record, or None."""
    r = c.response
    prev = r.events[-1] if r.events else None
    r.events.append(ev)
    c.raws.append(ev.raw)
    done = False
    violation = None
    if isinstance(ev, Echo):
        if r.echo is None:
            r.echo = ev.line
    elif isinstance(ev, Line):
        r.lines.append(ev.text)
        if c.mode == "data" and ev.text in c.done_kinds:
            # a verdict printed as a plain line (AT+USERRAM's WRITE OK: rigs/at/messages.py prompt_command)
            r.final, done = ev.text, True
    elif isinstance(ev, RecvData):
        r.lines.append(ev.raw.decode("utf-8", "replace").removesuffix("\r\n"))
    elif isinstance(ev, Blank):
        r.lines.append("")
    elif isinstance(ev, URC_LIKE):
        r.urcs.append(ev)
        if isinstance(ev, Ipd) and isinstance(prev, Blank) and r.lines and r.lines[-1] == "":
            r.lines.pop()  # the CR LF boards print before "+IPD" belongs to the report
        if isinstance(ev, Ready):
            c.rebooted = done = True
        elif c.mode == "data" and isinstance(ev, Urc) and ev.kind in c.done_kinds:
            r.final, done = ev.text, True
    elif isinstance(ev, ErrCode):
        r.err_code = ev.code
    elif isinstance(ev, RecvBytes):
        r.recv_bytes = ev.count
    elif isinstance(ev, Final):
        r.final = ev.result
        done = not (c.mode == "cmd" and c.expect_prompt and ev.result == "OK")
    elif isinstance(ev, Prompt):
        r.prompt = True
        if c.mode == "cmd" and c.expect_prompt:
            done = True
        else:
            violation = f"'>' prompt in the response of {r.command!r}, which takes no data"
    elif isinstance(ev, SendCanceled):
        r.final, done = "SEND Canceled", True
    if done:
        c.done = True
        r.ended = t
        r.raw = b"".join(c.raws)
    return violation
