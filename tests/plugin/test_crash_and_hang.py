"""A board that panics on its log port, or hangs, in the middle of a test (sim/FAULTS.md ``panic``,
``stall``) fails exactly that test; the next test passes on a board brought back (fixtures/boards.py,
fixtures/crash_check.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin.plugin_helpers import junit, run

ROOT = Path(__file__).resolve().parents[2]

TESTS = """
def test_before(dut):
    dut.cmd("AT").assert_ok()

def test_faulty(dut):
    dut.cmd("AT+SYSRAM?", timeout=3).assert_ok()

def test_after(dut):
    # (the rule would fire again on this test's AT+SYSRAM?: occurrence counts within each command)
    dut.cmd("AT").assert_ok()
    dut.cmd("AT+GMR").assert_ok()
"""


def _rig(pytester: pytest.Pytester, faults: str, *, rfc2217: bool = False) -> Path:
    (pytester.path / "faults.yaml").write_text(faults)
    text = (ROOT / "rigs" / "sim.yaml").read_text()
    assert "      seed: 1\n" in text and "transport: socket" in text and "reset: at" in text
    text = text.replace("      seed: 1\n", "      seed: 1\n      faults: faults.yaml\n")
    if rfc2217:
        text = text.replace("transport: socket", "transport: rfc2217").replace("reset: at", "reset: rts")
    path = pytester.path / "rig.yaml"
    path.write_text(text)
    return path


def _cases(root) -> dict[str, tuple[bool, dict[str, str]]]:
    out = {}
    for case in root.iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        out[case.get("name", "")] = (failed, props)
    return out


def test_a_panic_fails_that_test_only(pytester: pytest.Pytester) -> None:
    # the OK of AT+SYSRAM? goes out, then the board panics: the body passes, the crash check fails it
    rig = _rig(pytester, "rules:\n  - {kind: panic, match: '^OK$', command: AT+SYSRAM}\n")
    pytester.makepyfile(TESTS)
    summary = pytester.path / "summary.json"
    result = run(pytester, rig, f"--junitxml={pytester.path / 'junit.xml'}", f"--summary={summary}")
    result.assert_outcomes(passed=2, failed=1)
    tests = {t["id"].split("::")[-1]: t for t in json.loads(summary.read_text())["tests"]}
    assert tests["test_faulty"]["crashes"] == ["sim: panic (LoadProhibited); reset reason SW_CPU_RESET"]
    assert tests["test_after"]["crashes"] == [] and tests["test_after"]["outcome"] == "passed"
    result.stdout.fnmatch_lines(
        ["*test_faulty*", "*[[]crash: panic (LoadProhibited)[]]*reset reason SW_CPU_RESET*",
         "*Guru Meditation Error*"]
    )  # fmt: skip
    cases = _cases(junit(pytester.path / "junit.xml"))
    assert cases["test_faulty"][0] and "esp_crash" in cases["test_faulty"][1]
    assert "SW_CPU_RESET" in cases["test_faulty"][1]["esp_crash"]
    assert not cases["test_after"][0] and "esp_crash" not in cases["test_after"][1]
    assert not cases["test_before"][0]


def test_a_hang_fails_that_test_and_the_hardware_reset_brings_the_board_back(
    pytester: pytest.Pytester,
) -> None:
    # over rfc2217 with reset: rts the simulator takes the RTS pulse on EN as a real board does
    rig = _rig(pytester, "rules:\n  - {kind: stall, match: '^\\+SYSRAM:'}\n", rfc2217=True)
    pytester.makepyfile(TESTS)
    result = run(pytester, rig, f"--junitxml={pytester.path / 'junit.xml'}")
    result.assert_outcomes(passed=2, failed=1)
    cases = _cases(junit(pytester.path / "junit.xml"))
    assert cases["test_faulty"][0] and not cases["test_after"][0]
    text = next((pytester.path / "transcripts").glob("*test_after.txt")).read_text()
    assert "board not answering" in text and "reset (rts)" in text
    assert "board reopened after hardware reset: RTS pulse" in text
    assert "esp_crash" not in cases["test_after"][1]
