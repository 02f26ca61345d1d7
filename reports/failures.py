"""The expected and actual lines of a failure message, and its headline.

A response that does not match its template fails with spec.matcher's MatchError, whose text carries
``expected: <template line>`` and ``actual: <response line>`` (spec/match_result.py); suite helpers word
their own checks alike. An AT session error (rigs/at/errors.py) ends with the transcript's last chunks,
which the headline leaves out.
"""

from __future__ import annotations

import re

_EXPECTED = re.compile(r"^\s*expected:\s?(.*)$", re.MULTILINE)
_ACTUAL = re.compile(r"^\s*actual:\s*(.*)$", re.MULTILINE)
#: where rigs.at.errors.AtError starts quoting the transcript
_TAIL = re.compile(r"^last \d+ chunks of the transcript")


def expected_actual(message: str) -> tuple[list[str], list[str]]:
    """The ``expected:`` and ``actual:`` lines of ``message``, in order (empty when it has none)."""
    return [m.rstrip() for m in _EXPECTED.findall(message)], [m.rstrip() for m in _ACTUAL.findall(message)]


def headline(message: str, max_lines: int = 3) -> str:
    """The message up to its expected/actual lines or transcript tail, at most ``max_lines`` lines."""
    lines: list[str] = []
    for line in message.strip().splitlines():
        if _EXPECTED.match(line) or _TAIL.match(line) or len(lines) == max_lines:
            break
        lines.append(line.rstrip())
    return "\n".join(lines)[:500]
