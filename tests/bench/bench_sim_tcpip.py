"""Benchmark: Wi-Fi passthrough throughput of the simulated board over TCP, against the UART line rate.

The issue asks for at least 95 % of the line rate (baud / 10 bytes per second with 8N1) in both directions
at 115200 and 2,000,000 baud. Upload: the host writes through the AT port, a loopback peer times the bytes
from first to last. Download: the peer sends, the host times them out of the AT port.

One JSON line (tests/bench/figure.py) per baud rate and direction: the rate in B/s, target >= 0.95 of the
line rate, which is the floor. Run: .venv/bin/python tests/bench/bench_sim_tcpip.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.figure import Figures  # noqa: E402
from tests.sim.netrig import joined_board  # noqa: E402

TARGET = 0.95


def measure(baud: int, seconds: float) -> list[dict[str, float | int | str]]:
    line_rate = baud / 10
    n = int(line_rate * seconds)
    srv = socket.create_server(("127.0.0.1", 0))
    results: list[dict[str, float | int | str]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        joined_board(Path(tmp), baud=None if baud == 115200 else baud) as (
            dut,
            _ip,
        ),
    ):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn, _ = srv.accept()
        with dut.passthrough(set_mode=True) as pt:
            # upload
            stamps: list[float] = []
            got = 0
            first_len = 0

            def sink() -> None:
                nonlocal got, first_len
                while got < n:
                    data = conn.recv(65536)
                    if not data:
                        return
                    if got == 0:  # the first packet's own line time is not in the interval: not counted
                        stamps.append(time.monotonic())
                        first_len = len(data)
                    got += len(data)
                stamps.append(time.monotonic())

            t = threading.Thread(target=sink, daemon=True)
            t.start()
            pt.write(os.urandom(n))
            t.join(seconds * 3 + 10)
            results.append(_row(baud, "upload", got - first_len, stamps, line_rate))
            # download
            blob = os.urandom(n)
            threading.Thread(target=conn.sendall, args=(blob,), daemon=True).start()
            first = pt.read(1, timeout=10)
            t0 = time.monotonic()
            rest = bytearray()
            while len(rest) < n - 1:
                chunk = pt.read(n - 1 - len(rest), timeout=10)
                if not chunk:
                    break
                rest += chunk
            t1 = time.monotonic()
            ok = first + bytes(rest) == blob
            row = _row(baud, "download", len(rest), [t0, t1], line_rate)
            row["intact"] = int(ok)
            results.append(row)
        conn.close()
    srv.close()
    return results


def _row(
    baud: int, direction: str, nbytes: int, stamps: list[float], line_rate: float
) -> dict[str, float | int | str]:
    seconds = stamps[-1] - stamps[0] if len(stamps) >= 2 else float("inf")
    rate = nbytes / seconds if seconds > 0 else 0.0
    return {
        "baud": baud,
        "direction": direction,
        "bytes": nbytes,
        "seconds": round(seconds, 3),
        "rate": round(rate, 1),
        "line_rate": line_rate,
        "ratio": round(rate / line_rate, 4),
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    results = []
    for baud in (115200, 2_000_000):
        results += measure(baud, args.seconds)
    out = Figures("sim_tcpip")
    for r in results:
        line_rate = float(r["line_rate"])
        out.emit(
            f"passthrough_{r['direction']}.{r['baud']}",
            float(r["rate"]),
            "B/s",
            lower=TARGET * line_rate,
            floor=line_rate,
            floor_is="the UART's line rate, baud / 10 bytes per second (8N1)",
            also_ok=r.get("intact", 1) == 1,
            value_is="payload rate of Wi-Fi passthrough over TCP through the simulated board",
            **{k: v for k, v in r.items() if k not in ("rate", "line_rate")},
        )
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
