"""tools/nightly.py (./run nightly): its exit status, and a run end to end on rigs/sim-serial.yaml that
exits 1 when a fault added to the simulator makes a test fail that passed in the baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.nightly import BENCH_BROKEN, GREEN, NEW_FAILURES, main, verdict

ROOT = Path(__file__).resolve().parents[2]
SELECTION = ["suites/basic/test_system.py", "-k", "sysram or gmr", "-p", "no:cacheprovider"]


@pytest.mark.parametrize(
    ("pytest_rc", "summary", "compare_rc", "expected"),
    [
        (0, True, None, GREEN),
        (1, True, None, NEW_FAILURES),
        (1, True, 0, GREEN),  # failing as in the baseline: nothing new
        (0, True, 1, NEW_FAILURES),  # e.g. a measurement regressed
        (1, True, 1, NEW_FAILURES),
        (2, True, None, BENCH_BROKEN),  # interrupted
        (5, False, None, BENCH_BROKEN),  # no tests collected
        (0, False, 0, BENCH_BROKEN),
    ],
)
def test_the_exit_status(pytest_rc: int, summary: bool, compare_rc: int | None, expected: int) -> None:
    assert verdict(pytest_rc, summary, compare_rc) == expected


def test_a_new_failure_against_the_baseline_exits_1(tmp_path: Path, capsys) -> None:
    rig = ROOT / "rigs" / "sim-serial.yaml"
    base = tmp_path / "base"
    assert main(["--rig", str(rig), "--out", str(base), "-n", "1", *SELECTION]) == GREEN
    (tmp_path / "faults.yaml").write_text("rules:\n  - {kind: panic, match: '^OK$', command: AT+SYSRAM}\n")
    faulty = tmp_path / "faulty.yaml"
    text = rig.read_text().replace(
        "      seed: 1\n", f"      seed: 1\n      faults: {tmp_path / 'faults.yaml'}\n"
    )
    faulty.write_text(text)
    night = tmp_path / "night"
    rc = main(["--rig", str(faulty), "--out", str(night), "--baseline", str(base / "summary.json"),
               "-n", "1", *SELECTION])  # fmt: skip
    assert rc == NEW_FAILURES
    assert "started failing" in (night / "compare.txt").read_text()
    assert (night / "index.html").exists() and (night / "compare.html").exists()


def test_an_unreachable_peer_is_a_broken_bench(tmp_path: Path) -> None:
    rig = tmp_path / "rig.yaml"
    rig.write_text(
        (ROOT / "rigs" / "sim.yaml").read_text()
        + "\npeers:\n  - {service: http, provided_by: external, address: 127.0.0.1, port: 9}\n"
    )
    assert main(["--rig", str(rig), "--out", str(tmp_path / "out"), *SELECTION]) == BENCH_BROKEN
