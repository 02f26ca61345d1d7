"""What changed in the guide between two releases (issue 19): ``python -m spec diff vA vB``.

Sans-IO: :func:`diff_specs` compares two :class:`~spec.Spec` s (chapter 3 of each release's guide) and
:func:`diff_error_codes` two error-code tables (the AT+SYSLOG subcategories of 3.1, the MQTT and HTTP error
code tables, the AT+CWJEAP codes, as each release's pages list them); both return :class:`Change` s, which
:func:`render_text` and :func:`to_json` present. Commands are matched by name, through aliases (a name that
one release documents as its own command and the other as an alias still matches). Every change names the
section of the command in the newer release (the older one for a removed command), so a reader finds it in
that release's guide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from spec import Spec
from spec.model import Command, Example, Form
from spec.params import ParamSpec

__all__ = ["Change", "ChangeKind", "ErrorTable", "diff_error_codes", "diff_specs", "render_text", "to_json"]


class ChangeKind(StrEnum):
    """The kinds of difference the diff reports, in the guide's terms."""

    command_added = "command added"
    command_removed = "command removed"
    command_changed = "command changed"  #: default firmware, menuconfig option, persistence, same-as
    form_added = "form added"
    form_removed = "form removed"
    syntax_changed = "syntax changed"
    response_changed = "response changed"
    param_added = "parameter added"
    param_removed = "parameter removed"
    param_changed = "parameter changed"  #: type, quoting, range, values, length, default, optionality
    example_added = "example added"
    example_removed = "example removed"
    example_changed = "example response changed"
    error_code_added = "error code added"
    error_code_removed = "error code removed"
    error_code_renamed = "error code renamed"


@dataclass(frozen=True)
class Change:
    """One difference. ``where`` is the command set (or, for error codes, the table); ``section`` the
    guide's section (newer release's, older's when removed); ``subject`` the command (or code);
    ``detail`` what exactly (a form, a parameter and its field); ``old``/``new`` the two texts."""

    kind: ChangeKind
    where: str
    section: str
    subject: str
    detail: str = ""
    old: str | None = None
    new: str | None = None


#: one error-code table of a release: its name (``"AT+SYSLOG subcategory"``) -> code value -> name/label
ErrorTable = Mapping[str, Mapping[int, str]]


def _match(a: Spec, b: Spec) -> tuple[list[tuple[Command, Command]], list[Command], list[Command]]:
    """(pairs present in both, only in a, only in b), matched by name or alias."""
    pairs: list[tuple[Command, Command]] = []
    only_a: list[Command] = []
    seen_b: set[str] = set()
    for ca in a:
        names = (ca.name, *ca.aliases)
        cb = next((b.command(n) for n in names if n in b), None)
        if cb is None or cb.name in seen_b:
            only_a.append(ca)
        else:
            seen_b.add(cb.name)
            pairs.append((ca, cb))
    only_b = [cb for cb in b if cb.name not in seen_b]
    return pairs, only_a, only_b


def _forms(ca: Command, cb: Command) -> Iterable[Change]:
    def ch(kind: ChangeKind, detail: str, old: str | None, new: str | None) -> Change:
        return Change(kind, cb.command_set, cb.section, cb.name, detail, old, new)

    fa = {f.kind.value: f for f in ca.forms}
    fb = {f.kind.value: f for f in cb.forms}
    for kind in sorted(fa.keys() - fb.keys()):
        yield ch(ChangeKind.form_removed, kind, _syntax(fa[kind]), None)
    for kind in sorted(fb.keys() - fa.keys()):
        yield ch(ChangeKind.form_added, kind, None, _syntax(fb[kind]))
    for kind in [k for k in fb if k in fa]:
        old, new = fa[kind], fb[kind]
        if old.syntax != new.syntax:
            yield ch(ChangeKind.syntax_changed, kind, _syntax(old), _syntax(new))
        if _guide_text(old.responses) != _guide_text(new.responses):
            yield ch(
                ChangeKind.response_changed, kind, "\n\n".join(old.responses), "\n\n".join(new.responses)
            )


#: a line's repetition marker (spec/TEMPLATES.md): this project's notation, not the guide's
_REPEAT = re.compile(r"\{(?:\*|\+|\d+(?:\.\.\d*)?)\}$", re.M)


def _guide_text(templates: list[str]) -> list[str]:
    """The templates without repetition markers: corrections add them for the release they are written
    against (spec/corrections.yaml), so comparing them would report a correction, not a guide change."""
    return [_REPEAT.sub("", t) for t in templates]


def _syntax(form: Form) -> str:
    return "\n".join(form.syntax)


#: the fields of a parameter the diff compares, each shown as the guide would say it
_PARAM_FIELDS: dict[str, Any] = {
    "type": lambda p: str(p.type),
    "quoted": lambda p: str(p.quoted),
    "range": lambda p: " or ".join(str(r) for r in p.range) or None,
    "values": lambda p: ", ".join(str(k) for k in p.enum) or None,
    "bits": lambda p: ", ".join(str(k) for k in sorted(p.bits)) or None,
    "length": lambda p: (
        None
        if p.min_len is None and p.max_len is None
        else f"{p.min_len or 0}..{p.max_len if p.max_len is not None else '*'}"
    ),
    "default": lambda p: None if p.default is None else str(p.default),
    "optional": lambda p: str(p.optional),
    "unit": lambda p: p.unit,
}


