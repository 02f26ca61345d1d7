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
    r"[Rr]ange[^\[\]]{0,30}?\[\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*,\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*\]"
)
_DEFAULT = re.compile(
    # "The default value is 0" (3.6.6) states the parameter's own default; "its default value is 5" (3.3.5)
    # is a menuconfig item's, so only the sentence-initial form counts.
    r"(?:\bDefault(?: value)?(?: is)?\s*[:：]?\s*|\bdefault(?: value)?\s*[:：]\s*|\b[Dd]efaults to\s+"
    r"|\bThe default value is\s+)"
    r"(\"[^\"]*\"|-?0x[0-9A-Fa-f]+|-?\d+(?:\.\d+)?|[A-Za-z_][\w.-]*)"
)
# A unit may carry a scale ("Unit: 100 milliseconds", 3.3.33; "0.25 dBm", 3.1.20) or count other events
# ("Unit: AP beacon intervals", 3.2.7).
_UNIT = re.compile(
    r"[Uu]nit\s*[:：]\s*"
    r"((?:\d+(?:\.\d+)? )?(?:milliseconds?|seconds?|minutes?|hours?|bytes?|ms|s|dBm|Hz|us|microseconds?)\b"
    r"|AP beacon intervals?)"
)
_MAXLEN = re.compile(r"(?:[Mm]aximum|[Mm]ax\.?) length\s*(?:is|:)?\s*:?\s*(\d+)")
# A string's length as a span: "Length: 8 ~ 63 bytes" (3.2.12), "Range: 1 ~ 32 bytes" and "String limited
# to 1 ~ 32" (3.2.27).
_LENSPAN = re.compile(
    r"(?:\b[Ll]ength\s*[:：]|\blimited to)\s*(\d+)\s*~\s*(\d+)"
    r"|\b[Rr]ange\s*[:：]\s*(\d+)\s*~\s*(\d+)\s*bytes\b"
)
# "(0~4)" right after the description's first words: the link ID range of 3.3.3-3.3.11.
_PAREN_SPAN = re.compile(r"\(\s*(-?\d+)\s*~\s*(-?\d+)\s*\)")
_HEX_BOUND = re.compile(
    r"[Rr]ange\s*(?:is\s*)?[:：]?\s*(?:\[[^\]]*\]|-?(?:0x[0-9A-Fa-f]+|\d+)\s*~\s*-?(?:0x[0-9A-Fa-f]+|\d+))"
    r"|\[\s*-?0x[0-9A-Fa-f]+\s*,\s*-?0x[0-9A-Fa-f]+\s*\]|max(?:imum)? value is\s*0x[0-9A-Fa-f]+"
)
# A closed list of quoted values: "A", "B", or "C" (two or more, the last after "or").
_QUOTED_CHOICE = re.compile(r'[:：]\s*(?:"[^"]+",?\s+)+(?:or\s+)?"[^"]+"(?=\s*\.)')
_MAX_IS = re.compile(r"\b[Mm]ax is (\d+)")
_UINT = re.compile(r"^\(u?int(?:8|16|32)\)")
_UINT_RANGE = {"uint8": (0, 2**8 - 1), "uint16": (0, 2**16 - 1), "uint32": (0, 2**32 - 1)}
# "2 :sup:`20`" (3.3.10) and "2 :sup:`31` - 1" (3.3.9): a power the text form would read as "2 20".
_POWER = re.compile(r"(\d+)\s*(?:\\ )?:sup:`(\d+)`(\s*[-–]\s*1\b)?")


def _powers(text: str) -> str:
    return _POWER.sub(lambda m: str(int(m.group(1)) ** int(m.group(2)) - (1 if m.group(3) else 0)), text)


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


def _descendants(item: _Item, depth: int = 1) -> list[tuple[int, _Item]]:
    out: list[tuple[int, _Item]] = []
    for child in item.children:
        out.append((depth, child))
        out.extend(_descendants(child, depth + 1))
    return out


def _num(text: str) -> int:
    return int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text)


