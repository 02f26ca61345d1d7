"""Audit: every parameter of every command of the guide's RST (3.1-3.14) against spec/data.

The reader here is a second, deliberately separate reading of the RST parameter lists ("-  **<name>**:
..."): it does not use spec.extract.parameters, so a fault in the extractor shows as a difference
between the two. For each parameter it collects what the list states plainly (quoting, integer
enumerations, "Range: [a,b]" and "a ~ b" ranges, superscript powers, "Maximum length: N", "Length: a ~
b", "Default: X" and "(default)") and requires spec/data to hold the same. A difference is settled in
spec/corrections.yaml `params` (the fields an entry sets are its decision, with evidence) or, where the
reader misreads prose, in READER_EXCEPTIONS below with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from spec import load_spec, matcher, template
from spec.extract.corrections import Corrections
from spec.extract.rst import load_page, resolve_directives
from spec.extract.sources import CORRECTIONS, PAGES, Sources, SourcesMissing
from spec.params import ParamSpec, ParamType

try:
    SOURCES: Sources | None = Sources.locate()
except SourcesMissing:  # pragma: no cover - the guide is on every machine that runs the self-tests
    SOURCES = None

needs_guide = pytest.mark.skipif(SOURCES is None, reason="guide sources not found")

_HEADING = re.compile(r"^:ref:`(AT[A-Z0-9_+]*|\[Data Mode Only\] \+\+\+)\s*<[^>]+>`\s*:")
_UNDER = re.compile(r"^([=\-~^\"'`#*+.])\1{2,}\s*$")
_BULLET = re.compile(r"^(\s*)[-*]\s+(.*)$")
_PARAM = re.compile(r"^\*\*\s*(\[?)\s*<(\"?)([^<>\"]+)\"?>\s*\]?\s*\*\*\s*[:：]?\s*(.*)$")
_NUM = r"-?(?:0x[0-9A-Fa-f]+|\d+(?:\s*:sup:`\d+`)?(?:\s*-\s*1)?)"
_ENUM_ITEM = re.compile(r"^(-?(?:0x[0-9A-Fa-f]+|\d+))\s*[:：]")
_OPEN_ITEM = re.compile(r"^(others?|other values?|any other|non-?zero|positive|negative|if|when)\b", re.I)
_BRACKET = re.compile(r"\[\s*(" + _NUM + r")\s*,\s*(" + _NUM + r")\s*\]")
_TILDE = re.compile(r"(?<![\w.])(" + _NUM + r")\s*~\s*(" + _NUM + r")(?![\w.])")
_MAXLEN = re.compile(r"[Mm]ax(?:imum|\.)? length(?: is|:)?\s*:?\s*(\d+)")
_LENGTH = re.compile(
    r"(?:\b[Ll]ength\s*[:：]|limited to|[Rr]ange\s*[:：])\s*(\d+)\s*~\s*(\d+)(?=\s*bytes|\.)"
)
# "Default: X", "(default)", "The default value is X"; not "its default value is 5" (3.3.5, a menuconfig item)
_DEFAULT = re.compile(
    r"\bDefault(?: value)?\s*[:：]\s*(\"[^\"]*\"|-?0x[0-9A-Fa-f]+\b|-?\d+\b|[A-Za-z_][\w-]*\.?(?!\w))"
    r"|(?:\bDefault(?: value)?(?: is)?|\bThe default value is)\s+(\"[^\"]*\"|-?0x[0-9A-Fa-f]+\b|-?\d+\b)"
)
_WIRE_NUMBER = r"-?\d+|0[xX][0-9A-Fa-f]+"
_UNIT = re.compile(r"\b[Uu]nit\s*[:：]\s*([^.,;]+)")
_BIT_ITEM = re.compile(r"^[Bb]it\s*\[?(\d+)\]?\s*[:：]")
_UINT = re.compile(r"^\(uint(8|16|32)\)")


def _number(text: str) -> int:
    """An integer as the guide writes it: decimal, 0x hex, or a power "2 :sup:`20`" (optionally "- 1")."""
    text = text.strip()
    minus_one = bool(re.search(r"-\s*1$", text)) and ":sup:" in text
    if m := re.match(r"^(\d+)\s*:sup:`(\d+)`", text):
        return int(m.group(1)) ** int(m.group(2)) - (1 if minus_one else 0)
    return int(text, 16) if text.lower().lstrip("-").startswith("0x") else int(text)


@dataclass
class Stated:
    """What the guide's list says of one parameter of one command (all its bullets, unioned)."""

    command: str
    name: str
    line: int  #: RST line of the first bullet
    page: str
    quoted: bool = False
    enum: set[int] = field(default_factory=set)
    enum_open: bool = False  #: an item such as "others: ..." leaves the values open
    ranges: set[tuple[int, int]] = field(default_factory=set)
    max_len: int | None = None
    min_len: int | None = None
    default: int | str | None = None
    bits: set[int] = field(default_factory=set)
    uint: int | None = None  #: "(uint32)": an unsigned integer of that many bits
    unit: str | None = None  #: "Unit: second"
    choices: set[str] = field(default_factory=set)  #: quoted values the list closes with "or"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line} {self.command} <{self.name}>"


