"""Loading a spec/ YAML data file into pydantic models, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


class SpecDataError(Exception):
    """A spec data file is missing or does not match its schema; the message names the file and the field."""


class UnknownMessageError(KeyError):
    """A message or error-code name that the data does not hold."""

    def __str__(self) -> str:  # KeyError quotes its argument; say it plainly
        return str(self.args[0])


class FrozenModel(BaseModel):
    """Base of the data models: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_M = TypeVar("_M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    """The parsed YAML of a data file; SpecDataError names the file when it cannot be read or parsed."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecDataError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SpecDataError(f"{path} is not valid YAML: {exc}") from exc


def validate(model: type[_M], data: object, path: Path) -> _M:
    """``data`` as a ``model``; SpecDataError names the file and lists the fields that do not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecDataError(f"{path} does not match the {model.__name__} schema:\n{exc}") from exc
