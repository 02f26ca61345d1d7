"""Read the chapter-4 examples out of the guide's RST, to check and to draft spec/examples/*.yaml.

- :func:`section_ref`: where an example is in the RST (its file and heading, as its example file records).
- :func:`section_text`: the RST text of one example, so tests can check every line of an example file
  still occurs in the guide.
- :func:`raw_steps`: the numbered steps of an example with their code blocks, labelled command / response /
  other; :func:`draft` turns them into an example dict, a starting point that is then curated by hand.

``python -m spec.examples_extract draft 4.8.2`` prints a draft as YAML.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from spec.examples import UnknownExampleError, example
from spec.messages_extract import guide_file

_EX = "AT_Command_Examples/"


@dataclass(frozen=True)
class SectionRef:
    """Where one example of chapter 4 is in the RST."""

    section: str
    file: str
    heading: str
    command_set: str


class ExampleSourceError(Exception):
    """An example's heading is not where its example file says."""


def section_ref(section: str) -> SectionRef:
    """Where the example of a section is in the RST, as spec/examples/<section>.yaml records it."""
    try:
        ex = example(section)
    except UnknownExampleError as exc:
        raise ExampleSourceError(str(exc)) from exc
    return SectionRef(ex.section, ex.source.file, ex.source.heading, ex.command_set)


_UNDERLINE = re.compile(r"^\s*(-{3,}|={3,}|\^{3,}|~{3,}|\*{3,})\s*$")


def _headings(lines: list[str]) -> list[tuple[int, str, str]]:
    """(line index, text, underline character) for every section heading."""
    out = []
    for i in range(len(lines) - 1):
        m = _UNDERLINE.match(lines[i + 1])
        if m and lines[i].strip() and not _UNDERLINE.match(lines[i]):
            out.append((i, lines[i].strip(), m.group(1)[0]))
    return out


@dataclass(frozen=True)
class SectionText:
    """The RST lines of one example, from its heading to the next heading of the same level."""

    ref: SectionRef
    path: Path
    first_line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def section_text(section: str | SectionRef, guide: Path | None = None) -> SectionText:
    """The RST text of one chapter-4 example (by section number, or by a SectionRef for a new one)."""
    ref = section if isinstance(section, SectionRef) else section_ref(section)
    path = guide_file(ref.file, guide)
    lines = path.read_text(encoding="utf-8").splitlines()
    heads = _headings(lines)
    for n, (index, text, char) in enumerate(heads):
        if text == ref.heading:
            end = len(lines)
            for later, _, later_char in heads[n + 1 :]:
                if later_char == char:
                    end = later
                    break
            return SectionText(ref, path, index + 1, lines[index:end])
    raise ExampleSourceError(f"heading {ref.heading!r} of {section} not found in {path}")


@dataclass
class RawBlock:
    """A code block inside a numbered step: what labelled it and its lines (common indent removed)."""

    label: str  # command | response | other
    lines: list[str]
    lead: str  # the prose paragraph just before the block (the label line for command/response)
    #: the board role the guide names for this block ("server", "client", "publisher", ...), if any
    role: str | None = None


@dataclass
class RawStep:
    """One ``#.`` item of an example."""

    number: int
    title: str
    blocks: list[RawBlock] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _dedent(block: list[str]) -> list[str]:
    while block and not block[-1].strip():
        block.pop()
    while block and not block[0].strip():
        block.pop(0)
    indent = min((len(x) - len(x.lstrip()) for x in block if x.strip()), default=0)
    # a trailing "// comment" after white space is the guide's annotation, not output
    return [re.sub(r"\s+//.*$", "", x[indent:]).rstrip() for x in block]


def _only_matches(expression: str, target: str = "esp32") -> bool:
    """Whether an ``.. only::`` expression (``esp32 or esp32c3``, ``not esp32c2``) selects the target."""
    for term in expression.split(" or "):
        words = term.replace("(", " ").replace(")", " ").split()
        if words[:1] == ["not"] and words[1:] and words[1] != target:
            return True
        if words == [target]:
            return True
    return False


_ROLE_LINE = re.compile(r"(?:Bluetooth LE|MQTT) (server|client|publisher|subscriber)( side)?:$")
_ROLE_TITLE = re.compile(r"Bluetooth LE (server|client)\b")


def raw_steps(section: str | SectionRef, guide: Path | None = None) -> list[RawStep]:
    """The numbered steps of one example with their code blocks, in order."""
    lines = section_text(section, guide).lines
    steps: list[RawStep] = []
    if not any(re.match(r"^\s*(?:#|\d+)\.\s+", x) for x in lines):
        # a section told in prose and figures: its code blocks all belong to one implicit step
        steps.append(RawStep(1, lines[0].strip()))
    para: list[str] = []
    after_blank = False
    role: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        item = re.match(r"^(\s*)(?:#|\d+)\.\s+(.*)$", line)
        code = re.match(r"^(\s*)(?:\.\. code-block::.*|::)\s*$", line) or (
            line.rstrip().endswith("::") and not line.strip().startswith("..")
        )
        only = re.match(r"^(\s*)\.\. only::\s*(.*)$", line)
        if only:
            if not _only_matches(only.group(2)):
                indent = len(only.group(1))
                i += 1
                while i < len(lines) and (
                    not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
                ):
                    i += 1
                continue
            i += 1
            continue
        if item:
            steps.append(RawStep(len(steps) + 1, item.group(2).strip()))
            titled = {m.group(1) for m in _ROLE_TITLE.finditer(item.group(2))}
            role = titled.pop() if len(titled) == 1 else None
            para = []
            after_blank = False
            i += 1
            continue
        elif code and steps:
            indent = len(line) - len(line.lstrip())
            i += 1
            block: list[str] = []
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                block.append(lines[i])
                i += 1
            lead = " ".join(para).strip()
            label = "other"
            if re.fullmatch(r"(Command|AT Command)s?:", lead):
                label = "command"
            elif re.fullmatch(r"(Response|AT Response|Response on the .*|.*device responds):?", lead):
                label = "response"
            steps[-1].blocks.append(RawBlock(label, _dedent(block), lead, role))
            para = []
            after_blank = False
            continue
        elif line.strip() and steps:
            if after_blank:
                para = []  # a new paragraph; the previous one stays the lead only up to the next block
            marker = _ROLE_LINE.search(line.strip())
            if marker:
                role = marker.group(1)
            para.append(line.strip())
            steps[-1].prose.append(line.strip())
        after_blank = not line.strip()
        i += 1
    return steps


