"""The byte grammar of ESP-AT output: whether the *bytes* of what the codec decoded were framed right.

The codec (:mod:`rigs.at.codec`) says *what* came; this module says whether its framing is the one ESP-AT
boards print. It reads the codec's event stream, in which every byte sits in exactly one event's ``raw``
and each bare CR LF is a :class:`~rigs.at.events.Blank`; the offset of an event is the number of bytes
before it, so every :class:`Violation` names the offending bytes and where they are in the rx stream.

The framing, as the guide (3.17 "AT Messages", the command examples) and real boards show it:

* a final result is framed ``\\r\\n<result>\\r\\n``: right after the information lines (each
  ``<text>\\r\\n``, no CR LF before it) or the echo, exactly one empty line, then the result;
* ``>`` follows ``\\r\\nOK\\r\\n`` as ``\\r\\n>``, with no line end after it;
* ``\\r\\nRecv <n> bytes\\r\\n``, ``\\r\\n+IPD,...`` (both receive modes), ``\\r\\nbusy p...\\r\\n`` and
  ``\\r\\nready\\r\\n`` each bring their own leading CR LF;
* reports (``WIFI CONNECTED``, ``0,CONNECT`` ...), ``ERR CODE:0x%08x`` and the echo are lines with no CR LF
  before them, so an empty line is never printed on its own: every Blank belongs to the message after it;
* three queries print OK right after their line (:data:`GLUED_OK`); a few messages were seen after an
  empty line of their own (:data:`CRLF_OPTIONAL`, ``SEND Canceled``): one CR LF or none is accepted there;
* before ``ready`` the firmware may print anything (boot output): findings there are dropped once
  ``ready`` shows it was boot output;
* in passthrough every byte is data (:class:`~rigs.at.events.Data`); nothing in it is checked.

Each :class:`Rule` names its evidence (a guide section, an esp-at source file, the URL of a real-board
transcript). A rule that a documented firmware difference relaxes says so in ``differences``, keyed by a
pattern matched against the board's ``AT version:`` text; :class:`WireGrammar` is told that text.

Sans-IO: :meth:`WireGrammar.feed` takes one event at a time and returns the violations it completes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rigs.at.events import (
    AnyEvent,
    Blank,
    Busy,
    Data,
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
from rigs.at.transcript import escape

__all__ = ["CRLF_OPTIONAL", "GLUED_OK", "RULES", "Rule", "Violation", "WireGrammar", "check_events"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One framing rule: ``id`` is stable (tests and lenient markers name it), ``evidence`` says where it
    comes from, ``differences`` maps an ``AT version:`` pattern to the firmware difference that relaxes it."""

    id: str
    summary: str
    evidence: tuple[str, ...]
    differences: dict[str, str] = field(default_factory=dict)


_SRC = "https://github.com/espressif/esp-at/blob/master/components/at/src/"