def _strip_roles(text: str) -> str:
    text = re.sub(r":ref:`([^`<]*?)\s*(?:<[^>]*>)?`", r"\1", text)
    text = re.sub(r"``([^`]*)``", r"\1", text)
    return text.replace("\\ ", "")


@dataclass
class _Sub:
    indent: int
    text: str


def _bullets(body: list[tuple[int, str]]) -> list[tuple[int, int, str, list[_Sub]]]:
    """Top-level parameter bullets of a list: (line, indent, first text, sub-items with their indent)."""
    out: list[tuple[int, int, str, list[_Sub]]] = []
    current: tuple[int, int, str, list[_Sub]] | None = None
    for lineno, raw in body:
        m = _BULLET.match(raw)
        if m and _PARAM.match(m.group(2)) and (current is None or len(m.group(1)) <= current[1]):
            current = (lineno, len(m.group(1)), m.group(2), [])
            out.append(current)
        elif current is not None and m and len(m.group(1)) > current[1]:
            current[3].append(_Sub(len(m.group(1)), m.group(2)))
        elif current is not None and m and len(m.group(1)) == current[1] and _ENUM_ITEM.match(m.group(2)):
            # a value printed at the bullets' own indentation (3.4.6 <filter_type>, 3.4.31 <auto_conn>)
            current[3].append(_Sub(len(m.group(1)) + 1, m.group(2)))
        elif current is not None and raw.strip() and not m:
            if len(raw) - len(raw.lstrip()) > current[1]:
                if current[3]:
                    current[3][-1].text += " " + raw.strip()
                else:
                    current = (current[0], current[1], current[2] + " " + raw.strip(), current[3])
                    out[-1] = current
            else:
                current = None
    return out


