"""Benchmark: the AT session's receive paths against a raw read of the same port in the same run (issue 23).

A fake board in a child process (its own GIL) streams as fast as the port takes, over ``socket://`` (the
sim rig's transport) and a pty (a UART's), and the host side receives it the way the suites do:

* ``ipd_active``: ``+IPD,0,1460:<data>`` (3.17, active receive mode) through ``expect_urc("+IPD")``;
* ``ipd_passive``: the ``+IPD,0,<len>`` notice, then ``AT+CIPRECVDATA=0,8192`` answered by
  ``+CIPRECVDATA:8192,<data>`` and OK (3.3 AT+CIPRECVDATA, passive receive mode), through ``cmd``;
* ``passthrough``: AT+CIPSEND's ``>`` then raw bytes, through ``Passthrough.read``;
* ``mqttsubrecv``: ``+MQTTSUBRECV:0,"bench/topic",1024,<data>`` (3.6 AT+MQTTSUB) through ``expect_urc``;
* ``ble_write``: ``+WRITE:0,1,1,,512,<data>``, the report a GATT server prints for a client's
  AT+BLEGATTCWR (4.3 Bluetooth LE examples; 512 bytes: an attribute value's limit is MTU - 3 <= 514).

The floor is the same stream read with ``select`` and ``os.read`` on the port's descriptor by the same
process, with no session (for ``ipd_passive``: the same command written and its known answer read). Each
figure and port gives two JSON lines (tests/bench/figure.py): ``<figure>.<port>``, the payload rate (target
>= 20 MB/s), and ``<figure>.<port>.vs_raw``, the session's wire rate over the floor's (target >= 0.7x).
Each rate is the best of ``--repeat`` runs (3), floor and session in turn. ``--load N`` runs N busy processes
meanwhile (a loaded machine); the load average is in every line either way.

    .venv/bin/python tests/bench/bench_receive.py [--mbytes 16] [--load 2] [--only ipd_active,...]
"""

from __future__ import annotations

import argparse
import os
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import serial  # noqa: E402

from rigs.at.events import Ipd, Urc  # noqa: E402
from rigs.at.session import AtSession  # noqa: E402
from tests.bench.fakeboard import command_lines, serve_port  # noqa: E402
from tests.bench.figure import Figures  # noqa: E402

TARGET_MB_S = 20.0
TARGET_RATIO = 0.7
PASSIVE_READ = 8192
_BLOCK = bytes(range(256)) * 64  # payload bytes, including CR, LF, ">" and "+"


def _payload(n: int) -> bytes:
    return _BLOCK[:n]


#: figure -> (command that starts the stream, one message, payload bytes per message)
MESSAGES: dict[str, bytes] = {
    "ipd_active": b"\r\n+IPD,0,1460:" + _payload(1460),
    "mqttsubrecv": b'+MQTTSUBRECV:0,"bench/topic",1024,' + _payload(1024) + b"\r\n",
    "ble_write": b"+WRITE:0,1,1,,512," + _payload(512) + b"\r\n",
}
PAYLOAD = {"ipd_active": 1460, "mqttsubrecv": 1024, "ble_write": 512, "passthrough": 1460}
FIGURES = ("ipd_active", "ipd_passive", "passthrough", "mqttsubrecv", "ble_write")


# --- the fake board (child process) -------------------------------------------------------------------


