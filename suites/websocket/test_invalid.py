"""3.9 invalid invocations: ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE the guide's error code layout
gives for the class of mistake; and the state refusals (sending on or closing a link that is not open, an
open on a link that is), checked as ERROR alone: the guide documents no code for them and ESP-AT's
WebSocket handler is not public.

The parameter cases are generated from spec/ (fixtures/cases.py) around one valid invocation per set form,
chosen so that a board which wrongly accepts a case changes nothing lasting: no link is open, and the
AT+WSOPEN target is a closed port of the host.
"""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_set_cases

pytestmark = [pytest.mark.websocket, pytest.mark.usefixtures("fresh_board")]

#: (command, syntax line index, valid arguments as on the wire)
VALID: list[tuple[str, int, list[str]]] = [
    ("AT+WSCFG", 0, ["0", "10", "120", "1024"]),
    ("AT+WSHEAD", 0, ["0"]),
    ("AT+WSOPEN", 0, ["0", '"ws://127.0.0.1:1/"']),
    ("AT+WSSEND", 0, ["0", "4", "1", "10000"]),
    ("AT+WSCLOSE", 0, ["0"]),
]


def _cases() -> list[object]:
    return [
        pytest.param(case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")])
        for name, case in invalid_set_cases(VALID)
    ]


@pytest.mark.parametrize("case", _cases())
def test_invalid_set(dut, err_code, case: InvalidCase) -> None:
    """One invalid invocation: ERROR with the ERR CODE of its class (3.1.26)."""
    err_code(dut.cmd(case.line, 10), case.err_name, case.param_index, **case.expect_kwargs())


@pytest.mark.form("AT+WSSEND", "set")
@pytest.mark.form("AT+WSCLOSE", "set")
def test_link_that_is_not_open(dut, expect) -> None:
    """3.9.5: "If the connection cannot be established ... the system returns ERROR": AT+WSSEND on a link
    that was never opened answers ERROR without a ``>``; AT+WSCLOSE of it ERROR too."""
    resp = dut.cmd("AT+WSSEND=2,4")
    assert not resp.prompt, resp.text
    expect.error(resp)
    expect.error(dut.cmd("AT+WSCLOSE=2"))


@pytest.mark.form("AT+WSOPEN", "set")
def test_open_an_open_link(dut, expect, esp_rig, joined, esp_ws_server) -> None:
    """A second AT+WSOPEN on a link that is open answers ERROR, and the first connection stays up."""
    url = esp_ws_server.url("/")
    expect.ok(dut.cmd(f'AT+WSOPEN=0,"{url}"', esp_rig.targets.timeouts.connect + 5), "AT+WSOPEN", "set")
    expect.error(dut.cmd(f'AT+WSOPEN=0,"{url}"', esp_rig.targets.timeouts.connect + 5))
    m = expect.ok(dut.cmd("AT+WSOPEN?"), "AT+WSOPEN", "query")
    assert (int(m["link_id"]), int(m["state"])) == (0, 2)
