"""Parameters of AT commands and responses: their types, ranges and enumerations, as the guide states them.

A :class:`ParamSpec` describes one ``<param>`` or ``<"param">`` of a command's parameter list (the
"Parameters" section under each command in chapter 3 of the guide). It serialises to and from plain
YAML-friendly dicts (``ParamSpec.model_validate(d)`` / ``spec.to_yaml_dict()``), and checks a value as it
appears on the wire with :meth:`ParamSpec.validate`.

Quoted strings (3.1, "AT Command Types"): in a command a string parameter is written in double quotes,
and ``\\,``, ``\\"`` and ``\\\\`` (in general ``\\<any>``) escape the following character. In a response the
firmware prints strings as they are, without escapes, so :meth:`ParamSpec.validate` takes ``escaped=False``
by default and ``escaped=True`` for text written in command syntax.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

__all__ = [
    "ParamError",
    "ParamSpec",
    "ParamType",
    "Range",
    "ValidationResult",
    "Value",
    "escape",
    "lexical_pattern",
    "unescape",
]

Value = int | float | str


class ParamType(StrEnum):
    """The kinds of value the guide's parameter lists use."""

    INT = "int"  # signed decimal integer: "<channel>", "<rssi>", "<link ID>"
    STR = "str"  # text, normally quoted: <"ssid">, <"pwd">
    HEX = "hex"  # hexadecimal, 0x-prefixed or bare digits: "<print mask>" default 0x7FF, error codes
    IP = "ip"  # IPv4 dotted quad: <"ip">, <"gateway">
    IPV6 = "ipv6"  # IPv6 address: <"ipv6 addr">
    MAC = "mac"  # xx:xx:xx:xx:xx:xx: <"mac">, <"bssid">
    FLOAT = "float"  # decimal fraction: AT+SYSTEMP's "<value>" (two decimal places)
    BOOL = "bool"  # a 0/1 switch, kept as the int 0 or 1: "<enable>"
    BYTES = "bytes"  # opaque data: any characters, length counted in bytes


class ParamError(ValueError):
    """A value that does not satisfy its :class:`ParamSpec`.

    ``rule`` is a short name of the failed check (``"missing quote"``, ``"not an int"``, ``"out of range"``,
    ``"not in enum"``, ``"too long"``, ...); ``offset`` is the index in ``text`` where the problem is seen,
    so that callers can point a caret at it.
    """

    def __init__(self, param: str, text: str, rule: str, detail: str, offset: int = 0) -> None:
        self.param = param
        self.text = text
        self.rule = rule
        self.detail = detail
        self.offset = offset
        super().__init__(f"<{param}> = {text!r}: {rule}: {detail}")

    def __reduce__(self) -> tuple[type[ParamError], tuple[str, str, str, str, int]]:
        # Keep the fields through pickling (xdist workers, multiprocessing).
        return (type(self), (self.param, self.text, self.rule, self.detail, self.offset))


@dataclass(frozen=True)
class ValidationResult:
    """A value that passed its checks: the wire text and the value it stands for.

    ``value`` is an ``int`` for int/hex/bool, a ``float`` for float, and a ``str`` otherwise (strings with
    quotes removed and, when the text was in command syntax, escapes resolved).
    """

    param: str
    text: str
    value: Value
    label: str | None = None  # the enum label of the value, when the guide names it


class Range(BaseModel):
    """An inclusive interval, as the guide writes "Range: [1,14]"."""

    model_config = ConfigDict(frozen=True)

    min: int | float
    max: int | float

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            if len(data) != 2:
                raise ValueError(f"a range is [min, max], got {data!r}")
            return {"min": data[0], "max": data[1]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"range [{self.min},{self.max}] has min > max")
        return self

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.min <= value <= self.max

    def __str__(self) -> str:
        return f"[{self.min},{self.max}]"


# Lexical shapes on the wire, without quotes. They decide where an unquoted value can end when a template
# is matched; the semantic checks (range, enum, length) are made afterwards by ParamSpec.validate.
_INT = r"-?[0-9]+"
_HEX = r"(?:0[xX])?[0-9a-fA-F]+"
_FLOAT = r"-?[0-9]+(?:\.[0-9]+)?"
_IPV4 = r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}"
_IPV6 = r"[0-9a-fA-F:.]*:[0-9a-fA-F:.%a-zA-Z0-9]*"
_MAC = r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}"
_ANY = r".*"

