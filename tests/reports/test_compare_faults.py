"""``compare`` between a run on a faithful simulated board and a run on one with a faults file
(sim/FAULTS.md) lists exactly the tests the faults broke. Two small inner runs of the whole chain: the
plugin, the simulator, summary.json and junit.xml, then ``python -m reports compare`` and ``build``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

# Four forms of 3.1, each checked against the guide's response template (fixtures/suite.py's expect).
CHECKS = """
import time

import pytest


@pytest.mark.form("AT", "execute")
def test_at(dut, expect):
    expect.ok(dut.cmd("AT"), "AT", "execute")


@pytest.mark.form("AT+GMR", "execute")
def test_gmr(dut, expect):
    expect.ok(dut.cmd("AT+GMR"), "AT+GMR", "execute")


@pytest.mark.form("AT+SYSRAM", "query")
def test_sysram(dut, expect):
    expect.ok(dut.cmd("AT+SYSRAM?"), "AT+SYSRAM", "query")


@pytest.mark.form("AT+SYSSTORE", "query")
def test_sysstore(dut, expect, measure):
    start = time.perf_counter()
    expect.ok(dut.cmd("AT+SYSSTORE?"), "AT+SYSSTORE", "query")
    measure("sysstore_round_trip", time.perf_counter() - start, units="s", upper=60.0)
"""

# Two faults, each breaking one of the four: AT+GMR's last line without its "Bin version:" literal (3.1.4;
# its other lines are free text in the guide), ERROR instead of OK for AT+SYSRAM?.
FAULTS = """
rules:
  - {kind: replace, match: '^Bin version:', command: AT+GMR, with: "Bin version=bogus"}
  - {kind: replace, match: '^OK$', command: AT+SYSRAM, with: "ERROR"}
"""


def _rig(folder: Path, faults: bool) -> Path:
    text = (ROOT / "rigs" / "sim.yaml").read_text()
    # The fault garbles AT+GMR's Bin version line, which the board fixture also reads to check the rig's
    # firmware expectation (rigs/model/firmware.py): that check would stop the board before any test, so
    # these copies of the rig expect no firmware, and only the test of AT+GMR sees the fault.
    expectation = "    firmware: {at_version: 5.0.0.0, module: WROOM-32}\n"
    assert expectation in text
    text = text.replace(expectation, "")
    if faults:
        (folder / "faults.yaml").write_text(FAULTS)
        assert "      seed: 1\n" in text
        text = text.replace("      seed: 1\n", "      seed: 1\n      faults: faults.yaml\n")
    path = folder / ("faulty.yaml" if faults else "faithful.yaml")
    path.write_text(text)
    return path


def _run(pytester: pytest.Pytester, name: str, faults: bool) -> Path:
    out = pytester.path / name
    result = pytester.runpytest_subprocess(
        "-p", "fixtures.plugin", "-p", "no:cacheprovider", "--rig", str(_rig(pytester.path, faults)),
        f"--summary={out / 'summary.json'}", f"--junitxml={out / 'junit.xml'}",
        f"--transcripts={out / 'transcripts'}", "test_checks.py", timeout=240,
    )  # fmt: skip
    if faults:
        result.assert_outcomes(passed=2, failed=2)
    else:
        result.assert_outcomes(passed=4)
    return out


def test_compare_lists_exactly_the_tests_the_faults_broke(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    faithful = _run(pytester, "faithful", faults=False)
    faulty = _run(pytester, "faulty", faults=True)
    html = pytester.path / "compare.html"
    cmd = [sys.executable, "-m", "reports", "compare", str(faithful), str(faulty), "--html", str(html)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    text = done.stdout
    block = text.split("started failing (2)\n", 1)[1].split("forms started failing", 1)[0]
    failed = sorted(line.split()[0] for line in block.splitlines() if line.startswith("  ") and "->" in line)
    assert failed == ["test_checks.py::test_gmr", "test_checks.py::test_sysram"]
    assert "      actual:   Bin version=bogus" in block
    assert "AT+GMR/execute" in text and "AT+SYSRAM/query" in text
    forms = text.split("forms started failing (2)\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[-3:] for line in forms.splitlines()] == [["checked-pass", "->", "checked-fail"]] * 2
    assert "started passing" not in text and "newly skipped" not in text
    assert "verdict: B REGRESSED against A (2 regressions); exit status 1" in text
    # summary.json (schema 3) from the plugin: failure lines, transcript and measurements per test.
    summary = json.loads((faulty / "summary.json").read_text())
    assert summary["schema_version"] == 3
    tests = {t["id"]: t for t in summary["tests"]}
    gmr = tests["test_checks.py::test_gmr"]
    assert gmr["failure"]["actual"] == ["Bin version=bogus"]
    assert Path(gmr["transcript"]).is_file()
    (m,) = tests["test_checks.py::test_sysstore"]["measurements"]
    assert (m["name"], m["units"], m["limits"]["upper"], m["outcome"]) == (
        "sysstore_round_trip",
        "s",
        60.0,
        "pass",
    )
    # The faulty run's own page: two failures, each with a transcript that exists.
    build = [sys.executable, "-m", "reports", "build", str(faulty)]
    assert subprocess.run(build, capture_output=True, cwd=ROOT, timeout=120).returncode == 0
    page = (faulty / "index.html").read_text()
    assert page.count('class="failure"') == 2
    assert page.count('<a class="transcript" href="transcripts/') == 2
