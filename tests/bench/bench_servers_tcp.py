"""How fast the host-side TCP peers move bytes over loopback, so a throughput suite knows the peer is
not its bottleneck. One JSON line a figure (tests/bench/figure.py): MB/s for the sink (upload) and the
source (download); target: twice a 5 Mbaud UART's payload rate (1 MB/s), as bench_throughput_harness.py
holds the peers to.

    .venv/bin/python tests/bench/bench_servers_tcp.py [--mbytes 20]
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

from servers.behaviours import Sink, Source
from servers.tcp import TcpServer
from tests.bench.figure import Figures

TARGET_MB_S = 1.0  # 2 x 500,000 B/s, a 5 Mbaud 8N1 line's payload rate


def _sink_rate(total: int) -> float:
    block = b"\xa5" * 65536
    with TcpServer(Sink(), keep_data=False) as server:
        start = time.perf_counter()
        with socket.create_connection(server.address, 10) as sock:
            sent = 0
            while sent < total:
                sock.sendall(block)
                sent += len(block)
        record = server.records.wait_for(1)[0]
        record.wait_closed(60)
        elapsed = time.perf_counter() - start
        assert record.bytes_in == sent
    return sent / elapsed / 1e6


def _source_rate(total: int) -> float:
    with TcpServer(Source(total=total, chunk=65536), keep_data=False) as server:
        start = time.perf_counter()
        with socket.create_connection(server.address, 10) as sock:
            got = 0
            while chunk := sock.recv(1 << 20):
                got += len(chunk)
        elapsed = time.perf_counter() - start
        assert got == total
    return total / elapsed / 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mbytes", type=int, default=20)
    total = parser.parse_args().mbytes * 1_000_000
    out = Figures("servers_tcp")
    for figure, rate in (("sink", _sink_rate(total)), ("source", _source_rate(total))):
        out.emit(figure, rate, "MB/s", lower=TARGET_MB_S, bytes=total)
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