_LEXICAL: dict[ParamType, str] = {
    ParamType.INT: _INT,
    ParamType.BOOL: _INT,
    ParamType.HEX: _HEX,
    ParamType.FLOAT: _FLOAT,
    ParamType.IP: _IPV4,
    ParamType.IPV6: _IPV6,
    ParamType.MAC: _MAC,
    ParamType.STR: _ANY,
    ParamType.BYTES: _ANY,
}


def lexical_pattern(ptype: ParamType) -> str:
    """The regular expression (no anchors, no quotes) that a value of ``ptype`` has on the wire."""
    return _LEXICAL[ptype]


def unescape(text: str) -> str:
    """Resolve the escapes of a quoted string in command syntax (3.1): ``\\<any>`` stands for ``<any>``.

    Raises ValueError on a trailing lone backslash, which escapes nothing.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                raise ValueError(f"lone backslash at offset {i} escapes nothing")
            out.append(text[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def escape(text: str) -> str:
    """Write ``text`` for a quoted string parameter of a command (3.1): escape ``\\``, ``,`` and ``"``."""
    return re.sub(r'([\\,"])', r"\\\1", text)


def _unescaped_quote(body: str) -> int | None:
    """Index of the first double quote in ``body`` not preceded by an escaping backslash, if any."""
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == '"':
            return i
        i += 1
    return None


