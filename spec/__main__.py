"""``python -m spec stats | show NAME | extract [--check] | diff vA vB [--json]``: the guide as data, from the
command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from spec import Spec, SpecError, UnknownCommand, load_spec
from spec.model import Command


def _count_other(loader: Callable[[], object]) -> int | None:
    """Size of what another spec loader returns, or None when that part is not there (yet)."""
    try:
        value = loader()
    except Exception:  # a missing or broken sibling data file must not hide our own counts
        return None
    for attr in ("codes", "entries", "items"):
        inner = getattr(value, attr, None)
        if inner is not None:
            value = inner
            break
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _error_code_list(catalog: object) -> list[object]:
    """Every documented error code value: the subcategories (3.17) and the MQTT, HTTP and EAP tables."""
    codes: list[object] = list(getattr(catalog, "subcategories", []))
    for table in ("mqtt", "http", "eap"):
        codes += list(getattr(getattr(catalog, table, None), "codes", []))
    return codes


def _other_counts() -> dict[str, int | None]:
    counts: dict[str, int | None] = {"examples": None, "urcs": None, "error_codes": None}
    try:
        from spec import examples

        counts["examples"] = _count_other(examples.load_examples)
    except ImportError:
        pass
    try:
        from spec import messages

        counts["urcs"] = _count_other(messages.load_urcs)
        counts["error_codes"] = _count_other(lambda: _error_code_list(messages.load_error_codes()))
    except ImportError:
        pass
    return counts


def stats(spec: Spec) -> dict[str, object]:
    """The counts of chapter 3 (and of the sibling data: chapter 4 examples, URCs, error codes)."""
    per_set: dict[str, dict[str, int]] = {}
    for s in spec.sets:
        per_set[s.command_set] = {
            "commands": len(s.commands),
            "forms": sum(len(c.forms) for c in s.commands),
            "syntax_blocks": sum(f.block_count for c in s.commands for f in c.forms),
            "params": sum(len(c.params) for c in s.commands),
            "command_examples": sum(len(c.examples) for c in s.commands),
        }
    total = {k: sum(v[k] for v in per_set.values()) for k in next(iter(per_set.values()))}
    kinds: dict[str, int] = {}
    for c in spec:
        for f in c.forms:
            kinds[f.kind.value] = kinds.get(f.kind.value, 0) + 1
    return {
        **total,
        "forms_by_kind": kinds,
        "not_in_default_firmware": sum(not c.default_firmware for c in spec),
        **_other_counts(),
        "command_sets": per_set,
    }


def show(command: Command) -> str:
    """A person-readable view of one command: forms, syntax, response templates, parameters, examples."""
    out = [f"{command.name}  ({command.section}, {command.command_set})  {command.title}"]
    if command.aliases:
        out.append(f"  aliases: {', '.join(command.aliases)}")
    if not command.default_firmware:
        out.append("  not in the default firmware")
    if command.build_option:
        out.append(f"  menuconfig: {command.build_option}")
    if command.persistence:
        out.append(f"  persistence: {command.persistence.value}")
    if command.same_as:
        out.append(f"  documented as: same as {command.same_as}")
    for form in command.forms:
        out.append(f"\n[{form.kind.value}]  ({form.block_count} syntax block(s))")
        for line in form.syntax:
            out.append(f"  > {line}")
        for i, template in enumerate(form.responses, 1):
            out.append(f"  response {i}:")
            out.extend(f"    | {x}" for x in template.split("\n"))
    if command.params:
        out.append("\nparameters:")
        for p in command.params:
            out.append(
                f"  {p.placeholder:<28} {p.describe()}"
                + (f", default {p.default}" if p.default is not None else "")
                + (" (optional)" if p.optional else "")
                + (f", unit {p.unit}" if p.unit else "")
            )
    if command.examples:
        out.append("\nexamples:")
        for e in command.examples:
            out.append(f"  > {e.command}")
            if e.response:
                out.extend(f"    | {x}" for x in e.response.split("\n"))
    return "\n".join(out)


def _diff(old: str, new: str, *, as_json: bool) -> int:
    """``python -m spec diff``: chapter 3 from the data sets, error codes from the releases' pages."""
    from spec.extract.error_tables import release_error_tables
    from spec.extract.sources import SourcesMissing, UnknownRelease
    from spec.release_diff import diff_error_codes, diff_specs, render_text, to_json
    from spec.releases import absent_sets, load_release

    try:
        changes = diff_specs(load_release(old), load_release(new))
        notes = [f"{r} has no {s} page: {why}" for r in (old, new) for s, why in absent_sets(r).items()]
        notes.append(
            "each release's data carries the corrections written for it (spec/corrections.yaml: v5.0.0.0 "
            "unless an entry lists releases:), so a parameter type or length may differ by a correction, "
            "not by the guide; the RST of both releases decides"
        )
    except (UnknownRelease, SpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        changes += diff_error_codes(release_error_tables(old), release_error_tables(new))
    except SourcesMissing as exc:
        notes.append(f"error codes not compared: {exc}")
    print(json.dumps(to_json(old, new, changes, notes)) if as_json else render_text(old, new, changes, notes))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spec", description="The ESP-AT user guide as data.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_stats = sub.add_parser("stats", help="print the counts as one JSON object")
    p_stats.add_argument("--release", default=None, help="a release of the guide (default v5.0.0.0)")
    p_show = sub.add_parser("show", help="show one command (e.g. AT+CIPSTART)")
    p_show.add_argument("name")
    p_ext = sub.add_parser("extract", help="rebuild spec/data from the guide's sources")
    p_ext.add_argument("--check", action="store_true", help="only report stale data files")
    p_ext.add_argument("--release", default=None, help="a release of the guide (default v5.0.0.0)")
    p_diff = sub.add_parser("diff", help="what changed in the guide between two releases")
    p_diff.add_argument("old", help="the older release, e.g. v4.1.1.0")
    p_diff.add_argument("new", help="the newer release, e.g. v5.0.0.0")
    p_diff.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = parser.parse_args(argv)
    if args.cmd == "diff":
        return _diff(args.old, args.new, as_json=args.json)
    if args.cmd == "extract":
        from spec.extract import run
        from spec.extract.sources import RELEASE

        return run(check=args.check, release=args.release or RELEASE)
    if args.cmd == "stats" and args.release:
        from spec.extract.sources import RELEASE, UnknownRelease
        from spec.releases import absent_sets, load_release

        try:
            data = {
                "release": args.release,
                **stats(load_release(args.release)),
                "absent": absent_sets(args.release),
            }
            if args.release != RELEASE:  # the chapter-4 examples, URCs and error codes are v5.0.0.0's only
                data = {k: v for k, v in data.items() if k not in ("examples", "urcs", "error_codes")}
        except (UnknownRelease, SpecError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(data))
        return 0
    spec = load_spec()
    if args.cmd == "stats":
        print(json.dumps(stats(spec)))
        return 0
    try:
        print(show(spec.command(args.name)))
    except UnknownCommand as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
