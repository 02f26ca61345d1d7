"""A small reStructuredText reader for the ESP-AT command-set pages.

It does just what the extractor needs, no more: it resolves the Sphinx ``only``
and ``list`` directives for one target chip, substitutes the ``{IDF_TARGET_*}``
placeholders, splits a page into its section tree and splits a section body
into labelled literal blocks, paragraphs and bullet lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TARGET = "esp32"

#: Values of the Sphinx placeholders for the classic ESP32 (docs conf of release v5.0.0.0).
GLOBAL_SUBSTITUTIONS = {
    "IDF_TARGET_NAME": "ESP32",
    "IDF_TARGET_CFG_PREFIX": "ESP32",
    "IDF_TARGET_PATH_NAME": "esp32",
}

_CHIPS = ("esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32c61", "esp32h2")
_ONLY = re.compile(r"^(\s*)\.\. only::\s*(.+?)\s*$")
_LIST = re.compile(r"^(\s*)\.\. list::\s*$")
_COND_ITEM = re.compile(r"^(\s*):([^:]+):\s?(.*)$")
_SUBST_DEF = re.compile(r"^\{(IDF_TARGET_[A-Z_]+):\s*(.*)\}\s*$")
_UNDERLINE = re.compile(r"^([=\-^~\"*+#`'])\1{2,}\s*$")
_LABEL = re.compile(r"^\.\. _([^:]+):\s*$")


class RstError(ValueError):
    """The page does not have the shape the extractor relies on."""


def eval_condition(expr: str, target: str = TARGET) -> bool:
    """Evaluate an ``only`` expression such as ``esp32 or esp32c3`` / ``not esp32c5``."""
    tokens = re.findall(r"\(|\)|[A-Za-z0-9_]+", expr)
    out: list[str] = []
    for tok in tokens:
        if tok in ("and", "or", "not", "(", ")"):
            out.append(tok)
        elif re.fullmatch(r"esp[a-z0-9]+", tok):  # v3.2.0.0 writes "esp3c3": a chip name, not ours
            out.append("True" if tok == target else "False")
        else:
            raise RstError(f"unknown token {tok!r} in only-expression {expr!r}")
    return bool(eval(" ".join(out), {"__builtins__": {}}, {}))  # noqa: S307 - tokens are whitelisted


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lines: list[str], start: int, base: int) -> int:
    """Index just past the indented block that starts at ``start`` (content indented deeper than ``base``)."""
    i = start
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
        i += 1
    # trailing blank lines belong to the outer text
    while i > start and not lines[i - 1].strip():
        i -= 1
    return i


def _dedent(lines: list[str], to: int) -> list[str]:
    content = [_indent(x) for x in lines if x.strip()]
    if not content:
        return []
    cut = min(content) - to
    return [x[cut:] if x.strip() else "" for x in lines]


def resolve_directives(lines: list[str], target: str = TARGET) -> list[str]:
    """Apply ``.. only::`` and ``.. list::`` for ``target``; return the lines a reader of that chip sees."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _ONLY.match(line)
        if m:
            base = len(m.group(1))
            end = _block(lines, i + 1, base)
            if eval_condition(m.group(2), target):
                out.extend(resolve_directives(_dedent(lines[i + 1 : end], base), target))
            i = end
            continue
        m = _LIST.match(line)
        if m:
            base = len(m.group(1))
            end = _block(lines, i + 1, base)
            body = _dedent(lines[i + 1 : end], base)
            keep: list[str] = []
            skipping_indent: int | None = None
            for item in body:
                if skipping_indent is not None:
                    if not item.strip() or _indent(item) > skipping_indent:
                        continue
                    skipping_indent = None
                cm = _COND_ITEM.match(item)
                if cm and re.match(r"^[a-z0-9 ()]+$", cm.group(2)) and "esp32" in cm.group(2):
                    if eval_condition(cm.group(2), target):
                        keep.append(cm.group(1) + cm.group(3))
                    else:
                        skipping_indent = len(cm.group(1))
                else:
                    keep.append(item)
            out.extend(resolve_directives(keep, target))
            i = end
            continue
        out.append(line)
        i += 1
    return out


