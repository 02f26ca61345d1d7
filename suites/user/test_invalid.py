"""3.14 invalid invocations, generated from spec/ (fixtures/cases.py) around the guide's example of each set
form: ERROR with ERR CODE 0x010a0000, as the public handler refuses every one of them
(components/at/src/at_user_cmd.c, tag v5.0.0.0: ESP_AT_RESULT_CODE_ERROR, no parameter code:
spec/err_provenance.yaml user-plain-error). The board is put in the state each form needs first (RAM
allocated for AT+USERRAM, the wake-up configuration on for AT+USERMCUSLEEP and off for AT+USERWKMCUCFG), so
that a refusal is about the parameter."""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_set_cases

pytestmark = [pytest.mark.user, pytest.mark.usefixtures("fresh_board")]

#: 3.14.2 "read 64 bytes from RAM offset 100" (here 4 from 0), 3.14.4 and 3.14.5 examples
VALID: list[tuple[str, int, list[str]]] = [
    ("AT+USERRAM", 0, ["3", "4", "0"]),
    ("AT+USERWKMCUCFG", 0, ["1", "1", "18", "1", "10000", "3"]),
    ("AT+USERMCUSLEEP", 0, ["0"]),
    ("AT+USEROTA", 0, ["36"]),  # 3.14.3 example
]
#: what each form's cases start from, and how it is put back (a wrongly accepted case may have left the MCU
#: asleep, which would refuse the disable)
STATE = {
    "AT+USERRAM": ("AT+USERRAM=1,1024", ["AT+USERRAM=0"]),
    "AT+USERWKMCUCFG": ("AT+USERWKMCUCFG=0", ["AT+USERWKMCUCFG=0"]),
    "AT+USERMCUSLEEP": ("AT+USERWKMCUCFG=1,1,18,1,10000,3", ["AT+USERMCUSLEEP=0", "AT+USERWKMCUCFG=0"]),
    "AT+USEROTA": ("AT", []),
}


def _cases() -> list[object]:
    return [
        pytest.param(name, case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")])
        for name, case in invalid_set_cases(VALID)
    ]


@pytest.mark.bench_risk
@pytest.mark.parametrize(("name", "case"), _cases())
def test_invalid_set(dut, err_code, name: str, case: InvalidCase) -> None:
    setup, teardown = STATE[name]
    dut.cmd(setup).assert_ok()
    try:
        resp = dut.cmd(case.line)
        if resp.prompt:  # a board that wrongly took AT+USEROTA's case waits for a URL: one that fails
            dut.send_data(b"x")
        err_code(resp, case.err_name, case.param_index, **case.expect_kwargs())
    finally:
        for line in teardown:
            dut.cmd(line)
