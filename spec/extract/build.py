"""Rebuild ``spec/data/*.yaml`` from the guide's RST pages, the seed and ``spec/corrections.yaml``.

Deterministic: the same inputs always give byte-identical files (a test compares the committed data with
a fresh extraction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from spec.extract.commands import ExtractError, RawCommand, build_command, for_target, is_command_section
from spec.extract.corrections import Corrections
from spec.extract.rst import Section, load_page, plain, split_blocks, split_sections
from spec.extract.seed import Seed, SeedSection
from spec.extract.sources import DATA_DIR, PAGES, Sources
from spec.extract.toctree import chapters
from spec.model import Command, CommandSetFile, Example, Form, Persistence
from spec.params import ParamSpec

_KEYWORD_GROUPS = (("BluFi", "AT+BLUFI"), ("HID", "AT+BLEHID"), ("SPP", "AT+BTSPP"), ("A2DP", "AT+BTA2DP"))


@dataclass(frozen=True)
class _Availability:
    default: bool
    option: str | None
    except_: frozenset[str]
    per_command: dict[str, str]
    per_prefix: dict[str, str]

    def for_command(self, name: str, rst_name: str) -> tuple[bool, str | None]:
        default = self.default and rst_name not in self.except_
        option = self.per_command.get(rst_name)
        if option is None:
            option = next((o for p, o in self.per_prefix.items() if rst_name.startswith(p)), self.option)
        return default, option


def _availability(page: Section) -> _Availability:
    """Whether the default firmware has the page's commands, and which menuconfig entry governs them."""
    intro = next((s for s in page.children if s.title.strip().lower().startswith("introduction")), None)
    text = "\n".join(intro.body) if intro else ""
    default = "does not support" not in text
    except_ = frozenset(re.findall(r"except :ref:`(AT\+[A-Z0-9_]+)", text))
    per_command: dict[str, str] = {}
    per_prefix: dict[str, str] = {}
    general: str | None = None
    for b in split_blocks(intro.body if intro else []):
        if b.kind != "bullets":
            continue
        for line in re.split(r"\n(?=\s*- )", b.text):
            path = re.findall(r"``([^`]+)``", line)
            if not path or "Component config" not in path[0]:
                continue
            option = " > ".join(p.strip() for p in " -> ".join(path).split("->"))
            refs = re.findall(r":ref:`(AT\+[A-Z0-9_]+)", line)
            if refs:
                for r in refs:
                    per_command[r] = option
                continue
            group = next((prefix for word, prefix in _KEYWORD_GROUPS if word in line), None)
            if group:
                per_prefix[group] = option
            elif general is None:
                general = option
    return _Availability(default, general, except_, per_command, per_prefix)


def _rename_text(text: str, old: str, new: str) -> str:
    return re.sub(r"(?<![A-Z0-9_])" + re.escape(old) + r"(?![A-Z0-9_])", new, text)


def _apply_rename(raw: RawCommand, old: str, new: str) -> RawCommand:
    """Carry the seed's name into the command's own texts (syntax, responses, examples)."""
    o, n = old.removeprefix("AT+"), new.removeprefix("AT+")
    forms = [
        f.model_copy(
            update={
                "syntax_blocks": [_rename_text(x, o, n) for x in f.syntax_blocks],
                "syntax": [_rename_text(x, o, n) for x in f.syntax],
                "responses": [_rename_text(x, o, n) for x in f.responses],
            }
        )
        for f in raw.forms
    ]
    examples = [
        Example(command=_rename_text(e.command, o, n), response=e.response and _rename_text(e.response, o, n))
        for e in raw.examples
    ]
    raw.forms, raw.examples = forms, examples
    return raw


