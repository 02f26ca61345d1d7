"""Building sim's frozen dataclasses from parsed YAML, with errors that name the field (issue 23).

The profile, air and faults files were pydantic models; pydantic's machinery cost a board ~12 MB resident
(importlib.metadata and email through its plugin loader), half of what a whole board may take. This is
the part of it sim used: a dataclass's type hints say what a field takes, ``Annotated[T, Check(...)]`` adds
bounds, a pattern or a function that checks (and may normalise) the value, and ``__post_init__`` checks
that span fields. :func:`build` refuses unknown keys, coerces as pydantic's lax mode did (``"5"`` and
``5.0`` for an int, an int for a float, a text for an enum, an address or a network) and raises the first
problem as one :class:`SchemaError` with its location.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Literal, TypeVar, Union

T = TypeVar("T")

Loc = tuple[int | str, ...]


class SchemaError(ValueError):
    """The first problem in a document: where (``loc``: keys and list indexes), what, and the input.

    ``kind`` is ``"missing"`` (a required field), ``"extra"`` (a key the model has no field for) or
    ``"value"`` (anything else)."""

    def __init__(self, loc: Loc, message: str, kind: str = "value", input: Any = None) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.kind = kind
        self.input = input

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.loc)
        return f"{where}: {self.message}" if where else self.message


@dataclasses.dataclass(frozen=True)
class Check:
    """Limits on a field's value, in ``Annotated[T, Check(...)]``; ``then`` runs last and returns the value
    to keep (raise ``ValueError`` to refuse it)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    then: Callable[[Any], Any] | None = None

    def apply(self, value: Any) -> Any:
        if self.ge is not None and not value >= self.ge:
            raise ValueError(f"expected a value >= {self.ge}{self._upper()}, got {value!r}")
        if self.gt is not None and not value > self.gt:
            raise ValueError(f"expected a value > {self.gt}{self._upper()}, got {value!r}")
        if self.le is not None and not value <= self.le:
            raise ValueError(f"expected a value <= {self.le}, got {value!r}")
        if self.min_length is not None and len(value) < self.min_length:
            raise ValueError(f"expected at least {self.min_length} characters, got {value!r}")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"expected at most {self.max_length} characters, got {value!r}")
        if self.pattern is not None and not re.search(self.pattern, value):
            raise ValueError(f"expected a text matching {self.pattern!r}, got {value!r}")
        return self.then(value) if self.then is not None else value

    def _upper(self) -> str:
        return f" and <= {self.le}" if self.le is not None else ""


def alias(name: str, default: Any = None) -> Any:
    """A field whose key in the document is ``name`` (``with``, ``from``: Python keywords)."""
    return dataclasses.field(default=default, metadata={"alias": name})


def build(cls: type[T], data: Any, loc: Loc = ()) -> T:
    """An instance of the dataclass ``cls`` built from the mapping ``data``; :class:`SchemaError` if not."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise SchemaError(loc, f"expected a mapping, got {data!r}", input=data)
    fields = _fields(cls)
    for key in data:
        if key not in fields:
            known = ", ".join(fields)
            raise SchemaError((*loc, key), f"unknown field (expected one of: {known})", "extra", data[key])
    kwargs: dict[str, Any] = {}
    for key, (name, hint, required) in fields.items():
        if key not in data:
            if required:
                raise SchemaError((*loc, key), "field required", "missing", data)
            continue
        kwargs[name] = _value(hint, data[key], (*loc, key))
    try:
        return cls(**kwargs)
    except SchemaError as e:
        raise SchemaError((*loc, *e.loc), e.message, e.kind, e.input) from None
    except ValueError as e:
        raise SchemaError(loc, str(e), input=data) from None


_FIELDS: dict[type, dict[str, tuple[str, Any, bool]]] = {}


def _fields(cls: type) -> dict[str, tuple[str, Any, bool]]:
    """Document key -> (attribute name, resolved type hint, required), cached per class."""
    known = _FIELDS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        known = {}
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            known[f.metadata.get("alias", f.name)] = (f.name, hints[f.name], required)
        _FIELDS[cls] = known
    return known


def _value(hint: Any, value: Any, loc: Loc) -> Any:
    try:
        return _convert(hint, value, loc)
    except SchemaError:
        raise
    except ValueError as e:
        raise SchemaError(loc, str(e), input=value) from None


def _convert(hint: Any, value: Any, loc: Loc) -> Any:  # noqa: C901 - one branch per kind of type
    origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *extras = typing.get_args(hint)
        out = _convert(base, value, loc)
        for extra in extras:
            if isinstance(extra, Check):
                out = extra.apply(out)
        return out
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        first: SchemaError | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                return _value(option, value, loc)
            except SchemaError as e:
                first = first or e
        assert first is not None
        raise first
    if origin is Literal:
        choices = typing.get_args(hint)
        if value in choices and not isinstance(value, bool):
            return value
        raise ValueError(f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a list, got {value!r}")
        (item,) = typing.get_args(hint)
        return [_value(item, v, (*loc, i)) for i, v in enumerate(value)]
    if origin is tuple:
        items = typing.get_args(hint)
        if not isinstance(value, list | tuple) or len(value) != len(items):
            raise ValueError(f"expected a list of {len(items)} items, got {value!r}")
        return tuple(_value(t, v, (*loc, i)) for i, (t, v) in enumerate(zip(items, value, strict=True)))
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"expected a mapping, got {value!r}")
        key_t, value_t = typing.get_args(hint)
        return {_value(key_t, k, (*loc, k)): _value(value_t, v, (*loc, k)) for k, v in value.items()}
    if hint is Any:
        return value
    if dataclasses.is_dataclass(hint):
        return build(hint, value, loc)
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in hint)
            raise ValueError(f"expected one of {choices}, got {value!r}") from None
    if hint is bool:
        return _bool(value)
    if hint is int:
        return _int(value)
    if hint is float:
        return _float(value)
    if hint is str:
        if isinstance(value, str):
            return value
        raise ValueError(f"expected a text, got {value!r}")
    if hint in (ipaddress.IPv4Address, ipaddress.IPv6Network):
        if isinstance(value, hint):
            return value
        if not isinstance(value, str):
            raise ValueError(f"expected an address as text, got {value!r}")
        try:
            return hint(value)
        except ValueError as e:
            raise ValueError(f"expected an {hint.__name__}: {e}, got {value!r}") from None
    raise TypeError(f"sim.validate has no rule for {hint!r} at {loc}")


_TRUE = {"true", "yes", "on", "1", "y", "t"}
_FALSE = {"false", "no", "off", "0", "n", "f"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected true or false, got {value!r}")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an integer, got {value!r}")


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a number, got {value!r}")
