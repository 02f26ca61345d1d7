"""Fast ways into the tables of :mod:`rigs.at.messages`, giving the answers a walk of each table gives.

A flood of short reports (+BLESCAN while scanning, +CWLAP lines, +MQTTSUBRECV of a busy topic: issue 23)
must not cost sixty regular expressions and two dozen header matches per line. Each function here narrows
a table to the entries that can match, in table order, so the first (or longest) match is unchanged; the
self-tests (tests/unit/test_codec_lookup.py) compare them with the plain walks on generated input.

* :func:`line_urc_candidates`: a pattern spelt ``\\+NAME`` followed by nothing, ``:`` or ``(?::`` only
  matches lines whose text up to the first ``:`` (or whole text) is ``+NAME``; a pattern starting with a
  letter, or with ``(?:(\\d+),)?`` and a letter, never matches a line starting with ``+``; every other
  pattern is tried on every line.
* :func:`framed_candidates`: every framed header starts with a literal that ends with its first ``:`` or
  ``,`` (checked when the table is indexed), so only the headers spelt like the bytes up to the first ``:``
  or ``,`` can match there.
* :func:`match_framed`: one regular expression per header for the common case, with the token walk of
  :func:`~rigs.at.messages.match_header` deciding whenever the expression fails near the buffer's end
  (where "not yet" and "no" differ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rigs.at.messages import (
    FRAMED_MESSAGES,
    LINE_URCS,
    FramedMessage,
    LineUrc,
    Match,
    Tok,
    match_header,
)

__all__ = ["FramedHeader", "framed_candidates", "framed_lookup", "line_urc_candidates", "match_framed"]

# --- one-line reports -----------------------------------------------------------------------------------

_PLUS_NAME = re.compile(r"\\\+([A-Z0-9_]+)(?=$|:|\(\?::)")
_NEVER_PLUS = re.compile(r"(?:\(\?:\(\\d\+\),\)\?)?[A-Za-z]")


def _urc_index(
    urcs: tuple[LineUrc, ...],
) -> tuple[dict[str, tuple[LineUrc, ...]], tuple[LineUrc, ...], tuple[LineUrc, ...]]:
    keyed: dict[str, list[int]] = {}
    plus_any: list[int] = []  # may match a "+" line whatever its name
    not_plus: list[int] = []  # may match a line that does not start with "+"
    for i, u in enumerate(urcs):
        m = _PLUS_NAME.match(u.pattern.pattern)
        if m is not None:
            keyed.setdefault("+" + m.group(1), []).append(i)
            continue
        not_plus.append(i)
        if _NEVER_PLUS.match(u.pattern.pattern) is None:
            plus_any.append(i)
    by_key = {k: tuple(urcs[i] for i in sorted(v + plus_any)) for k, v in keyed.items()}
    return by_key, tuple(urcs[i] for i in plus_any), tuple(urcs[i] for i in not_plus)


_URCS_BY_KEY, _URCS_PLUS_ANY, _URCS_NOT_PLUS = _urc_index(LINE_URCS)


def line_urc_candidates(text: str) -> tuple[LineUrc, ...]:
    """The entries of :data:`~rigs.at.messages.LINE_URCS` that may match the line ``text`` (no CR LF)."""
    if text[:1] != "+":
        return _URCS_NOT_PLUS
    colon = text.find(":")
    return _URCS_BY_KEY.get(text if colon < 0 else text[:colon], _URCS_PLUS_ANY)


# --- length-framed headers ------------------------------------------------------------------------------

#: Bytes a token may look at beyond its start before match_header can decide it (digits: 11 and the next
#: byte; quoted strings: the quotes, 128 characters and the next byte; bare IPv4: 15, one more, the next).
_LOOK = {Tok.INT: 12, Tok.OINT: 12, Tok.QSTR: 131, Tok.IP: 131}
_TOKEN_RE = {
    Tok.INT: rb"([0-9]{1,10})",
    Tok.OINT: rb"([0-9]{0,10})",
    Tok.QSTR: rb'"([^"\r\n]{0,128})"',
    Tok.IP: rb'(?:"([^"\r\n]{0,128})"|([0-9.]{1,15}))',
}


@dataclass(frozen=True, slots=True)
class FramedHeader:
    """A framed message with what :func:`match_framed` needs: its header as a regular expression (None
    where the tokens do not allow one), the group of each value, and the bytes after which
    match_header can no longer answer "not yet"."""

    spec: FramedMessage
    regex: re.Pattern[bytes] | None
    groups: tuple[tuple[int, ...], ...]
    decided_after: int
    #: whether a value may be a bare IPv4 address (two groups for one value)
    has_ip: bool
    #: header bytes -> their values, for the headers seen lately (cleared when full)
    memo: dict[bytes, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)


def _header(spec: FramedMessage) -> FramedHeader:
    parts: list[bytes] = []
    groups: list[tuple[int, ...]] = []
    group = 1
    ok = True
    for i, tok in enumerate(spec.tokens):
        if isinstance(tok, bytes):
            parts.append(re.escape(tok))
            continue
        # A value token must be followed by a literal that cannot continue it: the expression then takes
        # exactly the run match_header takes.
        nxt = spec.tokens[i + 1] if i + 1 < len(spec.tokens) else None
        if not isinstance(nxt, bytes) or not nxt or nxt[:1] in b"0123456789." or nxt[:1] == b'"':
            ok = False
        parts.append(_TOKEN_RE[tok])
        n = 2 if tok is Tok.IP else 1
        groups.append(tuple(range(group, group + n)))
        group += n
    decided = sum(len(t) if isinstance(t, bytes) else _LOOK[t] for t in spec.tokens) + 1
    regex = re.compile(b"".join(parts)) if ok else None
    return FramedHeader(spec, regex, tuple(groups), decided, Tok.IP in spec.tokens)


def _framed_index(specs: tuple[FramedMessage, ...]) -> dict[bytes, tuple[FramedHeader, ...]]:
    by_head: dict[bytes, list[FramedHeader]] = {}
    for spec in specs:
        head = spec.tokens[0]
        if (
            not isinstance(head, bytes)
            or head[-1:] not in (b":", b",")
            or b":" in head[:-1]
            or b"," in head[:-1]
        ):
            raise ValueError(f"{spec.kind}: a framed header must start with a literal ending in ':' or ','")
        by_head.setdefault(head, []).append(_header(spec))
    return {head: tuple(v) for head, v in by_head.items()}


_FRAMED_BY_HEAD = _framed_index(FRAMED_MESSAGES)
_HEAD_MAX = max(len(head) for head in _FRAMED_BY_HEAD)


def framed_lookup(buf: bytes | bytearray, pos: int) -> tuple[bytes, tuple[FramedHeader, ...]] | None:
    """The framed messages whose header may start at ``pos``, in table order, with the bytes that chose
    them (up to the first ":" or ","; empty when neither is in reach): any buffer starting with those bytes
    there gets the same answer. None while the bytes are a proper prefix of a header's first literal."""
    limit = pos + _HEAD_MAX
    end = buf.find(b":", pos, limit)
    comma = buf.find(b",", pos, limit if end < 0 else end)
    if comma >= 0:
        end = comma
    if end >= 0:
        head = bytes(buf[pos : end + 1])
        return head, _FRAMED_BY_HEAD.get(head, ())
    window = buf[pos:limit]
    if len(window) < _HEAD_MAX and any(head.startswith(window) for head in _FRAMED_BY_HEAD):
        return None
    return b"", ()


