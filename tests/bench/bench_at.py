"""Benchmark of the AT session and codec; one JSON line per figure (tests/bench/figure.py).

* AT round trip (write ``AT\\r\\n``, wait for ``\\r\\nOK\\r\\n``) through ``AtSession.cmd`` and through a bare
  pyserial write/read loop (the floor), over a pty and over ``socket://``, against a trivial board that
  runs in a child process (so it does not share the GIL with the host side) and answers at once.
* Codec streaming throughput: ``+IPD,0,2920:<data>`` messages fed in 4 KiB chunks; and the same messages
  streamed by the board through the whole session (reader thread, codec, ``expect_urc``).

Targets: session round trip within 3x the bare loop and under 0.3 ms median on a pty; codec > 20 MB/s.

    .venv/bin/python tests/bench/bench_at.py [-n 2000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import serial  # noqa: E402

from rigs.at.codec import AtCodec  # noqa: E402
from rigs.at.session import AtSession  # noqa: E402
from tests.bench.bench_codec import split_floor  # noqa: E402
from tests.bench.figure import Figures  # noqa: E402

OK = b"\r\nOK\r\n"
IPD_PAYLOAD = ((b"\r\nOK\r\n>" * 5) + bytes(range(256)) * 12)[:2920]
IPD_MESSAGE = b"\r\n+IPD,0,2920:" + IPD_PAYLOAD


def serve(kind: str) -> None:
    """Child process: answer every CR LF terminated line with CR LF OK CR LF, at once."""
    if kind == "pty":
        import tty

        master, slave = os.openpty()
        tty.setraw(slave)
        print(os.ttyname(slave), flush=True)
        fd = master
        read = lambda: os.read(fd, 65536)  # noqa: E731
        write = lambda b: os.write(fd, b)  # noqa: E731
    else:
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        print(f"socket://127.0.0.1:{lst.getsockname()[1]}", flush=True)
        while True:
            conn, _ = lst.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _serve_lines(lambda c=conn: c.recv(65536), conn.sendall)
            conn.close()
    _serve_lines(read, write)


def _serve_lines(read, write) -> None:  # type: ignore[no-untyped-def]
    buf = b""
    while True:
        try:
            data = read()
        except OSError:
            data = b""
        if not data:  # the child keeps the pty's slave open, so only a closed socket ends up here
            return
        buf += data
        n = buf.count(b"\r\n")
        if n:
            lines = buf.split(b"\r\n")
            buf = lines.pop()
            out = b""
            for line in lines:
                out += OK
                if line.startswith(b"AT+STREAM="):  # then <n> +IPD messages of 2920 bytes
                    out += IPD_MESSAGE * int(line[10:])
            write(out)


def _stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "median_ms": round(statistics.median(samples) * 1e3, 4),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1] * 1e3, 4),
        "mean_ms": round(statistics.fmean(samples) * 1e3, 4),
    }


def bare_loop(url: str, n: int) -> dict[str, float]:
    port = serial.serial_for_url(url, baudrate=115200, timeout=2)
    try:
        samples = []
        for i in range(n + 100):
            t0 = time.perf_counter()
            port.write(b"AT\r\n")
            got = port.read(len(OK))
            dt = time.perf_counter() - t0
            assert got == OK, got
            if i >= 100:
                samples.append(dt)
        return _stats(samples)
    finally:
        port.close()


def session_loop(url: str, n: int) -> dict[str, float]:
    with AtSession.open(url, name="bench") as s:
        samples = []
        for i in range(n + 100):
            t0 = time.perf_counter()
            r = s.cmd("AT", 2.0)
            dt = time.perf_counter() - t0
            assert r.final == "OK", r
            if i >= 100:
                samples.append(dt)
        assert not s.violations
        return _stats(samples)


def session_stream(url: str, messages: int = 3000) -> float:
    """MB/s of +IPD messages through the session (reader thread, codec, report queue)."""
    with AtSession.open(url, name="bench") as s:
        t0 = time.perf_counter()
        s.cmd(f"AT+STREAM={messages}", 5.0).assert_ok()
        for _ in range(messages):
            ev = s.expect_urc("+IPD", 10.0)
        dt = time.perf_counter() - t0
        assert getattr(ev, "payload", None) == IPD_PAYLOAD
        return round(len(IPD_MESSAGE) * messages / dt / 1e6, 1)


def codec_throughput(messages: int = 4000, chunk: int = 4096) -> float:
    stream = IPD_MESSAGE * messages
    codec = AtCodec()
    t0 = time.perf_counter()
    n = 0
    for i in range(0, len(stream), chunk):
        n += len(codec.feed(stream[i : i + chunk]))
    dt = time.perf_counter() - t0
    assert n == 2 * messages, n
    return len(stream) / dt / 1e6


def measure(kind: str, n: int) -> dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind], stdout=subprocess.PIPE, text=True, cwd=str(ROOT)
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        bare = bare_loop(url, n)
        sess = session_loop(url, n)
        return {"bare": bare, "session": sess, "stream_mb_s": session_stream(url)}
    finally:
        child.kill()
        child.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="round trips per measurement (after 100 warm-up)")
    ap.add_argument("--serve", choices=["pty", "tcp"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    out = Figures("at")
    for kind in ("pty", "tcp"):
        m = measure(kind, args.n)
        bare, sess = m["bare"], m["session"]
        detail = {"n": args.n, "bare": bare, "session": sess, "session_ipd_stream_mb_s": m["stream_mb_s"]}
        if kind == "pty":
            out.emit(
                "round_trip.pty",
                sess["median_ms"],
                "ms",
                upper=0.3,
                floor=bare["median_ms"],
                floor_is="median of a bare pyserial write/read loop on the same port",
                value_is="median AT round trip through AtSession.cmd",
                **detail,
            )
        out.emit(
            f"round_trip.{kind}.vs_bare",
            sess["median_ms"] / bare["median_ms"],
            "x",
            upper=3.0,
            floor=1.0,
            floor_is=f"the bare pyserial loop, median {bare['median_ms']} ms",
            value_is="session median round trip / bare loop median",
            **detail,
        )
    out.emit(
        "codec_ipd_2920B",
        codec_throughput(),
        "MB/s",
        lower=20.0,
        floor=split_floor(IPD_MESSAGE, 4000),
        floor_is="bytes.split(CR LF) over the same stream",
        value_is="AtCodec.feed on +IPD,0,2920 messages in 4 KiB chunks, wall time",
    )
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
