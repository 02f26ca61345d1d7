"""Sans-IO decoder of the ESP-AT command port: bytes in, typed events out (3.15 command formats, 3.17 AT
messages).

:class:`AtCodec` never reads a port, sleeps or looks at a clock. The session feeds it every chunk it reads
and tells it which command line it has just written; the codec answers with :mod:`rigs.at.events`. The
same bytes give the same events however they are split into chunks, and every byte ends up in exactly
one event's ``raw``, except the bytes of a line, prompt or header that has not been completed yet.

What the codec knows about the conversation is only what tells bytes apart:

* the pending command line (so its echo is an :class:`Echo`, and ``+<NAME>:`` lines of that command are
  :class:`Line` even where ``+<NAME>`` is also an active report);
* whether the command answers with ``>`` (3.3.x AT+CIPSEND and kin) and, for the execute form of
  AT+CIPSEND, that the port carries raw data afterwards (passthrough, until ``+++``; once the host has
  sent ``+++``, a ``+QUITT`` line (3.17) ends it even before the host says so);
* length-framed messages (``+IPD``, ``+CIPRECVDATA``, ``+MQTTSUBRECV``, ``+WS_DATA`` ...), whose data is
  taken by count, never by looking for line ends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rigs.at.events import (
    FINAL_RESULTS,
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
    maker,
)
from rigs.at.lookup import FramedHeader, framed_lookup, line_urc_candidates, match_framed
from rigs.at.messages import (
    MAX_FRAMED_LENGTH,
    RESPONSE_NAMES,
    FramedMessage,
    Match,
    PromptCommand,
    command_name,
    prompt_command,
)

__all__ = ["AtCodec", "PendingCommand"]

_FINALS = frozenset(FINAL_RESULTS)
_BUSY_RE = re.compile(r"busy [ps]\.\.\.")
_ERR_CODE_RE = re.compile(r"ERR CODE:\s?0x([0-9A-Fa-f]{1,8})")
_RECV_RE = re.compile(r"Recv (\d+) bytes")
# 3.17 spells it "SEND Canceled"; the AT+CIPSENDL description spells it "SEND CANCELLED".
_SEND_CANCELED = frozenset(("SEND Canceled", "SEND CANCELLED"))
# Boards freshly out of reset have been seen to put NUL bytes before the first echo ("\x00ATE0").
_ECHO_NOISE = "\x00\ufffd"
# Constructors for the events a flood of short lines is made of (rigs/at/events.py maker: same events).
_blank = maker(Blank)
_line = maker(Line)
_urc = maker(Urc)
# Reports whose one field is a list of values: split into them (the rest take the groups as they are).
#: header bytes of framed messages -> their text, for the headers seen lately (cleared when full)
_HEADER_TEXT: dict[bytes, str] = {}
_SPLIT_FIELDS = frozenset({("info",), ("params",)})
_PLUS = 0x2B
_PROMPT = 0x3E
# Offsets into the buffer beyond which consumed bytes are dropped; keeps slicing cheap on long streams.
_COMPACT_AT = 1 << 16


@dataclass(slots=True)
class PendingCommand:
    """The command the codec attributes response lines to.

    ``phase`` is ``"response"`` until the final result, ``"prompt"`` between the ``OK`` of a prompt
    command and its ``>``, ``"data"`` after ``>`` until the board's verdict on the data.
    """

    line: str
    name: str | None
    prompt: PromptCommand | None
    phase: str = "response"
    echo_seen: bool = False


def _text(raw: bytes | bytearray) -> str:
    return bytes(raw).decode("utf-8", "replace")


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _split_fields(s: str) -> tuple[str, ...]:
    """Comma-separated values of a report, quotes removed, commas inside quotes kept.

    Splitting at the quotes first leaves the quoted pieces at the odd indices: only the others are split
    at commas (the same values as walking the characters and toggling at each quote, a few times faster)."""
    if '"' not in s:
        return tuple(s.split(","))
    pieces = s.split('"')
    if len(pieces) == 3:  # one quoted value (an address, an SSID): the usual report, spared the loop
        before, quoted, after = pieces
        head, tail = before.split(","), after.split(",")
        head[-1] += quoted + tail[0]
        return (*head, *tail[1:])
    out: list[str] = []
    cur = ""
    for i, piece in enumerate(pieces):
        if i & 1:
            cur += piece
            continue
        values = piece.split(",")
        cur += values[0]
        for value in values[1:]:
            out.append(cur)
            cur = value
    out.append(cur)
    return tuple(out)


#: The report of 3.17 that the board prints when it leaves passthrough with AT+SYSMSG bit 0 set.
_QUITT = b"+QUITT\r\n"


def _after_newline(buf: bytearray, pos: int) -> int | None:
    """The index just after the next line feed at or after ``pos``, or None."""
    end = buf.find(b"\n", pos)
    return None if end < 0 else end + 1


class AtCodec:
    """Turns the bytes of an ESP-AT command port into events (see the module docstring)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._pending: PendingCommand | None = None
        self._passthrough = False
        # After the host's "+++" (3.3.7) and until it leaves passthrough: a +QUITT line (3.17) ends it.
        self._quitting = False
        # Whether the next passthrough byte starts a line (where +QUITT may begin).
        self._line_start = False
        # A framed message whose header is decoded and whose data is still arriving.
        # (spec, header length, values, data length); offsets relative to self._pos, the message's start,
        # because the buffer may be compacted between feeds.
        self._frame: tuple[FramedMessage, int, Sequence[str], int] | None = None
        # The first literal of the last framed header and the headers starting with it (rigs/at/lookup.py).
        self._last_head: tuple[bytes, tuple[FramedHeader, ...]] = (b"", ())
        self._prefix_of: PendingCommand | None = None
        self._prefix = ""

    # --- what the host tells the codec ------------------------------------------------------------------

    @property
    def pending(self) -> PendingCommand | None:
        """The command awaiting its final result (or its ``>``, or its data verdict), or None."""
        return self._pending

    @property
    def in_passthrough(self) -> bool:
        return self._passthrough

    def command_sent(self, line: str, *, expect_prompt: bool | None = None) -> None:
        """The host has just written ``line`` (without CR LF) to the port.

        ``expect_prompt`` overrides the guide-derived choice of whether the command answers with ``>``
        (True: a data prompt; False: none; None: decide from the command name and form).
        """
        line = line.rstrip("\r\n")
        prompt = prompt_command(line)
        if expect_prompt is False:
            prompt = None
        elif expect_prompt and prompt is None:
            prompt = PromptCommand(command_name(line) or line)
        self._pending = PendingCommand(line=line, name=command_name(line), prompt=prompt)

    def data_sent(self) -> None:
        """The host has written the data a ``>`` asked for: what follows is the verdict on it."""
        if self._pending is not None:
            self._pending.phase = "data"

    def clear_pending(self) -> None:
        """Forget the pending command (the host gave up on it, e.g. after a timeout)."""
        self._pending = None

    def enter_passthrough(self) -> None:
        """From now on every byte is :class:`Data` (3.3.x AT+CIPSEND execute form, AT+CIPMODE=1)."""
        self._passthrough = True
        self._pending = None

    def plus_sent(self) -> None:
        """The host is writing ``+++`` alone to leave passthrough (3.3.7).

        The board may report ``+QUITT`` (3.17, AT+SYSMSG bit 0) before the host's guard time is over and it
        calls :meth:`leave_passthrough`: from now on a ``+QUITT`` line that starts where the data does or
        right after a line feed ends passthrough itself, so it comes out as a :class:`Urc`, not as data.
        The bytes before it are still data (the link's last bytes may be in flight).
        """
        if self._passthrough:
            self._quitting = True
            self._line_start = True

    def leave_passthrough(self) -> None:
        """Back to lines, after the host sent ``+++`` (3.3.7)."""
        self._passthrough = False
        self._quitting = False

    # --- bytes in, events out ---------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[AnyEvent]:
        """Decode ``data`` (any chunk of the stream) into the events it completes, in order."""
        out: list[AnyEvent] = []
        if not data:
            return out
        if self._passthrough and not self._quitting and self._pos == len(self._buf) and self._frame is None:
            out.append(Data(payload=bytes(data), raw=bytes(data)))
            return out
        self._buf += data
        self._parse(out)
        if self._pos:
            if self._pos >= len(self._buf):
                self._buf.clear()
                self._pos = 0
            elif self._pos >= _COMPACT_AT:
                del self._buf[: self._pos]
                self._pos = 0
        return out

    def _parse(self, out: list[AnyEvent]) -> None:
        buf = self._buf
        while True:
            n = len(buf)
            pos = self._pos
            if pos >= n:
                return
            if self._frame is not None:
                if not self._finish_frame(out):
                    return
                continue
            if self._passthrough and self._quitting:
                if not self._take_until_quitt(out):
                    return
                continue
            if self._passthrough:
                chunk = bytes(buf[pos:])
                out.append(Data(payload=chunk, raw=chunk))
                self._pos = n
                return
            first = buf[pos]
            if first == _PROMPT and self._prompt_allowed():
                self._pos = pos + 1
                self._on_prompt(out)
                continue
            if first == _PLUS:
                decided = self._try_framed(out)
                if decided is None:
                    return  # could still become a framed header: wait for more bytes
                if decided:
                    continue
            end = buf.find(b"\n", pos)
            if end < 0:
                return
            raw = bytes(buf[pos : end + 1])
            self._pos = end + 1
            out.append(self._classify(raw))

    # --- leaving passthrough ---------------------------------------------------------------------------

    def _take_until_quitt(self, out: list[AnyEvent]) -> bool:
        """Passthrough data up to a ``+QUITT`` line at a line start; True when it was found (passthrough
        is over and the line is parsed as a report). A line start whose bytes so far could still become
        ``+QUITT`` is held back until more bytes decide it."""
        buf, pos, n = self._buf, self._pos, len(self._buf)
        at: int | None = pos if self._line_start else _after_newline(buf, pos)
        while at is not None and at < n:
            head = bytes(buf[at : at + len(_QUITT)])
            if head == _QUITT or _QUITT.startswith(head):
                if at > pos:
                    chunk = bytes(buf[pos:at])
                    out.append(Data(payload=chunk, raw=chunk))
                self._pos = at
                self._line_start = True
                if head != _QUITT:
                    return False
                self._passthrough = False
                self._quitting = False
                return True
            at = _after_newline(buf, at)
        chunk = bytes(buf[pos:])
        out.append(Data(payload=chunk, raw=chunk))
        self._pos = n
        self._line_start = chunk.endswith(b"\n")
        return False

    # --- prompt -----------------------------------------------------------------------------------------

    def _prompt_allowed(self) -> bool:
        """A ``>`` at the start of a line is the prompt unless the pending command does not use one."""
        p = self._pending
        if p is None:
            return True
        return p.prompt is not None and p.phase in ("response", "prompt")

    def _on_prompt(self, out: list[AnyEvent]) -> None:
        out.append(Prompt(raw=b">"))
        p = self._pending
        if p is None or p.prompt is None:
            return
        if p.prompt.passthrough:
            # Whatever follows ">" is already data: switch before parsing the rest of this chunk.
            self._pending = None
            self._passthrough = True
        else:
            p.phase = "data"

    # --- framed messages --------------------------------------------------------------------------------

    def _try_framed(self, out: list[AnyEvent]) -> bool | None:
        """True: a framed header was taken; False: not framed; None: undecided yet."""
        buf, pos = self._buf, self._pos
        best: tuple[FramedMessage, int, Sequence[str]] | None = None
        head, headers = self._last_head
        if not head or not buf.startswith(head, pos):  # (a flood repeats one head: spared the lookup)
            found = framed_lookup(buf, pos)  # the others cannot match here (rigs/at/lookup.py)
            if found is None:
                return None
            self._last_head = found
            headers = found[1]
        for h in headers:
            spec = h.spec
            status, end, values = match_framed(buf, pos, h)
            if status is Match.PARTIAL:
                return None
            if status is Match.YES and (best is None or end > best[1]):
                best = (spec, end, values)
        if best is None:
            return False
        spec, end, values = best
        length = int(values[spec.fields.index(spec.length_field)])
        if length > MAX_FRAMED_LENGTH:
            return False
        self._frame = (spec, end - pos, values, length)
        self._finish_frame(out)
        return True

    def _finish_frame(self, out: list[AnyEvent]) -> bool:
        """Emit the framed message once its data (and trailer, if any) is complete; False: wait."""
        assert self._frame is not None
        spec, header_len, values, length = self._frame
        buf = self._buf
        header_end = self._pos + header_len
        data_end = header_end + length if spec.has_data else header_end
        if len(buf) < data_end:
            return False
        end = data_end
        trailer = spec.trailer
        if trailer:
            if buf.startswith(trailer, data_end):
                end = data_end + len(trailer)
            elif trailer.startswith(buf[data_end : data_end + len(trailer)]):
                return False  # the trailer may still be arriving
        raw = bytes(buf[self._pos : end])
        payload = raw[header_len : data_end - self._pos] if spec.has_data else None
        header = _HEADER_TEXT.get(head := raw[:header_len])
        if header is None:  # (a flood repeats its headers: each is decoded once)
            if len(_HEADER_TEXT) >= 1024:
                _HEADER_TEXT.clear()
            header = _HEADER_TEXT[head] = head.decode("utf-8", "replace").rstrip("\r\n")
        self._pos = end
        self._frame = None
        if spec.event == "urc":  # the common short report (+MQTTSUBRECV, +WRITE ...): values in order
            assert payload is not None
            out.append(
                _urc(raw, spec.kind, tuple(values), header + payload.decode("utf-8", "replace"), payload)
            )
        else:
            out.append(
                self._framed_event(spec, dict(zip(spec.fields, values, strict=True)), header, payload, raw)
            )
        return True

    def _framed_event(
        self, spec: FramedMessage, f: dict[str, str], header: str, payload: bytes | None, raw: bytes
    ) -> AnyEvent:
        port = f.get("remote_port")
        if spec.event == "ipd":
            link = f.get("link_id")
            return Ipd(
                link_id=int(link) if link is not None else None,
                length=int(f["length"]),
                remote_ip=f.get("remote_ip"),
                remote_port=int(port) if port is not None else None,
                payload=payload,
                raw=raw,
            )
        assert payload is not None
        text = header + _text(payload)
        if spec.event == "recvdata":
            return RecvData(
                length=int(f["length"]),
                remote_ip=f.get("remote_ip"),
                remote_port=int(port) if port is not None else None,
                payload=payload,
                raw=raw,
            )
        if spec.event == "line":
            return Line(text=text, payload=payload, raw=raw)
        return Urc(
            kind=spec.kind, fields=tuple(f[k] for k in spec.fields), text=text, payload=payload, raw=raw
        )

    # --- lines ------------------------------------------------------------------------------------------

    def _classify(self, raw: bytes) -> AnyEvent:
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        p = self._pending
        if not text:
            return _blank(raw)
        if p is not None and not p.echo_seen and p.phase == "response" and text.lstrip(_ECHO_NOISE) == p.line:
            p.echo_seen = True
            return Echo(line=text, raw=raw)
        if text[0] != "+":  # none of these starts with "+": a flood of reports skips them all
            if text in _FINALS:
                self._on_final(text)
                return Final(result=text, raw=raw)
            if text == "ready":
                return Ready(raw=raw)
            if text in _SEND_CANCELED:
                if p is not None and p.phase == "data":
                    self._pending = None
                return SendCanceled(raw=raw)
            if text.startswith("busy ") and _BUSY_RE.fullmatch(text):
                return Busy(text=text, raw=raw)
            # (both patterns start with these literals: the test spares two regular expressions per line)
            m = _ERR_CODE_RE.fullmatch(text) if text.startswith("ERR CODE:") else None
            if m:
                return ErrCode(code=int(m.group(1), 16), raw=raw)
            m = _RECV_RE.fullmatch(text) if text.startswith("Recv ") else None
            if m:
                return RecvBytes(count=int(m.group(1)), raw=raw)
        if p is not None and p.name is not None and text.startswith(self._response_prefix(p)):
            return _line(raw, text, None)
        urc = self._match_urc(text, raw)
        if urc is not None:
            if p is not None and p.phase == "data" and p.prompt is not None and urc.kind in p.prompt.done:
                self._pending = None
            return urc
        if p is not None:
            return _line(raw, text, None)
        return Unsolicited(text=text, raw=raw)

    def _response_prefix(self, p: PendingCommand) -> str:
        """``+<NAME>:``, how the pending command's information lines start (computed once per command)."""
        if self._prefix_of is not p:
            assert p.name is not None
            self._prefix_of = p
            self._prefix = f"+{RESPONSE_NAMES.get(p.name, p.name)}:"
        return self._prefix

    def _on_final(self, result: str) -> None:
        p = self._pending
        if p is None:
            return
        if p.phase == "response" and result == "OK" and p.prompt is not None:
            p.phase = "prompt"
            return
        self._pending = None

    @staticmethod
    def _match_urc(text: str, raw: bytes) -> Urc | None:
        for spec in line_urc_candidates(text):  # the others cannot match (rigs/at/lookup.py)
            m = spec.pattern.fullmatch(text)
            if m is None:
                continue
            fields: tuple[str, ...]
            if spec.fields in _SPLIT_FIELDS:
                fields = _split_fields(m.group(1)) if m.group(1) else ()
            else:
                fields = tuple(_unquote(g) for g in m.groups() if g is not None)
            return _urc(raw, spec.kind, fields, text, None)
        return None
