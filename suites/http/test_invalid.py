"""3.7 HTTP AT commands: invalid invocations give ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE of
their class (out of range, wrong type, wrong count; fixtures/cases.py generates them from spec/'s ranges
around one valid invocation per set form), and forms the guide does not give a command are refused
(ESP_AT_SUB_CMD_OP_ERROR). A refused command sends no request: the server's record stays as it was.

``{url}`` in the invocations is the rig's HTTP server.
"""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_cases
from spec import load_spec
from suites.http.http import Requests

pytestmark = [pytest.mark.http, pytest.mark.usefixtures("fresh_board", "joined")]

#: (command, valid arguments as on the wire)
VALID: list[tuple[str, list[str]]] = [
    ("AT+HTTPGETSIZE", ['"{url}"', "2048", "2048", "5000"]),
    ("AT+HTTPCGET", ['"{url}"', "2048", "2048", "5000"]),
    ("AT+HTTPCPOST", ['"{url}"', "5"]),
    ("AT+HTTPCPUT", ['"{url}"', "5"]),
    ("AT+HTTPURLCFG", ["20"]),
    ("AT+HTTPCHEAD", ["5"]),
    ("AT+HTTPCFG", ["0", "0", "0"]),
]

#: AT+HTTPCLIENT's syntax line (optional host/path between commas, repeated headers) yields no generated
#: cases; its enumerations (3.7.2 <opt> 1-5, <content-type> 0-3, <transport_type> 1-2) are checked here
CLIENT: list[tuple[str, str, str, int]] = [
    ("out-of-range-opt-min", 'AT+HTTPCLIENT=0,0,"{url}",,,1', "ESP_AT_SUB_PARA_INVALID", 0),
    ("out-of-range-opt-max", 'AT+HTTPCLIENT=6,0,"{url}",,,1', "ESP_AT_SUB_PARA_INVALID", 0),
    ("wrong-type-opt", 'AT+HTTPCLIENT="2",0,"{url}",,,1', "ESP_AT_SUB_PARA_TYPE_MISMATCH", 0),
    ("out-of-range-content-type-min", 'AT+HTTPCLIENT=2,-1,"{url}",,,1', "ESP_AT_SUB_PARA_INVALID", 1),
    ("out-of-range-content-type-max", 'AT+HTTPCLIENT=2,4,"{url}",,,1', "ESP_AT_SUB_PARA_INVALID", 1),
    ("wrong-type-url", "AT+HTTPCLIENT=2,0,1,,,1", "ESP_AT_SUB_PARA_TYPE_MISMATCH", 2),
    ("out-of-range-transport_type-min", 'AT+HTTPCLIENT=2,0,"{url}",,,0', "ESP_AT_SUB_PARA_INVALID", 5),
    ("out-of-range-transport_type-max", 'AT+HTTPCLIENT=2,0,"{url}",,,3', "ESP_AT_SUB_PARA_INVALID", 5),
]


def _cases() -> list[object]:
    spec = load_spec()
    out: list[object] = []
    for name, args in VALID:
        command = spec.command(name)
        form = command.form("set")
        assert form is not None
        for case in invalid_cases(command, form.syntax[0], args):
            out.append(pytest.param(case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")]))
    for label, line, err, index in CLIENT:
        case = InvalidCase(label, line, err, index)
        out.append(
            pytest.param(
                case, id=f"AT+HTTPCLIENT/set/{label}", marks=[pytest.mark.form("AT+HTTPCLIENT", "set")]
            )
        )
    return out


@pytest.mark.parametrize("case", _cases())
def test_invalid_set(dut, err_code, esp_rig, esp_http_server, case: InvalidCase) -> None:
    """One invalid invocation: ERROR with the ERR CODE of its class (3.1.26), no ``>`` and no request."""
    server = Requests(esp_http_server)
    line = case.line.replace("{url}", esp_http_server.url("/get"))
    resp = dut.cmd(line, esp_rig.targets.timeouts.connect, expect_prompt=True)
    assert not resp.prompt, f"{line!r}: an invalid invocation got the '>' prompt: {resp.text!r}"
    err_code(resp, case.err_name, case.param_index, given=case.given)
    dut.cmd("AT", esp_rig.targets.timeouts.command).assert_ok()
    assert server.new() == [], f"{line!r} was refused but a request reached the server"


@pytest.mark.parametrize(
    "command",
    [pytest.param(c, id=c, marks=pytest.mark.form(c, "set")) for c in ("AT+HTTPCPOST", "AT+HTTPCPUT")],
)
def test_header_count_mismatch(dut, expect, esp_rig, esp_http_server, command) -> None:
    """``<http_req_header_cnt>`` is "the number of <"http_req_header"> parameters" (3.7.5, 3.7.6): a count
    that differs from the headers given is refused (ERROR, no ``>``)."""
    server = Requests(esp_http_server)
    url = esp_http_server.url("/post")
    for line in (f'{command}="{url}",5,2,"X-A: 1"', f'{command}="{url}",5,1,"X-A: 1","X-B: 2"'):
        resp = dut.cmd(line, esp_rig.targets.timeouts.command, expect_prompt=True)
        assert not resp.prompt, f"{line!r}: got the '>' prompt: {resp.text!r}"
        expect.error(resp)
    assert server.new() == []


def _unsupported() -> list[object]:
    spec = load_spec()
    suffix = {"test": "=?", "query": "?", "set": "=1", "execute": ""}
    out: list[object] = []
    for command in spec.command_set("http").commands:
        have = {f.kind.value for f in command.forms}
        for kind, tail in suffix.items():
            if kind not in have:
                # No form marker: the form tried is not one of the guide's, so it covers none of them.
                out.append(pytest.param(command.name + tail, id=f"{command.name}/{kind}/unsupported"))
    return out


@pytest.mark.parametrize("line", _unsupported())
def test_unsupported_form(dut, err_code, line: str) -> None:
    """A form the command does not have (3.7 gives most HTTP commands a set form only): ERROR,
    ESP_AT_SUB_CMD_OP_ERROR."""
    err_code(dut.cmd(line), "ESP_AT_SUB_CMD_OP_ERROR")
