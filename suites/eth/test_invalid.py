"""3.10 invalid invocations: ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE the layout gives for the
class of mistake. The Ethernet handler is in the closed core (only at_eth_init.c is public), so every code is
``inferred`` (spec/err_provenance.yaml). Cases generated from spec/ (fixtures/cases.py) around the guide's
examples (3.10.3, 3.10.4)."""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_set_params

pytestmark = [pytest.mark.eth, pytest.mark.usefixtures("fresh_board")]

VALID: list[tuple[str, int, list[str]]] = [
    ("AT+CIPETHMAC", 0, ['"1a:fe:35:98:d4:7b"']),
    ("AT+CIPETH", 0, ['"192.168.6.100"', '"192.168.6.1"', '"255.255.255.0"']),
]


@pytest.mark.parametrize("case", invalid_set_params(VALID))
def test_invalid_set(dut, err_code, case: InvalidCase) -> None:
    err_code(dut.cmd(case.line), case.err_name, case.param_index, **case.expect_kwargs())


@pytest.mark.form("AT+CIPETH", "set")
def test_gateway_without_netmask(dut, expect) -> None:
    """3.10.4 syntax: [,<"gateway">,<"netmask">] come together: two parameters are ERROR."""
    expect.error(dut.cmd('AT+CIPETH="192.168.6.100","192.168.6.1"'))