def _apply_kind_fixes(section: str, forms: list[Form], corr: Corrections) -> list[Form]:
    out = list(forms)
    for fix in corr.kinds:
        if fix.section != section:
            continue
        idx = next((i for i, f in enumerate(out) if f.kind is fix.guide), None)
        if idx is None or any(f.kind is fix.spec for f in out):
            raise ExtractError(f"{section}: kind correction {fix.guide} -> {fix.spec} does not apply")
        out[idx] = out[idx].model_copy(update={"kind": fix.spec})
    return out


def _apply_responses_from(section: str, forms: list[Form], corr: Corrections) -> list[Form]:
    out = list(forms)
    for fix in corr.responses_from:
        if fix.section != section:
            continue
        target = next((i for i, f in enumerate(out) if f.kind is fix.form), None)
        source = next((f for f in out if f.kind is fix.same_as), None)
        if target is None or source is None or out[target].responses:
            raise ExtractError(f"{section}: responses_from {fix.form} <- {fix.same_as} does not apply")
        out[target] = out[target].model_copy(update={"responses": list(source.responses)})
    return out


def _apply_text_fixes(section: str, forms: list[Form], corr: Corrections) -> list[Form]:
    out: list[Form] = []
    for f in forms:
        for fix in corr.text:
            if fix.section != section or fix.form is not f.kind:
                continue
            values = list(getattr(f, fix.field))
            if fix.guide not in values:
                raise ExtractError(
                    f"{section} {f.kind}: correction expects {fix.field} {fix.guide!r}; "
                    "the extracted form has no such text"
                )
            values[values.index(fix.guide)] = fix.spec
            update: dict[str, object] = {fix.field: values}
            if fix.field == "syntax":
                update["syntax_blocks"] = [b.replace(fix.guide, fix.spec) for b in f.syntax_blocks]
            f = f.model_copy(update=update)
        out.append(f)
    return out


def _apply_line_fixes(section: str, forms: list[Form], corr: Corrections) -> list[Form]:
    fixes = [x for x in corr.lines if x.section == section]
    used: set[int] = set()
    out: list[Form] = []
    for f in forms:
        responses = list(f.responses)
        for n, fix in enumerate(fixes):
            if fix.form is not f.kind:
                continue
            for i, block in enumerate(responses):
                lines = block.split("\n")
                if fix.guide in lines:
                    responses[i] = "\n".join(fix.spec if line == fix.guide else line for line in lines)
                    used.add(n)
        out.append(f.model_copy(update={"responses": responses}) if responses != f.responses else f)
    for n, fix in enumerate(fixes):
        if n not in used:
            raise ExtractError(f"{section} {fix.form}: line correction expects a response line {fix.guide!r}")
    return out


def _apply_example_fixes(section: str, examples: list[Example], corr: Corrections) -> list[Example]:
    out = list(examples)
    for fix in corr.examples:
        if fix.section != section:
            continue
        idx = next(
            (i for i, e in enumerate(out) if e.command == fix.command and e.response == fix.guide), None
        )
        if idx is None:
            raise ExtractError(f"{section}: example correction for {fix.command!r} matches no example")
        out[idx] = Example(command=fix.spec_command or fix.command, response=fix.spec)
    return out


def _apply_param_fixes(section: str, params: list[ParamSpec], corr: Corrections) -> list[ParamSpec]:
    out = list(params)
    for fix in corr.params:
        if fix.section != section:
            continue
        idx = next((i for i, p in enumerate(out) if p.name == fix.name), None)
        if idx is None:
            raise ExtractError(f"{section}: parameter correction for <{fix.name}>, no such parameter")
        out[idx] = ParamSpec.model_validate({**out[idx].model_dump(), **fix.set})
    for add in corr.added_params:
        if add.section != section:
            continue
        new = ParamSpec.model_validate(add.param)
        if any(p.name == new.name for p in out):
            raise ExtractError(f"{section}: added parameter <{new.name}> is already in the parameter list")
        out.append(new)
    return out


