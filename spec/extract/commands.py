"""Build :class:`spec.model.Command` objects from one command-set page of the guide (RST)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spec.extract.parameters import optional_names, parse_param_list
from spec.extract.rst import TARGET, Block, Section, plain, split_blocks
from spec.model import Example, Form, FormKind, Persistence
from spec.params import ParamSpec, ParamType

_CMD_TITLE = re.compile(r"^:ref:`(\[Data Mode Only\] \+\+\+|AT[A-Z0-9_+]*)\s*<[^>]+>`\s*:\s*(.*)$")
_FORM_TITLE = re.compile(r"^(Special )?(Test|Query|Set|Execute) Command$")
_EXAMPLE_CMD = re.compile(r"^(\+\+\+|AT(?:\+[A-Z0-9_]+|E[01])?(?:=\?|\?|=.*)?)$")
_TRAILING_COMMENT = re.compile(r"\s{2,}//.*$|\s+//\s.*$")


class ExtractError(ValueError):
    """A page does not have the structure the extractor relies on; the message says where."""


@dataclass
class RawCommand:
    """What one RST command section yields before the seed and the corrections are applied."""

    name: str
    title: str
    label: str | None
    line: int
    forms: list[Form]
    params: list[ParamSpec]
    persistence: Persistence | None
    examples: list[Example]
    references: list[str] = field(default_factory=list)


_CHIP_TAG = re.compile(r"^\[(?P<chips>ESP[^\]]*)\]\s*")


def chip_tag(title: str) -> tuple[frozenset[str] | None, str]:
    """The chips a v2.x heading tag names (``[ESP32 Only] ...``, ``[ESP32 & ESP32-S2 & ESP32-C3] ...``),
    lower-case without dashes, and the title without the tag; (None, title) when untagged."""
    m = _CHIP_TAG.match(title)
    if not m:
        return None, title
    names = re.split(r"\s*(?:&|,|\band\b)\s*", m.group("chips").replace("Only", "").strip())
    return frozenset(n.strip().lower().replace("-", "") for n in names if n.strip()), title[m.end() :]


def for_target(title: str, target: str = TARGET) -> bool:
    """Whether a (possibly chip-tagged) heading applies to ``target`` (untagged: to every chip)."""
    chips, _ = chip_tag(title)
    return chips is None or target in chips


def is_command_section(sec: Section) -> bool:
    return bool(_CMD_TITLE.match(chip_tag(sec.title)[1]))


def _kind(title: str) -> FormKind | None:
    m = _FORM_TITLE.match(title.strip())
    if not m:
        return None
    return FormKind.special if m.group(1) else FormKind(m.group(2).lower())


def _split_form(blocks: list[Block]) -> tuple[list[str], list[str]]:
    """Syntax blocks and response blocks of one form section.

    A literal block counts as syntax when it follows a "Command:" label; when the section has no such
    label (3.3.12, execute form) the first literal block before "Response:" is the syntax block.
    """
    syntax: list[str] = []
    responses: list[str] = []
    has_command_label = any(b.kind == "field" and b.text == "Command" for b in blocks)
    state = None if has_command_label else "command"
    for b in blocks:
        if b.kind == "field":
            if b.text == "Response" or has_command_label:
                state = {"Command": "command", "Response": "response"}.get(b.text)
            continue
        if b.kind != "literal":
            continue
        if state == "command":
            syntax.append(b.text.strip("\n"))
            if not has_command_label:
                state = None
        elif state == "response":
            responses.append(b.text.strip("\n"))
    return syntax, responses


def syntax_lines(block: str) -> list[str]:
    """The command lines of a syntax block: comments, captions and blank lines dropped."""
    # 3.3.29 writes its "Single connection: (AT+CIPMUX=0)" captions without "//": only lines that
    # start with a command are syntax.
    return [x.strip() for x in block.split("\n") if re.match(r"^(AT|\+\+\+)", x.strip())]


def _persistence(notes: list[str]) -> Persistence | None:
    text = " ".join(plain(n) for n in notes)
    if re.search(r"SYSSTORE=1", text) and re.search(r"saved|store", text):
        return Persistence.sysstore
    if re.search(r"(not|NOT) (be )?saved|not saved to flash|are not saved", text):
        return Persistence.never
    if re.search(r"will (?:be )?saved? in the NVS|will be saved in (?:the )?flash|save .* in the NVS", text):
        return Persistence.flash
    return None


def split_example(block: str) -> list[Example]:
    """Command/response pairs of one "Example" literal block."""
    pairs: list[Example] = []
    command: str | None = None
    response: list[str] = []

    def close() -> None:
        if command is not None:
            lines = list(response)
            while lines and not lines[0].strip():
                lines.pop(0)
            while lines and not lines[-1].strip():
                lines.pop()
            pairs.append(Example(command=command, response="\n".join(lines) if lines else None))

    for raw in block.split("\n"):
        line = raw.rstrip()
        if line.strip().startswith("//"):
            continue
        bare = _TRAILING_COMMENT.sub("", line).strip()
        if _EXAMPLE_CMD.match(bare):
            close()
            command, response = bare, []
        elif command is not None:
            response.append(bare)
    close()
    return pairs


def _section_kind(title: str) -> str | None:
    t = title.strip().lower()
    # 3.3.39 AT+MDNS splits its list into "Command Parameters" and "Response Parameters".
    if t.startswith("parameter") or t in ("command parameters", "response parameters"):
        return "params"
    if t.startswith("note"):
        return "notes"
    if t.startswith("example"):
        return "examples"
    return None


def build_command(sec: Section) -> RawCommand:
    """Read one command section (3.x.y) into a :class:`RawCommand`."""
    m = _CMD_TITLE.match(chip_tag(sec.title)[1])
    if not m:
        raise ExtractError(f"line {sec.line}: not a command heading: {sec.title!r}")
    name = "+++" if m.group(1).endswith("+++") else m.group(1)
    forms: dict[FormKind, dict[str, list[str]]] = {}
    params: list[ParamSpec] = []
    notes: list[str] = []
    examples: list[Example] = []
    references = re.findall(r":ref:`(AT\+[A-Z0-9_]+)", "\n".join(sec.body))
    for sub in sec.walk()[1:]:
        kind = _kind(sub.title)
        blocks = split_blocks(sub.body)
        if kind is not None:
            syntax, responses = _split_form(blocks)
            entry = forms.setdefault(kind, {"blocks": [], "responses": [], "variants": []})
            entry["blocks"].extend(syntax)
            entry["responses"].extend(responses)
            parent = _parent(sec, sub)
            if parent is not sec and parent.label:
                entry["variants"].append(parent.label)
            continue
        what = _section_kind(sub.title)
        if what == "params":
            for b in blocks:
                if b.kind == "bullets":
                    params.extend(parse_param_list(b.text))
        elif what == "notes":
            notes.extend(b.text for b in blocks if b.kind in ("bullets", "para"))
            references += re.findall(r":ref:`(AT\+[A-Z0-9_]+)", "\n".join(sub.body))
        elif what == "examples":
            for b in blocks:
                if b.kind == "literal":
                    examples.extend(split_example(b.text))
    built_forms = [
        Form(
            kind=k,
            syntax_blocks=v["blocks"],
            syntax=[ln for b in v["blocks"] for ln in syntax_lines(b)],
            responses=v["responses"],
            variants=v["variants"],
        )
        for k, v in forms.items()
    ]
    all_syntax = [ln for f in built_forms for ln in f.syntax]
    return RawCommand(
        name=name,
        title=plain(m.group(2)).strip(),
        label=sec.label,
        line=sec.line,
        forms=built_forms,
        params=merge_params(params, all_syntax),
        persistence=_persistence(notes),
        examples=examples,
        references=references,
    )


def merge_params(params: list[ParamSpec], syntax: list[str]) -> list[ParamSpec]:
    """One ParamSpec per name for the whole command.

    A name listed in several sub-sections (3.1.9's four variants, 3.1.17's three set forms) gets the
    union of the listed values, or no enumeration when one listing has none, and a length limit any of
    the listings states. Quoting follows the syntax
    lines when the parameter list omits the quotes (3.1.18 writes ``<partition>`` for ``<"partition">``),
    and ``optional`` is set when some syntax line puts the name in ``[...]``.
    """
    optional = optional_names(syntax)
    quoted_in_syntax = set(re.findall(r'<"([^"<>]+)">', " ".join(syntax)))
    merged: dict[str, ParamSpec] = {}
    for p in params:
        if p.name in merged:
            first = merged[p.name]
            enum = {**first.enum, **p.enum} if first.enum and p.enum else {}
            update = {"enum": enum}
            if first.max_len is None and p.max_len is not None and first.type is p.type:
                # 3.3.39 states the length limit of <"hostname"> and <"instance"> only in its second list
                update["max_len"] = p.max_len
            merged[p.name] = first.model_copy(update=update)
            continue
        update: dict[str, object] = {"optional": p.name in optional}
        if p.name in quoted_in_syntax and not p.quoted:
            update["quoted"] = True
            if p.type in (ParamType.INT, ParamType.HEX):
                update.update(type=ParamType.STR, range=(), bits={}, enum={})
        merged[p.name] = p.model_copy(update=update)
    return list(merged.values())


def _parent(root: Section, target: Section) -> Section:
    for s in root.walk():
        if any(c is target for c in s.children):
            return s
    return root
