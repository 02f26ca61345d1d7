"""Benchmark: eight simulated boards at once, each answering AT through an AtSession; median round-trip
latency per board.

Prints one JSON line: {"bench": "sim", "boards": 8, "rounds": N, "median_ms": [...], "max_median_ms": x,
"target_ms": 5.0, "ok": bool}. Run: .venv/bin/python tests/bench/bench_sim.py [--boards 8] [--rounds 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_boards import round_trips  # noqa: E402


def start(instance: int) -> tuple[subprocess.Popen[str], str]:
    p = subprocess.Popen(
        [sys.executable, "-m", "sim", "--instance", str(instance)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    return p, json.loads(p.stdout.readline())["serial"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boards", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--target-ms", type=float, default=5.0)
    a = ap.parse_args()
    procs = [start(i) for i in range(a.boards)]
    results: list[list[float]] = [[] for _ in procs]
    errors: list[str] = []
    threads = [
        threading.Thread(target=round_trips, args=(url, a.rounds, results[i], errors))
        for i, (_, url) in enumerate(procs)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for p, _ in procs:
            p.terminate()
        for p, _ in procs:
            p.wait(timeout=10)
    medians = [round(statistics.median(r), 3) for r in results]
    print(
        json.dumps(
            {
                "bench": "sim",
                "boards": a.boards,
                "rounds": a.rounds,
                "median_ms": medians,
                "max_median_ms": max(medians),
                "target_ms": a.target_ms,
                "ok": max(medians) < a.target_ms and not errors,
                "errors": errors[:3],
            }
        )
    )


if __name__ == "__main__":
    main()
