"""Typed access to a set command's parameters, raising the error code the firmware reports (3.1 AT+SYSLOG).

Parameter indexes count from 0 (as the firmware's ``esp_at_get_para_as_*`` do) and are what the error code's
extension carries:

========================================  =====================================================
what went wrong                           error code
========================================  =====================================================
too few / too many parameters             ``PARA_NUM_MISMATCH``, extension ``expected<<8 | given``
a string where a number belongs, or a     ``PARA_TYPE_MISMATCH``, extension = index
number where a string belongs
a mandatory parameter omitted (``,,``)    ``PARA_INVALID``, extension = index
a number out of range / not in the set    ``PARA_INVALID``, extension = index
a string longer (or shorter) than allowed ``PARA_LENGTH_MISMATCH``, extension = index
========================================  =====================================================
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Collection
from typing import Final

from sim.at import errors
from sim.at.errors import AtError
from sim.at.parser import Token, TokenKind, encode_arg


class _Missing:
    pass


MISSING: Final = _Missing()

_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)")


def parse_int_literal(text: str) -> int | None:
    """A decimal or ``0x`` hexadecimal integer (the guide writes sizes like ``0x1C000``), else None."""
    if not _INT.fullmatch(text):
        return None
    return int(text, 0) if not re.fullmatch(r"[+-]?0[0-9]+", text) else int(text, 10)


class Args:
    """The parameters of a set command. ``len(args)`` counts omitted ones too (``1,,3`` has three)."""

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = tokens

    def __len__(self) -> int:
        return len(self.tokens)

    def count(self, minimum: int, maximum: int | None = None) -> int:
        """Check the number of parameters; returns it. Raises PARA_NUM_MISMATCH(expected, given)."""
        n = len(self.tokens)
        maximum = minimum if maximum is None else maximum
        if n < minimum:
            raise AtError(errors.para_num(minimum, n), f"expected at least {minimum} parameters, got {n}")
        if n > maximum:
            raise AtError(errors.para_num(maximum, n), f"expected at most {maximum} parameters, got {n}")
        return n

    def omitted(self, i: int) -> bool:
        """True when parameter i is absent or left empty between commas."""
        return i >= len(self.tokens) or self.tokens[i].kind is TokenKind.OMITTED

    def is_string(self, i: int) -> bool:
        return i < len(self.tokens) and self.tokens[i].kind is TokenKind.STRING

    def raw(self, i: int) -> Token:
        return self.tokens[i] if i < len(self.tokens) else Token(TokenKind.OMITTED)

    def int(
        self,
        i: int,
        lo: int | None = None,
        hi: int | None = None,
        *,
        choices: Collection[int] | None = None,
        default: int | _Missing = MISSING,
    ) -> int:
        """Parameter i as an integer within [lo, hi] and/or in ``choices``; ``default`` when omitted."""
        if self.omitted(i):
            if isinstance(default, _Missing):
                raise AtError(errors.para_invalid(i), f"parameter {i} is mandatory")
            return default
        tok = self.tokens[i]
        if tok.kind is TokenKind.STRING:
            raise AtError(errors.para_type(i), f"parameter {i}: expected a number, got string {tok.value!r}")
        value = parse_int_literal(tok.value)
        if value is None:
            raise AtError(errors.para_type(i), f"parameter {i}: expected a number, got {tok.value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise AtError(errors.para_invalid(i), f"parameter {i}: {value} outside [{lo},{hi}]")
        if choices is not None and value not in choices:
            raise AtError(errors.para_invalid(i), f"parameter {i}: {value} not one of {sorted(choices)}")
        return value

    def str(
        self,
        i: builtins.int,
        *,
        max_len: builtins.int | None = None,
        min_len: builtins.int = 0,
        choices: Collection[str] | None = None,
        default: str | _Missing = MISSING,
    ) -> str:
        """Parameter i as a quoted string, escapes resolved; length counted in bytes as the firmware does."""
        if self.omitted(i):
            if isinstance(default, _Missing):
                raise AtError(errors.para_invalid(i), f"parameter {i} is mandatory")
            return default
        tok = self.tokens[i]
        if tok.kind is not TokenKind.STRING:
            raise AtError(errors.para_type(i), f"parameter {i}: expected a quoted string, got {tok.value!r}")
        size = len(encode_arg(tok.value))
        if (max_len is not None and size > max_len) or size < min_len:
            raise AtError(
                errors.para_length(i), f"parameter {i}: length {size} outside [{min_len},{max_len}]"
            )
        if choices is not None and tok.value not in choices:
            raise AtError(
                errors.para_invalid(i), f"parameter {i}: {tok.value!r} not one of {sorted(choices)}"
            )
        return tok.value