def _command(
    raw: RawCommand, section: str, avail: _Availability, corr: Corrections, command_set: str
) -> Command:
    rst_name = raw.name
    name = rst_name
    aliases: list[str] = []
    for ov in corr.names:
        if ov.section == section:
            if ov.guide != rst_name:
                raise ExtractError(f"{section}: name correction expects {ov.guide!r}, RST has {rst_name!r}")
            name = ov.spec
    for rn in corr.renames:
        if rn.section == section:
            if rn.rst != rst_name:
                raise ExtractError(f"{section}: rename expects RST name {rn.rst!r}, found {rst_name!r}")
            raw = _apply_rename(raw, rn.rst, rn.seed)
            name, aliases = rn.seed, [rn.rst]
    default, option = avail.for_command(name, rst_name)
    for fix in corr.availability:
        if fix.section == section:
            if fix.command != name:
                raise ExtractError(f"{section}: availability correction names {fix.command}, not {name}")
            default, option = fix.default_firmware, fix.build_option or option
    forms = _apply_responses_from(section, _apply_kind_fixes(section, raw.forms, corr), corr)
    same_as = None
    if not raw.forms and raw.references:
        same_as = raw.references[0]
    return Command(
        name=name,
        aliases=aliases,
        section=section,
        command_set=command_set,
        title=raw.title,
        default_firmware=default,
        build_option=option,
        forms=_apply_line_fixes(section, _apply_text_fixes(section, forms, corr), corr),
        params=_apply_param_fixes(section, raw.params, corr),
        persistence=raw.persistence,
        examples=_apply_example_fixes(section, raw.examples, corr),
        same_as=same_as,
    )


def _persistence_lists(sources: Sources) -> dict[str, Persistence]:
    """The two lists that state persistence for many commands at once.

    3.16 ("saved in flash", index page) names the commands always written to flash; the note of 3.1.28
    (AT+SYSSTORE) names the commands whose set forms are written only while AT+SYSSTORE=1. They take
    precedence over the per-command notes (3.3.26 AT+CIPSSLCCONF's note says "saved" without the
    condition, see corrections.yaml decisions).
    """
    found: dict[str, Persistence] = {}
    index = split_sections(load_page((sources.rst_dir / "index.rst").read_text(encoding="utf-8")))
    for sec in index.walk():
        if sec.title.startswith("AT Commands with Configuration Saved in the Flash"):
            for name in re.findall(r"(?m)^\s*-\s+:ref:`(AT\+[A-Z0-9_]+)", "\n".join(sec.body)):
                found[name] = Persistence.flash
    basic = split_sections(load_page(sources.page("basic").read_text(encoding="utf-8")))
    for sec in basic.walk():
        if sec.title.startswith(":ref:`AT+SYSSTORE"):
            notes = [s for s in sec.children if s.title.lower().startswith("note")]
            for note in notes:
                for name in re.findall(r"(?m)^\s*-\s+:ref:`(AT\+[A-Z0-9_]+)", "\n".join(note.body)):
                    if name != "AT+SYSSTORE":
                        found.setdefault(name, Persistence.sysstore)
    if not found:
        raise ExtractError("no persistence lists found (index page 3.16, AT+SYSSTORE notes)")
    return found


@dataclass(frozen=True)
class _Numbering:
    """Section numbers of one release's command sections: the seed's table of contents (v5.0.0.0), or the
    release's own index toctree (chapter 3.N = N-th page, section 3.N.k = k-th command section)."""

    chapters: dict[str, str]  #: command set -> chapter, for the sets the release has
    seed_toc: list[SeedSection] | None

    def sections(self, command_set: str, count: int, page_name: str) -> list[str]:
        chapter = self.chapters[command_set]
        if self.seed_toc is None:
            return [f"{chapter}.{k}" for k in range(1, count + 1)]
        secs = [t.section for t in self.seed_toc if t.chapter == chapter]
        if count != len(secs):
            raise ExtractError(
                f"{page_name}: {count} command sections in the RST, "
                f"{len(secs)} in the seed's chapter {chapter}"
            )
        return secs