def _infer_type(name: str, quoted: bool, text: str, desc: str = "", valued: bool = False) -> ParamType:
    """The type from the placeholder's quotes, its name and what the list says.

    ``valued`` says that the sub-items define integer values or ranges (3.1.19 <type> "1: u8 ... 7:
    string", 3.2.12 <ssid hidden>, 3.7.7 <url length>): such a parameter is a number whatever its name
    suggests. "(uint32)" in the description (3.1.29) is a number too. The word "string" counts only in
    the parameter's own description, not in the labels of its values.
    """
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
    # A bound written in hex ("Range: [0x0020,0x4000]", 3.4.8; "the max value is 0x7fffffff", 3.3.35)
    # does not make the value hex on the wire: the guide's examples send those values in decimal
    # (AT+BLEADVPARAM=50, AT+CIPRECVDATA=0,100). Hex is what the list calls hexadecimal, or what it
    # writes as a hex value or default ("0x0000: ...", "Default: 0x7FF").
    no_bounds = _HEX_BOUND.sub("", text)
    hex_text = re.search(r"hexadecimal|\b0x[0-9A-Fa-f]+", no_bounds) and not re.search(
        r"decimal(?! ?point)", no_bounds.replace("hexadecimal", "")
    )
    if not (valued or _UINT.search(desc)) and (_STRINGY_NAME.search(low) or re.search(r"\bstring\b", desc)):
        return ParamType.STR
    return ParamType.HEX if hex_text else ParamType.INT


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
    # the sentence's full stop is not part of a bare default ("Default: ``_tcp``." in 3.3.39)
    return None if ptype in (ParamType.INT, ParamType.HEX) else raw.rstrip(".")


_RANGE_ITEM = re.compile(r"^\[\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*,\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*\]\s*[:：]")
_SPAN_ITEM = re.compile(r"^(-?(?:0x[0-9A-Fa-f]+|\d+))\s*~\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*[:：]")
_BIT_ITEM = re.compile(r"^[Bb]it\s*\[?(\d+)\]?\s*[:：]")
_MEANS_ITEM = re.compile(r"^(-?\d+)\s+(?:means|indicates|for)\b")
# The whole number (no backtracking into it: "8192 bytes" is not 819); a unit other than bytes means the
# figure is not the parameter's own value ("Maximum: 2 KB").
_MAXIMUM = re.compile(
    r"(?:[Mm]aximum(?: value)?\s*[:：]|\bmax value is)\s*(0x[0-9A-Fa-f]+|\d+)"
    r"(?![\dA-Fa-f]|\s*(?!bytes?\b)[A-Za-z])"
)
_SPAN = re.compile(r"[Rr]ange\s*[:：]\s*(-?(?:0x[0-9A-Fa-f]+|\d+))\s*~\s*(-?(?:0x[0-9A-Fa-f]+|\d+))")
_STRINGY_NAME = re.compile(
    r"name|partition|address|url|path|topic|pin_code|^pin$|filter_param|hint|data$|uuid|ssid|key$"
)


@dataclass
class _Facts:
    enum: list[str] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)
    bits: list[int] = field(default_factory=list)
    default: str | None = None
    open_ended: bool = False  #: an item such as "others: ..." allows values beyond the listed ones


def _item_facts(items: list[tuple[int, str]]) -> _Facts:
    """Values, ranges and bits from the sub-items of a parameter (any depth: 3.3.5 nests the values
    of <keep_alive> under a "Range:" item); only first-level items can make the list open-ended."""
    facts = _Facts()
    for depth, sub in items:
        if m := _RANGE_ITEM.match(sub) or _SPAN_ITEM.match(sub):
            facts.ranges.append((_num(m.group(1)), _num(m.group(2))))
        elif m := re.match(r"^[Rr]ange\s*[:：]\s*\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\]\.?$", sub):
            facts.ranges.append((_num(m.group(1)), _num(m.group(2))))
        elif m := _BIT_ITEM.match(sub):
            facts.bits.append(int(m.group(1)))
        elif m := _ENUM.match(sub) or _MEANS_ITEM.match(sub):
            facts.enum.append(m.group(1))
            if re.search(r"\(?[Dd]efault(?: value)?\)?\.?\s*$|\([Dd]efault", sub):
                facts.default = m.group(1)
        elif m := re.search(r"[Rr]ange is (-?\d+) ~ (-?\d+)|[Rr]ange is \[(-?\d+),\s*(-?\d+)\]", sub):
            # a prose item stating the parameter's own range (3.1.11 baud rate, 3.1.20 Wi-Fi power)
            lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            facts.ranges.append((_num(lo), _num(hi)))
        elif depth == 1 and re.match(
            r"^(others?|other values?|any other|non-?zero|positive|negative|if|when)\b", sub, re.I
        ):
            facts.open_ended = True
        # other items are prose about the parameter, not a value definition
    return facts


