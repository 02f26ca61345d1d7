"""The one matcher that checks a board's response against a template of the guide.

``match(template, lines)`` takes the response as lines (without CR LF) and matches them exactly: literal
text, quoting, separators, order and blank lines. Each placeholder's text is checked by its ParamSpec
(type, range, enumeration, length). On success it returns a :class:`Match` with the captured values; on
failure it raises :class:`MatchError` naming the response line, the column of the first difference, the
rule that failed, and the expected template line above the actual one with a caret under the column.

The matcher works on sets of reachable positions with memoisation (per template node and text offset, and
per template line and response line), so its cost is polynomial in the line length whatever the template;
no exponential backtracking. When several parses reach the end it keeps the first in a fixed preference
order (strings as short as possible, optional parts present before absent, more repetitions before
fewer), so results are deterministic. The notation and these decisions are described in spec/TEMPLATES.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from spec.match_result import Capture, LineMatch, Match, MatchError
from spec.params import ParamError, ParamType
from spec.template import (
    Alternatives,
    Literal,
    Node,
    Optional,
    Placeholder,
    Repeat,
    Template,
    TemplateLine,
    placeholders,
)

__all__ = ["BlankLines", "Capture", "LineMatch", "Match", "MatchError", "MatchOptions", "match"]


class BlankLines(StrEnum):
    """How blank lines are compared. The guide is not consistent about the empty line before ``OK``."""

    STRICT = "strict"  # a blank template line needs exactly one empty response line, and vice versa
    IGNORE = "ignore"  # blank lines are dropped from both sides before matching


@dataclass(frozen=True)
class MatchOptions:
    blank_lines: BlankLines = BlankLines.STRICT
    # Quoted values in the response are in command syntax (3.1 escapes \, \" \\). Responses of ESP-AT
    # print strings raw, so this is off by default.
    escaped: bool = False


@dataclass(order=True)
class _Failure:
    line: int  # 1-based response line
    column: int  # 0-based
    rank: int  # at the same position, a more specific rule wins: value checks > shape > literal
    rule: str = field(compare=False)
    detail: str = field(compare=False)
    expected: str = field(compare=False)
    actual: str | None = field(compare=False)
    # Other expectations that failed at the same place with the same rank ("expected 'OK'; or 'ERROR'").
    others: list[str] = field(default_factory=list, compare=False)

    @property
    def message(self) -> str:
        shown = [self.detail] + [o for o in self.others if o != self.detail][:3]
        return "; or ".join(dict.fromkeys(shown))


_RANK_STRUCTURE, _RANK_SHAPE, _RANK_VALUE = 0, 1, 2
_MUNCH = {ParamType.INT, ParamType.BOOL, ParamType.HEX, ParamType.FLOAT, ParamType.IP, ParamType.MAC}


class _Failures:
    def __init__(self) -> None:
        self.best: _Failure | None = None

    def add(self, failure: _Failure) -> None:
        if self.best is None or failure > self.best:
            self.best = failure
        elif failure == self.best and failure.rule == self.best.rule:
            self.best.others.append(failure.detail)


class _LineMatcher:
    """Matches one response line against one template line's nodes."""

    def __init__(
        self,
        tline: TemplateLine,
        number: int,
        text: str,
        options: MatchOptions,
        fails: _Failures,
        natural: bool = False,
    ):
        self.natural = natural
        self.tline = tline
        self.number = number
        self.text = text
        self.options = options
        self.fails = fails
        self.memo: dict[tuple[int, int, int], dict[int, tuple[Capture, ...]]] = {}

    def run(self) -> tuple[Capture, ...] | None:
        ends = self.seq(self.tline.nodes, 0, 0)
        if len(self.text) in ends:
            return ends[len(self.text)]
        for end in ends:
            self.fail(
                end, _RANK_STRUCTURE, "extra text", f"expected the end of the line, got {self.text[end:]!r}"
            )
        return None

    def fail(self, pos: int, rank: int, rule: str, detail: str) -> None:
        if self.text == "" and rank == _RANK_STRUCTURE:
            rule, detail = "unexpected blank line", "expected a line with text, got an empty line"
        self.fails.add(_Failure(self.number, pos, rank, rule, detail, self.tline.text, self.text))

    def seq(self, nodes: tuple[Node, ...], i: int, pos: int) -> dict[int, tuple[Capture, ...]]:
        key = (id(nodes), i, pos)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        result: dict[int, tuple[Capture, ...]] = {}
        if i == len(nodes):
            result[pos] = ()
        else:
            node = nodes[i]
            if isinstance(node, Placeholder):
                follow = _follow(nodes, i, top=nodes is self.tline.nodes)
                found = self.placeholder(node, pos, follow)
            else:
                found = self.node(node, pos)
            for mid, caps in found.items():
                for end, rest in self.seq(nodes, i + 1, mid).items():
                    result.setdefault(end, caps + rest)
        self.memo[key] = result
        return result

    def node(self, node: Node, pos: int) -> dict[int, tuple[Capture, ...]]:
        if isinstance(node, Literal):
            return self.literal(node, pos)
        if isinstance(node, Placeholder):
            return self.placeholder(node, pos)
        if isinstance(node, Optional):
            result = dict(self.seq(node.body, 0, pos))
            # Left out: each value in it is captured as None, so the values of per-link fields keep their
            # positions (3.3.36 "+CIPRECVLEN:100,,,,," gives [100, None, None, None, None, None]).
            absent = tuple(Capture(p.name, "", None, None, self.number, pos) for p in placeholders(node.body))
            result.setdefault(pos, absent)
            return result
        if isinstance(node, Alternatives):
            result = {}
            for option in node.options:
                for end, caps in self.seq(option, 0, pos).items():
                    result.setdefault(end, caps)
            return result
        return self.repeat(node, pos)

    def repeat(self, node: Repeat, pos: int) -> dict[int, tuple[Capture, ...]]:
        reached: dict[int, tuple[Capture, ...]] = {pos: ()}
        frontier = [pos]
        while frontier:
            nxt = []
            for start in frontier:
                for end, caps in self.seq(node.body, 0, start).items():
                    if end not in reached:  # a body matching nothing cannot loop forever
                        reached[end] = reached[start] + caps
                        nxt.append(end)
            frontier = nxt
        # Prefer more repetitions: later-reached ends are further along.
        return dict(sorted(reached.items(), key=lambda kv: -kv[0]))

    def literal(self, node: Literal, pos: int) -> dict[int, tuple[Capture, ...]]:
        if self.text.startswith(node.text, pos):
            return {pos + len(node.text): ()}
        same = 0
        while pos + same < len(self.text) and self.text[pos + same] == node.text[same]:
            same += 1
        at = pos + same
        if at >= len(self.text):
            self.fail(at, _RANK_STRUCTURE, "truncated line", f"expected {node.text[same:]!r}, the line ends")
        else:
            got = self.text[at : at + max(1, len(node.text) - same)]
            rule = "missing quote" if node.text[same] == '"' else "literal mismatch"
            self.fail(at, _RANK_STRUCTURE, rule, f"expected {node.text[same:]!r}, got {got!r}")
        return {}

    def placeholder(
        self, node: Placeholder, pos: int, follow: str | None = None
    ) -> dict[int, tuple[Capture, ...]]:
        """Candidate ends of a value at ``pos``, each checked by its spec.

        ``follow`` is what must come right after the value when the template fixes it (a literal, or
        ``""`` for the end of the line): an unquoted string can then only end where that text starts,
        which keeps long free-text values (payloads) linear to match.
        """
        spec, text = node.spec, self.text
        shown = spec.placeholder
        if pos >= len(text) and (spec.quoted or spec.type not in (ParamType.STR, ParamType.BYTES)):
            self.fail(pos, _RANK_STRUCTURE, "truncated line", f"expected {shown}, the line ends")
            return {}
        if spec.quoted:
            if text[pos] != '"':
                self.fail(
                    pos,
                    _RANK_SHAPE,
                    "missing quote",
                    f"{shown} starts with a double quote, got {text[pos]!r}",
                )
                return {}
            ends = [j + 1 for j in range(pos + 1, len(text)) if text[j] == '"']
            if not ends:
                self.fail(len(text), _RANK_SHAPE, "missing quote", f"{shown} has no closing double quote")
                return {}
            if self.natural:
                ends = ends[:1]
        elif spec.type in _MUNCH:
            m = re.compile(spec.lexical_pattern()).match(text, pos)
            ends = [m.end()] if m and m.end() > pos else []
            if not ends:
                self.fail(
                    pos, _RANK_SHAPE, "bad value", f"expected {shown} ({spec.describe()}), got {text[pos]!r}"
                )
                return {}
        elif spec.type is ParamType.IPV6:
            pattern = re.compile(spec.lexical_pattern())
            ends = [e for e in range(pos + 1, len(text) + 1) if pattern.fullmatch(text, pos, e)]
        else:
            if follow == "":
                ends = [len(text)]
            elif follow:
                ends = _occurrences(text, follow, pos)
                if not ends:
                    self.fail(
                        len(text), _RANK_STRUCTURE, "truncated line", f"expected {follow!r} after {shown}"
                    )
                    return {}
            else:
                ends = list(range(pos, len(text) + 1))
        # Only the natural reading's failure is reported (up to the first closing quote, the first place
        # the next literal fits, or else the first comma): an over-long candidate failing its length
        # check says nothing useful.
        if spec.quoted or follow:
            natural = ends[0]
        elif spec.type in _MUNCH:
            natural = ends[-1]
        else:
            comma = text.find(",", pos)
            natural = comma if comma >= 0 else len(text)
        result: dict[int, tuple[Capture, ...]] = {}
        for end in ends:  # shortest first: a string ends at its first closing quote if that parse works
            try:
                checked = spec.validate(text[pos:end], escaped=self.options.escaped)
            except ParamError as err:
                if end == natural or len(ends) == 1:
                    self.fail(pos + err.offset, _RANK_VALUE, err.rule, f"{shown}: {err.detail}")
                continue
            cap = Capture(spec.name, checked.text, checked.value, checked.label, self.number, pos)
            result[end] = (cap,)
        return result


