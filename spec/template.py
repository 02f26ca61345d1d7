"""Response templates: the guide's "Response:" notation compiled into a tree the matcher walks.

A template is the text of a "Response:" literal block of chapter 3, one template line per response line.
The notation (documented in spec/TEMPLATES.md) is the guide's own, plus a few explicit marks for what the
guide leaves to prose:

- literal text, matched exactly (a ``>`` outside a placeholder is the data prompt); ``\\`` escapes any
  of ``\\ < > [ ] { } |``
- ``<name>`` an unquoted value, ``<"name">`` a value in double quotes, typed by the command's ParamSpecs
- ``[...]`` an optional part (nestable); a line that is one ``[...]`` group as a whole is an optional line
- ``{a|b}`` alternatives within a line
- ``[...]`` literally (three dots in brackets) right before an optional group: that group may repeat
  (``+CIPRECVLEN:<len>[...][,<len>]``)
- a line ``...`` (or ``[...]``) alone: the line above may repeat any number of further times
- a line ending in ``{*}``, ``{+}``, ``{n}``, ``{m..n}`` or ``{m..}``: that line repeats 0..n, 1..n, n, m..n
  or m.. times
- an empty line: exactly one empty line in the response (a matcher option can relax this)
- trailing white space and a trailing ``// comment`` (after white space) are not part of a line
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spec.params import ParamSpec, ParamType

if TYPE_CHECKING:
    from spec.matcher import Match, MatchOptions

__all__ = [
    "Alternatives",
    "Literal",
    "Node",
    "Optional",
    "Placeholder",
    "Repeat",
    "Template",
    "TemplateError",
    "TemplateLine",
    "compile_alternatives",
    "compile_template",
    "placeholders",
]


class TemplateError(ValueError):
    """A malformed template; names the template line and column (both 1-based) of the problem."""

    def __init__(self, message: str, line: int, column: int, text: str) -> None:
        self.line = line
        self.column = column
        self.text = text
        self.message = message
        super().__init__(
            f"template line {line}, column {column}: {message}\n  {text}\n  {' ' * (column - 1)}^"
        )

    def __reduce__(self) -> tuple[type[TemplateError], tuple[str, int, int, str]]:
        # Keep the fields through pickling (xdist workers, multiprocessing).
        return (type(self), (self.message, self.line, self.column, self.text))


@dataclass(frozen=True)
class Literal:
    text: str
    column: int  # 0-based column in the template line, for messages


@dataclass(frozen=True)
class Placeholder:
    spec: ParamSpec  # the effective spec: quoting as the template writes it
    column: int

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class Optional:
    body: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Repeat:
    """An inline group that may occur any number of times (0..n), from ``[...][group]``."""

    body: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Alternatives:
    options: tuple[tuple[Node, ...], ...]
    column: int


Node = Literal | Placeholder | Optional | Repeat | Alternatives


@dataclass(frozen=True)
class TemplateLine:
    """One line of a template and how many times it occurs: ``min``..``max`` (``None`` = unbounded)."""

    index: int  # position among the template's lines (0-based); rows of a Match are keyed by it
    source_line: int  # 1-based line in the template text
    text: str  # the line as written, without repetition marks and comments
    nodes: tuple[Node, ...]
    min: int = 1
    max: int | None = 1

    @property
    def blank(self) -> bool:
        return not self.nodes

    @property
    def repeated(self) -> bool:
        return self.max is None or self.max > 1


@dataclass(frozen=True)
class Template:
    """A compiled response template: one or more alternative sequences of lines.

    ``alternatives`` has one entry per whole-response alternative (the guide's "or" between two
    Response blocks); most templates have one. ``warnings`` lists places where the template and the
    parameter specs disagree (e.g. quoting), which compile resolves in favour of the template.
    """

    source: tuple[str, ...]
    alternatives: tuple[tuple[TemplateLine, ...], ...]
    params: Mapping[str, ParamSpec]
    warnings: tuple[str, ...] = field(default=())

    @property
    def lines(self) -> tuple[TemplateLine, ...]:
        """The lines of the first (usually only) alternative."""
        return self.alternatives[0]

    def placeholders(self) -> list[Placeholder]:
        out: list[Placeholder] = []
        for alt in self.alternatives:
            for line in alt:
                out.extend(placeholders(line.nodes))
        return out

    def match(self, lines: Sequence[str], options: MatchOptions | None = None) -> Match:
        """Match response lines against this template: :func:`spec.matcher.match`."""
        from spec.matcher import match  # the matcher builds on this module

        return match(self, lines, options)

    def __str__(self) -> str:
        return "\n--- or ---\n".join(self.source)


def placeholders(nodes: Sequence[Node]) -> list[Placeholder]:
    """The placeholders among ``nodes`` and inside their groups, in template order."""
    out: list[Placeholder] = []
    for node in nodes:
        if isinstance(node, Placeholder):
            out.append(node)
        elif isinstance(node, Optional | Repeat):
            out.extend(placeholders(node.body))
        elif isinstance(node, Alternatives):
            for option in node.options:
                out.extend(placeholders(option))
    return out


_COMMENT = re.compile(r"\s+//.*$")
_REPEAT_MARK = re.compile(r"\{(\*|\+|\d+|\d+\.\.\d*)\}$")
_ELLIPSIS_LINES = ("...", "[...]")
_SPECIAL = set("\\<>[]{}|")


def compile_template(
    text: str, params: Mapping[str, ParamSpec] | None = None, *, strict: bool = True
) -> Template:
    """Compile one Response block of the guide into a :class:`Template`.

    ``params`` maps parameter names (without quotes, as the guide's parameter list names them) to their
    specs. When given and ``strict``, a placeholder with no spec is an error; otherwise it is taken as a
    string (quoted or not, as written). Raises :class:`TemplateError` naming the line and column.
    """
    return compile_alternatives([text], params, strict=strict)


def compile_alternatives(
    texts: Sequence[str], params: Mapping[str, ParamSpec] | None = None, *, strict: bool = True
) -> Template:
    """Compile Response blocks that the guide joins with "or" into one template matching any of them."""
    if not texts:
        raise TemplateError("no template text", 1, 1, "")
    parser = _Parser(params, strict)
    alternatives = tuple(parser.compile(text) for text in texts)
    return Template(tuple(texts), alternatives, dict(params or {}), tuple(parser.warnings))


class _Parser:
    def __init__(self, params: Mapping[str, ParamSpec] | None, strict: bool) -> None:
        self.params = params
        self.strict = strict
        self.warnings: list[str] = []

    def compile(self, text: str) -> tuple[TemplateLine, ...]:
        raw = textwrap.dedent(text.expandtabs(4)).split("\n")
        numbered = [(n + 1, _COMMENT.sub("", line).rstrip()) for n, line in enumerate(raw)]
        while numbered and not numbered[0][1]:
            numbered.pop(0)
        while numbered and not numbered[-1][1]:
            numbered.pop()
        if not numbered:
            raise TemplateError("empty template", 1, 1, text)
        lines: list[TemplateLine] = []
        for number, line in numbered:
            if line.strip() in _ELLIPSIS_LINES:
                if not lines or lines[-1].blank:
                    raise TemplateError("'...' has no line above it to repeat", number, 1, line)
                prev = lines[-1]
                lines[-1] = TemplateLine(prev.index, prev.source_line, prev.text, prev.nodes, prev.min, None)
                continue
            lo: int = 1
            hi: int | None = 1
            mark = _REPEAT_MARK.search(line)
            if mark:
                lo, hi = _repeat_bounds(mark.group(1), number, line, mark.start())
                line = line[: mark.start()].rstrip()
            nodes = self._line(line, number)
            if (
                len(nodes) == 1
                and isinstance(nodes[0], Optional)
                and line.startswith("[")
                and line.endswith("]")
            ):
                # A line that is a single optional group is an optional line: absent means no line at all.
                nodes, lo = nodes[0].body, 0
                if not nodes:
                    raise TemplateError("empty optional line", number, 1, line)
            lines.append(TemplateLine(len(lines), number, line, nodes, lo, hi))
        return tuple(lines)

    def _line(self, line: str, number: int) -> tuple[Node, ...]:
        nodes, pos = self._seq(line, number, 0, closers="")
        if pos != len(line):  # pragma: no cover - _seq only stops early on a closer, reported there
            raise TemplateError(f"unexpected {line[pos]!r}", number, pos + 1, line)
        return nodes

    def _seq(self, line: str, number: int, pos: int, closers: str) -> tuple[tuple[Node, ...], int]:
        """Parse nodes from ``pos`` until one of ``closers`` (not consumed) or the end of the line."""
        nodes: list[Node] = []
        buf: list[str] = []
        buf_at = pos

        def flush() -> None:
            if buf:
                nodes.append(Literal("".join(buf), buf_at))
                buf.clear()

        while pos < len(line):
            ch = line[pos]
            if ch in closers:
                break
            if ch == "\\":
                if pos + 1 >= len(line) or line[pos + 1] not in _SPECIAL:
                    raise TemplateError("'\\' must escape one of \\ < > [ ] { } |", number, pos + 1, line)
                if not buf:
                    buf_at = pos
                buf.append(line[pos + 1])
                pos += 2
            elif ch == "<":
                flush()
                node, pos = self._placeholder(line, number, pos)
                nodes.append(node)
                buf_at = pos
            elif line.startswith("[...]", pos):
                flush()
                after = pos + 5
                if after >= len(line) or line[after] != "[":
                    raise TemplateError(
                        "'[...]' must be followed by the optional group it repeats", number, pos + 1, line
                    )
                body, end = self._group(line, number, after, "[", "]")
                nodes.append(Repeat(body, pos))
                pos = buf_at = end
            elif ch == "[":
                flush()
                body, end = self._group(line, number, pos, "[", "]")
                nodes.append(Optional(body, pos))
                pos = buf_at = end
            elif ch == "{":
                flush()
                alts, pos = self._alternatives(line, number, pos)
                nodes.append(alts)
                buf_at = pos
            elif ch in "]}":
                raise TemplateError(f"unbalanced {ch!r}", number, pos + 1, line)
            else:
                if not buf:
                    buf_at = pos
                buf.append(ch)
                pos += 1
        flush()
        return tuple(nodes), pos

    def _group(
        self, line: str, number: int, pos: int, opener: str, closer: str
    ) -> tuple[tuple[Node, ...], int]:
        body, end = self._seq(line, number, pos + 1, closers=closer)
        if end >= len(line) or line[end] != closer:
            raise TemplateError(f"{opener!r} is never closed", number, pos + 1, line)
        return body, end + 1

    def _alternatives(self, line: str, number: int, pos: int) -> tuple[Alternatives, int]:
        options: list[tuple[Node, ...]] = []
        at = pos + 1
        while True:
            body, end = self._seq(line, number, at, closers="|}")
            options.append(body)
            if end >= len(line):
                raise TemplateError("'{' is never closed", number, pos + 1, line)
            if line[end] == "}":
                break
            at = end + 1
        if len(options) < 2:
            raise TemplateError("'{...}' needs at least two options separated by '|'", number, pos + 1, line)
        return Alternatives(tuple(options), pos), end + 1

    def _placeholder(self, line: str, number: int, pos: int) -> tuple[Placeholder, int]:
        end = line.find(">", pos + 1)
        nxt = line.find("<", pos + 1)
        if end < 0 or (0 <= nxt < end):
            raise TemplateError("'<' is never closed by '>'", number, pos + 1, line)
        inner = line[pos + 1 : end]
        quoted = len(inner) >= 2 and inner.startswith('"') and inner.endswith('"')
        name = inner[1:-1] if quoted else inner
        if not name.strip() or '"' in name:
            raise TemplateError(f"bad placeholder {line[pos : end + 1]!r}", number, pos + 1, line)
        spec = self._spec(name, quoted, line, number, pos)
        return Placeholder(spec, pos), end + 1

    def _spec(self, name: str, quoted: bool, line: str, number: int, pos: int) -> ParamSpec:
        known = self.params.get(name) if self.params is not None else None
        if known is None:
            if self.params is not None and self.strict:
                names = ", ".join(sorted(self.params)) or "none"
                raise TemplateError(f"no parameter named {name!r} (known: {names})", number, pos + 1, line)
            return ParamSpec(name=name, type=ParamType.STR, quoted=quoted)
        if known.quoted != quoted:
            self.warnings.append(
                f"line {number}: <{name}> is {'quoted' if quoted else 'unquoted'} in the template "
                f"but {'quoted' if known.quoted else 'unquoted'} in its parameter spec; the template wins"
            )
            known = known.model_copy(update={"quoted": quoted})
        return known


def _repeat_bounds(mark: str, number: int, line: str, at: int) -> tuple[int, int | None]:
    if mark == "*":
        return 0, None
    if mark == "+":
        return 1, None
    if ".." in mark:
        lo_text, hi_text = mark.split("..")
        lo, hi = int(lo_text), (int(hi_text) if hi_text else None)
    else:
        lo = hi = int(mark)
    if hi is not None and (hi < lo or hi == 0):
        raise TemplateError(f"bad repetition {{{mark}}}", number, at + 1, line)
    return lo, hi
