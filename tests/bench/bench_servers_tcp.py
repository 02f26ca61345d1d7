"""How fast the host-side TCP peers move bytes over loopback, so a throughput suite knows the peer is
not its bottleneck. Prints one JSON line: MB/s for the sink (upload) and the source (download).

    .venv/bin/python tests/bench/bench_servers_tcp.py [--mbytes 20]
"""

from __future__ import annotations

import argparse
import json
import socket
import time

from servers.behaviours import Sink, Source
from servers.tcp import TcpServer


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mbytes", type=int, default=20)
    total = parser.parse_args().mbytes * 1_000_000
    print(
        json.dumps(
            {
                "bench": "servers_tcp",
                "bytes": total,
                "sink_MBps": round(_sink_rate(total), 1),
                "source_MBps": round(_source_rate(total), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
