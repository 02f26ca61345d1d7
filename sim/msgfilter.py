"""System message filters (3.1 AT+SYSMSGFILTER / AT+SYSMSGFILTERCFG), sans-IO.

A filter is a head and a tail regular expression in POSIX basic syntax (BRE). A message (one write of the
firmware to the AT port) is filtered by the first filter whose head matches it (when the head is not empty)
and whose tail matches it (when the tail is not empty): the matched head and tail parts are removed and the
rest goes out. Messages are matched one by one, never joined with earlier ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: 3.1 AT+SYSMSGFILTERCFG: each expression is at most 64 bytes.
MAX_REGEXP_LEN = 64


class RegexError(ValueError):
    """An expression that is not valid POSIX basic syntax."""


def bre_to_python(bre: bytes) -> re.Pattern[bytes]:
    """Translate a POSIX basic regular expression to a Python bytes pattern.

    In BRE, ``+ ? | ( ) { }`` are ordinary characters and ``\\( \\) \\{ \\}`` group and repeat; ``*`` at the
    start of an expression (or after ``^`` or ``\\(``) is an ordinary character.
    """
    out = bytearray()
    i, n = 0, len(bre)
    at_start = True
    while i < n:
        c = bre[i : i + 1]
        if c == b"\\" and i + 1 < n:
            nxt = bre[i + 1 : i + 2]
            if nxt in (b"(", b")", b"{", b"}"):
                out += nxt
                at_start = nxt == b"("
            elif nxt.isdigit():
                out += b"\\" + nxt  # back-reference
                at_start = False
            else:
                out += re.escape(nxt)
                at_start = False
            i += 2
            continue
        if c in (b"+", b"?", b"|", b"(", b")", b"{", b"}"):
            out += b"\\" + c
        elif c == b"*" and at_start:
            out += b"\\*"
        elif c == b"[":
            j = bre.find(b"]", i + 2 if bre[i + 1 : i + 2] in (b"]", b"^") else i + 1)
            if j < 0:
                raise RegexError(f"unterminated bracket expression in {bre!r}")
            out += bre[i : j + 1].replace(b"\\", b"\\\\")
            i = j + 1
            at_start = False
            continue
        else:
            out += c
        at_start = c == b"^" and i == 0
        i += 1
    try:
        return re.compile(bytes(out), re.DOTALL)
    except re.error as e:
        raise RegexError(f"{bre!r}: {e}") from e


@dataclass
class Filter:
    head: bytes
    tail: bytes
    head_re: re.Pattern[bytes] | None = None
    tail_re: re.Pattern[bytes] | None = None

    @classmethod
    def build(cls, head: bytes, tail: bytes) -> Filter:
        if not head and not tail:
            raise RegexError("head and tail cannot both be empty")
        return cls(
            head,
            tail,
            bre_to_python(head) if head else None,
            bre_to_python(tail) if tail else None,
        )

    def apply(self, message: bytes) -> bytes | None:
        """The message with head and tail matches removed, or None when this filter does not match."""
        start, end = 0, len(message)
        if self.head_re is not None:
            m = self.head_re.search(message)
            if m is None:
                return None
            start = m.end()
        if self.tail_re is not None:
            m = None
            for cand in self.tail_re.finditer(message, start):
                m = cand
            if m is None:
                return None
            end = m.start()
        return message[start:end] if end >= start else b""


@dataclass
class MessageFilter:
    enabled: bool = False
    filters: list[Filter] = field(default_factory=list)

    def add(self, head: bytes, tail: bytes) -> None:
        self.filters.append(Filter.build(head, tail))

    def remove(self, head: bytes, tail: bytes) -> bool:
        for f in self.filters:
            if f.head == head and f.tail == tail:
                self.filters.remove(f)
                return True
        return False

    def clear(self) -> None:
        self.filters.clear()

    def apply(self, message: bytes) -> bytes:
        if not self.enabled:
            return message
        for f in self.filters:
            out = f.apply(message)
            if out is not None:
                return out
        return message