def serve(kind: str) -> None:
    """``AT+GO=<figure>,<count>``: OK, then <count> messages; ``AT+CIPSEND``: OK, ``>``, then
    ``AT+GO``'s count of 1460-byte blocks of raw data; ``AT+CIPRECVDATA=0,<n>``: <n> bytes framed as 3.3
    shows; anything else: OK. Every command line is echoed (ATE1, the default)."""
    read, write = serve_port(kind)
    count = 0
    for line in command_lines(read):
        echo = line + b"\r\n"
        if line.startswith(b"AT+GO="):
            figure, n = line[6:].decode().split(",")
            count = int(n)
            write(echo + b"\r\nOK\r\n")
            if figure in MESSAGES:
                msg = MESSAGES[figure]
                batch = max(1, 65536 // len(msg))
                for i in range(0, count, batch):
                    write(msg * min(batch, count - i))
            elif figure == "ipd_passive":
                write(b"\r\n+IPD,0,%d\r\n" % (count * PASSIVE_READ))
        elif line == b"AT+CIPSEND":
            write(echo + b"\r\nOK\r\n\r\n>")
            block = _payload(1460) * 44
            for i in range(0, count, 44):
                write(block[: 1460 * min(44, count - i)])
        elif line.startswith(b"AT+CIPRECVDATA=0,"):
            n = int(line[17:])
            write(echo + b"+CIPRECVDATA:%d," % n + (_BLOCK * (n // len(_BLOCK) + 1))[:n] + b"\r\nOK\r\n")
        elif line:
            write(echo + b"\r\nOK\r\n")


class Board:
    def __init__(self, kind: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


# --- the floor: a raw read of the same port -----------------------------------------------------------


def _raw_read(port: serial.SerialBase, n: int, timeout: float = 30.0) -> int:
    """Read ``n`` bytes from the port's descriptor as they come; returns how many came."""
    fd = port.fileno()
    got = 0
    deadline = time.monotonic() + timeout
    while got < n and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                got += len(os.read(fd, 65536))
            except BlockingIOError:
                continue
    return got


def floor(kind: str, figure: str, count: int) -> tuple[int, float]:
    """Wire bytes and seconds of the same stream read raw from the same kind of port."""
    board = Board(kind)
    port = serial.serial_for_url(board.url, baudrate=115200, timeout=1)
    try:
        time.sleep(0.05)
        if figure == "ipd_passive":
            cmd = b"AT+CIPRECVDATA=0,%d\r\n" % PASSIVE_READ
            answer = len(cmd) + len(b"+CIPRECVDATA:%d," % PASSIVE_READ) + PASSIVE_READ + len(b"\r\nOK\r\n")
            go = b"AT+GO=ipd_passive,%d\r\n" % count
            port.write(go)
            _raw_read(port, len(go) + 6 + len(b"\r\n+IPD,0,%d\r\n" % (count * PASSIVE_READ)))
            t0 = time.perf_counter()
            for _ in range(count):
                port.write(cmd)
                if _raw_read(port, answer) != answer:
                    raise RuntimeError("the fake board's answer to AT+CIPRECVDATA was short")
            return count * answer, time.perf_counter() - t0
        go = b"AT+GO=%s,%d\r\n" % (figure.encode(), count)
        if figure == "passthrough":
            port.write(go)
            _raw_read(port, len(go) + 6)
            go, total = b"AT+CIPSEND\r\n", 1460 * count
            head = len(go) + len(b"\r\nOK\r\n\r\n>")
        else:
            total, head = len(MESSAGES[figure]) * count, len(go) + 6
        t0 = time.perf_counter()
        port.write(go)
        got = _raw_read(port, head + total)
        if got != head + total:
            raise RuntimeError(f"{figure}: the raw read got {got} of {head + total} bytes")
        return total, time.perf_counter() - t0
    finally:
        port.close()
        board.close()


# --- the session --------------------------------------------------------------------------------------


def through_session(kind: str, figure: str, count: int) -> tuple[int, int, float]:
    """Payload bytes, wire bytes and seconds of the stream received through AtSession."""
    board = Board(kind)
    try:
        with AtSession.open(board.url, name="bench") as s:
            if figure == "ipd_passive":
                s.cmd(f"AT+GO=ipd_passive,{count}").assert_ok()
                s.expect_urc("+IPD", 10.0)
                line = f"AT+CIPRECVDATA=0,{PASSIVE_READ}"
                t0 = time.perf_counter()
                payload = 0
                for _ in range(count):
                    r = s.cmd(line, 10.0)
                    r.assert_ok()
                    payload += PASSIVE_READ
                dt = time.perf_counter() - t0
                wire = count * (len(line) + 2 + len(b"+CIPRECVDATA:%d," % PASSIVE_READ) + PASSIVE_READ + 6)
                return payload, wire, dt
            if figure == "passthrough":
                s.cmd(f"AT+GO=passthrough,{count}").assert_ok()
                n = 1460 * count
                t0 = time.perf_counter()
                with s.passthrough(settle=0.0, guard=0.0) as p:
                    got = 0
                    while got < n:
                        chunk = p.read(n - got, timeout=10.0)
                        if not chunk:
                            raise RuntimeError(f"passthrough: {got} of {n} bytes came")
                        got += len(chunk)
                    dt = time.perf_counter() - t0
                return n, n, dt
            msg = MESSAGES[figure]
            want = Ipd if figure == "ipd_active" else Urc
            t0 = time.perf_counter()
            s.cmd(f"AT+GO={figure},{count}").assert_ok()
            payload = 0
            for _ in range(count):
                ev = s.expect_urc(lambda e: isinstance(e, want), 10.0)
                payload += len(ev.payload or b"")  # type: ignore[union-attr]
            dt = time.perf_counter() - t0
            if payload != PAYLOAD[figure] * count:
                raise RuntimeError(f"{figure}: {payload} payload bytes, expected {PAYLOAD[figure] * count}")
            return payload, len(msg) * count, dt
    finally:
        board.close()


def _spin() -> None:
    while True:
        pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mbytes", type=float, default=16.0, help="payload per figure and port")
    ap.add_argument("--load", type=int, default=0, help="busy processes running meanwhile")
    ap.add_argument("--only", help="comma-separated figures (default: all)")
    ap.add_argument("--ports", default="socket,pty")
    ap.add_argument("--repeat", type=int, default=3, help="runs of floor and session each; the best counts")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    figures = args.only.split(",") if args.only else list(FIGURES)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    out = Figures("receive")
    try:
        for kind in args.ports.split(","):
            for figure in figures:
                per = PASSIVE_READ if figure == "ipd_passive" else PAYLOAD[figure]
                count = max(1, int(args.mbytes * 1e6 / per))
                # best of --repeat, floor and session taken in turn: on a shared machine one run of
                # either can lose half its rate to a neighbour, and the ratio would measure that
                raws, sessions = [], []
                for _ in range(args.repeat):
                    raws.append(floor(kind, figure, count))
                    sessions.append(through_session(kind, figure, count))
                raw_bytes, raw_s = min(raws, key=lambda r: r[1] / r[0])
                payload, wire, dt = min(sessions, key=lambda r: r[2] / r[1])
                session_wire = wire / dt / 1e6
                raw_wire = raw_bytes / raw_s / 1e6
                common = {
                    "session_wire_mb_s": round(session_wire, 1),
                    "busy_processes": args.load,
                    "best_of": args.repeat,
                }
                out.emit(
                    f"{figure}.{kind}",
                    payload / dt / 1e6,
                    "MB/s",
                    lower=TARGET_MB_S,
                    floor=raw_wire,
                    floor_is="raw select/os.read of the same stream on the same kind of port (wire MB/s)",
                    value_is="payload rate through AtSession",
                    **common,
                )
                out.emit(
                    f"{figure}.{kind}.vs_raw",
                    session_wire / raw_wire,
                    "x",
                    lower=TARGET_RATIO,
                    floor=1.0,
                    floor_is=f"the raw read, {raw_wire:.1f} MB/s on the wire",
                    value_is="session wire rate / raw read wire rate",
                    **common,
                )
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    return out.exit_status()


if __name__ == "__main__":
    sys.exit(main())