def read_page(page: str, text: str) -> list[Stated]:
    """Every parameter bullet of the "Parameters" sections of one page, with what it states."""
    raw_lines = text.split("\n")
    lines = load_page(text)
    # load_page resolves ".. only::" blocks and substitutions but keeps the order of lines: each kept
    # line's number in the raw file is the next raw line with the same text (for the messages)
    cursor = 0

    def raw_line(text: str) -> int:
        nonlocal cursor
        for same in (lambda r: r == text.strip(), lambda r: r[:12] == text.strip()[:12]):
            for j in range(cursor, min(cursor + 400, len(raw_lines))):
                if same(raw_lines[j].strip()):
                    cursor = j + 1
                    return j + 1
        return 0

    found: dict[tuple[str, str], Stated] = {}
    sections: dict[str, str] = {}
    current_cmd: str | None = None
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (m := _HEADING.match(line)) and _UNDER.match(nxt):
            current_cmd = "+++" if m.group(1).endswith("+++") else m.group(1)
        elif current_cmd:
            sections[current_cmd] = sections.get(current_cmd, "") + line + "\n"
    command: str | None = None
    in_params = False
    body: list[tuple[int, str]] = []

    def flush() -> None:
        if command is None:
            return
        for lineno, _indent, first, subs in _bullets(body):
            m = _PARAM.match(first)
            assert m
            _open, quote, name, desc = m.groups()
            name = name.strip()
            st = found.setdefault((command, name), Stated(command, name, lineno, page))
            # a list that omits the quotes of a name the syntax lines quote (3.3.24 <version>)
            st.quoted = st.quoted or bool(quote) or f'<"{name}">' in sections.get(command, "")
            _facts(st, _strip_roles(desc), [_Sub(x.indent, _strip_roles(x.text)) for x in subs])
        body.clear()

    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and not line.startswith(" ") and _UNDER.match(nxt):
            flush()
            if m := _HEADING.match(line):
                command = "+++" if m.group(1).endswith("+++") else m.group(1)
                in_params = False
            else:
                t = line.strip().lower()
                in_params = t.startswith("parameter") or t in ("command parameters", "response parameters")
            continue
        if in_params and not _UNDER.match(line):
            bm = _BULLET.match(line)
            body.append((raw_line(line) if bm and _PARAM.match(bm.group(2)) else 0, line))
    flush()
    return list(found.values())


def _facts(st: Stated, desc: str, subs: list[_Sub]) -> None:
    top = min((x.indent for x in subs), default=0)
    under_bit = False
    for x in subs:
        text = x.text
        if x.indent == top:
            under_bit = bool(_BIT_ITEM.match(text))
            if _OPEN_ITEM.match(text):
                st.enum_open = True
        if _BIT_ITEM.match(text):
            st.bits.add(int(_BIT_ITEM.match(text).group(1)))  # type: ignore[union-attr]
            continue
        if under_bit:
            continue  # the 0/1 meanings of one bit of a mask, not values of the parameter
        if m := _ENUM_ITEM.match(text):
            st.enum.add(_number(m.group(1)))
            if re.search(
                r"\(default(?: value)?\)|\bdefault(?: value)?\s*\.?\)?\.?(?:\s*$)|\bdefault value\.\s",
                text,
                re.I,
            ):
                st.default = _number(m.group(1))
        if m := (_BRACKET.match(text) or _TILDE.match(text)):
            if text[m.end() :].lstrip().startswith((":", "：")):
                st.ranges.add((_number(m.group(1)), _number(m.group(2))))
        if re.match(r"^[Rr]ange\s*[:：]", text):
            for m in [*_BRACKET.finditer(text), *_TILDE.finditer(text)]:
                st.ranges.add((_number(m.group(1)), _number(m.group(2))))
    whole = " ".join([desc, *(x.text for x in subs)])
    if st.quoted and (m := _LENGTH.search(whole)):
        st.min_len, st.max_len = int(m.group(1)), int(m.group(2))
    elif m := _MAXLEN.search(whole):
        st.max_len = int(m.group(1))
    if m := _UINT.match(desc):
        st.uint = int(m.group(1))
    if st.unit is None and (m := _UNIT.search(whole)):
        st.unit = m.group(1)
    for m in re.finditer(r"[Rr]ange(?: is)?\s*[:：]?\s*(?:from\s*)?", desc):
        tail = desc[m.end() :]
        if r := (_BRACKET.match(tail) or _TILDE.match(tail)):
            if st.quoted:
                continue  # a string's range is its length, read above
            st.ranges.add((_number(r.group(1)), _number(r.group(2))))
    # a string's closed list of values: ': "TCP", "TCPv6", "SSL", or "SSLv6".'
    if st.quoted and (m := re.search(r':\s*((?:"[^"]+",?\s+)+or\s+"[^"]+")\s*\.', desc)):
        st.choices |= set(re.findall(r'"([^"]+)"', m.group(1)))
    # "(0 ~ max) ... Max is 5 by default": the link IDs of the SSL and TCP option commands, max meaning all
    if "(0 ~ max)" in desc and (m := re.search(r"[Mm]ax is (\d+)", desc)):
        st.ranges.add((0, int(m.group(1))))
    # "ID of network connection (0 ~ 4)": a range in parentheses right in the description
    for m in re.finditer(r"\(\s*(" + _NUM + r")\s*~\s*(" + _NUM + r")\s*\)", desc):
        st.ranges.add((_number(m.group(1)), _number(m.group(2))))
    if st.default is None and (m := _DEFAULT.search(desc)):
        v = m.group(1) or m.group(2)
        st.default = (
            v.strip('"') if v.startswith('"') else _number(v) if re.match(r"-?\d|0x", v) else v.rstrip(".")
        )


