"""The fault catalog: one simulator faults file per firmware defect, with the mutant's metadata in its header.

Each catalog file is a plain faults file that ``python -m sim --faults FILE`` accepts as it is
(sim/FAULTS.md). The metadata lives in comment lines starting with ``#@ `` at the top; together they are a
YAML mapping::

    #@ id: basic-gmr-missing-quote          (the file's name without .yaml)
    #@ command_set: basic                   (basic, wifi or tcpip: the guide's 3.1, 3.2, 3.3)
    #@ section: "3.1.3"                     (the guide section the defect violates)
    #@ defect: AT+GMR's version line loses its closing parenthesis
    #@ select: {paths: [suites/basic/test_system.py], k: gmr}
    rules:
      - {kind: replace, ...}

``select`` is the part of the conformance suite that must catch the defect: pytest paths (files, folders or
node ids) and optional ``-k`` / ``-m`` expressions. Two optional keys say what is meant to catch it:

    #@ check: "framing checker: +IPD starts with CR LF"   (the check that should kill it)
    #@ awaits: "issue 13.2 wire-grammar checker"         (that check is not on this base yet: the fault
                                                           is expected to survive until it lands)

A selection is whole suite folders (``paths: [suites/tcpip]``), so the test that catches a fault is found
by the run rather than picked by hand; a narrower one (``k``, ``m``, a file or a node id) must say why::

    #@ narrow: "a stall hangs every test that reaches it: the folder would spend the budget on hangs"

A further optional key names the base rig the fault runs on, for command sets that only a custom firmware
build has (3.8 FS, 3.9 WebSocket: rigs/sim-fs.yaml, rigs/sim-ws.yaml); without it the run's ``--rig`` is
used::

    #@ rig: rigs/sim-ws.yaml
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.faults import FaultFileError, load_faults

META_PREFIX = "#@ "
#: the guide's 3.1 Basic, 3.2 Wi-Fi, 3.3 TCP/IP, 3.4 Bluetooth LE, 3.5 Classic Bluetooth, 3.6 MQTT, 3.7 HTTP,
#: 3.8 FS, 3.9 WebSocket, 3.10 Ethernet, 3.11 Signaling, 3.12 Driver, 3.14 User
COMMAND_SETS = (
    "basic", "wifi", "tcpip", "ble", "bt", "mqtt", "http", "fs", "websocket",
    "eth", "signaling", "driver", "user",
)  # fmt: skip
DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog"


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the file and the field."""


class Selection(BaseModel):
    """The suite selection that should catch a mutant: what follows ``pytest`` on the command line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: tuple[str, ...] = Field(min_length=1)
    k: str | None = None
    m: str | None = None

    def pytest_args(self) -> list[str]:
        args = list(self.paths)
        if self.k:
            args += ["-k", self.k]
        if self.m:
            args += ["-m", self.m]
        return args

    def text(self) -> str:
        return " ".join(self.pytest_args())


class MutantMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    command_set: str
    section: str = Field(pattern=r"^\d+(\.\d+)*$")
    defect: str = Field(min_length=10)
    select: Selection
    #: the check meant to kill the fault (a suite test, a transcript checker, a strict replay)
    check: str | None = Field(default=None, min_length=10)
    #: the check is not on this base yet: until it lands the fault is expected to survive, so the CI sample
    #: leaves it out and the report shows what it waits for
    awaits: str | None = Field(default=None, min_length=5)
    #: the base rig (a path from the repository root) for a command set only a custom build has; None: the
    #: run's --rig
    rig: str | None = Field(default=None, min_length=1)
    #: why the selection is narrower than whole suite folders (a -k/-m filter, a file or a node id); the
    #: catalog's rule is the folder, so the test that catches a fault is found, not chosen
    narrow: str | None = Field(default=None, min_length=20)

    @field_validator("command_set")
    @classmethod
    def _set(cls, value: str) -> str:
        if value not in COMMAND_SETS:
            raise ValueError(f"expected one of {', '.join(COMMAND_SETS)}")
        return value


@dataclass(frozen=True)
class Mutant:
    """One catalog entry: its metadata and the faults file the simulator loads."""

    meta: MutantMeta
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def ready(self) -> bool:
        """Expected to be killed by the suites of this base (no ``awaits``)."""
        return self.meta.awaits is None


def parse_meta(text: str, file: str) -> MutantMeta:
    """The metadata of a catalog file from its ``#@`` header lines."""
    lines = [ln[len(META_PREFIX) :] for ln in text.splitlines() if ln.startswith(META_PREFIX)]
    if not lines:
        raise CatalogError(f"{file}: no '{META_PREFIX.strip()}' metadata lines (id, command_set, ...)")
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: metadata is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{file}: metadata must be a mapping, got {type(data).__name__}")
    try:
        return MutantMeta.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(metadata)"
        raise CatalogError(f"{file}: metadata field {field}: {err['msg']}") from None


def load_mutant(path: Path, root: Path | None = None) -> Mutant:
    """Read one catalog file, check its metadata and its rules (with the simulator's own fault parser),
    and, when ``root`` is given, that the selection's paths exist under it."""
    text = path.read_text(encoding="utf-8")
    meta = parse_meta(text, str(path))
    if meta.id != path.stem:
        raise CatalogError(f"{path}: metadata id {meta.id!r} differs from the file name {path.stem!r}")
    try:
        load_faults(path)
    except FaultFileError as exc:
        raise CatalogError(str(exc)) from None
    if root is not None:
        for p in meta.select.paths:
            if not (root / p.split("::", 1)[0]).exists():
                raise CatalogError(f"{path}: select.paths: {p} does not exist under {root}")
        if meta.rig is not None and not (root / meta.rig).is_file():
            raise CatalogError(f"{path}: rig: {meta.rig} does not exist under {root}")
    return Mutant(meta, path.resolve())


def load_catalog(directory: Path = DEFAULT_CATALOG, root: Path | None = None) -> list[Mutant]:
    """Every ``*.yaml`` of ``directory``, sorted by id; ids must be unique."""
    if not directory.is_dir():
        raise CatalogError(f"{directory}: catalog folder not found")
    mutants = [load_mutant(p, root) for p in sorted(directory.glob("*.yaml"))]
    if not mutants:
        raise CatalogError(f"{directory}: no *.yaml fault files")
    return sorted(mutants, key=lambda m: m.id)


def choose(
    mutants: list[Mutant],
    only: list[str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    ready: bool = False,
) -> list[Mutant]:
    """The mutants to run: those named by ``only`` (unknown ids are an error), with ``ready`` only those
    expected to die on this base (no ``awaits``), then a seeded sample."""
    chosen = [m for m in mutants if m.ready] if ready else mutants
    if only:
        by_id = {m.id: m for m in mutants}
        unknown = [i for i in only if i not in by_id]
        if unknown:
            raise CatalogError(f"--only: no such fault(s) {', '.join(unknown)}; see the catalog folder")
        chosen = [by_id[i] for i in only if not ready or by_id[i].ready]
    if sample is not None and sample < len(chosen):
        picked = set(random.Random(seed).sample([m.id for m in chosen], sample))
        chosen = [m for m in chosen if m.id in picked]
    return chosen
