"""Draft release-scoped corrections for an older release of the guide (issue 19).

``python -m spec.extract.port_corrections v4.1.1.0 wifi,tcpip`` prints, as YAML for
``spec/corrections/<release>*.yaml``, each v5.0.0.0 correction (spec/corrections.yaml) of those command sets
whose quoted guide text, or parameter description, the older release's RST page prints unchanged: with
that release's section number and the line it rests on. What it cannot carry (the text differs, the
command is absent) it lists on stderr, to be written by hand or left out. A draft: review before committing.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from spec.extract.sources import CORRECTIONS, PAGES, Sources
from spec.releases import RELEASE, load_release

#: the kinds of correction a draft carries (renames, names, seed notes and chapter 4 are per release by hand)
KINDS = ("lines", "text", "params", "added_params", "responses_from", "examples")


def _page_lines(src: Sources, command_set: str) -> list[str]:
    return src.page(command_set).read_text(encoding="utf-8").split("\n")


def _find(lines: list[str], text: str) -> list[int]:
    t = text.strip()
    return [i + 1 for i, line in enumerate(lines) if line.strip() == t]


def _param_lines(lines: list[str], name: str) -> list[tuple[int, str]]:
    keys = (f"**<{name}>**", f'**<"{name}">**')
    return [(i + 1, line.strip()) for i, line in enumerate(lines) if any(k in line for k in keys)]


def port(release: str, sets: list[str]) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """(kind -> drafted entries, reasons for each correction not carried)."""
    new_spec, old_spec = load_release(RELEASE), load_release(release)
    src_new, src_old = Sources.locate(RELEASE), Sources.locate(release)
    data = yaml.safe_load(CORRECTIONS.read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, Any]]] = {}
    skipped: list[str] = []
    for kind in KINDS:
        for e in data.get(kind) or []:
            if e.get("releases"):
                continue
            sec = str(e["section"])
            cmd = next((c for s in new_spec.sets for c in s.commands if c.section == sec), None)
            if cmd is None or cmd.command_set not in sets:
                continue
            if cmd.name not in old_spec:
                skipped.append(f"{kind} {sec} {cmd.name}: not in {release}")
                continue
            old = old_spec.command(cmd.name)
            lines_new, lines_old = _page_lines(src_new, cmd.command_set), _page_lines(src_old, cmd.command_set)
            hits, why_not = _rests_on(kind, e, old, lines_new, lines_old, release)
            if why_not:
                skipped.append(f"{kind} {sec} {cmd.name}: {why_not}")
                continue
            page = PAGES[cmd.command_set][1]
            entry = {k: v for k, v in e.items() if k != "evidence"}
            entry["section"] = old.section
            cite = ", :".join(str(h) for h in hits[:3])
            entry["evidence"] = (
                f"{release}/{page}:{cite} (the text v5.0.0.0's correction of {sec} rests on, unchanged); "
                f"as v5.0.0.0: {e.get('evidence', '')}"
            )
            out.setdefault(kind, []).append(entry)
    return out, skipped


def _rests_on(
    kind: str, e: dict[str, Any], old: Any, lines_new: list[str], lines_old: list[str], release: str
) -> tuple[list[int], str | None]:
    """The older page's lines the correction rests on, or why it cannot be carried."""
    if kind in ("lines", "text"):
        first = e["guide"].split("\n")[0]
        hits = _find(lines_old, first)
        return hits, None if hits else f"guide text not in {release}: {first!r}"
    if kind == "params":
        p_new, p_old = _param_lines(lines_new, e["name"]), _param_lines(lines_old, e["name"])
        if not p_old:
            return [], f"<{e['name']}>: no such parameter line in {release}"
        same = [n for n, t in p_old if t in {t2 for _, t2 in p_new}]
        return same, None if same else f"<{e['name']}>: described otherwise in {release}: {p_old[0][1]!r}"
    if kind == "added_params":
        name = e["param"]["name"]
        if any(p.name == name for p in old.params):
            return [], f"<{name}>: {release} lists it"
        hits = [i + 1 for i, line in enumerate(lines_old) if f"<{name}>" in line or f'<"{name}">' in line]
        return hits, None if hits else f"<{name}>: not printed in {release}"
    if kind == "examples":
        hits = _find(lines_old, e["command"])
        return hits, None if hits else f"example not in {release}"
    hits = _find(lines_old, old.name) or [i + 1 for i, line in enumerate(lines_old) if old.name in line][:1]
    return hits, None if hits else f"{old.name} not on the {release} page"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m spec.extract.port_corrections RELEASE SET[,SET...]", file=sys.stderr)
        return 2
    out, skipped = port(args[0], args[1].split(","))
    print(yaml.safe_dump(out, sort_keys=False, allow_unicode=True, width=110))
    for reason in skipped:
        print(f"not carried: {reason}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