def stated_params() -> list[Stated]:
    assert SOURCES is not None
    out: list[Stated] = []
    for command_set, (_chapter, page) in PAGES.items():
        out += read_page(page, SOURCES.page(command_set).read_text(encoding="utf-8"))
    return out


def _added() -> set[tuple[str, str]]:
    return {(a.section, a.param["name"]) for a in Corrections.load(CORRECTIONS).added_params}


def _decided() -> dict[tuple[str, str], set[str]]:
    """(section, parameter) -> the fields spec/corrections.yaml `params` decides for it."""
    corr = Corrections.load(CORRECTIONS)
    out: dict[tuple[str, str], set[str]] = {}
    for fix in corr.params:
        fields = set(fix.set)
        if "name" in fix.set:  # a renamed parameter: the decision covers every field under its old name
            fields |= {"quoted", "enum", "range", "max_len", "min_len", "default", "name"}
        out.setdefault((fix.section, fix.name), set()).update(fields)
        out.setdefault((fix.section, fix.set.get("name", fix.name)), set()).update(fields)
    return out


# Where the reader above misreads the guide's prose; each with the reason it is not a spec difference.
READER_EXCEPTIONS: dict[tuple[str, str, str], str] = {}


def _unit(text: str | None) -> str | None:
    """A unit without its plural or full stop: "seconds." and "second" are the same unit."""
    return None if text is None else text.rstrip(".").removesuffix("s") if text.rstrip(".") != "ms" else "ms"


def _differences(st: Stated, p: ParamSpec | None, decided: set[str]) -> list[str]:
    if p is None:
        return ["missing: the list has it, spec/data has no such parameter"]
    out: list[str] = []

    def differ(field_: str, guide: object, spec_: object) -> None:
        if field_ not in decided:
            out.append(f"{field_}: guide {guide!r}, spec {spec_!r}")

    if st.quoted != p.quoted:
        differ("quoted", st.quoted, p.quoted)
    numeric = p.type in (ParamType.INT, ParamType.HEX, ParamType.BOOL)
    if st.enum and not st.quoted:
        if not numeric:
            differ("type", "int (values " + ", ".join(map(str, sorted(st.enum))) + ")", str(p.type))
        elif st.enum_open:
            if p.enum:
                differ("enum", "open (an item allows other values)", sorted(p.enum))
        elif set(p.enum) != st.enum:
            differ("enum", sorted(st.enum), sorted(k for k in p.enum if isinstance(k, int)))
    if st.bits and set(p.bits) != st.bits:
        differ("bits", sorted(st.bits), sorted(p.bits))
    if st.uint is not None:
        want = (0, 2**st.uint - 1)
        if not numeric or want not in {(r.min, r.max) for r in p.range}:
            differ("range", f"uint{st.uint} {want}", f"{p.type} {[(r.min, r.max) for r in p.range]}")
    spec_ranges = {(r.min, r.max) for r in p.range}
    if st.ranges and not st.enum_open:
        if not numeric:
            differ("type", f"int (range {sorted(st.ranges)})", str(p.type))
        elif not st.ranges <= spec_ranges:
            differ("range", sorted(st.ranges), sorted(spec_ranges))
    if st.max_len is not None and st.max_len != p.max_len:
        differ("max_len", st.max_len, p.max_len)
    if st.min_len is not None and st.min_len != p.min_len:
        differ("min_len", st.min_len, p.min_len)
    if st.choices and set(p.enum) != st.choices:
        differ("enum", sorted(st.choices), sorted(map(str, p.enum)))
    if st.unit is not None and _unit(st.unit) != _unit(p.unit):
        differ("unit", st.unit, p.unit)
    if st.default is not None and st.default != p.default:
        differ("default", st.default, p.default)
    return out