_HOST_SIDE = re.compile(
    r"^(import |from \S+ import|def |async |class |#!|openssl |mosquitto|sudo |python|pip |nc |\$ |"
    r"\./build\.py|idf\.py|cd |mkdir |cp |if __name__)"
)


def _host_side(lines: list[str]) -> bool:
    """Whether a code block is a host-side command or script rather than the board's output."""
    return any(_HOST_SIDE.match(x.strip()) for x in lines)


_ANSWERED = ("command", "send_data")


def _stripped(lines: list[str]) -> list[str]:
    return [x.strip() for x in lines]


def _nonblank(lines: list[str]) -> list[str]:
    return [x.strip() for x in lines if x.strip()]


def draft(ref: SectionRef, guide: Path | None = None) -> dict[str, object]:
    """A first example dict for one section: command/response/send_data/expect_urc steps, no placeholders.

    Prose-only steps become ``manual`` steps pointing at the guide's step number; a curator then adds peer
    steps and placeholders and sets ``fidelity``.
    """
    section = ref.section
    out_steps: list[dict[str, object]] = []
    raws = raw_steps(ref, guide)
    roles = list(dict.fromkeys(b.role for raw in raws for b in raw.blocks if b.role))
    for raw in raws:
        emitted = False
        for block in raw.blocks:
            first_new = len(out_steps)
            if block.label == "command":
                for cmd in [x for x in block.lines if x.strip()]:
                    # the guide sometimes puts the bytes typed after '>' in a Command block
                    typed = re.fullmatch(r"Write \d+ bytes? ``(.+)``", cmd.strip())
                    if typed:
                        out_steps.append({"kind": "send_data", "data": typed.group(1), "response": []})
                    else:
                        out_steps.append({"kind": "command", "line": cmd.strip(), "response": []})
                emitted = True
            elif block.label == "response" and out_steps and out_steps[-1]["kind"] in _ANSWERED:
                out_steps[-1]["response"] = [x.strip() for x in block.lines]
            elif block.label == "response":
                out_steps.append(
                    {"kind": "expect_urc", "lines": [x.strip() for x in block.lines if x.strip()]}
                )
            elif _host_side(block.lines):
                out_steps.append(
                    {"kind": "manual", "action": f"guide step {raw.number}: run the host-side tool it shows"}
                )
            else:
                m = re.search(r"``([^`]+)``", block.lead)
                if re.search(r"\b(Input|Enter|enter|input)\b", block.lead) and m:
                    out_steps.append(
                        {
                            "kind": "send_data",
                            "data": m.group(1),
                            "response": [x.strip() for x in block.lines],
                        }
                    )
                else:
                    out_steps.append(
                        {"kind": "expect_urc", "lines": [x.strip() for x in block.lines if x.strip()]}
                    )
            emitted = True
            if len(roles) > 1:
                for made in out_steps[first_new:]:
                    made["board"] = block.role or roles[0]
        if not emitted:
            out_steps.append({"kind": "manual", "action": f"guide step {raw.number} (no AT command)"})
    extra: dict[str, object] = {"boards": roles} if len(roles) > 1 else {}
    return {
        **extra,
        "section": section,
        "title": ref.heading.replace("{IDF_TARGET_NAME}", "ESP32").replace(
            ":term:`system message`", "system message"
        ),
        "source": {"file": ref.file, "heading": ref.heading},
        "command_set": ref.command_set,
        "requires": [],
        "fidelity": "draft",
        "placeholders": {},
        "steps": out_steps,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    usage = (
        "usage: python -m spec.examples_extract {draft|raw} SECTION\n"
        "       python -m spec.examples_extract draft SECTION RST_FILE HEADING COMMAND_SET  (a new example)"
    )
    if len(args) not in (2, 5) or args[0] not in ("draft", "raw"):
        print(usage, file=sys.stderr)
        return 2
    try:
        ref = SectionRef(args[1], _EX + args[2], args[3], args[4]) if len(args) == 5 else section_ref(args[1])
        if args[0] == "draft":
            yaml.safe_dump(draft(ref), sys.stdout, sort_keys=False, allow_unicode=True, width=120)
        else:
            for step in raw_steps(ref):
                print(f"#{step.number} {step.title}")
                for block in step.blocks:
                    print(f"  [{block.label}] {block.lead[:60]!r}")
                    for x in block.lines:
                        print(f"      {x}")
    except ExampleSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
