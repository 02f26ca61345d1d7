"""Benchmark: simulated boards per host (issue 23); one JSON line per figure.

* ``board_memory``: one simulated board (``python -m sim``, the default profile) after ``ready`` and a few
  hundred commands: its resident set (RSS), its proportional share (PSS: shared pages split between the
  processes mapping them) and its private memory (USS: what one more board adds to the host). Target: RSS
  under 25 MB. Floor, same run: a Python process that has imported asyncio and nothing else.
* ``boards_at_once``: ``--boards`` (32) simulated boards started at once, each answering ``AT`` through an
  AtSession on a thread of its own (all in this one process, as 32 workers' sessions never are), all at the
  same time. Target: the median of all their round trips under 5 ms (each board's own median is listed
  too). Floor, same run: one board alone, measured the same way.
* ``boards_beyond_workers``: ``--workers`` processes (xdist workers) each launching ``--per-worker`` boards
  at once, their numbers claimed host-wide (rigs/boards/instances.py), each board opening a TCP server on
  the guide's fixed port (3.3.16 AT+CIPSERVER=1,333) on its soft-AP address. Target: more boards than
  workers, every number distinct, every server up and accepting.

    .venv/bin/python tests/bench/bench_boards.py [--boards 32] [--workers 2] [--per-worker 3]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rigs.at.session import AtSession  # noqa: E402
from rigs.boards.instances import claim_instance  # noqa: E402
from tests.bench.figure import Figures  # noqa: E402

RSS_TARGET_MB = 25.0
MEDIAN_TARGET_MS = 5.0


def memory_mb(pid: int) -> dict[str, float]:
    """Rss, Pss and the private (USS) part of a process, in MB (/proc/<pid>/smaps_rollup)."""
    kb: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                kb[parts[0].rstrip(":")] = int(parts[1])
    uss = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return {"rss_mb": kb["Rss"] / 1024, "pss_mb": kb["Pss"] / 1024, "uss_mb": uss / 1024}


def start_board(instance: int) -> tuple[subprocess.Popen[str], dict[str, object]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "--instance", str(instance)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, {}


def await_ready(proc: subprocess.Popen[str]) -> dict[str, object]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"simulated board {proc.pid} exited before its ready line")
    ready: dict[str, object] = json.loads(line)
    return ready


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def round_trips(url: str, rounds: int, out: list[float], errors: list[str]) -> None:
    """``AT`` round trips through the project's AT session, as a suite sees them (ms)."""
    try:
        with AtSession.open(url, name=url) as dut:
            dut.expect_urc("ready", timeout=60)
            dut.cmd("ATE0", timeout=30).assert_ok()
            for _ in range(rounds):
                t0 = time.perf_counter()
                dut.cmd("AT", timeout=30).assert_ok()
                out.append((time.perf_counter() - t0) * 1000)
    except Exception as exc:  # noqa: BLE001 - reported in the figure, not raised from a thread
        errors.append(f"{url}: {exc!r}"[:300])


# --- figures ------------------------------------------------------------------------------------------


