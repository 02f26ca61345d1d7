"""A scripted board that plays example 4.2.1 (TCP client in single connection) the way the guide prints it,
with a real TCP connection to the host-side server, so the chapter-4 runner's self-tests can replay the
whole example and then break one thing at a time (``faults``: byte substitutions on what it prints).

Not the simulator: it answers only what 4.2.1 sends, with the guide's transcript (4.2.1,
TCP-IP_AT_Examples.rst) and the addresses of the default sim rig's network (the gateway is the host address,
the netmask 255.0.0.0: rigs/boards/air.py).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fixtures.example_peers import ExamplePeers
from fixtures.examples import ExampleRunner
from rigs.at.session import AtSession
from rigs.loader import load_rig
from servers.base import Peer
from spec.examples import Example
from tests.fakes.scripted_board import ScriptedBoard

ROOT = Path(__file__).resolve().parents[2]
SIM_RIG = ROOT / "rigs" / "sim.yaml"

_CIPSTART = re.compile(r'AT\+CIPSTART="TCP","([0-9.]+)",([0-9]+)')


@dataclass
class Board421(ScriptedBoard):
    """The board of 4.2.1; ``faults`` maps bytes it would print to what it prints instead."""

    faults: dict[bytes, bytes] = field(default_factory=dict)
    sta_ip: str = "127.64.0.10"
    _sock: socket.socket | None = None
    _want: int = 0
    _sent: bytes = b""
    _out: list[bytes] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, data: bytes) -> bytes:
        for old, new in self.faults.items():
            data = data.replace(old, new)
        return data

    def feed(self, data: bytes) -> bytes:
        if self._want:
            take = min(self._want, len(data))
            self._want -= take
            self._sent += data[:take]
            out = b""
            if not self._want:
                assert self._sock is not None
                self._sock.sendall(self._sent)
                out = self.say(f"Recv {len(self._sent)} bytes\r\n\r\nSEND OK\r\n".encode())
                self._sent = b""
            return out + (self.feed(data[take:]) if data[take:] else b"")
        return self.say(super().feed(data))

    def respond(self, line: str) -> bytes:
        if line == "AT+RESTORE":
            return b"\r\nOK\r\n\r\nready\r\n"
        if line == "AT+CWMODE=1":
            return b"\r\nOK\r\n"
        if line.startswith("AT+CWJAP="):
            return b"WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n"
        if line == "AT+CIPSTA?":
            return (
                f'+CIPSTA:ip:"{self.sta_ip}"\r\n+CIPSTA:gateway:"127.0.0.1"\r\n'
                '+CIPSTA:netmask:"255.0.0.0"\r\n\r\nOK\r\n'
            ).encode()
        m = _CIPSTART.fullmatch(line)
        if m:
            self._sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=5)
            threading.Thread(target=self._receive, args=(self._sock,), daemon=True).start()
            return b"CONNECT\r\n\r\nOK\r\n"
        if line.startswith("AT+CIPSEND="):
            self._want = int(line.split("=")[1])
            return b"\r\nOK\r\n\r\n>"
        return super().respond(line)

    def _receive(self, sock: socket.socket) -> None:
        # 3.17 +IPD in active mode: CR LF, then +IPD,<len>:<data>
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._out.append(self.say(b"\r\n+IPD,%d:" % len(data) + data))

    def pending(self) -> bytes:
        with self._lock:
            out, self._out = b"".join(self._out), []
        return out


class Board421Server:
    """Serves a :class:`Board421` on ``socket://127.0.0.1:<port>``, with the reports its TCP link receives
    sent as they come (the scripted server only answers host input)."""

    def __init__(self, board: Board421) -> None:
        self.board = board
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        conn.settimeout(0.02)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                    if not data:
                        return
                    conn.sendall(self.board.feed(data))
                except TimeoutError:
                    pass
                except OSError:
                    return
                out = self.board.pending()
                if out:
                    conn.sendall(out)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()


@contextmanager
def runner_on(board: Board421) -> Iterator[ExampleRunner]:
    """An :class:`ExampleRunner` on ``board``, with the default sim rig and real host-side TCP peers."""
    rig = load_rig(SIM_RIG)
    server = Board421Server(board)
    session = AtSession.open(server.url)
    started: list[Peer] = []

    def start(peer: Peer) -> Peer:
        started.append(peer.start())
        return peer

    peers = ExamplePeers(start, lambda name: None, None, "127.0.0.1")  # type: ignore[arg-type]
    try:
        yield ExampleRunner(session, rig, peers, "esp-at-lab", "sim-only-pass")
    finally:
        session.close()
        for peer in reversed(started):
            peer.stop()
        server.close()


def replay(example: Example, faults: dict[bytes, bytes] | None = None) -> ExampleRunner:
    """Replay ``example`` on a 4.2.1 board with ``faults``; returns the runner (its learned values)."""
    with runner_on(Board421(faults=dict(faults or {}))) as runner:
        runner.run(example)
        return runner
