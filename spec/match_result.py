"""What the matcher hands back: a :class:`Match` with the captured values, or a :class:`MatchError`.

Kept apart from the matching algorithm (spec/matcher.py) so that suites and reports can use the result
types without reading the search code; spec.matcher re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spec.params import Value
from spec.template import Template

__all__ = ["Capture", "LineMatch", "Match", "MatchError"]


@dataclass(frozen=True)
class Capture:
    """One placeholder's value: ``line`` is 1-based in the response, ``column`` 0-based in that line.

    ``value`` is None (and ``text`` empty) when the optional part holding the placeholder was left out.
    """

    name: str
    text: str
    value: Value | None
    label: str | None
    line: int
    column: int


@dataclass(frozen=True)
class LineMatch:
    number: int  # 1-based line in the response
    text: str
    template_line: int  # TemplateLine.index of the template line it matched
    captures: tuple[Capture, ...]

    @property
    def values(self) -> dict[str, Value | None]:
        """Value per parameter name (the first one, when a name occurs more than once in the line)."""
        out: dict[str, Value | None] = {}
        for cap in self.captures:
            out.setdefault(cap.name, cap.value)
        return out

    def all(self, name: str) -> list[Value | None]:
        return [cap.value for cap in self.captures if cap.name == name]


@dataclass(frozen=True)
class Match:
    """A successful match: the matched lines and everything captured."""

    template: Template
    alternative: int
    lines: tuple[LineMatch, ...]

    @property
    def captures(self) -> list[Capture]:
        return [cap for line in self.lines for cap in line.captures]

    def all(self, name: str) -> list[Value | None]:
        """Every value captured for ``name``, in response order (None where an optional part was left out)."""
        return [cap.value for cap in self.captures if cap.name == name]

    def __getitem__(self, name: str) -> Value | None:
        found = self.all(name)
        if len(found) != 1:
            raise KeyError(
                f"<{name}> was captured {len(found)} times; use .all() or .rows() for repeated values"
            )
        return found[0]

    def get(self, name: str, default: Value | None = None) -> Value | None:
        """The first value of ``name`` that is there, or ``default``."""
        found = [v for v in self.all(name) if v is not None]
        return found[0] if found else default

    @property
    def values(self) -> dict[str, Value | None]:
        """Values of the parameters captured exactly once (None: its optional part was left out)."""
        counts: dict[str, list[Value | None]] = {}
        for cap in self.captures:
            counts.setdefault(cap.name, []).append(cap.value)
        return {name: vals[0] for name, vals in counts.items() if len(vals) == 1}

    def rows(self, line: int | str) -> list[dict[str, Value | None]]:
        """The values of each response line matched by one template line (e.g. one row per AP of AT+CWLAP).

        ``line`` is the template line's index, or a prefix of its text such as ``"+CWLAP:"``.
        """
        index = self._line_index(line)
        return [lm.values for lm in self.lines if lm.template_line == index]

    def _line_index(self, line: int | str) -> int:
        tlines = self.template.alternatives[self.alternative]
        if isinstance(line, int):
            return line
        for tl in tlines:
            if tl.text.startswith(line) or tl.text.lstrip("[").startswith(line):
                return tl.index
        raise KeyError(f"no template line starts with {line!r}")


class MatchError(AssertionError):
    """A response that does not match its template.

    An AssertionError, so that a suite reports a non-conforming response as a test failure. ``line`` and
    ``column`` are 1-based positions in the response (``line`` = len(response) + 1 for a missing line).
    """

    def __init__(
        self,
        rule: str,
        detail: str,
        line: int,
        column: int,
        expected: str,
        actual: str | None,
        response: Sequence[str],
        note: str = "",
    ) -> None:
        self.rule = rule
        self.detail = detail
        self.line = line
        self.column = column
        self.expected = expected
        self.actual = actual
        self.response = list(response)
        shown = "<no line>" if actual is None else repr(actual)[1:-1]
        caret_at = len(repr((actual or "")[: column - 1])) - 2 if actual is not None else 0
        text = (
            f"response line {line}, column {column}: {rule}: {detail}{note}\n"
            f"  expected: {expected}\n"
            f"  actual:   {shown}\n"
            f"            {' ' * caret_at}^"
        )
        super().__init__(text)
        self._note = note

    def __reduce__(self) -> tuple[type[MatchError], tuple[object, ...]]:
        # Keep the fields through pickling (xdist workers, multiprocessing).
        fields = (self.rule, self.detail, self.line, self.column, self.expected, self.actual, self.response)
        return (type(self), (*fields, self._note))