def _follow(nodes: tuple[Node, ...], i: int, top: bool) -> str | None:
    """The text fixed right after ``nodes[i]``: the next literal, ``""`` for the end of a line, else None."""
    if i + 1 < len(nodes):
        nxt = nodes[i + 1]
        return nxt.text if isinstance(nxt, Literal) else None
    return "" if top else None


def _occurrences(text: str, needle: str, start: int) -> list[int]:
    found = []
    at = text.find(needle, start)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


class _ResponseMatcher:
    def __init__(
        self,
        tlines: Sequence[TemplateLine],
        lines: Sequence[tuple[int, str]],
        options: MatchOptions,
        fails: _Failures,
    ):
        self.tlines = tlines
        self.lines = lines
        self.options = options
        self.fails = fails
        self.memo: dict[tuple[int, int], dict[int, tuple[LineMatch, ...]]] = {}
        self.line_memo: dict[tuple[int, int], LineMatch | None] = {}
        self.last_number = lines[-1][0] if lines else 0

    def run(self) -> tuple[LineMatch, ...] | None:
        ends = self.seq(0, 0)
        if len(self.lines) in ends:
            return ends[len(self.lines)]
        for end in ends:
            number, text = self.lines[end]
            self.fails.add(
                _Failure(
                    number,
                    0,
                    _RANK_STRUCTURE,
                    "extra line",
                    "the template ends before this line",
                    "<end of response>",
                    text,
                )
            )
        return None

    def seq(self, i: int, k: int) -> dict[int, tuple[LineMatch, ...]]:
        cached = self.memo.get((i, k))
        if cached is not None:
            return cached
        result: dict[int, tuple[LineMatch, ...]] = {}
        if i == len(self.tlines):
            result[k] = ()
        else:
            tl = self.tlines[i]
            options: list[tuple[int, tuple[LineMatch, ...]]] = [(k, ())] if tl.min == 0 else []
            taken: tuple[LineMatch, ...] = ()
            while tl.max is None or len(taken) < tl.max:
                lm = self.line(tl, k + len(taken))
                if lm is None:
                    break
                taken += (lm,)
                if len(taken) >= tl.min:
                    options.append((k + len(taken), taken))
            for after, matched in reversed(options):  # more repetitions, and present lines, first
                for end, rest in self.seq(i + 1, after).items():
                    result.setdefault(end, matched + rest)
        self.memo[(i, k)] = result
        return result

    def line(self, tl: TemplateLine, k: int) -> LineMatch | None:
        key = (tl.index, k)
        if key in self.line_memo:
            return self.line_memo[key]
        lm: LineMatch | None = None
        if k >= len(self.lines):
            rule = "missing blank line" if tl.blank else "missing line"
            self.fails.add(
                _Failure(
                    self.last_number + 1, 0, _RANK_STRUCTURE, rule, "the response ends here", tl.text, None
                )
            )
        else:
            number, text = self.lines[k]
            if tl.blank:
                if text == "":
                    lm = LineMatch(number, text, tl.index, ())
                else:
                    self.fails.add(
                        _Failure(
                            number,
                            0,
                            _RANK_STRUCTURE,
                            "missing blank line",
                            f"got {text!r}",
                            "<empty line>",
                            text,
                        )
                    )
            else:
                local = _Failures()
                caps = _LineMatcher(tl, number, text, self.options, local).run()
                if caps is not None:
                    lm = LineMatch(number, text, tl.index, caps)
                else:
                    # Explain the failure by the natural reading, where each quoted value ends at its first
                    # closing quote: the furthest failure over all readings often comes from one that
                    # swallowed a separator (a swapped field then shows up far to the right).
                    natural = _Failures()
                    _LineMatcher(tl, number, text, self.options, natural, natural=True).run()
                    best = natural.best or local.best
                    if best is not None:
                        self.fails.add(best)
        self.line_memo[key] = lm
        return lm


def match(template: Template, lines: Sequence[str], options: MatchOptions | None = None) -> Match:
    """Match a response (its lines without CR LF, final result included) against ``template``.

    Returns the :class:`Match` of the first alternative that matches; raises :class:`MatchError` for the
    failure that got furthest into the response (ties go to the more specific rule).
    """
    options = options or MatchOptions()
    numbered = [(n + 1, line) for n, line in enumerate(lines)]
    if options.blank_lines is BlankLines.IGNORE:
        numbered = [(n, line) for n, line in numbered if line != ""]
    fails = _Failures()  # shared by the alternatives: the error reports the one that got furthest
    for alt_index, tlines in enumerate(template.alternatives):
        if options.blank_lines is BlankLines.IGNORE:
            tlines = tuple(tl for tl in tlines if not tl.blank)
        matched = _ResponseMatcher(tlines, numbered, options, fails).run()
        if matched is not None:
            return Match(template, alt_index, matched)
    best = fails.best
    assert best is not None  # a failed match always records why
    note = (
        f" (none of the {len(template.alternatives)} alternatives matches)"
        if len(template.alternatives) > 1
        else ""
    )
    raise MatchError(
        best.rule, best.message, best.line, best.column + 1, best.expected, best.actual, lines, note
    )
