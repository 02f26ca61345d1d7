"""The form(...) marker and reports/out/summary.json (fixtures/coverage.py), on scripted fake boards."""

from __future__ import annotations

import json

import pytest

from reports.summary import SCHEMA_VERSION
from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer
from tests.plugin.plugin_helpers import run, serial_rig

INNER_TESTS = """
import pytest

@pytest.mark.basic
@pytest.mark.form("AT", "execute")
def test_at(dut):
    dut.cmd("AT").assert_ok()

@pytest.mark.form("AT+GMR", "execute")
def test_gmr_fails(dut):
    assert dut.cmd("AT+GMR").lines[0] == "not what the board says"

@pytest.mark.requires("wps")
@pytest.mark.form("AT+WPS", "set")
def test_wps_skipped(dut):
    dut.cmd("AT+WPS=1")

@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-udp")
def test_variant(dut):
    dut.cmd("AT").assert_ok()

@pytest.mark.form("AT+CWMODE", "bogus")
def test_bad_marker(dut):
    pass

@pytest.mark.form("AT+CWMODE", "query")
@pytest.mark.xfail(reason="known deviation", strict=True)
def test_known_deviation(dut):
    assert False

def test_unmarked(dut):
    dut.cmd("AT").assert_ok()
"""


def _forms(summary: dict, command_set: str) -> dict[str, dict]:
    cs = next(c for c in summary["command_sets"] if c["name"] == command_set)
    return {f["key"]: f for f in cs["forms"]}


@pytest.mark.parametrize(
    "workers", [pytest.param([], id="in-process"), pytest.param(["-n", "2"], id="xdist")]
)
def test_summary_lays_results_over_the_guide_forms(pytester: pytest.Pytester, workers: list[str]) -> None:
    with (
        ScriptedBoardServer(ScriptedBoard(name="alpha")) as a,
        ScriptedBoardServer(ScriptedBoard(name="beta")) as b,
    ):
        rig = serial_rig(pytester, ("alpha", a.url, ["wifi-sta"]), ("beta", b.url, ["wifi-sta"]))
        pytester.makepyfile(INNER_TESTS)
        out = pytester.path / "out" / "summary.json"
        result = run(pytester, rig, "--summary", str(out), *workers)
    result.assert_outcomes(passed=3, failed=1, skipped=1, errors=1, xfailed=1)
    result.stdout.fnmatch_lines(
        ["*bad form marker*AT+CWMODE (3.2.3) has no 'bogus' form; it has query, set*"]
    )
    summary = json.loads(out.read_text())
    assert summary["schema_version"] == SCHEMA_VERSION
    assert summary["rig"]["name"] == "bench.yaml"
    assert [b["id"] for b in summary["rig"]["boards"]] == ["alpha", "beta"]
    # Each board that was opened names its firmware (3.1.4 AT+GMR lines).
    gmr = {fw["board"]: fw["gmr"] for fw in summary["firmware"]}
    assert gmr and all(lines[-1] == "Bin version:v5.0.0.0(WROOM-32)" for lines in gmr.values())
    basic = _forms(summary, "basic")
    wifi = _forms(summary, "wifi")
    cs = {c["name"]: c for c in summary["command_sets"]}
    # Every form of the guide is listed, covered or not (41 in 3.1, 51 in 3.2).
    assert cs["basic"]["forms_in_guide"] == 41 == len(basic)
    assert cs["wifi"]["forms_in_guide"] == 51 == len(wifi)
    assert basic["AT/execute"]["result"] == "pass"
    assert basic["AT/execute"]["tests"] == ["test_summary_lays_results_over_the_guide_forms.py::test_at"]
    assert basic["AT+GMR/execute"]["result"] == "fail"
    assert basic["AT+RST/execute"]["result"] == "not covered"
    save = basic["AT+SAVETRANSLINK/set"]
    assert save["result"] == "pass"
    variants = {v["variant"]: v["result"] for v in save["variants"]}
    assert variants == {
        "savetrans-tcpssl-client": "not covered",
        "savetrans-tcpssl-server": "not covered",
        "savetrans-udp": "pass",
        "savetrans-ble": "not covered",
    }
    assert wifi["AT+WPS/set"]["result"] == "skip"
    assert wifi["AT+CWMODE/query"]["result"] == "xfail"
    assert cs["basic"]["forms_covered"] == 2 and cs["basic"]["forms_failed"] == 1
    assert cs["wifi"]["forms_covered"] == 0
    skips = cs["wifi"]["skips"]
    assert len(skips) == 1 and "lacks capability wps" in skips[0]["reason"]
    assert summary["totals"] == {
        "passed": 3, "failed": 1, "error": 1, "skipped": 1, "xfailed": 1, "xpassed": 0
    }  # fmt: skip
    by_id = {t["id"].split("::")[-1]: t for t in summary["tests"]}
    assert by_id["test_gmr_fails"]["outcome"] == "failed" and "not what the board says" in (
        by_id["test_gmr_fails"]["reason"] or ""
    )
    assert by_id["test_bad_marker"]["outcome"] == "error" and by_id["test_bad_marker"]["forms"] == []
    assert by_id["test_unmarked"]["command_sets"] == []


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
            "def test_at(dut):\n    dut.cmd('AT').assert_ok()\n"
        )
        result = run(pytester, rig)
    result.assert_outcomes(passed=1)
    summary = json.loads((pytester.path / "reports" / "out" / "summary.json").read_text())
    assert _forms(summary, "basic")["AT/execute"]["result"] == "pass"
    assert [c["name"] for c in summary["command_sets"]] == ["basic"]
