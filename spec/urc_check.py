"""Every active message report, wherever it appears, against its template (3.17; issue 13, point 3).

The reports of a session (what the AT codec decoded as a report: ``WIFI GOT IP``, ``0,CONNECT``,
``+IPD,...``, ``ready``, and lines it could not place) are given here as :class:`Report` values; each is
matched against the templates of spec/urcs.yaml with the one matcher (:func:`spec.matcher.match`), its
fields typed by ``field_types``. A report the guide does not have is a finding unless the test allows it
(:func:`allowed`); one whose text does not fit its template is a finding with the matcher's message.

Whether the reports agree with what the test did (link IDs, CONNECT/CLOSED pairs, ``WIFI GOT IP`` after
``WIFI CONNECTED``) is :mod:`spec.urc_state`. Pure logic: no I/O, no pytest, no session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from spec import Spec
from spec.matcher import MatchError, match
from spec.messages import Urc, load_urcs, urc_params
from spec.template import Template, compile_template

__all__ = [
    "NOT_IN_GUIDE",
    "Report",
    "UrcFinding",
    "allowed",
    "check_report",
    "check_templates",
    "foreign_line",
    "form_of",
    "response_prefixes",
]

#: The name findings and records use for a line that is no report of the guide.
NOT_IN_GUIDE = "not in the guide"

# Reports that are part of a command's data flow, not lines a report event carries (spec.messages).
_FLOW = frozenset({"prompt", "recv_bytes", "passthrough_data", "busy", "err_code"})


@dataclass(frozen=True, slots=True)
class Report:
    """One report as received.

    ``kind`` is the codec's name for it (rigs/at/events.py ``Urc.kind``; ``"+IPD"``, ``"ready"``, or
    ``"unsolicited"`` for a line it could not place); ``text`` the line without CR LF, or for a
    length-framed report its header up to and including the separator before the data; ``data_length``
    the number of data bytes that followed the header (None when no data follows); ``fields`` the
    values the codec read, a link ID first where the report has one; ``index`` its place in the
    session's history (what findings point at).
    """

    kind: str
    text: str
    fields: tuple[str, ...] = ()
    data_length: int | None = None
    index: int = 0


@dataclass(frozen=True, slots=True)
class UrcFinding:
    """A report that breaks a rule: ``name`` is the report's name (what its check record is filed under),
    ``rule`` the rule with the guide's section, ``message`` what was expected and what came."""

    name: str
    rule: str
    message: str
    report: Report | None = None


def _header_template(u: Urc) -> str:
    # A length-framed report is matched up to its data: the data are bytes, not text of the line.
    if u.payload == "length_framed":
        head, _, last = u.template.rpartition("<")
        assert last.rstrip(">").strip('"') == u.fields[-1], u.id
        return head
    return u.template


@cache
def _compiled(urc_id: str) -> Template:
    u = next(x for x in load_urcs() if x.id == urc_id)
    return compile_template(_header_template(u), urc_params(), strict=False)


@cache
def _reports() -> tuple[Urc, ...]:
    return tuple(u for u in load_urcs() if u.id not in _FLOW)


def _candidates(kind: str) -> tuple[Urc, ...]:
    same = tuple(u for u in _reports() if u.kind == kind)
    # The codec names a few reports apart from the guide ("smartconfig ssid" for "ssid:"), and an
    # unplaced line may still be a report the codec does not know: then every template is a candidate.
    return same or _reports()


def form_of(report: Report) -> tuple[Urc | None, MatchError | None]:
    """The wire form (spec entry) the report matches, or None and the matcher's best error."""
    cands = _candidates(report.kind)
    best: MatchError | None = None
    for u in cands:
        if (report.data_length is not None) != (u.payload == "length_framed"):
            continue
        try:
            match(_compiled(u.id), [report.text])
        except MatchError as exc:
            if u.kind == report.kind and (best is None or (exc.column or 0) > (best.column or 0)):
                best = exc
            continue
        return u, None
    return None, best


def report_name(report: Report) -> str:
    """The name a report's check record is filed under: its kind, or :data:`NOT_IN_GUIDE`."""
    if report.kind == "unsolicited":
        u, _ = form_of(report)
        return u.kind if u is not None else NOT_IN_GUIDE
    return report.kind


def check_report(report: Report) -> UrcFinding | None:
    """The finding of one report against the templates of 3.17, or None when it matches one."""
    u, err = form_of(report)
    if u is not None:
        return None
    if err is None:
        shown = report.text if report.data_length is None else f"{report.text}<{report.data_length} bytes>"
        return UrcFinding(
            NOT_IN_GUIDE if report.kind == "unsolicited" else report.kind,
            "3.17: a report the guide does not list",
            f"{shown!r} is no active message report of 3.17 (nor of the command sections); "
            "a test that provokes it declares it with @pytest.mark.allow_urc(...)",
            report,
        )
    return UrcFinding(
        report.kind,
        "3.17: the report's template",
        f"{report.kind} does not match its template: {err}",
        report,
    )


def allowed(report: Report, patterns: Iterable[str]) -> bool:
    """Whether a test's ``allow_urc`` patterns cover the report: a pattern equal to its kind or text, the
    text's prefix up to a ':' (``"+CIPUPDATE"`` covers ``+CIPUPDATE:1``), or a regular expression
    matching the whole text."""
    for p in patterns:
        if p in (report.kind, report.text) or report.text.startswith(p + ":"):
            return True
        try:
            if re.fullmatch(p, report.text):
                return True
        except re.error:
            continue
    return False


def check_templates(reports: Sequence[Report], allow: Iterable[str] = ()) -> list[UrcFinding]:
    """The template findings of ``reports``, leaving out those the test allows."""
    patterns = tuple(allow)
    out = []
    for r in reports:
        if allowed(r, patterns):
            continue
        f = check_report(r)
        if f is not None:
            out.append(f)
    return out


_INFO_PREFIX = re.compile(r"^\+([A-Za-z0-9_]+):", re.M)


def response_prefixes(spec: Spec, command_line: str) -> frozenset[str] | None:
    """The ``+<name>:`` prefixes the guide prints in the responses of the command ``command_line``
    invokes (any form: its own name, and others such as AT+CIUPDATE's ``+CIPUPDATE:``), or None when the
    line names no command of the guide."""
    found = spec.form_of_line(command_line)
    if found is None:
        return None
    command, _ = found
    names = {n.removeprefix("AT+") for n in (command.name, *command.aliases)}
    for form in command.forms:
        for block in form.responses:
            names.update(_INFO_PREFIX.findall(block))
    return frozenset(names)


def foreign_line(spec: Spec, command_line: str, text: str) -> str | None:
    """What is wrong with the information line ``text`` in the response of ``command_line``, or None.

    3.17: a response's information lines are ``+<Command Name>:...``; a line prefixed with the name of a
    command whose responses the guide never gives it to (``+CWJAP:`` in the response of AT+CIPSTART), and
    that is no report either, is an unknown line. Lines without a ``+<name>:`` prefix are left to the
    command's template."""
    m = _INFO_PREFIX.match(text)
    if m is None:
        return None
    prefixes = response_prefixes(spec, command_line)
    if prefixes is None or m.group(1) in prefixes:
        return None
    shown = ", ".join(f"+{p}:" for p in sorted(prefixes))
    return (
        f"unknown line {text!r} in the response of {command_line!r}: no report of 3.17, and the guide's "
        f"responses of that command print only {shown}"
    )
