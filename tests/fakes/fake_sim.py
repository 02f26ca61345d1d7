"""A stand-in for ``python -m sim`` that follows the process contract of sim/README.md.

It serves a :class:`ScriptedBoard` on a loopback socket, prints the one JSON ready line, and exits 0 on
SIGTERM. ``--fake-mode`` makes it misbehave the ways the sim driver must report clearly:
``die`` (bad argument: exit 2 with a line on stderr), ``silent`` (never ready), ``garbage`` (a ready line
that is not JSON), ``stubborn`` (ready, but ignores SIGTERM). ``--fake-record FILE`` writes its argv as JSON.
Run as a script: ``python tests/fakes/fake_sim.py ...`` (it is not the simulator and never imports sim/).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scripted_board import FakeAp, ScriptedBoard, serve_connection  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fake_sim")
    parser.add_argument("--serial", default="socket://127.0.0.1:0")
    parser.add_argument("--state-dir")
    parser.add_argument("--air")
    parser.add_argument("--faults")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--instance", type=int, default=0)
    parser.add_argument("--profile", default="v5.0.0.0-esp32")
    parser.add_argument("--log-port")
    parser.add_argument("--fake-mode", default="ok", choices=["ok", "die", "silent", "garbage", "stubborn"])
    parser.add_argument("--fake-record")
    args = parser.parse_args(argv)
    if args.fake_record:
        Path(args.fake_record).write_text(json.dumps(argv))
    stop = threading.Event()
    if args.fake_mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.fake_mode == "die":
        print(f"fake_sim: --air {args.air}: access_points[0].ssid: expected a string", file=sys.stderr)
        return 2
    if not args.serial.startswith("socket://"):
        print(f"fake_sim: --serial {args.serial}: only socket:// is faked", file=sys.stderr)
        return 2
    print(f"fake_sim: instance {args.instance} starting", file=sys.stderr, flush=True)
    if args.fake_mode == "silent":
        stop.wait(600)
        return 0
    if args.fake_mode == "garbage":
        print("booting...", flush=True)
        stop.wait(600)
        return 0

    aps = []
    if args.air:
        import yaml

        air = yaml.safe_load(Path(args.air).read_text()) or {}
        for ap in air.get("access_points", []):
            aps.append(
                FakeAp(
                    ap["ssid"],
                    ap.get("ecn", 3),
                    ap.get("rssi", -45),
                    ap.get("bssid", ""),
                    ap.get("channel", 1),
                )
            )
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    log_listener = None
    if args.log_port:
        log_listener = socket.create_server(("127.0.0.1", 0))
        log_listener.settimeout(0.2)
    board = ScriptedBoard(name=f"fake{args.instance}", access_points=aps)
    mac = f"02:fa:ce:00:00:{args.instance:02x}"
    ready = {
        "event": "ready",
        "serial": f"socket://127.0.0.1:{listener.getsockname()[1]}",
        "log": f"socket://127.0.0.1:{log_listener.getsockname()[1]}" if log_listener else None,
        "pid": os.getpid(),
        "instance": args.instance,
        "sta_mac": mac,
        "ap_mac": mac.replace("02:fa", "06:fa"),
    }
    print(json.dumps(ready), flush=True)
    if log_listener is not None:
        threading.Thread(target=_serve_log, args=(log_listener, stop), daemon=True).start()
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        except OSError:
            break
        threading.Thread(target=serve_connection, args=(conn, board, stop), daemon=True).start()
    listener.close()
    return 0


def _serve_log(listener: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        # Repeated, and often: pyserial's socket client drops bytes that arrive while it is still opening
        # the port, and a short test session may close the port again within a fraction of a second.
        with conn:
            try:
                while not stop.is_set():
                    conn.sendall(b"I (31) boot: ESP-IDF fake 2nd stage bootloader\r\n")
                    time.sleep(0.02)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
