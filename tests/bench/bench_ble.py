"""Benchmark: the wall time of a Bluetooth LE test (issue 17: "< 2 s per test average"); one JSON line per
figure.

``suites/ble`` runs on the sim rig as the suite runs (``python -m pytest suites/ble --rig rigs/sim.yaml -n
2``, a child process), with ``--junitxml``; each ``<testcase>``'s ``time`` is its setup, call and teardown
(pytest's default ``junit_duration_report = total``), which is what a test costs its worker.

* ``ble_test_avg``: the average of those times over the tests that ran (passed or failed; a skip costs
  nothing and would flatter it). Target: under 2 s. Floor, same run: the cheapest test that ran (a fresh
  board and one or two commands), named in the line.
* ``ble_run_per_test``: the child's whole wall time, collection and the workers' board start-ups included,
  times the workers, per test that ran: what one more test costs a run. Target: under 2 s too. Floor, same
  run: ``ble_test_avg``'s value (a run can cost no less than its tests).

Every line also gives the counts (passed, failed, skipped), the slowest tests and the load average. Exit
status 0 when every target is met and no test failed.

    .venv/bin/python tests/bench/bench_ble.py [--workers 2] [-k EXPR] [--rig rigs/sim.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.figure import figure_line  # noqa: E402

TARGET_S = 2.0
SLOWEST = 5


@dataclass(frozen=True)
class Case:
    """One ``<testcase>`` of the JUnit XML: its id, its time, and how it ended."""

    name: str
    seconds: float
    outcome: str  # "passed", "failed" (failure or error), "skipped"


def cases(junit: Path) -> list[Case]:
    """The test cases of a JUnit XML file written by pytest."""
    out = []
    for tc in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in tc}
        outcome = "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
        name = f"{tc.get('classname', '')}::{tc.get('name', '')}"
        out.append(Case(name, float(tc.get("time") or 0.0), outcome))
    return out


def figures(all_cases: list[Case], wall_s: float, workers: int) -> list[dict[str, object]]:
    """The two figures of the module docstring from one run's cases and its wall time."""
    ran = [c for c in all_cases if c.outcome != "skipped"]
    if not ran:
        raise SystemExit("bench_ble: no BLE test ran (is the sim rig's board BLE-capable?)")
    counts = {k: sum(c.outcome == k for c in all_cases) for k in ("passed", "failed", "skipped")}
    avg = sum(c.seconds for c in ran) / len(ran)
    cheapest = min(ran, key=lambda c: c.seconds)
    slowest = [
        {"test": c.name, "s": round(c.seconds, 2)} for c in sorted(ran, key=lambda c: -c.seconds)[:SLOWEST]
    ]
    detail = {**counts, "workers": workers}
    per_test = wall_s * workers / len(ran)
    passed = not counts["failed"]  # a failing BLE test makes both figures miss, whatever the times
    return [
        figure_line(
            "ble", "ble_test_avg", avg, "s", upper=TARGET_S, floor=cheapest.seconds,
            floor_is=f"the cheapest test that ran ({cheapest.name})", also_ok=passed,
            **detail, slowest=slowest,
        ),
        figure_line(
            "ble", "ble_run_per_test", per_test, "s", upper=TARGET_S, floor=avg,
            floor_is="ble_test_avg (a run costs no less than its tests)", also_ok=passed,
            **detail, wall_s=round(wall_s, 1),
        ),
    ]


def run_suite(rig: str, workers: int, select: str | None, junit: Path) -> float:
    """Run suites/ble in a child pytest; its wall time in seconds."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "suites/ble",
        "--rig",
        rig,
        "-n",
        str(workers),
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
    ]
    if select:
        cmd += ["-k", select]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    if not junit.exists():
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit(f"bench_ble: pytest exited {proc.returncode} and wrote no JUnit XML")
    return wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rig", default="rigs/sim.yaml")
    ap.add_argument("-k", dest="select", default=None, help="a pytest -k expression (a narrower run)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "ble.xml"
        wall = run_suite(args.rig, args.workers, args.select, junit)
        rows = figures(cases(junit), wall, args.workers)
    for row in rows:
        print(json.dumps(row), flush=True)
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
