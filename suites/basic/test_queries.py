"""Every query form of 3.1 (generated from spec/): on a factory-default board the response matches the
form's template. Values are checked in the behaviour tests; this is the systematic check that no query
answers outside its documented shape."""

from __future__ import annotations

import pytest

from spec import load_spec

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]


def _queries() -> list[object]:
    return [
        pytest.param(c.name, id=f"{c.name}/query", marks=[pytest.mark.form(c.name, "query")])
        for c, _ in load_spec().forms("basic", "query")
    ]


@pytest.mark.parametrize("name", _queries())
def test_query_matches_template(dut, expect, name: str) -> None:
    dut.cmd("AT+CWMODE=1").assert_ok()  # AT+RFPOWER? needs Wi-Fi on (3.1.20 note)
    expect.ok(dut.cmd(f"{name}?", timeout=10), name, "query")