def framed_candidates(buf: bytes | bytearray, pos: int) -> tuple[FramedHeader, ...] | None:
    """The framed messages whose header may start at ``pos``, in table order; None while the bytes there
    are a proper prefix of a header's first literal (more bytes decide)."""
    found = framed_lookup(buf, pos)
    return None if found is None else found[1]


def match_framed(
    buf: bytes | bytearray, pos: int, h: FramedHeader
) -> tuple[Match, int, list[str] | tuple[str, ...]]:
    """:func:`~rigs.at.messages.match_header` of ``h``'s tokens at ``pos``, answered by the expression
    when it matches, or when it does not and the buffer holds enough bytes for the walk to say NO (the end
    and values of a NO mean nothing, as there). The values of a YES are a tuple, shared: not to be changed."""
    rx = h.regex
    if rx is not None:
        m = rx.match(buf, pos)
        if m is not None:
            memo = h.memo
            known = memo.get(key := m.group())
            if known is None:  # a flood repeats its headers ("+MQTTSUBRECV:0,"t",64,"): decoded once
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                known = memo[key] = _values(m, h)
            return Match.YES, m.end(), known
        if len(buf) - pos >= h.decided_after:
            return Match.NO, pos, []
    return match_header(buf, pos, h.spec.tokens)


_MEMO_MAX = 1024


def _values(m: re.Match[bytes], h: FramedHeader) -> tuple[str, ...]:
    if not h.has_ip:
        return tuple(v.decode("utf-8", "replace") for v in m.groups())
    values = []
    for g in h.groups:
        v = m.group(g[0])
        if v is not None:  # digits, a quoted string, a quoted address
            values.append(v.decode("utf-8", "replace"))
        else:  # a bare IPv4 address
            values.append(m.group(g[1]).decode("ascii"))
    return tuple(values)