#: Queries whose OK follows their information line directly: the final result's CR LF doubles as the end of
#: the line, so no empty line shows. The guide's examples show them so and real boards print them so
#: (elsewhere the same reporters' pastes keep the empty line, e.g. AT+GMR in esp-at issue 993).
GLUED_OK: dict[str, str] = {
    "AT+SYSRAM?": "3.1 AT+SYSRAM example; esp-at issues 804 (v3.2.0.0) and 993 (v4.1.1.0)",
    "AT+CIPSNTPTIME?": "3.3 AT+CIPSNTPTIME examples; esp-at issue 427",
    "AT+CIPDINFO?": "3.3 AT+CIPDINFO example; esp-at issue 577 (v2.2.1.0)",
}
#: Reports a real board printed after an empty line of their own (one CR LF or none is accepted before them).
CRLF_OPTIONAL: dict[str, str] = {
    "+MQTTCONNECTED": "esp-at issue 478 (v2.1.0.0): AT+MQTTCONN's echo, an empty line, +MQTTCONNECTED:...",
}
#: Verdict lines a handler writes framed like a final result, \r\n<text>\r\n: exactly one CR LF before them.
CRLF_FRAMED_LINES: dict[str, str] = {
    "WRITE OK": 'components/at/src/at_user_cmd.c, tag v5.0.0.0, AT+USERRAM write: "\\r\\nWRITE OK\\r\\n"',
}
_ISSUE = "https://github.com/espressif/esp-at/issues/"

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "line.crlf",
            "every line (echo, information line, final result, report) ends with CR LF, with no other CR",
            (
                "3.0 AT Command Types: commands and responses end with CR-LF",
                "https://github.com/adafruit/Adafruit_CircuitPython_ESP_ATcontrol/issues/48 "
                "(bytes as read: b'+CWMODE:1\\r\\n\\r\\nOK\\r\\n')",
                _ISSUE + "101 (hex dump: ERR CODE line ends 0x0D 0x0A)",
            ),
        ),
        Rule(
            "final.leading-crlf",
            "a final result (OK, ERROR, SEND OK, SEND FAIL, SET OK) is framed \\r\\n<result>\\r\\n",
            (
                "3.17 ESP-AT Response Messages; the examples of chapter 3 put an empty line before OK",
                "https://github.com/esp8266/at-command-set/issues/7 (AT answered AT\\r\\n\\r\\nOK\\r\\n)",
                "https://github.com/adafruit/Adafruit_CircuitPython_ESP_ATcontrol/issues/48 (b'\\r\\nOK')",
            ),
        ),
        Rule(
            "final.one-blank",
            "exactly one empty line before a final result: more is a blank line the firmware never prints",
            (
                "3.17; real boards of every release print one:",
                f"{_ISSUE}479 (v2.1.0.0), {_ISSUE}856 (v3.2.0.0)",
                f"{_ISSUE}933 (v4.0.0.0), {_ISSUE}993 (v4.1.1.0)",
            ),
        ),
        Rule(
            "final.glued-query",
            "the queries of GLUED_OK print OK right after their information line, with no empty line",
            tuple(f"{q}: {why}" for q, why in GLUED_OK.items()),
        ),
        Rule(
            "prompt.framing",
            "the > prompt comes as \\r\\n> after OK (one empty line before it) and has no line end",
            (
                "3.17 '>'; 3.3.8 AT+CIPSEND examples; OK_AND_INPUT_PROMPT in " + _SRC + "at_user_cmd.c",
                _ISSUE + "731 (AT+CIPSEND=0,4268 / blank / OK / blank / > / Recv 4268 bytes)",
                _ISSUE + "631 (AT+CIPSEND passthrough: OK / blank / >)",
            ),
            {
                # NONOS AT dates its version with no commit hash: "1.5.0.0(Oct 24 2017 12:03:18)"
                r"^1\.\d+\.\d+\.\d+\([A-Z][a-z]{2} |NONOS": "ESP8266 NONOS AT 1.x prints '> ' right after "
                "OK's line, with a space after it "
                "(https://github.com/MaJerle/ESP8266_AT_Commands_parser/issues/54)",
            },
        ),
        Rule(
            "recv.framing",
            "Recv <n> bytes is framed \\r\\nRecv <n> bytes\\r\\n: never glued to the prompt",
            (
                _SRC + 'at_user_cmd.c: snprintf(buffer, ..., "\\r\\nRecv %d bytes\\r\\n", length)',
                _ISSUE + "731, " + _ISSUE + "89",
            ),
        ),
        Rule(
            "ipd.framing",
            "+IPD (active +IPD,...:<data> and passive +IPD,[<id>,]<len>\\r\\n) starts with its own \\r\\n",
            (
                "3.17 +IPD",
                f"{_ISSUE}731 (passive: SEND OK / blank / +IPD,0,654)",
                f"{_ISSUE}120, {_ISSUE}76 (active: OK / blank / +IPD,0,5,...:12345; back-to-back +IPD)",
            ),
        ),
        Rule(
            "busy.framing",
            "busy p... is framed \\r\\nbusy p...\\r\\n (after ERR CODE:0x010b0000 when AT+SYSLOG=1)",
            (
                _SRC + 'at_user_cmd.c: snprintf(buffer, ..., "\\r\\nbusy p...\\r\\n")',
                _ISSUE + "731 (ERR CODE:0x010b0000 / blank / busy p...), " + _ISSUE + "388",
            ),
        ),
        Rule(
            "ready.framing",
            "ready is framed \\r\\nready\\r\\n; boot output before it is not checked",
            (_SRC + 'at_init.c: s_ready_str = "\\r\\nready\\r\\n"', _ISSUE + "120 (OK / blank / ready)"),
        ),
        Rule(
            "errcode.format",
            "ERR CODE:0x%08x is one line, no CR LF before it, followed by \\r\\nERROR or \\r\\nbusy p...",
            (
                "3.1.26 AT+SYSLOG example (ERR CODE:0x01090000 / blank / ERROR); 3.17 ERR CODE:<0x%08x>",
                _ISSUE + "101 (hex dump), " + _ISSUE + "731",
            ),
        ),
        Rule(
            "blank.unclaimed",
            "an empty line that no message after it frames: information lines, reports, the echo and "
            "ERR CODE have no CR LF before them",
            (
                f"{_SRC}at_user_cmd.c (at_query_cmd_userdocs prints '%s:...\\r\\n', nothing before)",
                _ISSUE + "479 and " + _ISSUE + "631 (WIFI CONNECTED, 0,CONNECT right after the echo or OK)",
            ),
        ),
    )
}

