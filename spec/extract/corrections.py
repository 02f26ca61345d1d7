"""The curated departures from the guide's literal text (``spec/corrections.yaml``), as typed data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from spec.model import FormKind


class _C(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rename(_C):
    """The seed (the guide we implement) names the command differently from the RST page."""

    section: str
    rst: str
    seed: str
    why: str
    evidence: str


class NameOverride(_C):
    """The RST heading carries no usable command name (e.g. 3.1.22 is headed just "AT")."""

    section: str
    guide: str
    spec: str
    why: str


class SeedDamage(_C):
    """A seed spelling that is PDF-conversion damage, not a different name."""

    section: str
    where: str  #: toc, heading or index
    guide: str
    spec: str


class CountNote(_C):
    """A place where the hand count of the seed differs from the data, with the reason."""

    section: str
    what: str  #: "syntax_blocks" or "forms"
    guide: int
    spec: int
    why: str


class KindFix(_C):
    """A form whose heading names another kind than its syntax line has (3.15: ``=`` makes a set form)."""

    section: str
    guide: FormKind
    spec: FormKind
    why: str


class ResponsesFrom(_C):
    """A form printed without a "Response:" block whose response the guide gives under a sibling form."""

    section: str
    form: FormKind
    same_as: FormKind
    why: str


class TextFix(_C):
    """Replace one syntax line or response template of a form."""

    section: str
    form: FormKind
    field: str  #: "syntax" or "responses"
    guide: str
    spec: str
    why: str


class ExampleFix(_C):
    """An example response that contradicts the command's own response format."""

    section: str
    command: str
    guide: str | None
    spec: str | None
    why: str


class ParamFix(_C):
    """Parameter facts the list states in prose the extractor cannot read reliably (fields of ParamSpec)."""

    section: str
    name: str
    set: dict[str, Any]
    why: str


class Decision(_C):
    """An exactness question decided once for the whole spec."""

    topic: str
    decision: str
    evidence: list[str] = Field(default_factory=list)


class Corrections(_C):
    renames: list[Rename] = Field(default_factory=list)
    names: list[NameOverride] = Field(default_factory=list)
    seed_damage: list[SeedDamage] = Field(default_factory=list)
    counts: list[CountNote] = Field(default_factory=list)
    kinds: list[KindFix] = Field(default_factory=list)
    responses_from: list[ResponsesFrom] = Field(default_factory=list)
    text: list[TextFix] = Field(default_factory=list)
    examples: list[ExampleFix] = Field(default_factory=list)
    params: list[ParamFix] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Corrections:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