@needs_guide
def test_every_parameter_of_every_command_matches_the_guide() -> None:
    spec = load_spec()
    decided = _decided()
    renamed = {
        (f.section, f.name): f.set["name"] for f in Corrections.load(CORRECTIONS).params if "name" in f.set
    }
    problems: list[str] = []
    seen_commands: set[str] = set()
    for st in stated_params():
        c = spec.command(st.command)
        seen_commands.add(c.name)
        name = renamed.get((c.section, st.name), st.name)
        for diff in _differences(st, c.param(name), decided.get((c.section, st.name), set())):
            key = (c.section, st.name, diff.split(":")[0])
            if key not in READER_EXCEPTIONS:
                problems.append(f"{c.section} {st.where}: {diff}")
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems)
    # every command whose parameters the data has from a list was read (the rest have only added ones)
    added = {a.section for a in Corrections.load(CORRECTIONS).added_params}
    only_added = _added()
    listed = {
        c.name
        for c in spec.commands
        if c.params and not all((c.section, p.name) in only_added for p in c.params)
    }
    assert listed <= seen_commands, sorted(listed - seen_commands)
    assert added  # the exclusion above is about something


@needs_guide
def test_the_reader_sees_the_parameters_of_every_command() -> None:
    """The audit reads every listed parameter: a reader that lost a list would pass vacuously."""
    spec = load_spec()
    stated = {(spec.command(s.command).name, s.name) for s in stated_params()}
    renamed = {f.set["name"]: f.name for f in Corrections.load(CORRECTIONS).params if "name" in f.set}
    added = {(a.section, a.param["name"]) for a in Corrections.load(CORRECTIONS).added_params}
    unread = [
        f"{c.section} {c.name} <{p.name}>"
        for c in spec.commands
        for p in c.params
        if (c.name, renamed.get(p.name, p.name)) not in stated and (c.section, p.name) not in added
    ]
    assert not unread, unread


# What the guide's own examples put in each parameter: a second witness for the type, which the lists
# often leave to prose ("pairing key", "I2C slave device address").


def _kind(sent: str) -> str:
    if sent.endswith("=?"):
        return "test"
    if sent.endswith("?"):
        return "query"
    return "set" if "=" in sent else "execute"


def _example_values() -> list[tuple[str, str, ParamSpec, str]]:
    """(section, command, parameter, text) for every value an example command or response gives."""
    out: list[tuple[str, str, ParamSpec, str]] = []
    for c in load_spec():
        params = {p.name: p for p in c.params}
        for e in c.examples:
            if e.command.split("=")[0].rstrip("?") not in (c.name, *c.aliases):
                continue
            form = c.form(_kind(e.command))
            if form is None:
                continue
            tries: list[tuple[list[str], list[str], matcher.MatchOptions]] = [
                (list(form.syntax), [e.command], matcher.MatchOptions(escaped=True))
            ]
            if e.response:
                texts = [t for t in form.responses if t.strip() != ">"]
                lines = [x for x in e.response.split("\n") if x.strip() != ">"]
                tries.append((texts, lines, matcher.MatchOptions(blank_lines=matcher.BlankLines.IGNORE)))
            for texts, lines, options in tries:
                try:
                    m = matcher.match(
                        template.compile_alternatives(texts, params, strict=False), lines, options
                    )
                except (template.TemplateError, matcher.MatchError):
                    continue  # test_data_syntax and test_data_templates report examples that do not fit
                out += [
                    (c.section, c.name, params[cap.name], cap.text)
                    for cap in m.captures
                    if cap.name in params
                ]
    return out