#: Messages that bring their own leading CR LF, and the rule that says so.
_FRAMED_BY_CRLF: tuple[tuple[type, str], ...] = (
    (Final, "final.leading-crlf"),
    (Prompt, "prompt.framing"),
    (RecvBytes, "recv.framing"),
    (Ipd, "ipd.framing"),
    (Busy, "busy.framing"),
    (Ready, "ready.framing"),
)
_NOISE = "\x00"
_ERR_CODE_LINE = re.compile(rb"ERR CODE:0x[0-9a-f]{8}\r\n")


@dataclass(frozen=True, slots=True)
class Violation:
    """One break of a rule: ``offset`` counts the rx bytes before ``data`` (the offending bytes)."""

    rule: Rule
    offset: int
    data: bytes
    detail: str

    def __str__(self) -> str:
        return f"{self.rule.id} at rx byte {self.offset}: {self.detail}: '{escape(self.data)}'"


def _is_line(ev: AnyEvent) -> bool:
    """Events that are one line of text (framed data, the prompt and passthrough data are not)."""
    if isinstance(ev, Line | Urc):
        return ev.payload is None
    if isinstance(ev, Ipd):
        return ev.payload is None  # the passive notice ends with CR LF; active +IPD data ends with nothing
    return isinstance(ev, Echo | Final | Unsolicited | Busy | ErrCode | Ready | RecvBytes | SendCanceled)


