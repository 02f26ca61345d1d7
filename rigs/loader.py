"""Load a rig file (YAML) into a validated :class:`rigs.model.Rig`.

Every problem becomes one line naming the file, the field path and what was expected, e.g.
``rigs/x.yaml: boards[1].baud: expected an integer in 300..5000000, got "fast"``, so a bad rig stops the run
before any board is touched. Relative paths in the file (``sim.faults``, ``sim.state_dir``) are taken
relative to the rig file's folder, so a rig means the same thing from any working directory.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rigs.model import Rig


class RigFileError(ValueError):
    """A rig file that cannot be read, parsed or validated. ``problems`` holds one line per problem."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        shown = _display(self.path)
        super().__init__("\n".join(f"{shown}: {p}" for p in self.problems))


def load_rig(path: Path | str) -> Rig:
    """Read, parse and validate the rig file at ``path``; raises :class:`RigFileError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RigFileError(path, [f"cannot read the rig file: {exc.strerror or exc}"]) from None
    return parse_rig(text, path)


def parse_rig(text: str, path: Path | str) -> Rig:
    """Validate rig YAML ``text``; ``path`` names it in errors and anchors its relative paths."""
    path = Path(path)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise RigFileError(path, [f"{where}not valid YAML: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise RigFileError(path, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise RigFileError(path, [f"expected a mapping with a 'boards' list at the top, got {_kind(data)}"])
    try:
        rig = Rig.model_validate(data)
    except ValidationError as exc:
        raise RigFileError(path, [_describe(err) for err in exc.errors()]) from None
    return _anchor_paths(rig, path)


def _anchor_paths(rig: Rig, path: Path) -> Rig:
    base = path.resolve().parent
    boards = []
    for b in rig.boards:
        if b.sim is not None:
            updates: dict[str, Any] = {}
            for name in ("faults", "state_dir"):
                value = getattr(b.sim, name)
                if value is not None and not value.is_absolute():
                    updates[name] = base / value
            if updates:
                b = b.model_copy(update={"sim": b.sim.model_copy(update=updates)})
        if b.flash is not None and b.flash.image is not None and not b.flash.image.is_absolute():
            b = b.model_copy(update={"flash": b.flash.model_copy(update={"image": base / b.flash.image})})
        boards.append(b)
    return rig.model_copy(update={"boards": boards, "path": path})


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; in a rig file that hides a mistake."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _describe(err: Any) -> str:
    loc = tuple(err["loc"])
    where = _loc_text(loc)
    at = (err.get("ctx") or {}).get("at")
    if at:
        # A model-level check names the field it is about, relative to the model's own location.
        where = at if not loc else f"{where}.{at}"
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _keys_at(loc[:-1])
        hint = f"; expected one of: {', '.join(known)}" if known else ""
        return f"{where}: unknown key{hint}"
    if kind == "missing":
        return f"{where}: required, missing"
    msg = str(err["msg"])
    for prefix, replacement in (
        ("Input should be ", "expected "),
        ("Input is not a valid ", "expected a valid "),
        ("Value error, ", ""),
        ("List should have at least ", "expected at least "),
        ("String should have at least ", "expected at least "),
        ("String should have at most ", "expected at most "),
    ):
        if msg.startswith(prefix):
            msg = replacement + msg[len(prefix) :]
            break
    value = err.get("input")
    if not isinstance(value, dict | list) and kind not in ("model_type",):
        msg += f", got {_show(value)}"
    return f"{where}: {msg}"


def _loc_text(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "nothing (null)"
    return repr(value)


def _kind(value: Any) -> str:
    return "an empty file" if value is None else f"a {type(value).__name__}"


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at ``loc`` (for 'unknown key' errors)."""
    current: Any = Rig
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [n for n, f in current.model_fields.items() if not f.exclude]
    return []


def _unwrap(tp: Any) -> Any:
    """Strip ``X | None`` and ``Annotated[X, ...]`` down to X."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
