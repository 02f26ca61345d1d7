"""The form(...) marker, check records and reports/out/summary.json (fixtures/coverage.py), on scripted
fake boards: a form is checked only where a passing test matched its response, never by a marker alone."""

from __future__ import annotations

import json

import pytest

from reports.summary import SCHEMA_VERSION
from spec import COMMAND_SETS
from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer
from tests.plugin.plugin_helpers import run, serial_rig


class SaveTransBoard(ScriptedBoard):
    """Also accepts AT+SAVETRANSLINK=... with OK (3.1.9: its set forms answer OK), so a variant can be
    checked against the guide's template."""

    def respond(self, line: str) -> bytes:
        if line.upper().startswith("AT+SAVETRANSLINK="):
            self.commands.append(line)
            return b"\r\nOK\r\n"
        return super().respond(line)


INNER_TESTS = """
import pytest

@pytest.mark.basic
@pytest.mark.form("AT", "execute")
def test_at(dut, expect):
    expect.ok(dut.cmd("AT"), "AT", "execute")

@pytest.mark.form("AT+GMR", "execute")
def test_gmr_fails(dut, expect):
    expect.matches(dut.cmd("AT+GMR"), "not what the board says", "AT+GMR")

@pytest.mark.requires("wps")
@pytest.mark.form("AT+WPS", "set")
def test_wps_skipped(dut):
    dut.cmd("AT+WPS=1")

@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-tcpssl-client")
def test_declared_only(dut):
    dut.cmd("AT").assert_ok()

@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-udp")
def test_variant_checked(dut, expect):
    resp = dut.cmd('AT+SAVETRANSLINK=1,"192.168.6.110",1002,"UDP",1005')
    expect.ok(resp, "AT+SAVETRANSLINK", "set", variant="savetrans-udp")

@pytest.mark.requires("ble")
@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-ble")
def test_variant_skipped(dut):
    pass

@pytest.mark.form("AT+CWMODE", "bogus")
def test_bad_marker(dut):
    pass

@pytest.mark.form("AT+CWMODE", "query")
@pytest.mark.xfail(reason="known deviation", strict=True)
def test_known_deviation(dut, expect):
    expect.matches(dut.cmd("AT+CWMODE?"), "+CWMODE:<mode>", "AT+CWMODE")

def test_unmarked(dut):
    dut.cmd("AT").assert_ok()

def test_checked_undeclared(dut, expect):
    expect.ok(dut.cmd("ATE1"), "ATE", "execute")

@pytest.mark.form("AT+SLEEP", "set")
def test_refusal_only(dut, expect):
    expect.error(dut.cmd("AT+SLEEP=9"))

@pytest.mark.form("AT+RST", "execute")
def test_fails_before_check(dut):
    assert False, "failed before any check"
"""


def _forms(summary: dict, command_set: str) -> dict[str, dict]:
    cs = next(c for c in summary["command_sets"] if c["name"] == command_set)
    return {f["key"]: f for f in cs["forms"]}


def _states(entry: dict) -> dict[str, str]:
    return {t["id"].split("::")[-1]: t["state"] for t in entry["tests"]}


