"""3.1 Basic AT commands: invalid invocations give ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE the
guide's error code layout gives for the class of mistake.

The cases are generated from spec/ (fixtures/cases.py) around one valid invocation per set form; the
valid invocations are chosen so that a board which wrongly accepts a case changes nothing dangerous (no
erase, no deep sleep, no new UART default).
"""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_cases
from spec import load_spec

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]

#: (command, variant or None, syntax line index, valid arguments as on the wire). The UART forms use the
#: rig's baud rate; "{baud}" is filled in at run time.
VALID: list[tuple[str, str | None, int, list[str]]] = [
    ("AT+SAVETRANSLINK", "savetrans-tcpssl-client", 0, ["1", '"192.168.6.110"', "1002", '"TCP"']),
    ("AT+SAVETRANSLINK", "savetrans-tcpssl-server", 1, ["3", "1002", '"TCP"']),
    ("AT+SAVETRANSLINK", "savetrans-udp", 2, ["1", '"192.168.6.110"', "1002", '"UDP"', "1005"]),
    ("AT+TRANSINTVL", None, 0, ["20"]),
    ("AT+UART_CUR", None, 0, ["{baud}", "8", "1", "0", "0"]),
    ("AT+UART_DEF", None, 0, ["{baud}", "8", "1", "0", "0"]),
    ("AT+SLEEP", None, 0, ["0"]),
    ("AT+SYSMSG", None, 0, ["0"]),
    ("AT+SYSMSGFILTER", None, 0, ["0"]),
    ("AT+SYSMSGFILTERCFG", "sysmsgfiltercfg-clear", 0, ["0"]),
    ("AT+SYSMSGFILTERCFG", "sysmsgfiltercfg-add", 1, ["1", "17", "0"]),
    ("AT+SYSFLASH", None, 0, ["2", '"mfg_nvs"', "0", "16"]),
    ("AT+SYSMFG", None, 1, ["1", '"factory_param"']),
    ("AT+RFPOWER", None, 0, ["78", "0", "0", "0"]),
    ("AT+SYSTIMESTAMP", None, 0, ["1565853509"]),
    ("AT+SYSLOG", None, 0, ["1"]),
    ("AT+SLEEPWKCFG", None, 0, ["2", "12", "0"]),
    ("AT+SYSSTORE", None, 0, ["1"]),
]


def _cases() -> list[object]:
    spec = load_spec()
    out: list[object] = []
    for name, variant, index, args in VALID:
        command = spec.command(name)
        form = command.form("set")
        assert form is not None
        # The refusal is recorded on the whole form (an ERROR names no variant), so the case claims the form;
        # the variant is in its id.
        marks = [pytest.mark.form(name, "set")]
        if name == "AT+UART_DEF":
            marks.append(pytest.mark.bench_risk)
        for case in invalid_cases(command, form.syntax[index], args):
            label = f"{name}/set/{variant + '/' if variant else ''}{case.id}"
            out.append(pytest.param(case, id=label, marks=marks))
    return out


@pytest.mark.parametrize("case", _cases())
def test_invalid_set(dut, err_code, esp_rig, case: InvalidCase) -> None:
    """One invalid invocation: ERROR with the ERR CODE of its class (3.1.26)."""
    line = case.line.replace("{baud}", str(esp_rig.boards[0].baud))
    resp = dut.cmd(line)
    err_code(resp, case.err_name, case.param_index, **case.expect_kwargs())


def _unsupported() -> list[object]:
    """Each command written in a form the guide does not give it (3.15 kinds), ATE and AT aside."""
    spec = load_spec()
    suffix = {"test": "=?", "query": "?", "set": "=1", "execute": ""}
    out: list[object] = []
    for command in spec.command_set("basic").commands:
        if command.name in ("AT", "ATE"):
            continue
        have = {f.kind.value for f in command.forms}
        for kind, tail in suffix.items():
            if kind in have:
                continue
            # No form marker: the form tried is not one of the guide's, so it covers none of them.
            out.append(pytest.param(command.name + tail, id=f"{command.name}/{kind}/unsupported"))
    return out


@pytest.mark.parametrize("line", _unsupported())
def test_unsupported_form(dut, err_code, expect, line: str) -> None:
    """A form the command does not have: ERROR, ESP_AT_SUB_CMD_OP_ERROR. A command the judged release's guide
    lacks altogether (AT+RFCAL before v4.1.1.0) is skipped, naming that release (issue 19)."""
    expect.require_command(line.removesuffix("=?").removesuffix("?").removesuffix("=1"))
    err_code(dut.cmd(line), "ESP_AT_SUB_CMD_OP_ERROR")


def test_unknown_command(dut, err_code) -> None:
    """3.1.26's own example: AT+FAKE gives ERR CODE:0x01090000 (ESP_AT_SUB_UNSUPPORT_CMD)."""
    resp = dut.cmd("AT+FAKE")
    err_code(resp, "ESP_AT_SUB_UNSUPPORT_CMD")
    assert resp.err_code == 0x01090000


def test_lower_case_at_prefix(dut, err_code) -> None:
    """A line not starting with upper-case AT: ESP_AT_SUB_NO_AT (3.1.26's table: "Starting AT not found (or
    at, At or aT entered)"; spec/err_provenance.yaml lower-case-at records why the guide stands against an
    unconfirmed report of a board answering lower-case input)."""
    err_code(dut.cmd("at"), "ESP_AT_SUB_NO_AT")


@pytest.mark.form("AT+GSLP", "set")
def test_gslp_wrong_type(dut, err_code) -> None:
    """AT+GSLP=<time> with a string: ERROR without sleeping (the board still answers AT)."""
    err_code(dut.cmd('AT+GSLP="1"'), "ESP_AT_SUB_PARA_TYPE_MISMATCH", 0)
    dut.cmd("AT").assert_ok()


@pytest.mark.form("AT+SYSREG", "set")
def test_sysreg_out_of_range(dut, err_code) -> None:
    """AT+SYSREG=<direct>,...: <direct> is 0 (read) or 1 (write)."""
    err_code(dut.cmd("AT+SYSREG=2,0x3FF44004"), "ESP_AT_SUB_PARA_INVALID", 0)