def _params(ca: Command, cb: Command) -> Iterable[Change]:
    def ch(kind: ChangeKind, detail: str, old: str | None, new: str | None) -> Change:
        return Change(kind, cb.command_set, cb.section, cb.name, detail, old, new)

    pa: dict[str, ParamSpec] = {p.name: p for p in ca.params}
    pb: dict[str, ParamSpec] = {p.name: p for p in cb.params}
    for name in [n for n in pa if n not in pb]:
        yield ch(ChangeKind.param_removed, pa[name].placeholder, pa[name].describe(), None)
    for name in [n for n in pb if n not in pa]:
        yield ch(ChangeKind.param_added, pb[name].placeholder, None, pb[name].describe())
    for name in [n for n in pb if n in pa]:
        for field, show in _PARAM_FIELDS.items():
            old, new = show(pa[name]), show(pb[name])
            if old != new:
                yield ch(ChangeKind.param_changed, f"{pb[name].placeholder} {field}", old, new)


def _examples(ca: Command, cb: Command) -> Iterable[Change]:
    def ch(kind: ChangeKind, e_old: Example | None, e_new: Example | None) -> Change:
        line = (e_new or e_old).command  # type: ignore[union-attr]
        return Change(
            kind, cb.command_set, cb.section, cb.name, line,
            e_old.response if e_old else None, e_new.response if e_new else None,
        )  # fmt: skip

    ea = {e.command: e for e in ca.examples}
    eb = {e.command: e for e in cb.examples}
    for line in [x for x in ea if x not in eb]:
        yield ch(ChangeKind.example_removed, ea[line], None)
    for line in [x for x in eb if x not in ea]:
        yield ch(ChangeKind.example_added, None, eb[line])
    for line in [x for x in eb if x in ea and ea[x].response != eb[x].response]:
        yield ch(ChangeKind.example_changed, ea[line], eb[line])


def _command_fields(ca: Command, cb: Command) -> Iterable[Change]:
    for field in ("default_firmware", "build_option", "persistence", "same_as"):
        old, new = getattr(ca, field), getattr(cb, field)
        if old != new:
            yield Change(
                ChangeKind.command_changed, cb.command_set, cb.section, cb.name, field,
                None if old is None else str(old), None if new is None else str(new),
            )  # fmt: skip


def diff_specs(a: Spec, b: Spec) -> list[Change]:
    """Every difference of chapter 3 from release ``a`` to release ``b``, in ``b``'s chapter order (removed
    commands at the place of their set)."""
    pairs, only_a, only_b = _match(a, b)
    out: list[Change] = []
    for c in only_a:
        out.append(Change(ChangeKind.command_removed, c.command_set, c.section, c.name, c.title))
    for c in only_b:
        out.append(Change(ChangeKind.command_added, c.command_set, c.section, c.name, c.title))
    for ca, cb in pairs:
        out += [*_command_fields(ca, cb), *_forms(ca, cb), *_params(ca, cb), *_examples(ca, cb)]
    order = {s.command_set: i for i, s in enumerate(b.sets)}
    order.update({s.command_set: len(order) + i for i, s in enumerate(a.sets) if s.command_set not in order})
    return sorted(out, key=lambda c: (order.get(c.where, len(order)), _section_key(c.section)))


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(x) if x.isdigit() else 0 for x in section.split("."))


def diff_error_codes(a: ErrorTable, b: ErrorTable) -> list[Change]:
    """Codes added, removed or renamed, table by table (a table only one release has: all its codes)."""
    out: list[Change] = []
    for table in [*b, *(t for t in a if t not in b)]:
        ta, tb = a.get(table, {}), b.get(table, {})
        for value in sorted(ta.keys() | tb.keys()):
            code = f"0x{value:02X}"
            if value not in tb:
                out.append(Change(ChangeKind.error_code_removed, table, "", code, "", ta[value], None))
            elif value not in ta:
                out.append(Change(ChangeKind.error_code_added, table, "", code, "", None, tb[value]))
            elif ta[value] != tb[value]:
                out.append(Change(ChangeKind.error_code_renamed, table, "", code, "", ta[value], tb[value]))
    return out


def to_json(old: str, new: str, changes: list[Change], notes: Iterable[str] = ()) -> dict[str, Any]:
    """The diff as one JSON-able object: the two releases, counts per kind, every change, notes."""
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.kind.value] = counts.get(c.kind.value, 0) + 1
    return {
        "from": old,
        "to": new,
        "counts": counts,
        "changes": [asdict(c) | {"kind": c.kind.value} for c in changes],
        "notes": list(notes),
    }


def _block(prefix: str, text: str | None) -> list[str]:
    return [] if text is None else [f"        {prefix} {line}".rstrip() for line in text.split("\n")]


def render_text(old: str, new: str, changes: list[Change], notes: Iterable[str] = ()) -> str:
    """The diff for a person: one heading per command set or error table, then per command its changes,
    ``-`` lines from ``old``, ``+`` lines from ``new``."""
    out = [f"guide {old} -> {new}: {len(changes)} change(s)"]
    where = subject = None
    for c in changes:
        if c.where != where:
            where, subject = c.where, None
            out.append(f"\n== {where}")
        if c.kind in (ChangeKind.command_added, ChangeKind.command_removed):
            sign = "+" if c.kind is ChangeKind.command_added else "-"
            out.append(f"  {sign} {c.subject} ({c.section}) {c.kind.value}: {c.detail}")
            subject = None
            continue
        if c.subject != subject and c.section:
            subject = c.subject
            out.append(f"  {c.subject} ({c.section})")
        label = f"{c.kind.value}" + (f" [{c.detail}]" if c.detail else "")
        if not c.section:
            label = f"{c.subject} {label}"
        out.append(f"    {label}")
        out += _block("-", c.old) + _block("+", c.new)
    out += [f"\nnote: {n}" for n in notes]
    return "\n".join(out)