@pytest.mark.parametrize(
    "workers", [pytest.param([], id="in-process"), pytest.param(["-n", "2"], id="xdist")]
)
def test_summary_lays_checks_over_the_guide_forms(pytester: pytest.Pytester, workers: list[str]) -> None:
    with (
        ScriptedBoardServer(SaveTransBoard(name="alpha")) as a,
        ScriptedBoardServer(SaveTransBoard(name="beta")) as b,
    ):
        rig = serial_rig(pytester, ("alpha", a.url, ["wifi-sta"]), ("beta", b.url, ["wifi-sta"]))
        pytester.makepyfile(INNER_TESTS)
        out = pytester.path / "out" / "summary.json"
        result = run(pytester, rig, "--summary", str(out), "--esp-declarations=report", *workers)
    result.assert_outcomes(passed=6, failed=2, skipped=2, errors=1, xfailed=1)
    result.stdout.fnmatch_lines(
        ["*bad form or example marker*AT+CWMODE (3.2.3) has no 'bogus' form; it has query, set*"]
    )
    summary = json.loads(out.read_text())
    assert summary["schema_version"] == SCHEMA_VERSION == 3
    assert summary["rig"]["name"] == "bench.yaml"
    assert [b["id"] for b in summary["rig"]["boards"]] == ["alpha", "beta"]
    # Each board that was opened names its firmware (3.1.4 AT+GMR lines).
    gmr = {fw["board"]: fw["gmr"] for fw in summary["firmware"]}
    assert gmr and all(lines[-1] == "Bin version:v5.0.0.0(WROOM-32)" for lines in gmr.values())
    # Every command set and every form of the guide is listed, touched or not: 309 forms in 14 sets.
    assert [c["name"] for c in summary["command_sets"]] == list(COMMAND_SETS)
    assert sum(len(c["forms"]) for c in summary["command_sets"]) == 309
    assert summary["form_totals"]["forms_in_guide"] == 309
    basic = _forms(summary, "basic")
    wifi = _forms(summary, "wifi")
    cs = {c["name"]: c for c in summary["command_sets"]}
    assert cs["basic"]["forms_in_guide"] == 41 == len(basic)
    assert cs["wifi"]["forms_in_guide"] == 51 == len(wifi)
    assert basic["AT/execute"]["state"] == "checked-pass"
    assert _states(basic["AT/execute"]) == {"test_at": "checked-pass"}
    # A check without a declaration still counts.
    assert _states(basic["ATE/execute"]) == {"test_checked_undeclared": "checked-pass"}
    assert basic["ATE/execute"]["state"] == "checked-pass"
    # A check that did not match: checked-fail; a test that failed before checking its form: test-failed.
    assert basic["AT+GMR/execute"]["state"] == "checked-fail"
    assert basic["AT+RST/execute"]["state"] == "test-failed"
    # Only an ERROR was seen: counted apart from checked.
    assert basic["AT+SLEEP/set"]["state"] == "refusals only"
    assert basic["AT+SYSRAM/query"]["state"] == "not covered"
    # A test that declares a variant and sends only AT checks nothing of it: declared, unchecked. A
    # skipped variant stays skipped, and the form is only partly checked.
    save = basic["AT+SAVETRANSLINK/set"]
    variants = {v["variant"]: v["state"] for v in save["variants"]}
    assert variants == {
        "savetrans-tcpssl-client": "declared-unchecked",
        "savetrans-tcpssl-server": "not covered",
        "savetrans-udp": "checked-pass",
        "savetrans-ble": "skipped",
    }
    assert save["state"] == "partly checked"
    assert wifi["AT+WPS/set"]["state"] == "skipped"
    assert wifi["AT+CWMODE/query"]["state"] == "xfail"
    counts = {k: v for k, v in cs["basic"].items() if k.startswith("forms_")}
    assert counts == {
        "forms_in_guide": 41, "forms_checked": 2, "forms_failed": 1, "forms_xfailed": 0,
        "forms_test_failed": 1, "forms_partly_checked": 1, "forms_refusals_only": 1,
        "forms_declared_unchecked": 0, "forms_skipped": 0, "forms_not_covered": 35,
    }  # fmt: skip
    assert cs["wifi"]["forms_checked"] == 0 and cs["wifi"]["forms_xfailed"] == 1
    assert cs["wifi"]["forms_skipped"] == 1
    assert cs["ble"]["forms_not_covered"] == cs["ble"]["forms_in_guide"] == 64
    assert summary["totals"] == {
        "passed": 6, "failed": 2, "error": 1, "skipped": 2, "xfailed": 1, "xpassed": 0,
        "flaky": 0, "quarantined": 0
    }  # fmt: skip
    by_id = {t["id"].split("::")[-1]: t for t in summary["tests"]}
    assert by_id["test_gmr_fails"]["outcome"] == "failed"
    assert [(c["form"], c["category"], c["passed"]) for c in by_id["test_gmr_fails"]["checks"]] == [
        ("AT+GMR/execute", "response", False)
    ]
    assert [(c["form"], c["check"]) for c in by_id["test_variant_checked"]["checks"]] == [
        ("AT+SAVETRANSLINK/set/savetrans-udp", "expect.ok")
    ]
    assert by_id["test_bad_marker"]["outcome"] == "error" and by_id["test_bad_marker"]["forms"] == []
    assert by_id["test_unmarked"]["command_sets"] == []


def test_a_declaration_alone_leaves_the_form_declared_unchecked(pytester: pytest.Pytester) -> None:
    """The regression of issue 13: a test sending only ``AT`` used to cover AT+SAVETRANSLINK/set."""
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile(
            "import pytest\n\n"
            "@pytest.mark.form('AT+SAVETRANSLINK', 'set')\n"
            "@pytest.mark.form('AT+GMR', 'execute')\n"
            "def test_claims(dut):\n    dut.cmd('AT').assert_ok()\n"
        )
        out = pytester.path / "summary.json"
        result = run(pytester, rig, "--summary", str(out), "--esp-declarations=report")
    result.assert_outcomes(passed=1)
    basic = _forms(json.loads(out.read_text()), "basic")
    assert basic["AT+SAVETRANSLINK/set"]["state"] == "declared-unchecked"
    assert basic["AT+GMR/execute"]["state"] == "declared-unchecked"
    assert basic["AT/execute"]["state"] == "not covered"  # assert_ok() is no check of the guide's template
    cs = json.loads(out.read_text())["command_sets"][0]
    assert (cs["forms_checked"], cs["forms_declared_unchecked"]) == (0, 2)