def _adopt_stray_values(roots: list[_Item]) -> list[_Item]:
    """Value items printed at the indentation of the parameter bullets belong to the parameter before them.

    3.4.6 <filter_type> ("-  1: "MAC"." under "-  **[<filter_type>]**:" at the same indentation) and
    3.4.31 <auto_conn> are written so; read as they are, the values would be lost.
    """
    out: list[_Item] = []
    for item in roots:
        if out and not _NAMED.match(item.text) and (_ENUM.match(item.text) or _RANGE_ITEM.match(item.text)):
            out[-1].children.append(item)
        else:
            out.append(item)
    return out


def parse_param_list(text: str) -> list[ParamSpec]:
    """Parameters from the bullet list of one "Parameters" section (already directive-resolved).

    Enumerations are kept only when every sub-item is a value, a range or a bit (an item such as
    "others: ..." or "Other values: ..." leaves the parameter unrestricted), so that the data never
    rejects a value the guide allows.
    """
    params: list[ParamSpec] = []
    for item in _adopt_stray_values(_tree(text)):
        m = _NAMED.match(item.text)
        if not m:
            continue
        names = _ONE.findall(m.group(1))
        desc = plain(_powers(m.group(2)))
        subs = [(depth, plain(_powers(c.text))) for depth, c in _descendants(item)]
        sub_texts = [text for _, text in subs]
        facts = _item_facts(subs)
        whole = " ".join([desc, *sub_texts])
        ranges = list(facts.ranges)
        lm = _MAXLEN.search(whole)
        span = _LENSPAN.search(whole)
        ranges += [(_num(a), _num(b)) for a, b in _RANGE.findall(desc) + _SPAN.findall(desc)]
        ranges += [(_num(a), _num(b)) for a, b in _PAREN_SPAN.findall(desc)]
        if re.search(r"\(0 ~ max\)", desc) and (mx := _MAX_IS.search(desc)):
            # "ID of the connection (0 ~ max) ... max is 5 by default" (3.3.26-3.3.40): max means all links
            ranges.append((0, int(mx.group(1))))
        if (um := _UINT.match(desc)) and um.group(0).strip("()") in _UINT_RANGE:
            ranges.append(_UINT_RANGE[um.group(0).strip("()")])
        # a stated range makes a number (3.12.9 <data> "Range: 0 ~ 0xFFFFFFFF"); a "Maximum: 16 bytes" alone
        # may be a string's length (3.5.16 <pin_code>)
        stated_range = bool(ranges)
        if not ranges and (mx := _MAXIMUM.search(desc)):
            ranges.append((0, _num(mx.group(1))))
        default_raw = facts.default
        dm = _DEFAULT.search(desc) or (None if default_raw else _DEFAULT.search(whole))
        if dm and default_raw is None:
            default_raw = dm.group(1)
        um = _UNIT.search(whole)
        valued = bool(stated_range or facts.enum or facts.bits) and all(
            re.fullmatch(r"-?(0x[0-9A-Fa-f]+|\d+)", v) for v in facts.enum
        )
        for quote, name in names:
            quoted = bool(quote)
            ptype = _infer_type(name, quoted, whole, desc, valued)
            numeric = ptype in (ParamType.INT, ParamType.HEX)
            enum: dict[int | str, str] = {}
            if not facts.open_ended and not facts.bits:
                for raw in facts.enum:
                    key = _enum_key(raw, ptype)
                    if key is not None:
                        enum[key] = ""
            if quoted and not enum and (choice := _QUOTED_CHOICE.search(desc)):
                # "the type of transmission: "TCP", "TCPv6", "SSL", or "SSLv6"" (3.3.3, 3.3.5, 3.3.15)
                enum = {v: "" for v in re.findall(r'"([^"]+)"', choice.group(0))}
            use_ranges = numeric and not facts.open_ended
            params.append(
                ParamSpec(
                    name=name,
                    quoted=quoted,
                    type=ptype,
                    enum=enum,
                    range=tuple(Range(min=a, max=b) for a, b in ranges if a <= b) if use_ranges else (),
                    bits={b: "" for b in facts.bits} if numeric and not facts.open_ended else {},
                    default=_default(default_raw, ptype),
                    min_len=int(span.group(1) or span.group(3)) if span and not numeric else None,
                    max_len=(
                        int(span.group(2) or span.group(4)) if span else int(lm.group(1)) if lm else None
                    )
                    if not numeric
                    else None,
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