def board_memory(out: Figures, instance: int) -> None:
    proc, _ = start_board(instance)
    floor = subprocess.Popen(
        [sys.executable, "-c", "import asyncio, sys; print(flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = await_ready(proc)
        times: list[float] = []
        errors: list[str] = []
        round_trips(str(ready["serial"]), 300, times, errors)
        time.sleep(0.5)
        board = memory_mb(proc.pid)
        assert floor.stdout is not None
        floor.stdout.readline()
        bare = memory_mb(floor.pid)
    finally:
        stop([proc])
        floor.kill()
        floor.wait()
    out.emit(
        "board_memory",
        board["rss_mb"],
        "MB",
        upper=RSS_TARGET_MB,
        floor=bare["rss_mb"],
        floor_is="RSS of a python process that imported asyncio and nothing else",
        also_ok=not errors,
        value_is="RSS of one simulated board after ready and 300 AT round trips",
        board={k: round(v, 1) for k, v in board.items()},
        floor_python_asyncio={k: round(v, 1) for k, v in bare.items()},
        errors=errors,
    )


def board_medians(urls: list[str], rounds: int) -> tuple[list[float], list[str], float]:
    """Each board's median round trip, the errors, and the median of every round trip of every board."""
    results: list[list[float]] = [[] for _ in urls]
    errors: list[str] = []
    threads = [
        threading.Thread(target=round_trips, args=(u, rounds, results[i], errors)) for i, u in enumerate(urls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [x for r in results for x in r]
    overall = statistics.median(every) if every else float("inf")
    return [statistics.median(r) if r else float("inf") for r in results], errors, overall


def boards_at_once(out: Figures, count: int, rounds: int, first_instance: int) -> None:
    claims = [claim_instance(first_instance + i) for i in range(count + 1)]
    try:
        alone_proc, _ = start_board(claims[-1].number)
        try:
            _, alone_errors, alone = board_medians([str(await_ready(alone_proc)["serial"])], rounds)
        finally:
            stop([alone_proc])
        t0 = time.perf_counter()
        procs = [start_board(c.number)[0] for c in claims[:count]]
        try:
            urls = [str(await_ready(p)["serial"]) for p in procs]
            started_s = time.perf_counter() - t0
            medians, errors, overall = board_medians(urls, rounds)
            memory = [memory_mb(p.pid) for p in procs]
        finally:
            stop(procs)
    finally:
        for c in claims:
            c.release()
    worst = max(medians)
    out.emit(
        "boards_at_once",
        overall,
        "ms",
        upper=MEDIAN_TARGET_MS,
        floor=alone,
        floor_is="median AT round trip of one board alone, measured the same way",
        also_ok=not errors and not alone_errors,
        value_is=f"median of every AT round trip of {count} boards at once",
        boards=count,
        rounds=rounds,
        started_in_s=round(started_s, 2),
        max_board_median_ms=round(worst, 3),
        uss_total_mb=round(sum(m["uss_mb"] for m in memory), 1),
        pss_total_mb=round(sum(m["pss_mb"] for m in memory), 1),
        errors=(errors + alone_errors)[:5],
    )


def worker(index: int, per_worker: int) -> None:
    """One xdist-like worker: claim ``per_worker`` numbers (its own first), start the boards at once,
    open the fixed-port server on each; prints one JSON object."""
    claims = [claim_instance(index) for _ in range(per_worker)]
    procs = [start_board(c.number)[0] for c in claims]
    out: list[dict[str, object]] = []
    try:
        for c, p in zip(claims, procs, strict=True):
            ready = await_ready(p)
            row: dict[str, object] = {"instance": c.number, "ap_ip": ready.get("ap_ip")}
            try:
                with AtSession.open(str(ready["serial"]), name=f"b{c.number}") as s:
                    s.expect_urc("ready", 60)
                    for line in ("ATE0", "AT+CWMODE=2", "AT+CIPMUX=1", "AT+CIPSERVER=1,333"):
                        s.cmd(line, 30).assert_ok()
                    with socket.create_connection((str(ready["ap_ip"]), 333), timeout=10):
                        s.expect_urc("CONNECT", 10)
                row["server"] = "accepting"
            except Exception as exc:  # noqa: BLE001 - the figure names the board that clashed
                row["server"] = f"failed: {exc!r}"[:300]
            out.append(row)
    finally:
        stop(procs)
        for c in claims:
            c.release()
    print(json.dumps(out), flush=True)


def boards_beyond_workers(out: Figures, workers: int, per_worker: int) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(i), "--per-worker", str(per_worker)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(workers)
    ]
    boards: list[dict[str, object]] = []
    for p in procs:
        out, _ = p.communicate(timeout=600)
        boards += json.loads(out.strip().splitlines()[-1]) if out.strip() else []
    numbers = [b["instance"] for b in boards]
    up = sum(1 for b in boards if b["server"] == "accepting")
    out.emit(
        "boards_beyond_workers",
        len(boards),
        "boards",
        lower=workers + 1,
        floor=workers,
        floor_is="the xdist workers launching them",
        also_ok=len(boards) == workers * per_worker and len(set(numbers)) == len(boards) == up,
        value_is="boards up with distinct instance numbers and a server on port 333 each (all must be)",
        distinct_instances=len(set(numbers)),
        servers_on_port_333_accepting=up,
        failures=[b for b in boards if b["server"] != "accepting"][:3],
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-worker", type=int, default=3)
    ap.add_argument("--first-instance", type=int, default=100, help="numbers asked for first (then any free)")
    ap.add_argument("--only", help="comma-separated figures")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker is not None:
        worker(args.worker, args.per_worker)
        return 0
    out = Figures("boards")
    figures = {
        "board_memory": lambda: board_memory(out, args.first_instance),
        "boards_at_once": lambda: boards_at_once(out, args.boards, args.rounds, args.first_instance),
        "boards_beyond_workers": lambda: boards_beyond_workers(out, args.workers, args.per_worker),
    }
    for name in args.only.split(",") if args.only else figures:
        figures[name]()
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