def substitute(lines: list[str], target: str = TARGET) -> list[str]:
    """Replace ``{IDF_TARGET_*}`` placeholders, including the page-local definitions at the top."""
    values = dict(GLOBAL_SUBSTITUTIONS)
    kept: list[str] = []
    for line in lines:
        m = _SUBST_DEF.match(line.strip())
        if m:
            opts: dict[str, str] = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            values[m.group(1)] = opts.get(target, opts.get("default", ""))
            continue
        kept.append(line)
    pattern = re.compile(r"\{(IDF_TARGET_[A-Z_]+)\}")

    def repl(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise RstError(f"no value for placeholder {m.group(0)}")
        return values[m.group(1)]

    return [pattern.sub(repl, x) for x in kept]


def load_page(text: str, target: str = TARGET) -> list[str]:
    """The page's lines as the ``target`` reader sees them, trailing whitespace removed."""
    lines = [x.rstrip() for x in text.replace("\t", "    ").split("\n")]
    return substitute(resolve_directives(lines, target), target)


@dataclass
class Section:
    """One titled section of a page: its body lines (up to the first child) and its children."""

    title: str
    level: int
    label: str | None
    line: int
    body: list[str] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def walk(self) -> list[Section]:
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


def split_sections(lines: list[str]) -> Section:
    """Build the section tree; heading levels follow the order underline styles first appear (RST rule)."""
    styles: list[str] = []
    root = Section(title="", level=-1, label=None, line=0)
    stack = [root]
    pending_label: str | None = None
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < n else ""
        over = False
        if _UNDERLINE.match(line) and i + 2 < n and _UNDERLINE.match(lines[i + 2]) and lines[i + 1].strip():
            # over- and underlined title
            style, title, over = "o" + line[0], lines[i + 1].strip(), True
        elif line.strip() and not line.startswith(" ") and _UNDERLINE.match(nxt) and len(nxt) >= 3:
            style, title = nxt[0], line.strip()
        else:
            lm = _LABEL.match(line)
            if lm:
                pending_label = lm.group(1)
            else:
                stack[-1].body.append(line)
                if line.strip():
                    pending_label = None
            i += 1
            continue
        if style not in styles:
            styles.append(style)
        level = styles.index(style)
        while stack[-1].level >= level:
            stack.pop()
        sec = Section(title=title, level=level, label=pending_label, line=i + 1)
        pending_label = None
        stack[-1].children.append(sec)
        stack.append(sec)
        i += 3 if over else 2
    return root


@dataclass
class Block:
    """A piece of a section body: ``literal`` (an indented ``::`` block), ``para``, ``field`` (a bold
    ``**Command:**`` style label) or ``bullets`` (a list, with nesting kept as indentation)."""

    kind: str
    text: str


def split_blocks(body: list[str]) -> list[Block]:
    """Split a section body into literal blocks, bold labels, bullet lists and paragraphs."""
    blocks: list[Block] = []
    i = 0
    n = len(body)
    while i < n:
        line = body[i]
        if not line.strip():
            i += 1
            continue
        base = _indent(line)
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            intro = line.strip()[:-2].strip()
            if intro:
                blocks.append(_para_or_field(intro))
            j = i + 1
            while j < n and not body[j].strip():
                j += 1
            end = _block(body, j, base) if j < n and _indent(body[j]) > base else j
            lit = _dedent(body[j:end], 0)
            blocks.append(Block("literal", "\n".join(lit)))
            i = end
            continue
        if re.match(r"^\s*[-*]\s", line):
            j = i + 1
            while j < n and (
                not body[j].strip() or _indent(body[j]) > base or re.match(r"^\s*[-*]\s", body[j])
            ):
                if body[j].strip() and _indent(body[j]) < base:
                    break
                j += 1
            while j > i and not body[j - 1].strip():
                j -= 1
            blocks.append(Block("bullets", "\n".join(_dedent(body[i:j], 0))))
            i = j
            continue
        j = i
        para: list[str] = []
        while j < n and body[j].strip() and not (j > i and re.match(r"^\s*[-*]\s", body[j])):
            if body[j].rstrip().endswith("::") and j > i:
                break
            para.append(body[j].strip())
            j += 1
        text = " ".join(para)
        blocks.append(_para_or_field(text))
        i = j
    return blocks


def _para_or_field(text: str) -> Block:
    m = re.fullmatch(r"\*\*([A-Za-z ]+):?\*\*:?", text.strip())
    if m:
        return Block("field", m.group(1).strip())
    return Block("para", text)


_ROLE = re.compile(r":(?:ref|term|doc|sup|sub|kbd|code):`([^`]*)`")


def plain(text: str) -> str:
    """Inline markup removed: roles keep their shown text, ``**``/``*``/double backquotes dropped."""

    def role(m: re.Match[str]) -> str:
        inner = m.group(1)
        shown = re.match(r"^(.*?)\s*<[^<>]*>$", inner, re.S)
        return shown.group(1) if shown and shown.group(1) else inner

    text = _ROLE.sub(role, text)
    text = re.sub(r"`([^`<]*?)\s*<[^>]*>`_+", r"\1", text)
    text = text.replace("``", "").replace("**", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)\*(?!\w)", r"\1", text)
    return text
