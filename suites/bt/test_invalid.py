"""3.5 invalid invocations: ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE the layout gives for the
class of mistake. The 3.5 handlers are not in the public esp-at source and no real board's Classic
Bluetooth ERR CODE is quoted in an esp-at issue (spec/err_provenance.yaml), so every code here is
``inferred``: a rig with ``err_codes: inferred-differs`` reports a different one as its own verdict.

The cases are generated from spec/ (fixtures/cases.py) around one valid invocation per set form with
parameter ranges or kinds (the guide's example values), with the stack initialized (AT+BTINIT=1) and, for
SPP, the profile initialized as the master, so that a refusal is about the parameter and not the state."""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_set_cases

pytestmark = [pytest.mark.bt, pytest.mark.requires("bt"), pytest.mark.usefixtures("fresh_board")]

#: (command, syntax line index, valid arguments as on the wire): 3.5.2 =1, 3.5.3 "esp_demo", 3.5.4 =2,
#: 3.5.5 =0,10,10, 3.5.6 =1, 3.5.16 =3,1,"9527", 3.5.19 =0,1, 3.5.23 =5,6.
VALID: list[tuple[str, int, list[str]]] = [
    ("AT+BTINIT", 0, ["1"]),
    ("AT+BTNAME", 0, ['"esp_demo"']),
    ("AT+BTSCANMODE", 0, ["2"]),
    ("AT+BTSTARTDISC", 0, ["0", "10", "10"]),
    ("AT+BTSPPINIT", 0, ["1"]),
    ("AT+BTSECPARAM", 0, ["3", "1", '"9527"']),
    ("AT+BTSECCFM", 0, ["0", "1"]),
    ("AT+BTPOWER", 0, ["5", "6"]),
]


def _cases() -> list[object]:
    return [
        pytest.param(case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")])
        for name, case in invalid_set_cases(VALID)
    ]


@pytest.mark.parametrize("case", _cases())
def test_invalid_set(dut, err_code, case: InvalidCase) -> None:
    """One invalid invocation: ERROR with the ERR CODE of its class (3.1.26)."""
    dut.cmd("AT+BTINIT=1").assert_ok()
    dut.cmd("AT+BTSPPINIT=1").assert_ok()
    err_code(dut.cmd(case.line, 20), case.err_name, case.param_index, **case.expect_kwargs())
