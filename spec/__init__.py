"""The ESP-AT user guide (release v5.0.0.0) as data.

``load_spec()`` reads ``spec/data/*.yaml`` (chapter 3, one file per command set) into a :class:`Spec`::

    from spec import load_spec
    spec = load_spec()
    spec.command("AT+CIPSTART").form("set").syntax
    spec.forms(command_set="tcpip")

Names are looked up case-insensitively, with or without the ``AT+`` prefix, and through aliases
(``AT+CIPRECVTYPE`` finds ``AT+CIPRECVMODE``, see spec/corrections.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from spec.model import Command, CommandSetFile, Example, Form, FormKind, Persistence
from spec.params import ParamSpec, ParamType

__all__ = [
    "Command",
    "CommandSetFile",
    "Example",
    "Form",
    "FormKind",
    "ParamSpec",
    "ParamType",
    "Persistence",
    "Spec",
    "SpecError",
    "UnknownCommand",
    "load_spec",
    "DATA_DIR",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

#: command sets in the guide's chapter order (3.1 ... 3.14)
COMMAND_SETS = (
    "basic",
    "wifi",
    "tcpip",
    "ble",
    "bt",
    "mqtt",
    "http",
    "fs",
    "websocket",
    "eth",
    "signaling",
    "driver",
    "webserver",
    "user",
)


class SpecError(ValueError):
    """The data files are missing or do not match the model."""


class UnknownCommand(KeyError):
    """No command of the guide has this name or alias."""

    def __str__(self) -> str:
        return f"no command {self.args[0]!r} in the guide (chapter 3)"


#: A command line: its name (``AT`` or ``AT+NAME``) and what follows it (``=?``, ``?``, ``=...`` or nothing).
_LINE_RE = re.compile(r"(AT(?:\+[A-Za-z0-9_]+)?)(=\?|\?|=.*)?$", re.S)


def _key(name: str) -> str:
    n = name.strip().upper()
    return n if n.startswith("AT") or n == "+++" else "AT+" + n


@dataclass
class Spec:
    """All command sets of chapter 3."""

    sets: list[CommandSetFile]
    _by_name: dict[str, Command] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for s in self.sets:
            for c in s.commands:
                for n in (c.name, *c.aliases):
                    if _key(n) in self._by_name:
                        raise SpecError(f"command name {n!r} appears twice ({s.command_set})")
                    self._by_name[_key(n)] = c

    @property
    def commands(self) -> list[Command]:
        return [c for s in self.sets for c in s.commands]

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self._by_name

    def command(self, name: str) -> Command:
        """The command named ``name`` (canonical name or alias; ``AT+`` optional)."""
        try:
            return self._by_name[_key(name)]
        except KeyError:
            raise UnknownCommand(name) from None

    def form_of_line(self, line: str) -> tuple[Command, Form] | None:
        """The command and form a command line invokes (3.15: ``=?`` test, ``?`` query, ``=...`` set,
        bare execute; ``ATE0``/``ATE1`` are ATE's execute form, ``+++`` the special form of 3.3.7), or None
        when the line names no command of the guide."""
        text = line.strip()
        if text == "+++":
            name, kind = "+++", FormKind.special
        elif text.upper() in ("ATE0", "ATE1"):
            name, kind = "ATE", FormKind.execute
        else:
            m = _LINE_RE.match(text)
            if m is None:
                return None
            name, suffix = m.group(1), m.group(2) or ""
            if suffix == "=?":
                kind = FormKind.test
            elif suffix == "?":
                kind = FormKind.query
            elif suffix.startswith("="):
                kind = FormKind.set
            else:
                kind = FormKind.execute
        if name not in self:
            return None
        command = self.command(name)
        form = command.form(kind)
        return None if form is None else (command, form)

    def by_section(self, section: str) -> Command:
        for c in self.commands:
            if c.section == section:
                return c
        raise UnknownCommand(section)

    def command_set(self, name: str) -> CommandSetFile:
        for s in self.sets:
            if s.command_set == name:
                return s
        raise SpecError(f"no command set {name!r}; known: {', '.join(x.command_set for x in self.sets)}")

    def forms(
        self, command_set: str | None = None, kind: FormKind | str | None = None
    ) -> list[tuple[Command, Form]]:
        """(command, form) pairs, optionally of one command set and/or one kind."""
        sets = [self.command_set(command_set)] if command_set else self.sets
        want = FormKind(kind) if kind is not None else None
        return [(c, f) for s in sets for c in s.commands for f in c.forms if want is None or f.kind is want]


def load_set_file(path: Path, rebuild: str = "python -m spec extract") -> CommandSetFile:
    """One ``<command_set>.yaml``; SpecError naming the file (and the command that rebuilds it)."""
    if not path.is_file():
        raise SpecError(f"missing data file {path} (run `{rebuild}`)")
    try:
        return CommandSetFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as exc:  # pydantic ValidationError or YAML error: say which file
        raise SpecError(f"{path}: {exc}") from exc


def load_spec_from(data_dir: Path) -> Spec:
    """Load the data files of ``data_dir`` (uncached; for tests and tools)."""
    return Spec([load_set_file(data_dir / f"{name}.yaml") for name in COMMAND_SETS])


@lru_cache(maxsize=1)
def load_spec() -> Spec:
    """The guide's chapter 3 as a :class:`Spec` (loaded once per process)."""
    return load_spec_from(DATA_DIR)
