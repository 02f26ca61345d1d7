"""Benchmark: eight simulated boards at once, each answering AT through an AtSession; median round-trip
latency per board.

Prints one JSON line (tests/bench/figure.py), ``boards_answer_at``: the worst board's median, target under
5 ms; the floor is one board alone, measured the same way in the same run. bench_boards.py's
``boards_at_once`` is the same measurement at 32 boards.

    .venv/bin/python tests/bench/bench_sim.py [--boards 8] [--rounds 200]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rigs.boards.instances import claim_instance  # noqa: E402
from tests.bench.bench_boards import await_ready, board_medians, start_board, stop  # noqa: E402
from tests.bench.figure import Figures  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boards", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--target-ms", type=float, default=5.0)
    ap.add_argument("--first-instance", type=int, default=150, help="numbers asked for first (then any free)")
    a = ap.parse_args()
    claims = [claim_instance(a.first_instance + i) for i in range(a.boards)]
    try:
        alone = start_board(claims[0].number)[0]
        try:
            _, alone_errors, floor = board_medians([str(await_ready(alone)["serial"])], a.rounds)
        finally:
            stop([alone])
        procs = [start_board(c.number)[0] for c in claims]
        try:
            medians, errors, _ = board_medians([str(await_ready(p)["serial"]) for p in procs], a.rounds)
        finally:
            stop(procs)
    finally:
        for c in claims:
            c.release()
    out = Figures("sim")
    out.emit(
        "boards_answer_at",
        max(medians),
        "ms",
        upper=a.target_ms,
        floor=floor,
        floor_is="median AT round trip of one board alone, measured the same way",
        also_ok=not errors and not alone_errors,
        value_is=f"the largest per-board median AT round trip of {a.boards} boards at once",
        boards=a.boards,
        rounds=a.rounds,
        median_ms=[round(m, 3) for m in medians],
        errors=(errors + alone_errors)[:3],
    )
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
