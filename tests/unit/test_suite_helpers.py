"""Unit tests of the suites' pure helpers: invalid-invocation generation (fixtures/cases.py), the summary
builder (reports/summary.py) and the response checks of fixtures/suite.py on hand-made responses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fixtures.cases import invalid_cases, out_of_range_values, syntax_params
from fixtures.suite import Expect, SuiteError, assert_order, response_lines
from reports import summary as summary_model
from reports.summary import FormRef, RigInfo, SummaryBuilder, combine, firmware_from_properties
from rigs.at.events import Blank, Echo, ErrCode, Final, Line, Urc
from rigs.at.response import Response
from spec import load_spec
from spec.matcher import MatchError
from spec.params import ParamSpec


def response(command: str, *events, err_code: int | None = None) -> Response:
    final = next((e.result for e in events if isinstance(e, Final)), None)
    return Response(command=command, events=list(events), final=final, err_code=err_code)


# --- fixtures/cases.py ---


def test_out_of_range_values_from_range_enum_and_bits() -> None:
    assert out_of_range_values(ParamSpec(name="interval", range=[0, 1000])) == [("min", -1), ("max", 1001)]
    assert out_of_range_values(ParamSpec(name="mode", enum={0: "", 1: "", 2: "", 3: ""})) == [
        ("min", -1),
        ("max", 4),
    ]
    # 0 named in the enum, [1,7200] a range: -1 and 7201 are outside both (3.2.7 <reconn_interval>)
    spec = ParamSpec(name="reconn_interval", range=[1, 7200], enum={0: ""})
    assert out_of_range_values(spec) == [("min", -1), ("max", 7201)]
    assert out_of_range_values(ParamSpec(name="state", bits={0: "", 1: "", 2: ""})) == [("bit", 8)]
    assert out_of_range_values(ParamSpec(name="port")) == []
    assert out_of_range_values(ParamSpec(name="ssid", type="str", quoted=True)) == []


def test_syntax_params_in_written_order() -> None:
    c = load_spec().command("AT+CWJAP")
    names = [p.name for p in syntax_params(c, c.form("set").syntax[0])]
    assert names[:3] == ["ssid", "pwd", "bssid"] and names[-1] == "pmf"


def test_invalid_cases_of_cwmode() -> None:
    c = load_spec().command("AT+CWMODE")
    cases = {case.id: case for case in invalid_cases(c, c.form("set").syntax[0], ["1", "1"])}
    assert cases["out-of-range-mode-max"].line == "AT+CWMODE=4,1"
    assert (cases["out-of-range-mode-max"].err_name, cases["out-of-range-mode-max"].param_index) == (
        "ESP_AT_SUB_PARA_INVALID",
        0,
    )
    assert cases["wrong-type-auto_connect"].line == 'AT+CWMODE=1,"1"'
    assert cases["wrong-count"].line == "AT+CWMODE=1,1,1" and cases["wrong-count"].given == 3


def test_invalid_cases_of_strings() -> None:
    c = load_spec().command("AT+CWHOSTNAME")
    cases = {case.id: case for case in invalid_cases(c, c.form("set").syntax[0], ['"esp"'])}
    assert cases["over-long-hostname"].line == 'AT+CWHOSTNAME="' + "a" * 33 + '"'
    assert cases["over-long-hostname"].err_name == "ESP_AT_SUB_PARA_LENGTH_MISMATCH"
    assert cases["bad-escape-hostname"].line == 'AT+CWHOSTNAME="esp\\"'
    assert cases["wrong-type-hostname"].line == "AT+CWHOSTNAME=1"


def test_optional_parameters_left_out_get_no_cases() -> None:
    c = load_spec().command("AT+CWCONFIG")
    ids = [case.id for case in invalid_cases(c, c.form("set").syntax[0], ["", "", "3"])]
    assert all("ap_inactive" not in i and "sta_inactive" not in i for i in ids), ids


# --- fixtures/suite.py ---


def test_expect_ok_keeps_reports_the_form_names_and_drops_others() -> None:
    expect = Expect(load_spec())
    resp = response(
        'AT+CWJAP="a","b"',
        Echo(line='AT+CWJAP="a","b"', raw=b'AT+CWJAP="a","b"\r\n'),
        Urc(
            kind="+STA_CONNECTED",
            fields=("02:00:00:00:10:01",),
            text='+STA_CONNECTED:"02:00:00:00:10:01"',
            raw=b'+STA_CONNECTED:"02:00:00:00:10:01"\r\n',
        ),
        Urc(kind="WIFI CONNECTED", fields=(), text="WIFI CONNECTED", raw=b"WIFI CONNECTED\r\n"),
        Urc(kind="WIFI GOT IP", fields=(), text="WIFI GOT IP", raw=b"WIFI GOT IP\r\n"),
        Blank(raw=b"\r\n"),
        Final(result="OK", raw=b"OK\r\n"),
    )
    expect.ok(resp, "AT+CWJAP", "set")
    # (events carry their bytes: expect.ok checks the response's framing first, rigs/at/wire.py)
    missing = response(
        'AT+CWJAP="a","b"',
        Urc(kind="WIFI GOT IP", fields=(), text="WIFI GOT IP", raw=b"WIFI GOT IP\r\n"),
        Blank(raw=b"\r\n"),
        Final(result="OK", raw=b"OK\r\n"),
    )
    with pytest.raises(MatchError, match="expected: WIFI CONNECTED"):
        expect.ok(missing, "AT+CWJAP", "set")


def test_expect_error_checks_err_code() -> None:
    expect = Expect(load_spec())
    resp = response(
        "AT+CWMODE=4",
        ErrCode(code=0x01070000, raw=b"ERR CODE:0x01070000\r\n"),
        Final(result="ERROR", raw=b"ERROR\r\n"),
        err_code=0x01070000,
    )
    expect.error(resp, "ESP_AT_SUB_PARA_INVALID", 0)
    with pytest.raises(SuiteError, match=r"expected ERR CODE:0x01070001 .*got ERR CODE:0x01070000"):
        expect.error(resp, "ESP_AT_SUB_PARA_INVALID", 1)
    ok = response("AT", Final(result="OK", raw=b"OK\r\n"))
    with pytest.raises(SuiteError, match="expected ERROR, got 'OK'"):
        expect.error(ok)


def test_expect_error_wrong_count_checks_given_only() -> None:
    expect = Expect(load_spec())
    resp = response("AT+X=1,2,3", Final(result="ERROR", raw=b"ERROR\r\n"), err_code=0x01060203)
    expect.error(resp, "ESP_AT_SUB_PARA_NUM_MISMATCH", given=3)
    with pytest.raises(SuiteError, match="4 parameters given"):
        expect.error(resp, "ESP_AT_SUB_PARA_NUM_MISMATCH", given=4)


def test_repeated_rows_from_spec_corrections() -> None:
    """3.1.5 prints one +CMD row per command; spec/corrections.yaml marks the row {+}."""
    expect = Expect(load_spec())
    resp = response(
        "AT+CMD?",
        Line('+CMD:0,"AT",0,0,0,1', raw=b'+CMD:0,"AT",0,0,0,1\r\n'),
        Line('+CMD:1,"AT+RST",0,0,0,1', raw=b'+CMD:1,"AT+RST",0,0,0,1\r\n'),
        Blank(raw=b"\r\n"),
        Final(result="OK", raw=b"OK\r\n"),
    )
    assert [r["index"] for r in expect.ok(resp, "AT+CMD", "query").rows("+CMD:")] == [0, 1]


def test_response_lines_and_order() -> None:
    resp = response(
        "AT", Echo(line="AT", raw=b"AT\r\n"), Blank(raw=b"\r\n"), Final(result="OK", raw=b"OK\r\n")
    )
    assert response_lines(resp) == ["", "OK"]
    assert_order(["a", "WIFI CONNECTED", "WIFI GOT IP"], ["WIFI CONNECTED", "WIFI GOT IP"])
    with pytest.raises(SuiteError, match="nothing between"):
        assert_order(["WIFI CONNECTED", "x", "WIFI GOT IP"], ["WIFI CONNECTED", "WIFI GOT IP"])


# --- reports/summary.py ---


def test_combine() -> None:
    assert combine([]) == "not covered"
    assert combine(["passed", "failed"]) == "fail"
    assert combine(["passed", "xfailed"]) == "xfail"
    assert combine(["passed", "skipped"]) == "pass"
    assert combine(["skipped"]) == "skip"
    assert combine(["xpassed"]) == "fail"


def test_firmware_from_properties_groups_by_board() -> None:
    fw = firmware_from_properties(
        [("sim#0.gmr[1]", "SDK"), ("sim#0.gmr[0]", "AT"), ("sim#0.pid", "7"), ("b.x.gmr[0]", "AT2")]
    )
    by = {f.board: f for f in fw}
    assert by["sim#0"].gmr == ["AT", "SDK"] and by["sim#0"].properties == {"pid": "7"}
    assert by["b.x"].gmr == ["AT2"]


def test_builder_counts_forms_and_variants() -> None:
    builder = SummaryBuilder(load_spec(), ["basic"])
    builder.add(
        summary_model.TestResult("t1", "passed", forms=(FormRef("AT", "execute"),), command_sets=("basic",))
    )
    builder.add(
        summary_model.TestResult(
            "t2",
            "skipped",
            forms=(FormRef("AT+SAVETRANSLINK", "set", "savetrans-ble"),),
            command_sets=("basic",),
            reason="no ble",
        )
    )
    builder.add(
        summary_model.TestResult("t3", "passed", forms=(FormRef("AT+NOPE", "set"),), command_sets=("basic",))
    )
    now = datetime.now(UTC)
    s = builder.build(
        rig=RigInfo(name="r", path=None, description="", boards=[]), firmware=[], started=now, finished=now
    )
    basic = next(cs for cs in s.command_sets if cs.name == "basic")
    # t1 declares AT/execute but checks nothing of it (schema 3: declarations alone check nothing)
    assert (basic.forms_in_guide, basic.forms_checked, basic.forms_declared_unchecked) == (41, 0, 1)
    assert (basic.tests.passed, basic.tests.skipped) == (2, 1)
    forms = {f.key: f for f in basic.forms}
    assert forms["AT+SAVETRANSLINK/set"].state == "skipped"
    assert {v.variant: v.state for v in forms["AT+SAVETRANSLINK/set"].variants}["savetrans-ble"] == "skipped"
    assert basic.skips[0].reason == "no ble"
    assert s.unknown_forms == ["AT+NOPE/set"]
