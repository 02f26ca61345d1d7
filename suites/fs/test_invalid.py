"""3.8 invalid invocations: ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE the guide's error code layout
gives for the class of mistake; and the refusals of 3.8.2's operations (a file that is not there, only the
root directory), which are checked as ERROR alone: the guide documents no code for them and ESP-AT's FS
handler is not public.

The parameter cases are generated from spec/ (fixtures/cases.py) around one valid invocation per set form:
a read (operation 2), so that a board that wrongly accepts a case writes nothing and asks for no data.
"""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_set_cases
from suites.fs.helpers import fs_write, read_payload

pytestmark = [pytest.mark.fs, pytest.mark.usefixtures("fresh_board")]

#: (command, syntax line index, valid arguments as on the wire)
VALID: list[tuple[str, int, list[str]]] = [
    ("AT+FS", 0, ["0", "2", '"invalid.txt"', "0", "10"]),
    ("AT+FSMOUNT", 0, ["1"]),
]


def _cases() -> list[object]:
    return [
        pytest.param(case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")])
        for name, case in invalid_set_cases(VALID)
    ]


@pytest.mark.parametrize("case", _cases())
def test_invalid_set(dut, err_code, case: InvalidCase) -> None:
    """One invalid invocation: ERROR with the ERR CODE of its class (3.1.26)."""
    err_code(dut.cmd(case.line), case.err_name, case.param_index, **case.expect_kwargs())


@pytest.mark.form("AT+FS", "set")
@pytest.mark.parametrize(
    "line",
    [
        pytest.param('AT+FS=0,0,"no-such.txt"', id="AT+FS/set/delete-missing-file"),
        pytest.param('AT+FS=0,2,"no-such.txt",0,10', id="AT+FS/set/read-missing-file"),
        pytest.param('AT+FS=0,3,"no-such.txt"', id="AT+FS/set/size-of-missing-file"),
    ],
)
def test_operation_on_a_missing_file(dut, expect, line: str) -> None:
    """3.8.2 delete, read and size name an existing file: for one that is not there, ERROR."""
    expect.error(dut.cmd(line))


@pytest.mark.form("AT+FS", "set")
def test_list_only_the_root_directory(dut, expect) -> None:
    """3.8.2 operation 4: "Only root directory is currently supported": listing "." answers OK, a
    directory that does not exist below it ERROR."""
    assert dut.cmd('AT+FS=0,4,"."').ok
    expect.error(dut.cmd('AT+FS=0,4,"no-such-dir"'))


@pytest.mark.form("AT+FS", "set")
def test_refusals_leave_the_file_intact(dut, expect, fs_file) -> None:
    """After refused operations on other names, a written file still reads back what was written."""
    name = fs_file("intact.txt")
    expect.ok(fs_write(dut, name, 0, b"intact"), "AT+FS", "set")
    expect.error(dut.cmd('AT+FS=0,0,"no-such.txt"'))
    expect.error(dut.cmd(f'AT+FS=0,5,"{name}"'))
    resp = dut.cmd(f'AT+FS=0,2,"{name}",0,6')
    assert resp.ok, resp.text
    assert read_payload(resp) == b"intact"
