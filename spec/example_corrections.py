"""The corrections of chapter-4 examples (spec/corrections.yaml, ``chapter4``): an example step that departs
from the guide's transcript names one by ``id``; each says what the guide prints, what the step holds, why,
and the evidence for it (spec.extract.corrections.ExampleStepFix documents the evidence kinds).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spec.datafile import SpecDataError

__all__ = [
    "CORRECTIONS_FILE",
    "ExampleCorrection",
    "ExampleCorrectionsError",
    "example_corrections",
    "unresolved_examples",
]

CORRECTIONS_FILE = Path(__file__).resolve().parent / "corrections.yaml"


class ExampleCorrectionsError(SpecDataError):
    """The ``chapter4`` list of spec/corrections.yaml is missing or invalid; the message says where."""


class ExampleCorrection(BaseModel):
    """An example step departing from the guide's transcript, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    section: str
    guide: str
    holds: str
    why: str
    #: ``<kind>: <where> - <what it shows>`` (kinds: spec.extract.corrections.ExampleStepFix)
    evidence: list[str] = Field(min_length=1)


@cache
def _data() -> dict[str, Any]:
    try:
        data = yaml.safe_load(CORRECTIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExampleCorrectionsError(f"cannot read {CORRECTIONS_FILE}: {exc}") from exc
    if not isinstance(data, dict):
        raise ExampleCorrectionsError(f"{CORRECTIONS_FILE}: expected a mapping")
    return data


@cache
def unresolved_examples() -> Mapping[str, str]:
    """The examples left as drafts because the guide's transcript cannot be replayed as written
    (spec/corrections.yaml ``chapter4_unresolved``): section -> what stands in the way."""
    items = _data().get("chapter4_unresolved") or []
    if not isinstance(items, list) or not all(isinstance(x, dict) and "section" in x for x in items):
        raise ExampleCorrectionsError(f"{CORRECTIONS_FILE}: 'chapter4_unresolved' must list sections")
    return {str(x["section"]): " ".join(str(x.get("what", "")).split()) for x in items}


@cache
def example_corrections() -> Mapping[str, ExampleCorrection]:
    """The corrections of chapter-4 examples by id."""
    data = _data()
    if not isinstance(data.get("chapter4"), list):
        raise ExampleCorrectionsError(f"{CORRECTIONS_FILE}: expected a list under 'chapter4'")
    try:
        items = [ExampleCorrection.model_validate(x) for x in data["chapter4"]]
    except ValidationError as exc:
        raise ExampleCorrectionsError(
            f"{CORRECTIONS_FILE} does not match the ExampleCorrection schema:\n{exc}"
        ) from exc
    return {c.id: c for c in items}
