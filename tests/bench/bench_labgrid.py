"""Benchmark: the AT round trip through a labgrid place against the same simulator over ``socket://``;
prints one JSON line (issue 20; tests/bench/figure.py).

A lab of one simulated board (tools/labgrid_lab.py: real coordinator and exporter) is acquired through the
labgrid driver (rigs/boards/labgrid.py, rigs/labgrid-sim.yaml), whose AT port is the place's
NetworkSerialPort over RFC 2217, opened with the suite's pyserial; the reference is a simulated board on
``socket://`` (rigs/boards/sim.py). Also timed: bringing the lab up, and acquire + open + release.

Target: median round trip through the place within 2x the socket:// board's.

    .venv/bin/python tests/bench/bench_labgrid.py [-n 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rigs.boards.labgrid import LabgridBoard  # noqa: E402
from rigs.boards.sim import SimBoard  # noqa: E402
from rigs.loader import load_rig  # noqa: E402
from rigs.model import BoardConfig, BoardKind, SimOptions  # noqa: E402
from tests.bench.figure import Figures  # noqa: E402
from tools.labgrid_env import ensure  # noqa: E402
from tools.labgrid_lab import SimLab  # noqa: E402


def round_trips(session, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    session.sync(timeout=5.0)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        session.cmd("AT").assert_ok()
        samples.append(time.perf_counter() - t0)
    return {
        "median_ms": round(statistics.median(samples) * 1e3, 3),
        "p90_ms": round(sorted(samples)[int(0.9 * len(samples))] * 1e3, 3),
    }


#: A bare AT loop over one URL, run by either environment's python: the suite's pyserial (.venv) against
#: labgrid's fork (pyserial-labgrid in .venv-labgrid), the dependency-isolation choice measured both ways.
BARE_LOOP = """
import serial, statistics, sys, time
port = serial.serial_for_url(sys.argv[1], baudrate=115200, timeout=2)
time.sleep(1.5); port.reset_input_buffer()
samples = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); port.write(b"AT\\r\\n"); buf = b""
    while b"OK\\r\\n" not in buf:
        buf += port.read(port.in_waiting or 1)
    samples.append(time.perf_counter() - t0)
port.close()
print(round(statistics.median(samples) * 1e3, 3))
"""


def bare_median(python: Path, url: str, n: int) -> float:
    import subprocess

    out = subprocess.run(
        [str(python), "-c", BARE_LOOP, url, str(n)], capture_output=True, text=True, timeout=300
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-1000:])
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    rig = load_rig(ROOT / "rigs" / "labgrid-sim.yaml")
    bins = ensure()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with SimLab(bins, Path(tmp) / "lab", rig=rig, boards=1) as lab:
            lab_up = time.perf_counter() - t0
            os.environ["LG_COORDINATOR"] = lab.address
            board = LabgridBoard(rig.boards[0], work_dir=Path(tmp) / "boards")
            t1 = time.perf_counter()
            session = board.open()
            acquire_open = time.perf_counter() - t1
            place = round_trips(session, args.n)
            t2 = time.perf_counter()
            board.close()
            release = time.perf_counter() - t2
            url = lab.at_urls[0]
            bare = {
                "suite_pyserial_ms": bare_median(Path(sys.executable), url, args.n),
                "labgrid_pyserial_fork_ms": bare_median(bins / "python", url, args.n),
            }
        socket_cfg = BoardConfig(id="ref", kind=BoardKind.SIM, sim=SimOptions(transport="socket", seed=1))
        ref = SimBoard(socket_cfg, rig, instance=0, work_dir=Path(tmp) / "ref")
        try:
            socket_rt = round_trips(ref.open(), args.n)
        finally:
            ref.close()
    out = Figures("labgrid")
    out.emit(
        "round_trip.place.vs_socket",
        place["median_ms"] / socket_rt["median_ms"],
        "x",
        upper=2.0,
        floor=1.0,
        floor_is=f"the simulator on socket://, median {socket_rt['median_ms']} ms",
        value_is="median AT round trip through the labgrid place / through socket://",
        n=args.n,
        lab_up_s=round(lab_up, 2),
        acquire_and_open_s=round(acquire_open, 2),
        release_s=round(release, 2),
        labgrid_place_rfc2217=place,
        sim_socket=socket_rt,
        bare_loop_rfc2217_median=bare,
    )
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