class ParamSpec(BaseModel):
    """One parameter of a command as the guide describes it (chapter 3, "Parameters" of each command).

    ``range`` holds one or more inclusive intervals (YAML: ``[0, 2]`` or ``[[-12, 14], [-1200, 1400]]``);
    ``enum`` maps each named value to its short label (YAML: ``{0: "null", 1: "station"}``). When both are
    given a value is valid if it is named in ``enum`` or lies in a range, which is how the guide states
    e.g. ``<reconn_interval>``: "0: no reconnection; [1,7200]: interval". ``bits`` labels the bits of a mask
    such as AT+CWLAPOPT's ``<print mask>``; a mask value must not set bits outside them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: ParamType = ParamType.INT
    quoted: bool = False
    range: tuple[Range, ...] = ()
    enum: dict[int | str, str] = Field(default_factory=dict)
    bits: dict[int, str] = Field(default_factory=dict)
    min_len: int | None = None
    max_len: int | None = None
    decimals: int | None = None  # float: exact number of digits after the point, when the guide fixes it
    hex_prefix: bool | None = None  # hex: True = "0x" required, False = bare digits, None = either
    default: Value | None = None
    optional: bool = False
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _int_enum_keys(cls, data: Any) -> Any:
        # YAML and JSON may hand enum keys over as strings ("0": ...) where int-like parameters want ints,
        # and YAML reads the keys 1 or true of a string parameter as an int or a bool.
        if isinstance(data, dict) and isinstance(data.get("enum"), dict):
            int_like = str(data.get("type", "int")) in ("int", "hex", "bool")
            enum: dict[Any, Any] = {}
            for key, label in data["enum"].items():
                if int_like and isinstance(key, str) and re.fullmatch(_INT, key.strip()):
                    key = int(key)
                elif not int_like and isinstance(key, bool):
                    key = "true" if key else "false"
                elif not int_like and isinstance(key, int | float):
                    key = str(key)
                enum[key] = label
            data = {**data, "enum": enum}
        return data

    @field_validator("range", mode="before")
    @classmethod
    def _one_or_many_ranges(cls, data: Any) -> Any:
        if data is None:
            return ()
        if (
            isinstance(data, list | tuple)
            and len(data) == 2
            and all(isinstance(x, int | float) for x in data)
        ):
            return (data,)
        if isinstance(data, dict | Range):
            return (data,)
        return data

    @field_serializer("range")
    def _ranges_out(self, ranges: tuple[Range, ...]) -> Any:
        pairs = [[r.min, r.max] for r in ranges]
        return pairs[0] if len(pairs) == 1 else pairs

    @model_validator(mode="after")
    def _consistent(self) -> ParamSpec:
        numeric = self.type in (ParamType.INT, ParamType.HEX, ParamType.BOOL, ParamType.FLOAT)
        if self.range and not numeric:
            raise ValueError(f"<{self.name}>: range given for a {self.type} parameter")
        if self.bits and self.type not in (ParamType.INT, ParamType.HEX):
            raise ValueError(f"<{self.name}>: bits given for a {self.type} parameter")
        if self.type in (ParamType.INT, ParamType.HEX, ParamType.BOOL):
            bad = [k for k in self.enum if not isinstance(k, int)]
            if bad:
                raise ValueError(f"<{self.name}>: enum keys of an {self.type} parameter must be ints: {bad}")
        if self.type is ParamType.BOOL and self.enum and set(self.enum) - {0, 1}:
            raise ValueError(f"<{self.name}>: a bool parameter only takes 0 and 1")
        if self.min_len is not None and self.max_len is not None and self.min_len > self.max_len:
            raise ValueError(f"<{self.name}>: min_len {self.min_len} > max_len {self.max_len}")
        return self

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain dict for YAML: only the fields that differ from their defaults, enums as plain strings."""
        out = self.model_dump(mode="python", exclude_defaults=True)
        if "type" in out:
            out["type"] = str(out["type"])
        if not self.range:
            out.pop("range", None)
        return {"name": self.name} | out

    @property
    def placeholder(self) -> str:
        """The placeholder as the guide writes it: ``<mode>`` or ``<"ssid">``."""
        return f'<"{self.name}">' if self.quoted else f"<{self.name}>"

    def describe(self) -> str:
        """A short human description of what the parameter accepts, for error messages."""
        parts = [str(self.type)]
        if self.enum:
            parts.append("one of " + ", ".join(f"{k} ({v})" if v else str(k) for k, v in self.enum.items()))
        if self.range:
            parts.append("in " + " or ".join(str(r) for r in self.range))
        if self.bits:
            parts.append(f"mask of bits {sorted(self.bits)}")
        if self.max_len is not None or self.min_len is not None:
            parts.append(f"length {self.min_len or 0}..{self.max_len if self.max_len is not None else '*'}")
        return ", ".join(parts)

    def lexical_pattern(self) -> str:
        """The regular expression of the value's text without its quotes."""
        return lexical_pattern(self.type)

    def validate(self, text: str, *, escaped: bool = False) -> ValidationResult:  # type: ignore[override]
        """Check a value as it appears on the wire and return what it stands for.

        ``text`` carries its double quotes when ``quoted`` is set (a missing quote is an error), and none
        otherwise. With ``escaped=True`` the text is in command syntax and its escapes are resolved before
        checking lengths; a bare ``"`` inside it is then an error. Raises :class:`ParamError`.
        """
        body, body_at = text, 0
        if self.quoted:
            if not text.startswith('"'):
                raise self._error(text, "missing quote", "expected an opening double quote", 0)
            if len(text) < 2 or not text.endswith('"'):
                raise self._error(text, "missing quote", "expected a closing double quote", len(text))
            body, body_at = text[1:-1], 1
        elif text.startswith('"') and self.type not in (ParamType.STR, ParamType.BYTES):
            raise self._error(text, "unexpected quote", "this parameter is written without quotes", 0)
        if escaped and self.quoted:
            stray = _unescaped_quote(body)
            if stray is not None:
                raise self._error(
                    text, "unescaped quote", 'a " inside a string must be written \\"', body_at + stray
                )
            try:
                body = unescape(body)
            except ValueError as exc:
                raise self._error(text, "bad escape", str(exc), len(text) - 1) from None
        value = self._parse(text, body, body_at)
        self._check_constraints(text, value, body, body_at)
        label = self.enum.get(value) if isinstance(value, int | str) else None
        return ValidationResult(self.name, text, value, label)

    def _error(self, text: str, rule: str, detail: str, offset: int) -> ParamError:
        return ParamError(self.name, text, rule, detail, offset)

    def _parse(self, text: str, body: str, at: int) -> Value:
        t = self.type
        if t in (ParamType.STR, ParamType.BYTES):
            return body
        if not re.fullmatch(lexical_pattern(t), body):
            raise self._error(text, f"not {_ARTICLE[t]}", f"expected {_SHAPE[t]}", at + _first_bad(t, body))
        if t in (ParamType.INT, ParamType.BOOL):
            return int(body)
        if t is ParamType.HEX:
            has_prefix = body[:2] in ("0x", "0X")
            if self.hex_prefix is True and not has_prefix:
                raise self._error(text, "not hex", "expected a 0x prefix", at)
            if self.hex_prefix is False and has_prefix:
                raise self._error(text, "not hex", "expected bare hex digits without 0x", at)
            return int(body, 16)
        if t is ParamType.FLOAT:
            if self.decimals is not None:
                got = len(body.partition(".")[2])
                if got != self.decimals:
                    raise self._error(
                        text,
                        "wrong precision",
                        f"expected {self.decimals} decimals, got {got}",
                        at + len(body),
                    )
            return float(body)
        if t is ParamType.IP:
            try:
                ipaddress.IPv4Address(body)
            except ValueError as exc:
                raise self._error(text, "not an IPv4 address", str(exc), at) from None
            return body
        if t is ParamType.IPV6:
            try:
                ipaddress.IPv6Address(body)
            except ValueError as exc:
                raise self._error(text, "not an IPv6 address", str(exc), at) from None
            return body
        return body  # MAC: the lexical pattern is the whole check

    def _check_constraints(self, text: str, value: Value, body: str, at: int) -> None:
        if isinstance(value, str):
            size = len(value.encode("utf-8"))
            if self.max_len is not None and size > self.max_len:
                raise self._error(
                    text, "too long", f"{size} bytes, at most {self.max_len}", at + self.max_len
                )
            if self.min_len is not None and size < self.min_len:
                raise self._error(text, "too short", f"{size} bytes, at least {self.min_len}", at)
            if self.enum and self.type in (ParamType.STR, ParamType.BYTES) and value not in self.enum:
                raise self._error(text, "not in enum", f"expected one of {list(self.enum)}", at)
            return
        if isinstance(value, float) and not math.isfinite(value):
            raise self._error(text, "out of range", "not a finite number", at)
        if self.type is ParamType.BOOL and not self.enum and value not in (0, 1):
            raise self._error(text, "out of range", "expected 0 or 1", at)
        if self.bits and isinstance(value, int):
            allowed = sum(1 << b for b in self.bits)
            if value < 0 or value & ~allowed:
                raise self._error(
                    text, "out of range", f"sets bits outside {sorted(self.bits)} (mask {allowed:#x})", at
                )
        in_enum = value in self.enum
        in_range = any(value in r for r in self.range)
        if self.enum and self.range:
            if not (in_enum or in_range):
                raise self._error(
                    text,
                    "out of range",
                    f"expected one of {list(self.enum)} or a value in {self._ranges()}",
                    at,
                )
        elif self.enum and not in_enum:
            raise self._error(text, "not in enum", f"expected one of {list(self.enum)}", at)
        elif self.range and not in_range:
            raise self._error(text, "out of range", f"expected a value in {self._ranges()}", at)

    def _ranges(self) -> str:
        return " or ".join(str(r) for r in self.range)