def test_examples_give_no_number_to_a_text_parameter() -> None:
    """An unquoted text parameter matches anything, so a number typed as text hides every wrong value."""
    bad = sorted(
        {
            f"{section} {command} <{p.name}>: the example gives {text!r}, spec/data has {p.type}"
            for section, command, p, text in _example_values()
            if not p.quoted
            and p.type in (ParamType.STR, ParamType.BYTES)
            and re.fullmatch(_WIRE_NUMBER, text)
        }
    )
    assert not bad, "\n".join(bad)


def test_examples_write_hex_parameters_in_hex() -> None:
    """A hex parameter the examples write as a decimal of two or more digits is read wrongly as hex."""
    bad = sorted(
        {
            f"{section} {command} <{p.name}>: the example gives {text!r}, spec/data has hex"
            for section, command, p, text in _example_values()
            if p.type is ParamType.HEX and re.fullmatch(r"\d{2,}", text)
        }
    )
    assert not bad, "\n".join(bad)


# A third witness: every information line the chapter-4 transcripts print for the default target, matched
# alone against the template lines of the command that prints it.

#: transcript lines that depart from chapter 3 for a reason recorded elsewhere
TRANSCRIPT_EXCEPTIONS: dict[str, str] = {
    "+CIPETH:ip:192.168.105.24": "spec/corrections.yaml chapter4 4.6.1-cipeth-unquoted",
    "+CIPETH:gateway:192.168.105.1": "spec/corrections.yaml chapter4 4.6.1-cipeth-unquoted",
    "+CIPETH:netmask:255.255.255.0": "spec/corrections.yaml chapter4 4.6.1-cipeth-unquoted",
    '+CWJAP:"test",......': "network_provisioning_examples.rst:484 elides the fields with dots",
}


def _line_templates() -> dict[str, list[template.Template]]:
    out: dict[str, list[template.Template]] = {}
    for c in load_spec():
        params = {p.name: p for p in c.params}
        for f in c.forms:
            for line in {x for block in f.responses for x in block.split("\n")}:
                if m := re.match(r"^\+([A-Z0-9_]+):", line):
                    out.setdefault(m.group(1), []).append(
                        template.compile_template(line, params, strict=False)
                    )
    return out


@needs_guide
def test_chapter4_transcript_lines_fit_their_templates() -> None:
    assert SOURCES is not None
    templates = _line_templates()
    options = matcher.MatchOptions(blank_lines=matcher.BlankLines.IGNORE)
    bad, checked = [], 0
    for path in sorted((SOURCES.rst_dir.parent / "AT_Command_Examples").glob("*.rst")):
        # ".. only::" blocks resolved for the target; substitutions are not needed for "+NAME:" lines
        for raw in resolve_directives(path.read_text(encoding="utf-8").replace("\t", "    ").split("\n")):
            line = raw.strip()
            m = re.match(r"^\+([A-Z0-9_]+):", line)
            if not m or m.group(1) not in templates or "<" in line or line in TRANSCRIPT_EXCEPTIONS:
                continue
            checked += 1
            errors = []
            for t in templates[m.group(1)]:
                try:
                    matcher.match(t, [line], options)
                    break
                except matcher.MatchError as exc:
                    errors.append(str(exc).splitlines()[0])
            else:
                bad.append(f"{path.name}: {line!r}: {errors[0]}")
    assert checked > 200
    assert not bad, "\n".join(bad)
