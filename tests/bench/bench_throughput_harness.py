"""Benchmark: the host side of the throughput suite alone, so that it is never what a measurement measures.

A fake board in a child process (its own GIL) streams as fast as the pipe takes, over ``socket://`` and a
pty, and the host side does exactly what suites/throughput does:

* ``ipd``: ``+IPD,1460:<data>`` messages read through AtSession (reader thread, codec, ``expect_urc``);
* ``passthrough_down``: AT+CIPSEND, ``>``, then raw bytes read through ``Passthrough.read``;
* ``passthrough_up``: 1460-byte writes through the passthrough pipe, counted by the board;
* ``passthrough_down_64B_writes``: the board writes 64 bytes at a time (a paced UART hands over small
  pieces), so the host pays its per-chunk cost (transcript, codec, wake-ups) many times over;
* the servers/ peers: a TCP sink and a TCP source (with SHA-256 records), a UDP sink.

Each rate is in payload bytes per second; the goal is "well above 5 Mbaud", i.e. 500,000 B/s
(each figure's ``headroom`` is its rate divided by that); target: twice that. One JSON line a figure
(tests/bench/figure.py).

    .venv/bin/python tests/bench/bench_throughput_harness.py [--mbytes 8]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rigs.at.events import Ipd  # noqa: E402
from rigs.at.session import AtSession  # noqa: E402
from servers.behaviours import Sink, Source  # noqa: E402
from servers.tcp import TcpServer  # noqa: E402
from servers.udp import UdpMode, UdpPeer  # noqa: E402
from tests.bench.fakeboard import serve_port  # noqa: E402
from tests.bench.figure import Figures  # noqa: E402

FIVE_MBAUD = 500_000.0  # payload bytes/s of a 5,000,000 baud 8N1 line
CHUNK = 1460
BLOCK = (bytes(range(256)) * 6)[:CHUNK]


# --- the fake board (child process) -------------------------------------------------------------------


def serve(kind: str, mode: str, total: int) -> None:
    """Answer ``AT`` lines with OK; on ``AT+CIPSEND`` give ``>`` and then stream (``down``) or count
    (``up``) ``total`` bytes; ``AT+GO`` answers OK and streams ``+IPD`` messages."""
    read, write = serve_port(kind)
    buf = b""
    while True:
        data = read()
        if not data:
            return
        buf += data
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            if line == b"AT+GO":
                write(b"AT+GO\r\n\r\nOK\r\n")
                frame = b"\r\n+IPD," + str(CHUNK).encode() + b":" + BLOCK
                for _ in range(total // CHUNK):
                    write(frame)
            elif line == b"AT+CIPSEND":
                write(b"AT+CIPSEND\r\n\r\nOK\r\n\r\n>")
                if mode.startswith("down"):
                    step = int(mode[4:] or CHUNK)  # "down64": 64-byte writes, as a paced UART delivers
                    for _ in range(total // CHUNK):
                        for i in range(0, CHUNK, step):
                            write(BLOCK[i : i + step])
                else:
                    got = len(buf)
                    buf = b""
                    while got < (total // CHUNK) * CHUNK:
                        got += len(read())
                    write(b"D")
            elif line:
                write(line + b"\r\n\r\nOK\r\n")


def _board(kind: str, mode: str, total: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, mode, str(total)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


# --- host side: what suites/throughput does -----------------------------------------------------------


def host_ipd(kind: str, total: int) -> float:
    proc, url = _board(kind, "down", total)
    try:
        with AtSession.open(url, 5_000_000) as s:
            s.cmd("AT+GO").assert_ok()
            got, t0 = 0, time.monotonic()
            n = (total // CHUNK) * CHUNK
            while got < n:
                ev = s.expect_urc(lambda e: isinstance(e, Ipd), 10.0)
                got += len(ev.payload or b"")  # type: ignore[union-attr]
            return got / (time.monotonic() - t0)
    finally:
        proc.kill()
        proc.wait()


def host_passthrough(kind: str, total: int, direction: str) -> float:
    proc, url = _board(kind, direction, total)
    n = (total // CHUNK) * CHUNK
    try:
        with AtSession.open(url, 5_000_000) as s, s.passthrough(settle=0.0) as p:
            t0 = time.monotonic()
            if direction.startswith("down"):
                got = 0
                while got < n:
                    got += len(p.read(n - got, timeout=10.0))
            else:
                for _ in range(n // CHUNK):
                    p.write(BLOCK)
                if p.read(1, timeout=10.0) != b"D":
                    raise RuntimeError("the fake board did not count the upload")
            return n / (time.monotonic() - t0)
    finally:
        proc.kill()
        proc.wait()


def peer_tcp_sink(total: int) -> float:
    with TcpServer(Sink(), keep_data=False) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as c:
            rec = server.records.wait_for(1)[0]
            t0 = time.monotonic()
            for _ in range(total // CHUNK):
                c.sendall(BLOCK)
            rec.wait_bytes_in((total // CHUNK) * CHUNK, 30.0)
            rate = rec.bytes_in / (time.monotonic() - t0)
        rec.wait_closed(10.0)  # stopping a peer with a live connection makes asyncio log a cancelled task
        return rate


def peer_tcp_source(total: int) -> float:
    with TcpServer(Source(total, chunk=CHUNK), keep_data=False) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as c:
            t0, got = time.monotonic(), 0
            while got < total:
                data = c.recv(65536)
                if not data:
                    break
                got += len(data)
            rate = got / (time.monotonic() - t0)
        server.records.wait_for(1)[0].wait_closed(10.0)
        return rate


def peer_udp_sink(total: int) -> dict[str, float]:
    """Datagrams paced at twice 5 Mbaud's payload rate: the UDP peer must record them all."""
    count = total // CHUNK // 4
    rate = 2 * FIVE_MBAUD / CHUNK
    with UdpPeer(UdpMode.SINK) as peer, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        t0 = time.monotonic()
        for i in range(count):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            c.sendto(BLOCK, ("127.0.0.1", peer.port))
        time.sleep(0.5)
        got = len(peer.received())
        return {"offered_Bps": rate * CHUNK, "received_fraction": got / count}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mbytes", type=float, default=8.0)
    ap.add_argument("--serve", nargs=3, metavar=("KIND", "MODE", "TOTAL"))
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0
    total = int(args.mbytes * 1e6)
    rates: dict[str, float] = {}
    for kind in ("socket", "pty"):
        rates[f"{kind}_ipd_Bps"] = host_ipd(kind, total)
        rates[f"{kind}_passthrough_down_Bps"] = host_passthrough(kind, total, "down")
        rates[f"{kind}_passthrough_up_Bps"] = host_passthrough(kind, total, "up")
        rates[f"{kind}_passthrough_down_64B_writes_Bps"] = host_passthrough(kind, total // 4, "down64")
    rates["peer_tcp_sink_Bps"] = peer_tcp_sink(total)
    rates["peer_tcp_source_Bps"] = peer_tcp_source(total)
    udp = peer_udp_sink(total)
    out = Figures("throughput_harness")
    for name, rate in rates.items():
        out.emit(
            name.removesuffix("_Bps"),
            rate,
            "B/s",
            lower=2 * FIVE_MBAUD,
            floor=FIVE_MBAUD,
            floor_is="a 5 Mbaud 8N1 line's payload rate",
            bytes=total,
            headroom=round(rate / FIVE_MBAUD, 2),
        )
    out.emit(
        "peer_udp_sink_received",
        udp["received_fraction"],
        "fraction",
        lower=1.0,
        offered_Bps=round(udp["offered_Bps"]),
    )
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