_ARTICLE = {
    ParamType.INT: "an int",
    ParamType.BOOL: "an int",
    ParamType.HEX: "hex",
    ParamType.FLOAT: "a number",
    ParamType.IP: "an IPv4 address",
    ParamType.IPV6: "an IPv6 address",
    ParamType.MAC: "a MAC address",
}
_SHAPE = {
    ParamType.INT: "a decimal integer",
    ParamType.BOOL: "0 or 1",
    ParamType.HEX: "hex digits, optionally after 0x",
    ParamType.FLOAT: "a decimal number",
    ParamType.IP: "a dotted IPv4 address (a.b.c.d)",
    ParamType.IPV6: "an IPv6 address",
    ParamType.MAC: "a MAC address xx:xx:xx:xx:xx:xx",
}


# Patterns that every prefix of a valid value matches: the first character where they stop matching is
# where a value goes wrong (a truncated value goes wrong at its end).
_PREFIX: dict[ParamType, re.Pattern[str]] = {
    ParamType.INT: re.compile(r"-?[0-9]*"),
    ParamType.BOOL: re.compile(r"-?[0-9]*"),
    ParamType.HEX: re.compile(r"(?:0[xX]?)?[0-9a-fA-F]*"),
    ParamType.FLOAT: re.compile(r"-?[0-9]*(?:\.[0-9]*)?"),
    ParamType.IP: re.compile(r"[0-9.]*"),
    ParamType.IPV6: re.compile(r"[0-9a-fA-F:.%]*"),
    ParamType.MAC: re.compile(r"[0-9a-fA-F:]*"),
}


def _first_bad(ptype: ParamType, body: str) -> int:
    """Offset of the first character of ``body`` that no valid ``ptype`` value could have there."""
    m = _PREFIX[ptype].match(body)
    return m.end() if m else 0
