"""Rendering a response template: the lines a conforming board would print for given values.

Used for error messages (what was expected) and by suites that build positive cases; matching a rendered
response with :func:`spec.matcher.match` always succeeds, which tests/spec/test_template_render.py checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spec.params import ParamError, ParamSpec, ParamType, Value, escape
from spec.template import (
    Literal,
    Node,
    Optional,
    Placeholder,
    Repeat,
    Template,
    TemplateLine,
    placeholders,
)

__all__ = ["RenderError", "RenderValue", "format_value", "render", "render_line"]


class RenderError(ValueError):
    """Values that cannot be rendered into a template: a missing or invalid value, or a wrong row count."""


RenderValue = Value | None | Sequence[Value | None]


def render(
    template: Template,
    values: Mapping[str, RenderValue] | None = None,
    *,
    rows: Mapping[int, Sequence[Mapping[str, RenderValue]]] | None = None,
    alternative: int = 0,
    optional_literals: bool = False,
    escaped: bool = False,
) -> list[str]:
    """Build the response lines the template describes for the given values.

    ``values`` maps parameter names to a value (used wherever the name occurs) or a list of values (used
    one per occurrence, in order; this is what drives an inline ``[...]`` repetition). A value is given as
    its Python value (``int``, ``float``, ``str`` without quotes), or as its wire text (a ``str`` for a
    non-string type). ``rows`` gives, per template line index, the values of each occurrence of a repeated
    or optional line; a line without rows is rendered once if its values are there (and it must occur).
    An optional part is rendered when every placeholder in it has a value; optional parts and lines made
    of literal text only are rendered when ``optional_literals`` is set. ``{a|b}`` renders the first option
    that can be rendered. Every rendered value is checked by its ParamSpec; raises :class:`RenderError`.

    With ``escaped`` the text is in command syntax (3.1): quoted strings get ``\\``, ``\\,`` and ``\"``
    escapes, so a command's syntax line (``AT+CWJAP=<"ssid">,<"pwd">``) renders into a command to send.
    """
    out: list[str] = []
    base = values or {}
    for tl in template.alternatives[alternative]:
        if tl.blank:
            out.append("")
            continue
        given = (rows or {}).get(tl.index)
        if given is None:
            try:
                rendered = (
                    [_render_line(tl, base, optional_literals, escaped)]
                    if _wanted(tl, base, optional_literals)
                    else []
                )
            except _Missing as missing:
                if tl.min > 0:
                    raise RenderError(f"line {tl.text!r}: no value for <{missing.name}>") from None
                rendered = []
        else:
            rendered = []
            for row in given:
                try:
                    rendered.append(_render_line(tl, {**base, **row}, optional_literals, escaped))
                except _Missing as missing:
                    raise RenderError(f"line {tl.text!r}: a row has no value for <{missing.name}>") from None
        if len(rendered) < tl.min or (tl.max is not None and len(rendered) > tl.max):
            upper = "n" if tl.max is None else tl.max
            raise RenderError(f"line {tl.text!r} occurs {tl.min}..{upper} times, got {len(rendered)}")
        out.extend(rendered)
    return out


class _Missing(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


class _Absent(_Missing):
    """The next value of a list is None: the optional part holding it is left out (as a Match reads it)."""


def _wanted(tl: TemplateLine, values: Mapping[str, RenderValue], optional_literals: bool) -> bool:
    if tl.min > 0:
        return True
    names = [p.name for p in placeholders(tl.nodes)]
    return all(values.get(n) is not None for n in names) if names else optional_literals


class _Pool:
    """Values still available: a list is consumed one per occurrence, a single value is reused."""

    def __init__(self, values: Mapping[str, RenderValue], escaped: bool) -> None:
        self.escaped = escaped
        self.single: dict[str, Value] = {}
        self.lists: dict[str, list[Value | None]] = {}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                self.lists[name] = list(value)
            elif value is not None:  # None: not there, as a Match reports a left-out optional value
                self.single[name] = value  # type: ignore[assignment]
        self.taken = 0

    def take(self, name: str) -> Value:
        if name in self.lists:
            if not self.lists[name]:
                raise _Missing(name)
            self.taken += 1
            value = self.lists[name].pop(0)
            if value is None:
                raise _Absent(name)
            return value
        if name in self.single:
            return self.single[name]
        raise _Missing(name)

    def skip_absent(self, names: Sequence[str]) -> None:
        """Use up the None that left an optional part out, once per name, so the next occurrence gets the
        next value."""
        for name in dict.fromkeys(names):
            queue = self.lists.get(name)
            if queue and queue[0] is None:
                queue.pop(0)
                self.taken += 1

    def snapshot(self) -> tuple[dict[str, list[Value | None]], int]:
        return {k: list(v) for k, v in self.lists.items()}, self.taken

    def restore(self, snap: tuple[dict[str, list[Value | None]], int]) -> None:
        self.lists, self.taken = {k: list(v) for k, v in snap[0].items()}, snap[1]


def render_line(
    tl: TemplateLine,
    values: Mapping[str, RenderValue],
    *,
    optional_literals: bool = False,
    escaped: bool = False,
) -> str:
    """Render one template line (ignoring its repetition) with the rules of :func:`render`."""
    try:
        return _render_line(tl, values, optional_literals, escaped)
    except _Missing as missing:
        raise RenderError(f"line {tl.text!r}: no value for <{missing.name}>") from None


def _render_line(
    tl: TemplateLine, values: Mapping[str, RenderValue], optional_literals: bool, escaped: bool
) -> str:
    return _render_nodes(tl.nodes, _Pool(values, escaped), optional_literals)


def _render_nodes(nodes: Sequence[Node], pool: _Pool, optional_literals: bool) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Literal):
            parts.append(node.text)
        elif isinstance(node, Placeholder):
            parts.append(format_value(node.spec, pool.take(node.name), escaped=pool.escaped))
        elif isinstance(node, Optional):
            if not placeholders(node.body) and not optional_literals:
                continue
            snap = pool.snapshot()
            try:
                parts.append(_render_nodes(node.body, pool, optional_literals))
            except _Absent:
                pool.restore(snap)
                pool.skip_absent([p.name for p in placeholders(node.body)])
            except _Missing:
                pool.restore(snap)
        elif isinstance(node, Repeat):
            while True:
                snap = pool.snapshot()
                try:
                    text = _render_nodes(node.body, pool, optional_literals)
                except _Missing:
                    pool.restore(snap)
                    break
                if pool.taken == snap[1]:  # only reusable values: one more round would never end
                    pool.restore(snap)
                    break
                parts.append(text)
        else:
            for option in node.options:
                snap = pool.snapshot()
                try:
                    parts.append(_render_nodes(option, pool, optional_literals))
                    break
                except _Missing:
                    pool.restore(snap)
            else:
                raise _Missing(placeholders(node.options[0])[0].name)
    return "".join(parts)


def format_value(spec: ParamSpec, value: Value, *, escaped: bool = False) -> str:
    """The wire text of ``value`` for ``spec`` (quotes included when quoted), checked by the spec.

    ``escaped``: command syntax, where a quoted string's ``\\``, ``,`` and ``"`` are escaped (3.1).
    """
    if isinstance(value, str) and spec.type not in (ParamType.STR, ParamType.BYTES):
        body = value  # already wire text
    elif spec.type is ParamType.HEX and isinstance(value, int):
        body = f"{value:X}" if spec.hex_prefix is False else f"0x{value:X}"
    elif spec.type is ParamType.FLOAT and isinstance(value, int | float):
        body = f"{value:.{spec.decimals}f}" if spec.decimals is not None else _plain_float(float(value))
    else:
        body = str(value)
        if escaped and spec.quoted:
            body = escape(body)
    text = f'"{body}"' if spec.quoted else body
    try:
        spec.validate(text, escaped=escaped and spec.quoted)
    except ParamError as err:
        raise RenderError(f"cannot render {value!r} as {spec.placeholder}: {err}") from None
    return text


def _plain_float(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
