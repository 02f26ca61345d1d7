"""Every query form of 3.2 (generated from spec/): in a factory-default board running station + soft-AP,
the response matches the form's template. Values are checked in the behaviour tests; this is the
systematic check that no query answers outside its documented shape."""

from __future__ import annotations

import pytest

from fixtures.suite import sim_deviation
from spec import load_spec

pytestmark = [pytest.mark.wifi, pytest.mark.usefixtures("fresh_board")]

#: Queries that need more than a default board, with where they are checked instead.
NEEDS_STATE = {
    "AT+CWJAP": "answers +CWJAP only while connected (suites/wifi/test_station.py)",
    "AT+CWJEAP": "answers only while connected to a WPA2-Enterprise AP",
}


def _queries() -> list[object]:
    out: list[object] = []
    for command, _ in load_spec().forms("wifi", "query"):
        if command.name in NEEDS_STATE:
            continue
        out.append(
            pytest.param(
                command.name, id=f"{command.name}/query", marks=[pytest.mark.form(command.name, "query")]
            )
        )
    return out


@pytest.mark.parametrize("name", _queries())
def test_query_matches_template(dut, expect, esp_board, name: str) -> None:
    dut.cmd("AT+CWMODE=3").assert_ok()  # soft-AP queries answer only in modes 2 and 3 (3.2.12)
    resp = dut.cmd(f"{name}?")
    with sim_deviation(esp_board, name, "query"):
        expect.ok(resp, name, "query")