def _numbering(sources: Sources) -> _Numbering:
    if sources.has_seed:
        return _Numbering({k: v[0] for k, v in PAGES.items()}, Seed.load(sources.seed).toc())
    by_page = chapters(sources.numbering_index)
    found = {k: by_page[v[1]] for k, v in PAGES.items() if v[1] in by_page and sources.page(k).is_file()}
    return _Numbering(found, None)


def _page(sources: Sources, command_set: str) -> Section:
    path = sources.page(command_set)
    root = split_sections(load_page(path.read_text(encoding="utf-8")))
    if not root.children:
        raise ExtractError(f"{path}: no page title")
    return root.children[0]


def absent_sets(sources: Sources) -> dict[str, str]:
    """The command sets the release's guide does not give the ESP32, each with the reason (recorded, not an
    error: v2.x has no FS page, v2.2.0.0's Signaling Test page is "[ESP8266 Only]")."""
    numbering = _numbering(sources)
    absent: dict[str, str] = {}
    for command_set, (_, page_name) in PAGES.items():
        if command_set not in numbering.chapters:
            absent[command_set] = f"no {page_name} in the release's toctree"
        elif not for_target(_page(sources, command_set).title):
            absent[command_set] = f"{page_name} is headed for another chip"
    return absent


def extract(sources: Sources, corrections: Corrections) -> list[CommandSetFile]:
    """Every command set of chapter 3 the release has for the ESP32, in chapter order; ``corrections`` are
    narrowed to those that apply to ``sources.release``. Command sections headed for another chip only
    (v2.2.0.0: ``[ESP32-S2 Only]``) keep their place in the numbering but are left out."""
    corrections = corrections.for_release(sources.release)
    numbering = _numbering(sources)
    absent = absent_sets(sources)
    persistence = _persistence_lists(sources)
    files: list[CommandSetFile] = []
    for command_set, (_, page_name) in PAGES.items():
        if command_set in absent:
            continue
        page = _page(sources, command_set)
        sections = [s for s in page.children if is_command_section(s)]
        secs = numbering.sections(command_set, len(sections), page_name)
        avail = _availability(page)
        commands: list[Command] = []
        for sec, number in zip(sections, secs, strict=True):
            if not for_target(sec.title):
                continue
            raw = build_command(sec)
            if raw.name in persistence:
                raw.persistence = persistence[raw.name]
            commands.append(_command(raw, number, avail, corrections, command_set))
        files.append(
            CommandSetFile(
                command_set=command_set,
                chapter=numbering.chapters[command_set],
                title=plain(page.title),
                source=f"docs/en/AT_Command_Set/{page_name}",
                commands=commands,
            )
        )
    return sorted(files, key=lambda f: int(f.chapter.split(".")[1]))


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _param_dict(p: ParamSpec) -> dict[str, object]:
    out = p.to_yaml_dict()
    if "enum" in out:
        out["enum"] = {k: v for k, v in p.enum.items()}
    return out


def render(file: CommandSetFile) -> str:
    """The YAML text of one data file (stable key order, block scalars for multi-line text)."""
    data = file.model_dump(mode="json", exclude_defaults=True)
    for cmd_data, cmd in zip(data["commands"], file.commands, strict=True):
        if cmd.params:
            cmd_data["params"] = [_param_dict(p) for p in cmd.params]
    head = (
        f"# ESP-AT user guide {file.chapter} ({file.command_set}), generated by `python -m spec extract`\n"
        "# from the RST pages, the seed and spec/corrections.yaml. Do not edit: fix the extractor or the\n"
        "# corrections instead.\n"
    )
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def write(files: list[CommandSetFile], out_dir: Path = DATA_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for f in files:
        p = out_dir / f"{f.command_set}.yaml"
        p.write_text(render(f), encoding="utf-8")
        written.append(p)
    return written
