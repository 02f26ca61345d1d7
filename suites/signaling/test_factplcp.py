"""3.11.2 AT+FACTPLCP: the long or short PLCP of the board's 802.11b frames.

What it changes is on the radio only (the public handler, components/at/src/at_fact_cmd.c tag v5.0.0.0,
passes both values to esp_wifi_set_11b_tx_plcp and saves nothing), so the AT side is all a rig without a
Wi-Fi sniffer can check: OK for each documented combination, the command's only form being the set form,
and every refusal the handler's plain ERROR (spec/err_provenance.yaml factplcp-plain-error). A sniffer
that reads the PLCP preamble of the board's frames would be the instrument of its effect; no rig has one yet,
which each test's ``radio_side`` property says in the report."""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_set_params
from spec.err_provenance import load_provenance

pytestmark = [pytest.mark.signaling, pytest.mark.usefixtures("fresh_board")]

PLAIN = next(e for e in load_provenance() if e.id == "factplcp-plain-error")
VALID: list[tuple[str, int, list[str]]] = [("AT+FACTPLCP", 0, ["1", "1"])]


@pytest.fixture(autouse=True)
def radio_side(request) -> None:
    request.node.user_properties.append(
        ("radio_side", "not observable (no sniffer in the rig): the AT side only")
    )


@pytest.fixture
def back_to_default(dut):
    yield
    dut.cmd("AT+FACTPLCP=0,0")  # <enable> 0: the driver's default again (3.11.2)


@pytest.mark.parametrize(
    "enable,tx_with_long",
    [
        pytest.param(1, 1, id="manual-long"),
        pytest.param(1, 0, id="manual-short"),
        pytest.param(0, 1, id="default-long-ignored"),
        pytest.param(0, 0, id="default"),
    ],
)
@pytest.mark.form("AT+FACTPLCP", "set")
def test_each_documented_combination(dut, expect, back_to_default, enable: int, tx_with_long: int) -> None:
    """<enable> 0/1 with <tx_with_long> 0 (short, the default) or 1 (long): OK (3.11.2)."""
    expect.ok(dut.cmd(f"AT+FACTPLCP={enable},{tx_with_long}"), "AT+FACTPLCP", "set")


@pytest.mark.parametrize("line", ["AT+FACTPLCP?", "AT+FACTPLCP=?", "AT+FACTPLCP"])
def test_only_the_set_form_exists(dut, err_code, line: str) -> None:
    """3.11.2 documents the set form alone (at_fact_cmd.c registers no test, query or execute handler): the
    others are a form the command does not have, ESP_AT_SUB_CMD_OP_ERROR (3.1.26), as for every command."""
    err_code(dut.cmd(line), "ESP_AT_SUB_CMD_OP_ERROR")


@pytest.mark.parametrize("case", invalid_set_params(VALID))
def test_invalid_set(dut, err_code, case: InvalidCase) -> None:
    """Generated cases (fixtures/cases.py): the handler's plain ERROR whatever the mistake."""
    err_code(dut.cmd(case.line), "ESP_AT_SUB_CMD_EXEC_FAIL", result=0, provenance=PLAIN)


@pytest.mark.form("AT+FACTPLCP", "set")
def test_both_parameters_are_needed(dut, err_code) -> None:
    """at_fact_cmd.c reads <tx_with_long> as a second mandatory digit and requires two parameters."""
    err_code(dut.cmd("AT+FACTPLCP=1"), "ESP_AT_SUB_CMD_EXEC_FAIL", result=0, provenance=PLAIN)