class WireGrammar:
    """Checks an event stream against :data:`RULES` (see the module docstring).

    ``version`` is the board's ``AT version:`` text (from AT+GMR) when known: rules whose ``differences``
    match it are relaxed as they say. ``mid_stream`` says the stream does not start at a line start the
    grammar has seen (a response cut out of a session): the first message is not asked for the CR LF the
    bytes before it would have held.
    """

    def __init__(self, *, version: str | None = None, mid_stream: bool = False) -> None:
        self.version = version
        self.offset = 0
        self._blanks: list[int] = []  # offsets of the Blank events since the last other event
        self._prev: AnyEvent | None = None
        self._start = mid_stream
        self._prompt_at: int | None = None  # offset of a '>' whose next bytes are not known yet
        # Findings that boot output may explain: dropped if 'ready' comes before anything sane.
        self._held: list[Violation] = []
        self._command: str | None = None  # the echoed command line whose response is running

    # --- the rules each event is held to ---------------------------------------------------------------

    def relaxed(self, rule_id: str) -> bool:
        rule = RULES[rule_id]
        return self.version is not None and any(re.search(p, self.version) for p in rule.differences)

    def feed(self, ev: AnyEvent) -> list[Violation]:
        """Check one event (in stream order); returns the violations it completes."""
        at = self.offset
        self.offset += len(ev.raw)
        spaced = self._prompt_space(ev, at)
        if spaced is not None:
            ev = Blank(raw=b"\r\n")  # '> ': its CR LF is taken as the next message's own
        if isinstance(ev, Blank):
            out = self._line_end(ev, at) + spaced if spaced else self._line_end(ev, at)
            self._blanks.append(at)
            self._prompt_at = None
            return self._commit(out) if out else []
        if isinstance(ev, Data):
            self._blanks.clear()
            self._prev, self._prompt_at = ev, None
            return self._commit([])
        found = self._line_end(ev, at) + self._blank_lines(ev, at)
        if isinstance(ev, ErrCode) and not _ERR_CODE_LINE.fullmatch(ev.raw):
            found.append(
                self._v("errcode.format", at, ev.raw, "expected ERR CODE:0x<8 lower-case hex digits>")
            )
        if isinstance(self._prev, ErrCode) and not (
            isinstance(ev, Busy) or (isinstance(ev, Final) and ev.result == "ERROR")
        ):
            found.append(
                self._v("errcode.format", at, ev.raw[:40], "expected ERROR or busy p... after ERR CODE")
            )
        if isinstance(ev, Echo):
            self._command = ev.line.lstrip(_NOISE).strip().upper()
        elif isinstance(ev, Final):
            self._command = None
        self._blanks.clear()
        self._prev = ev
        self._start = False
        self._prompt_at = at if isinstance(ev, Prompt) else None
        if isinstance(ev, Ready):
            self._held.clear()  # what came since the last sane message was boot output
            return found
        if isinstance(ev, Unsolicited):
            self._held.extend(found)
            return []
        return self._commit(found)

    def flush(self) -> list[Violation]:
        """Findings held back for a 'ready' that has not come (call at the end of a check)."""
        return self._commit([])

    # --- helpers --------------------------------------------------------------------------------------

    def _commit(self, found: list[Violation]) -> list[Violation]:
        out = self._held + found
        self._held = []
        return out

    def _v(self, rule_id: str, offset: int, data: bytes, detail: str) -> Violation:
        return Violation(RULES[rule_id], offset, bytes(data), detail)

    def _line_end(self, ev: AnyEvent, at: int) -> list[Violation]:
        if not _is_line(ev):
            return []
        raw = ev.raw
        if isinstance(ev, Echo):
            raw = raw.lstrip(b"\x00")  # boards fresh out of reset put NULs before the first echo (codec)
        body = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\r\n")
        if raw.endswith(b"\r\n") and b"\r" not in body and b"\n" not in body:
            return []
        return [self._v("line.crlf", at, ev.raw, "expected the line to end with exactly CR LF")]

    def _prompt_space(self, ev: AnyEvent, at: int) -> list[Violation] | None:
        """A line of spaces right after '>' (the prompt printed as '> '): None if ``ev`` is not one, else its
        findings (none where a documented difference of the board's firmware explains it).

        What else comes right after '>' is not the prompt's business: the host's data goes the other way, so
        the board's next message (Recv, SEND OK, the echo after passthrough) follows the '>' directly and is
        held to its own framing."""
        if (
            self._prompt_at is None
            or not isinstance(ev, Line | Unsolicited)
            or ev.raw.lstrip(b" ") != b"\r\n"
        ):
            return None
        if self.relaxed("prompt.framing"):
            return []
        return [self._v("prompt.framing", self._prompt_at, b">" + ev.raw, "expected nothing after the '>'")]

    def _blank_lines(self, ev: AnyEvent, at: int) -> list[Violation]:
        blanks = self._blanks
        rule = next((r for cls, r in _FRAMED_BY_CRLF if isinstance(ev, cls)), None)
        if isinstance(ev, SendCanceled) and len(blanks) <= 1:
            return []  # 3.17 gives no framing for it and no real board's output was found: one CR LF or none
        if isinstance(ev, Urc) and ev.kind in CRLF_OPTIONAL and len(blanks) <= 1:
            return []
        if isinstance(ev, Line) and ev.text in CRLF_FRAMED_LINES and len(blanks) == 1:
            return []
        if isinstance(ev, Final) and self._glued_query(ev):
            if not blanks:
                return []
            detail = f"{self._command} prints OK right after its line; got {len(blanks)} empty line(s)"
            return [self._v("final.glued-query", blanks[0], b"\r\n" * len(blanks) + ev.raw, detail)]
        if rule is None:
            if not blanks:
                return []
            what = f"{len(blanks)} empty line(s) before {_describe(ev)}, which has no CR LF of its own"
            return [self._v("blank.unclaimed", blanks[0], b"\r\n" * len(blanks) + ev.raw[:40], what)]
        if not blanks:
            if self._start or self._trailer_ate_crlf():
                return []
            if isinstance(ev, Prompt) and self.relaxed("prompt.framing"):
                return []  # NONOS AT: "\r\nOK\r\n> "
            if isinstance(ev, Ready) and isinstance(self._prev, Unsolicited):
                return []  # boot output without a line end of its own took the CR LF
            before = self._prev.raw[-8:] if self._prev is not None else b""
            return [self._v(rule, at, before + ev.raw[:40], f"expected CR LF before {_describe(ev)}")]
        if len(blanks) > 1 and not isinstance(ev, Ready):
            extra = len(blanks) - 1
            one = "final.one-blank" if isinstance(ev, Final) else rule
            detail = f"{extra} empty line(s) more than the one CR LF that frames {_describe(ev)}"
            return [self._v(one, blanks[1], b"\r\n" * extra + ev.raw[:40], detail)]
        return []

    def _glued_query(self, ev: Final) -> bool:
        return ev.result == "OK" and self._command in GLUED_OK and isinstance(self._prev, Line)

    def _trailer_ate_crlf(self) -> bool:
        """A length-framed line whose message ends with a CR LF trailer (+HTTPCLIENT, +MQTTSUBRECV ...): the
        codec cannot tell that trailer from the CR LF of the final result after it."""
        p = self._prev
        return isinstance(p, Line | Urc) and p.payload is not None and p.raw.endswith(b"\r\n")


def _describe(ev: AnyEvent) -> str:
    if isinstance(ev, Final):
        return repr(ev.result)
    if isinstance(ev, Prompt):
        return "the '>' prompt"
    if isinstance(ev, Ipd):
        return "+IPD"
    if isinstance(ev, RecvData):
        return "+CIPRECVDATA"
    text = ev.raw[:24].decode("utf-8", "replace").strip("\r\n")
    return repr(text)


def check_events(
    events: Iterable[AnyEvent], *, version: str | None = None, mid_stream: bool = False
) -> list[Violation]:
    """Every violation in a whole event stream (held findings included)."""
    g = WireGrammar(version=version, mid_stream=mid_stream)
    out: list[Violation] = []
    for ev in events:
        out += g.feed(ev)
    return out + g.flush()
