"""Parameter facts from a command's "Parameters" bullet list: names, types, ranges, defaults, units.

Only facts are kept (names, enumerated values, numbers); the guide's explanatory sentences are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spec.extract.rst import plain
from spec.params import ParamSpec, ParamType, Range

_ITEM = re.compile(r"^(\s*)[-*]\s+(.*)$")
_NAMED = re.compile(r"^\*\*\s*(\[?<[^*]+?>\]?(?:\s*(?:,|and|/)\s*\[?<[^*]+?>\]?)*)\s*\*\*\s*[:：]?\s*(.*)$")
_ONE = re.compile(r'<\s*("?)\s*([^<>"]+?)\s*"?\s*>')
_ENUM = re.compile(r"^(-?(?:0x[0-9A-Fa-f]+|\d+)|\"[^\"]+\")\s*[:：]\s*")
_RANGE = re.compile(
    r"[Rr]ange\s*(?:is|:)?\s*:?\s*\[\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*,\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*\]"
)
_DEFAULT = re.compile(
    r"(?:[Dd]efault(?: value)?(?: is)?\s*[:：]?\s*|[Dd]efaults to\s+)"
    r"(\"[^\"]*\"|-?0x[0-9A-Fa-f]+|-?\d+(?:\.\d+)?|[A-Za-z_][\w.-]*)"
)
_UNIT = re.compile(
    r"[Uu]nit\s*[:：]\s*"
    r"(milliseconds?|seconds?|minutes?|hours?|bytes?|ms|s|dBm|0\.25 dBm|Hz|us|microseconds?)"
)
_MAXLEN = re.compile(r"(?:[Mm]aximum|[Mm]ax\.?) length\s*(?:is|:)?\s*:?\s*(\d+)")


@dataclass
class _Item:
    indent: int
    text: str
    children: list[_Item] = field(default_factory=list)


def _tree(text: str) -> list[_Item]:
    roots: list[_Item] = []
    stack: list[_Item] = []
    for line in text.split("\n"):
        m = _ITEM.match(line)
        if m:
            item = _Item(len(m.group(1)), m.group(2).strip())
            while stack and stack[-1].indent >= item.indent:
                stack.pop()
            (stack[-1].children if stack else roots).append(item)
            stack.append(item)
        elif line.strip() and stack:
            stack[-1].text += " " + line.strip()
    return roots


def _num(text: str) -> int:
    return int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text)


def _infer_type(name: str, quoted: bool, text: str) -> ParamType:
    low = name.lower()
    if quoted:
        if "ip6" in low or "ipv6" in low:
            return ParamType.IPV6
        ipv4_name = re.search(r"(^|\s)ip($|\s)|ip address|gateway|netmask|mask$", low)
        if ipv4_name and "ipv6" not in text.lower():
            return ParamType.IP
        if re.search(r"(^|\s|_)(mac|bssid)($|\s|_)", low):
            return ParamType.MAC
        return ParamType.STR
    if re.search(r"info|version|compile time|module_name|asctime", low):
        return ParamType.STR  # free text printed bare (3.1.4 AT+GMR, 3.3.21)
    if re.search(r"hexadecimal|\b0x[0-9A-Fa-f]+", text) and not re.search(
        r"decimal(?! ?point)", text.replace("hexadecimal", "")
    ):
        return ParamType.HEX
    return ParamType.INT


def _enum_key(raw: str, ptype: ParamType) -> int | str | None:
    raw = raw.strip()
    if raw.startswith('"'):
        return (
            raw.strip('"') if ptype in (ParamType.STR, ParamType.IP, ParamType.IPV6, ParamType.MAC) else None
        )
    if ptype in (ParamType.INT, ParamType.HEX):
        return _num(raw)
    return None


def _default(raw: str | None, ptype: ParamType) -> int | str | None:
    if raw is None:
        return None
    raw = raw.strip()
    if ptype in (ParamType.INT, ParamType.HEX) and re.fullmatch(r"-?(0x[0-9A-Fa-f]+|\d+)", raw):
        return _num(raw)
    if raw.startswith('"'):
        return raw.strip('"')
    return None if ptype in (ParamType.INT, ParamType.HEX) else raw


def parse_param_list(text: str) -> list[ParamSpec]:
    """Parameters from the bullet list of one "Parameters" section (already directive-resolved)."""
    params: list[ParamSpec] = []
    for item in _tree(text):
        m = _NAMED.match(item.text)
        if not m:
            continue
        names = _ONE.findall(m.group(1))
        desc = plain(m.group(2))
        sub_texts = [plain(c.text) for c in item.children]
        enum_raw: list[str] = []
        default_raw: str | None = None
        for sub in sub_texts:
            em = _ENUM.match(sub)
            if em:
                enum_raw.append(em.group(1))
                if re.search(r"\(?[Dd]efault(?: value)?\)?\.?\s*$|\([Dd]efault", sub):
                    default_raw = em.group(1)
        whole = " ".join([desc, *sub_texts])
        rm = _RANGE.search(whole)
        dm = _DEFAULT.search(desc) or (None if default_raw else _DEFAULT.search(whole))
        if dm and default_raw is None:
            default_raw = dm.group(1)
        um = _UNIT.search(whole)
        lm = _MAXLEN.search(whole)
        for quote, name in names:
            quoted = bool(quote)
            ptype = _infer_type(name, quoted, whole)
            enum: dict[int | str, str] = {}
            for raw in enum_raw:
                key = _enum_key(raw, ptype)
                if key is not None:
                    enum[key] = ""
            numeric = ptype in (ParamType.INT, ParamType.HEX)
            params.append(
                ParamSpec(
                    name=name,
                    quoted=quoted,
                    type=ptype,
                    enum=enum,
                    range=(Range(min=_num(rm.group(1)), max=_num(rm.group(2))),) if rm and numeric else (),
                    default=_default(default_raw, ptype),
                    max_len=int(lm.group(1)) if lm and not numeric else None,
                    unit=um.group(1) if um else None,
                )
            )
    return params


def optional_names(syntax: list[str]) -> set[str]:
    """Names of the parameters that sit inside ``[...]`` in some syntax line."""
    found: set[str] = set()
    for line in syntax:
        depth = 0
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "[":
                depth += 1
            elif ch == "]":
                depth = max(0, depth - 1)
            elif ch == "<":
                end = line.find(">", i)
                if end < 0:
                    break
                if depth:
                    m = _ONE.match(line[i : end + 1])
                    if m:
                        found.add(m.group(2))
                i = end
            i += 1
    return found
