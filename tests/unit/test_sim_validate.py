"""sim/validate.py: the checks that replaced pydantic in sim's file schemas (issue 23) take and refuse what
pydantic's lax mode took and refused, and name where the first problem is."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Literal

import pytest

from sim.validate import Check, SchemaError, alias, build


class Colour(Enum):
    RED = "red"


@dataclass(frozen=True, kw_only=True)
class Inner:
    n: Annotated[int, Check(ge=1, le=14)] = 1


@dataclass(frozen=True, kw_only=True)
class Outer:
    name: Annotated[str, Check(pattern=r"^AT", then=str.upper)]
    ratio: float = 0.5
    flag: bool = False
    colour: Colour = Colour.RED
    mode: Literal["a", "b"] = "a"
    addr: ipaddress.IPv4Address = ipaddress.IPv4Address("127.0.0.1")
    pair: tuple[int, int] = (0, 0)
    inner: Inner = field(default_factory=Inner)
    items: list[Inner] = field(default_factory=list)
    table: dict[str, list[int]] = field(default_factory=dict)
    with_: list[str] | str | None = alias("with")

    def __post_init__(self) -> None:
        if self.mode == "b" and not self.flag:
            raise ValueError("mode b needs flag")


def test_lax_coercion_as_pydantic_did() -> None:
    got = build(
        Outer,
        {
            "name": "AT+gmr",
            "ratio": 1,
            "flag": "yes",
            "colour": "red",
            "addr": "127.0.0.2",
            "pair": [1, "2"],
            "inner": {"n": 5.0},
            "items": [{"n": "3"}],
            "table": {"k": [1]},
            "with": "line",
        },
    )
    assert got.name == "AT+GMR"  # ``then`` normalises
    assert got.ratio == 1.0 and isinstance(got.ratio, float)
    assert got.flag is True and got.colour is Colour.RED
    assert got.addr == ipaddress.IPv4Address("127.0.0.2")
    assert got.pair == (1, 2) and got.inner == Inner(n=5) and got.items == [Inner(n=3)]
    assert got.table == {"k": [1]} and got.with_ == "line"
    assert build(Outer, {"name": "AT", "with": ["x", "y"]}).with_ == ["x", "y"]


@pytest.mark.parametrize(
    ("data", "loc", "kind", "words"),
    [
        ({}, ("name",), "missing", "required"),
        ({"name": "AT", "surprise": 1}, ("surprise",), "extra", "unknown field"),
        ({"name": "XX"}, ("name",), "value", "matching"),
        ({"name": 5}, ("name",), "value", "text"),
        ({"name": "AT", "inner": {"n": 20}}, ("inner", "n"), "value", "<= 14"),
        ({"name": "AT", "items": [{}, {"n": 0}]}, ("items", 1, "n"), "value", ">= 1"),
        ({"name": "AT", "inner": {"n": 1.5}}, ("inner", "n"), "value", "integer"),
        ({"name": "AT", "inner": {"n": True}}, ("inner", "n"), "value", "integer"),
        ({"name": "AT", "flag": "maybe"}, ("flag",), "value", "true or false"),
        ({"name": "AT", "colour": "blue"}, ("colour",), "value", "'red'"),
        ({"name": "AT", "mode": "c"}, ("mode",), "value", "'a', 'b'"),
        ({"name": "AT", "addr": "300.0.0.1"}, ("addr",), "value", "IPv4Address"),
        ({"name": "AT", "pair": [1]}, ("pair",), "value", "2 items"),
        ({"name": "AT", "table": {"k": ["x"]}}, ("table", "k", 0), "value", "integer"),
        ({"name": "AT", "mode": "b"}, (), "value", "mode b needs flag"),
        ({"name": "AT", "inner": {"n": 2, "m": 1}}, ("inner", "m"), "extra", "unknown field"),
    ],
)
def test_the_first_problem_names_where_and_what(data: dict, loc: tuple, kind: str, words: str) -> None:
    with pytest.raises(SchemaError) as info:
        build(Outer, data)
    assert (info.value.loc, info.value.kind) == (loc, kind)
    assert words in info.value.message


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(SchemaError, match="expected a mapping"):
        build(Outer, [1])
