"""``./run nightly --rig FILE [--baseline SUMMARY] [pytest args...]`` (``python -m tools.nightly``): a
bench's nightly or qualification run as one command, with an exit status a CI server reads.

1. flashing, when the rig names an image (``flash.image`` on a board: tools/flash.py), first, so that the
   probes after it see the firmware under test;
2. the rig check (tools/rigcheck.py): ports, AT, firmware, AP, peers;
3. the suite (``pytest suites --rig FILE``; extra arguments go to pytest), its report in ``--out``
   (junit.xml, summary.json, transcripts, index.html: python -m reports build);
4. with ``--baseline``, the comparison with that run's summary.json (python -m reports compare: what started
   failing, what was fixed, which measurements moved beyond their marginal band), written as
   ``compare.txt`` and ``compare.html`` beside the report.

Exit status: 0 green (no test failed, or none failed that passed in the baseline); 1 new failures (tests
that fail now and passed in the baseline; without a baseline, any failure); 2 the bench itself is broken
(flashing or a probe failed, pytest could not run, no summary was written).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rigs.loader import RigFileError, load_rig

__all__ = ["GREEN", "NEW_FAILURES", "BENCH_BROKEN", "main", "verdict"]

GREEN, NEW_FAILURES, BENCH_BROKEN = 0, 1, 2
ROOT = Path(__file__).resolve().parents[1]


def verdict(pytest_rc: int, summary_written: bool, compare_rc: int | None) -> int:
    """The run's exit status from pytest's (0 passed, 1 tests failed, other: could not run), whether the
    summary exists, and the comparison's (None without a baseline; 0 no regression, 1 regressions)."""
    if pytest_rc not in (0, 1) or not summary_written:
        return BENCH_BROKEN
    if compare_rc is None:
        return GREEN if pytest_rc == 0 else NEW_FAILURES
    if compare_rc not in (0, 1):
        return BENCH_BROKEN
    return NEW_FAILURES if compare_rc == 1 else GREEN


def _say(text: str) -> None:
    print(f"nightly: {text}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run nightly", description=__doc__.split("\n")[0])
    parser.add_argument("--rig", required=True, type=Path)
    parser.add_argument("--baseline", type=Path, help="an earlier run's summary.json (or its folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "out" / "nightly")
    parser.add_argument("--workers", "-n", type=int, default=None,
                        help="pytest-xdist workers (default: one per board entry)")  # fmt: skip
    args, pytest_args = parser.parse_known_args(argv)
    try:
        rig = load_rig(args.rig)
    except RigFileError as exc:
        _say(str(exc))
        return BENCH_BROKEN
    if args.baseline is not None and not args.baseline.exists():
        _say(f"--baseline {args.baseline}: no such file")
        return BENCH_BROKEN
    if any(b.flash is not None and b.flash.image is not None for b in rig.boards):
        from tools.flash import flash_rig

        _say("flashing the boards the rig names an image for")
        failures = flash_rig(rig)
        if failures:
            _say("bench broken: flashing failed: " + "; ".join(failures))
            return BENCH_BROKEN
    from tools.rigcheck import run_check, table

    probes = run_check(rig)
    print(table(probes), flush=True)
    failed = [p for p in probes if not p.ok]
    if failed:
        _say(f"bench broken: board {failed[0].board}, {failed[0].what}: {failed[0].detail}")
        return BENCH_BROKEN
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "summary.json"
    summary.unlink(missing_ok=True)
    workers = args.workers or len(rig.boards)
    cmd = [sys.executable, "-m", "pytest", "--rig", str(args.rig), "-n", str(workers),
           f"--junitxml={out / 'junit.xml'}", f"--summary={summary}",
           "--transcripts", str(out / "transcripts"), *(pytest_args or ["suites"])]  # fmt: skip
    _say(" ".join(cmd))
    pytest_rc = subprocess.run(cmd, cwd=ROOT).returncode
    if not summary.exists():
        _say(f"bench broken: pytest exited {pytest_rc} and wrote no {summary}")
        return BENCH_BROKEN
    build = subprocess.run([sys.executable, "-m", "reports", "build", str(out)], cwd=ROOT)
    if build.returncode != 0:
        _say(f"the report could not be built (python -m reports build exited {build.returncode})")
    compare_rc = None
    if args.baseline is not None:
        done = subprocess.run(
            [sys.executable, "-m", "reports", "compare", str(args.baseline), str(summary),
             "--html", str(out / "compare.html")],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        (out / "compare.txt").write_text(done.stdout + done.stderr)
        print(done.stdout, end="", flush=True)
        compare_rc = done.returncode
    rc = verdict(pytest_rc, True, compare_rc)
    _say(
        {GREEN: "green", NEW_FAILURES: "new failures", BENCH_BROKEN: "bench broken"}[rc] + f" (report: {out})"
    )
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
