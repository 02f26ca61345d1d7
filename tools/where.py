"""``python -m tools.where AT+CIPSEND``: where one command of the guide lives in this project.

For each form of the command it prints the spec entry (the guide's section, the syntax lines, the response
templates of spec/data), the simulator's handler (file, line, function) and the tests of the last run that
declared or checked the form, with the state each gave it and the checks each made (summary.json, schema 3:
reports/SCHEMA.md).

The simulator's handlers are found by reading sim/commands/*.py as source (``ast``), never by importing
sim/: a command is declared ``NAME = command("AT+X", section=...)`` (sim/at/registry.py) and a handler is
attached by a decorator ``@NAME.set`` or a call ``NAME.set(handler)``, possibly in another module that
imports ``NAME``.

    python -m tools.where AT+CIPSEND
    python -m tools.where cwjap --summary /tmp/night/summary.json
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from spec import Command, Spec, UnknownCommand, load_spec

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SUMMARY = Path("reports") / "out" / "summary.json"
#: The registry's form decorators (sim/at/registry.py CommandDef) and the guide's kinds they serve (3.15).
KINDS = ("test", "query", "set", "execute")


@dataclass(frozen=True, order=True)
class Handler:
    """One handler the simulator attaches to a form of a command."""

    command: str
    kind: str
    path: str  #: relative to the project root
    line: int
    function: str  #: the function's name, or the source of the expression attached


def handlers_in_source(text: str, path: str, names: dict[str, str] | None = None) -> list[Handler]:
    """The handlers ``text`` (one module of sim/commands) attaches. ``names`` maps variables imported from
    other modules to their command names (``CIPSEND`` -> ``AT+CIPSEND``); the module's own declarations
    are added to it."""
    tree = ast.parse(text, filename=path)
    known = dict(names or {})
    known.update(declarations_in_source(text, path))
    out: list[Handler] = []
    factories = _factories(tree)
    for stmt in tree.body:
        # ``_string_setting(CIPSSLCCN, "common_name")``: a function that decorates handlers onto the command
        # it is given (sim/commands/tcpip_ssl.py)
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            continue
        call = stmt.value
        if not isinstance(call.func, ast.Name):
            continue
        factory = call.func.id
        for index, kind, line, inner in factories.get(factory, []):
            arg = call.args[index] if index < len(call.args) else None
            if isinstance(arg, ast.Name) and arg.id in known:
                out.append(Handler(known[arg.id], kind, path, line, f"{factory}.{inner}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for dec in node.decorator_list:
                target = _form_attr(dec, known)
                if target is not None:
                    out.append(Handler(target[0], target[1], path, node.lineno, node.name))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            target = _form_attr(call.func, known)
            if target is not None and len(call.args) == 1:
                out.append(Handler(target[0], target[1], path, node.lineno, ast.unparse(call.args[0])))
    return sorted(out)


def _factories(tree: ast.Module) -> dict[str, list[tuple[int, str, int, str]]]:
    """Module-level functions that attach handlers to a parameter: name -> (parameter index, kind, line,
    inner function) per attachment."""
    out: dict[str, list[tuple[int, str, int, str]]] = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = {a.arg: i for i, a in enumerate(fn.args.args)}
        for node in ast.walk(fn):
            if node is fn or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for dec in node.decorator_list:
                if (
                    isinstance(dec, ast.Attribute)
                    and dec.attr in KINDS
                    and isinstance(dec.value, ast.Name)
                    and dec.value.id in params
                ):
                    out.setdefault(fn.name, []).append(
                        (params[dec.value.id], dec.attr, node.lineno, node.name)
                    )
    return out


def declarations_in_source(text: str, path: str = "<source>") -> dict[str, str]:
    """``NAME = command("AT+X", ...)`` at module level: variable name -> command name."""
    out: dict[str, str] = {}
    for node in ast.parse(text, filename=path).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if not (isinstance(call.func, ast.Name) and call.func.id == "command" and call.args):
            continue
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = first.value
    return out


def _imports(text: str, declared: dict[str, dict[str, str]]) -> dict[str, str]:
    """Command variables a module imports from its siblings (``from sim.commands.x import CIPSEND``)."""
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim.commands."):
            module = declared.get(node.module.rsplit(".", 1)[1], {})
            for alias in node.names:
                if alias.name in module:
                    out[alias.asname or alias.name] = module[alias.name]
    return out


def _form_attr(node: ast.expr, known: dict[str, str]) -> tuple[str, str] | None:
    if isinstance(node, ast.Attribute) and node.attr in KINDS and isinstance(node.value, ast.Name):
        name = known.get(node.value.id)
        if name is not None:
            return name, node.attr
    return None


def scan_handlers(root: Path = ROOT) -> list[Handler]:
    """Every handler registration in ``root``/sim/commands/*.py."""
    files = sorted((root / "sim" / "commands").glob("*.py"))
    texts = {f.stem: f.read_text(encoding="utf-8") for f in files}
    declared = {stem: declarations_in_source(text, stem) for stem, text in texts.items()}
    out: list[Handler] = []
    for f in files:
        text = texts[f.stem]
        rel = f.relative_to(root).as_posix()
        out += handlers_in_source(text, rel, _imports(text, declared))
    return sorted(out)


# ---- the last run ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestOfForm:
    id: str
    state: str
    outcome: str
    checks: tuple[str, ...]  #: ``expect.ok x3``, ``expect.error (failed)`` ...


def tests_of_forms(summary_text: str, keys: Iterable[str]) -> dict[str, list[TestOfForm]]:
    """Per form key (variants as ``key/variant``), the tests of the run that touched it."""
    from reports.summary import Summary

    summary = Summary.model_validate_json(summary_text)
    wanted = set(keys)
    tests = {t.id: t for t in summary.tests}
    out: dict[str, list[TestOfForm]] = {}
    for cs in summary.command_sets:
        for f in cs.forms:
            entries = [(f.key, f.tests)] + [(f"{f.key}/{v.variant}", v.tests) for v in f.variants]
            for key, form_tests in entries:
                if key not in wanted and key.rsplit("/", 1)[0] not in wanted:
                    continue
                rows = []
                for ft in form_tests:
                    t = tests.get(ft.id)
                    checks = tuple(
                        f"{c.category} {c.check}{'' if c.passed else ' (not matched)'}"
                        + (f" x{c.count}" if c.count > 1 else "")
                        for c in (t.checks if t else [])
                        if c.form == key
                    )
                    rows.append(TestOfForm(ft.id, ft.state, t.outcome if t else "?", checks))
                out[key] = rows
    return out


def form_states(summary_text: str, keys: Iterable[str]) -> dict[str, str]:
    from reports.summary import Summary

    summary = Summary.model_validate_json(summary_text)
    wanted = set(keys)
    out: dict[str, str] = {}
    for cs in summary.command_sets:
        for f in cs.forms:
            if f.key in wanted:
                out[f.key] = f.state
                for v in f.variants:
                    out[f"{f.key}/{v.variant}"] = v.state
    return out


# ---- text -----------------------------------------------------------------------------------------------


def render(
    command: Command, handlers: Sequence[Handler], summary_text: str | None, summary_path: Path
) -> str:
    keys = [f"{command.name}/{form.kind.value}" for form in command.forms]
    lines = [f"{command.name}  ({command.section}, {command.command_set})  {command.title}"]
    run: dict[str, list[TestOfForm]] = {}
    states: dict[str, str] = {}
    note = ""
    if summary_text is None:
        note = f"  last run: no summary at {summary_path} (run the suites first)"
    else:
        try:
            run = tests_of_forms(summary_text, keys)
            states = form_states(summary_text, keys)
        except ValidationError as exc:
            problems = exc.error_count()
            note = (
                f"  last run: {summary_path} is not a run summary of reports/SCHEMA.md ({problems} problems)"
            )
    for form, key in zip(command.forms, keys, strict=True):
        kind = form.kind.value
        lines += [
            "",
            f"[{kind}]  {key}" + (f"  state in the last run: {states[key]}" if key in states else ""),
        ]
        lines.append("  spec (spec/data):")
        lines += [f"    > {s}" for s in form.syntax]
        for i, block in enumerate(form.responses, 1):
            lines.append(f"    response {i}:")
            lines += [f"      | {line}" for line in block.splitlines()]
        if form.variants:
            lines.append(f"    variants: {', '.join(form.variants)}")
        mine = [h for h in handlers if h.command == command.name and h.kind == kind]
        lines.append("  simulator:")
        if mine:
            lines += [f"    {h.path}:{h.line}  {h.function}" for h in mine]
        else:
            lines.append(f"    no handler registered for {kind} (sim/commands/*.py)")
        if note:
            lines.append(note)
            continue
        for k in [key, *(f"{key}/{v}" for v in form.variants)]:
            rows = run.get(k, [])
            label = "last run" if k == key else f"last run, variant {k.rsplit('/', 1)[1]}"
            state = f" ({states[k]})" if k in states and k != key else ""
            if not rows:
                lines.append(f"  {label}{state}: no test declared or checked it")
                continue
            lines.append(f"  {label}{state}:")
            for r in rows:
                checks = f"  [{'; '.join(r.checks)}]" if r.checks else ""
                lines.append(f"    {r.state:<18} {r.outcome:<8} {r.id}{checks}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, spec: Spec | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.where",
        description="Where a command of the guide lives: its spec entry, the simulator's handler and the "
        "tests of the last run that checked each of its forms.",
    )
    parser.add_argument("command", help="a command of the guide, e.g. AT+CIPSEND (case and AT+ optional)")
    parser.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"the last run's summary.json (default {DEFAULT_SUMMARY.as_posix()} under the project root)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    spec = spec or load_spec()
    try:
        command = spec.command(args.command)
    except UnknownCommand as exc:
        print(f"tools.where: {exc}", file=sys.stderr)
        return 2
    summary_path = args.summary or args.root / DEFAULT_SUMMARY
    summary_text = summary_path.read_text(encoding="utf-8") if summary_path.is_file() else None
    sys.stdout.write(render(command, scan_handlers(args.root), summary_text, summary_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