LINTED_TESTS = """
import pytest

@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-udp")
@pytest.mark.form("AT+GMR", "execute")
def test_declares_unchecked(dut, expect):
    expect.ok(dut.cmd("AT+GMR"), "AT+GMR", "execute")

@pytest.mark.form("AT", "execute")
def test_declares_and_checks(dut, expect):
    expect.ok(dut.cmd("AT"), "AT", "execute")

@pytest.mark.form("AT+SLEEP", "set")
def test_declares_and_refuses(dut, expect):
    expect.error(dut.cmd("AT+SLEEP=9"))

@pytest.mark.form("AT+CWMODE", "query")
@pytest.mark.xfail(reason="known deviation", strict=True)
def test_xfail_untouched(dut):
    assert False
"""


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param([], id="default"),
        pytest.param(["--esp-declarations=strict"], id="strict"),
        pytest.param(["-n", "2"], id="default-xdist"),
    ],
)
def test_strict_declarations_fail_a_test_that_never_checks_its_form(
    pytester: pytest.Pytester, mode: list[str]
) -> None:
    """The plugin's own lint: under strict (the default) a passing test whose declared form has no matched
    check fails, naming the forms; refusals back a declaration (the form shows ``refusals only``)."""
    with (
        ScriptedBoardServer(ScriptedBoard(name="alpha")) as a,
        ScriptedBoardServer(ScriptedBoard(name="beta")) as b,
    ):
        rig = serial_rig(pytester, ("alpha", a.url, []), ("beta", b.url, []))  # a board per xdist worker
        pytester.makepyfile(LINTED_TESTS)
        out = pytester.path / "summary.json"
        result = run(pytester, rig, "--summary", str(out), *mode)
    result.assert_outcomes(passed=2, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(
        ["*test_declares_unchecked: declares form(s) it never checked: AT+SAVETRANSLINK/set/savetrans-udp.*"]
    )
    assert "AT+GMR/execute" not in result.stdout.str().split("never checked:")[1].splitlines()[0]
    summary = json.loads(out.read_text())
    by_id = {t["id"].split("::")[-1]: t for t in summary["tests"]}
    assert by_id["test_declares_unchecked"]["outcome"] == "failed"
    assert "never checked: AT+SAVETRANSLINK/set/savetrans-udp" in by_id["test_declares_unchecked"]["reason"]
    basic = _forms(summary, "basic")
    # the lint's failure is no failed check of the form: test-failed; the refusal-backed form: refusals only
    save = {v["variant"]: v["state"] for v in basic["AT+SAVETRANSLINK/set"]["variants"]}
    assert save["savetrans-udp"] == "test-failed"
    assert basic["AT+SLEEP/set"]["state"] == "refusals only"


def test_report_mode_lets_the_test_pass(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile(LINTED_TESTS)
        result = run(pytester, rig, "--esp-declarations=report")
    result.assert_outcomes(passed=3, xfailed=1)


def test_no_summary_for_a_run_without_guide_tests(pytester: pytest.Pytester) -> None:
    """A run of tests with no command-set or form marker (the project's self-tests) leaves no summary."""
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile("def test_plain(dut):\n    dut.cmd('AT').assert_ok()\n")
        result = run(pytester, rig)
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports" / "out" / "summary.json").exists()


def test_default_summary_path_under_rootdir(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makeini("[pytest]\n")
        pytester.makepyfile(
            "import pytest\n\n"
            "@pytest.mark.form('AT', 'execute')\n"
            "def test_at(dut, expect):\n    expect.ok(dut.cmd('AT'), 'AT', 'execute')\n"
        )
        result = run(pytester, rig)
    result.assert_outcomes(passed=1)
    summary = json.loads((pytester.path / "reports" / "out" / "summary.json").read_text())
    assert _forms(summary, "basic")["AT/execute"]["state"] == "checked-pass"
    assert len(summary["command_sets"]) == len(COMMAND_SETS) == 14


def test_an_example_marker_lists_the_test_under_its_section(pytester: pytest.Pytester) -> None:
    """``example("4.x.y")`` links a test whose id has no ``[4.x.y]`` to the chapter-4 example it replays; a
    section the guide does not have fails that test at setup, naming the marker."""
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile(
            "import pytest\n\n"
            "@pytest.mark.example('4.7.1')\n"
            "@pytest.mark.form('AT', 'execute')\n"
            "def test_browser_provisioning(dut, expect):\n    expect.ok(dut.cmd('AT'), 'AT', 'execute')\n\n"
            "@pytest.mark.example('4.7.1')\n"
            "@pytest.mark.form('AT', 'execute')\n"
            "def test_wrong_password(dut):\n    assert False\n\n"
            "@pytest.mark.example('4.99.1')\n"
            "@pytest.mark.form('AT', 'execute')\n"
            "def test_no_such_example(dut):\n    pass\n"
        )
        out = pytester.path / "summary.json"
        result = run(pytester, rig, "--summary", str(out))
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*bad form or example marker*example('4.99.1',)*not a chapter-4 example*"])
    examples = {e["section"]: e for e in json.loads(out.read_text())["examples"]}
    assert examples["4.7.1"]["tests"] == [
        "test_an_example_marker_lists_the_test_under_its_section.py::test_browser_provisioning",
        "test_an_example_marker_lists_the_test_under_its_section.py::test_wrong_password",
    ]
    assert examples["4.7.1"]["result"] == "fail"  # one of its tests failed
    assert examples["4.7.2"]["result"] == "not replayed"
