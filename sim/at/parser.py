"""The AT command line: framing and parsing, sans-IO (3.15 "AT Command Types").

:class:`LineAssembler` turns the byte stream of the AT port into complete command lines; :func:`parse_command`
turns one line into a :class:`ParsedCommand` (name, form, parameter tokens) or raises :class:`AtError` with
the code the firmware would report.

Framing decisions (the guide says commands end with CR LF and are at most 256 bytes long):

- A line ends at LF. ``...\\r\\n`` is a command; a LF without the CR before it is answered with ERROR
  (ESP_AT_SUB_NO_TERMINATOR). A CR that is not followed by LF stays part of the line, so the line it is in
  fails to parse and gets ERROR; the next line is unaffected.
- A line whose text (without CR LF) is longer than :data:`MAX_LINE` is discarded up to its LF and answered
  with ERROR (ESP_AT_SUB_NO_TERMINATOR: no terminator inside the line buffer).
- An empty line (a bare CR LF) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from sim.at import errors
from sim.at.errors import AtError

#: Longest command text accepted, in bytes, without its CR LF (3.15: "no more than 256 bytes").
MAX_LINE = 256


class Form(Enum):
    """The four command forms of 3.15."""

    TEST = "test"  # AT+X=?
    QUERY = "query"  # AT+X?
    SET = "set"  # AT+X=<...>
    EXECUTE = "execute"  # AT+X


# --- framing -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandLine:
    """A complete line, CR LF removed, as raw bytes; ``raw`` is every byte of it including the terminator."""

    text: bytes
    raw: bytes


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line the framing rejects before parsing (over-long, or LF without CR)."""

    code: int
    reason: str
    raw: bytes


LineEvent = CommandLine | BadLine


@dataclass
class LineAssembler:
    """Feed bytes, get complete lines. Keeps at most ``MAX_LINE + 1`` bytes of a pending line."""

    max_line: int = MAX_LINE
    _buf: bytearray = field(default_factory=bytearray)
    _overflow: int = 0  # bytes dropped from the current over-long line

    def feed(self, data: bytes) -> list[LineEvent]:
        out: list[LineEvent] = []
        start = 0
        while start < len(data):
            nl = data.find(b"\n", start)
            if nl < 0:
                self._take(data[start:])
                break
            self._take(data[start:nl])
            out.append(self._finish())
            start = nl + 1
        return out

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def reset(self) -> None:
        self._buf.clear()
        self._overflow = 0

    def _take(self, chunk: bytes) -> None:
        room = self.max_line + 1 - len(self._buf)  # +1 for the CR that ends a full-length line
        if len(chunk) > room:
            self._buf += chunk[: max(room, 0)]
            self._overflow += len(chunk) - max(room, 0)
        else:
            self._buf += chunk

    def _finish(self) -> LineEvent:
        buf, overflow = bytes(self._buf), self._overflow
        self.reset()
        raw = buf + b"\n"
        if overflow or (len(buf) > self.max_line and not buf.endswith(b"\r")):
            return BadLine(errors.NO_TERMINATOR, f"line longer than {self.max_line} bytes", raw)
        if not buf.endswith(b"\r"):
            return BadLine(errors.NO_TERMINATOR, "LF without CR before it", raw)
        return CommandLine(buf[:-1], raw)


# --- parsing -----------------------------------------------------------------------------------------


class TokenKind(Enum):
    OMITTED = "omitted"  # nothing between two commas
    STRING = "string"  # "..." with escapes resolved
    BARE = "bare"  # unquoted: a number, normally


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    value: str = ""


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """One command line, parsed. ``name`` is as registered (``AT``, ``ATE``, ``AT+GMR``)."""

    name: str
    form: Form
    tokens: tuple[Token, ...] = ()
    text: str = ""


_NAME = re.compile(r"AT\+([A-Z0-9_]+)")


def decode_line(text: bytes) -> str:
    """Bytes of a line as str; bytes that are not UTF-8 survive as surrogates (see :func:`encode_arg`)."""
    return text.decode("utf-8", errors="surrogateescape")


def encode_arg(value: str) -> bytes:
    return value.encode("utf-8", errors="surrogateescape")


def parse_command(line: str) -> ParsedCommand:
    """Parse one command line (without CR LF). Raises AtError with the firmware's error code."""
    if not line.startswith("AT"):
        raise AtError(errors.NO_AT, f"line does not start with 'AT': {line[:20]!r}")
    if line == "AT":
        return ParsedCommand("AT", Form.EXECUTE, (), line)
    if line in ("ATE0", "ATE1"):
        return ParsedCommand("ATE", Form.EXECUTE, (Token(TokenKind.BARE, line[3]),), line)
    m = _NAME.match(line)
    if m is None:
        raise AtError(errors.UNSUPPORTED, f"not a command name: {line[:20]!r}")
    name = "AT+" + m.group(1)
    rest = line[m.end() :]
    if rest == "":
        return ParsedCommand(name, Form.EXECUTE, (), line)
    if rest == "?":
        return ParsedCommand(name, Form.QUERY, (), line)
    if rest == "=?":
        return ParsedCommand(name, Form.TEST, (), line)
    if rest.startswith("="):
        return ParsedCommand(name, Form.SET, split_params(rest[1:]), line)
    raise AtError(errors.UNSUPPORTED, f"unknown form {rest[:20]!r} after {name}")


def split_params(text: str) -> tuple[Token, ...]:
    """Split the parameter list of a set command into tokens (3.15: quoting and ``\\`` escapes)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while True:
        index = len(tokens)
        if i < n and text[i] == '"':
            value, i = _read_string(text, i + 1, index)
            tokens.append(Token(TokenKind.STRING, value))
            if i < n and text[i] != ",":
                raise AtError(errors.para_parse_fail(index), f"text after closing quote of parameter {index}")
        else:
            j = text.find(",", i)
            j = n if j < 0 else j
            bare = text[i:j]
            if '"' in bare:
                raise AtError(errors.para_parse_fail(index), f"stray quote in parameter {index}")
            tokens.append(Token(TokenKind.BARE, bare) if bare else Token(TokenKind.OMITTED))
            i = j
        if i >= n:
            return tuple(tokens)
        i += 1  # the comma


def _read_string(text: str, i: int, index: int) -> tuple[str, int]:
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                break
            out.append(text[i + 1])  # \, \" \\ and \<any> all keep the escaped character
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise AtError(errors.para_parse_fail(index), f"string parameter {index} has no closing quote")
