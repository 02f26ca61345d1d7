"""A scripted fake ESP-AT board for the plugin's and drivers' self-tests (not the simulator).

It answers a handful of basic commands the way the guide shows them (3.1 AT, ATE0/ATE1, AT+GMR, AT+RST;
3.2 AT+CWLAP from a given AP list) and ERROR for anything else: enough to check that fixtures open, sync,
record and close a board, without depending on sim/. Serve it on a loopback socket with
:class:`ScriptedBoardServer` (in-process) or through ``fake_sim.py`` (the simulator's process contract).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class FakeAp:
    ssid: str
    ecn: int = 3
    rssi: int = -45
    bssid: str = "24:0a:c4:00:01:10"
    channel: int = 6


@dataclass
class ScriptedBoard:
    """The AT responder: feed it the bytes a host sends, get back the bytes the board would say."""

    name: str = "fake"
    module: str = "WROOM-32"
    access_points: Sequence[FakeAp] = ()
    echo: bool = True
    commands: list[str] = field(default_factory=list)
    _buffer: bytes = b""

    def boot(self) -> bytes:
        # A real board prints ROM/bootloader noise on the AT port's first connection only as garbage;
        # what matters for the host is the final "ready" line (3.17).
        return b"\r\nready\r\n"

    def gmr_lines(self) -> list[str]:
        # 3.1 AT+GMR: AT version, SDK version, compile time, "Bin version:<v>(<module_name>)".
        return [
            "AT version:5.0.0.0(fake - ESP32 - Nov 25 2026 00:00:00)",
            "SDK version:v5.0.6-fake",
            f"compile time({self.name}):Nov 25 2026 00:00:00",
            f"Bin version:v5.0.0.0({self.module})",
        ]

    def feed(self, data: bytes) -> bytes:
        out = b""
        self._buffer += data
        while b"\r\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\r\n", 1)
            if self.echo:
                out += line + b"\r\n"
            out += self.respond(line.decode("ascii", "replace"))
        return out

    def respond(self, line: str) -> bytes:
        self.commands.append(line)
        upper = line.upper()
        if upper == "AT":
            return b"\r\nOK\r\n"
        if upper in ("ATE0", "ATE1"):
            self.echo = upper == "ATE1"
            return b"\r\nOK\r\n"
        if upper == "AT+GMR":
            return "".join(f"{x}\r\n" for x in self.gmr_lines()).encode() + b"\r\nOK\r\n"
        if upper == "AT+RST":
            self.echo = True
            return b"\r\nOK\r\n" + self.boot()
        if upper == "AT+CWLAP":
            body = "".join(
                f'+CWLAP:({ap.ecn},"{ap.ssid}",{ap.rssi},"{ap.bssid}",{ap.channel})\r\n'
                for ap in self.access_points
            )
            return body.encode() + b"\r\nOK\r\n"
        return b"\r\nERROR\r\n"


def serve_connection(
    conn: socket.socket, board: ScriptedBoard, stop: threading.Event, *, boot: bool = True
) -> None:
    """Run one host connection: boot text first (as the simulator does), then answer until the host goes
    away. A real board on a serial port says nothing when the port is opened: ``boot=False``."""
    with conn:
        if boot:
            conn.sendall(board.boot())
        conn.settimeout(0.2)
        while not stop.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            reply = board.feed(data)
            if reply:
                try:
                    conn.sendall(reply)
                except OSError:
                    return


class ScriptedBoardServer:
    """A :class:`ScriptedBoard` on ``socket://127.0.0.1:<free port>``, served from a thread, standing in for
    a board on a serial port (``kind: serial`` with a ``socket://`` URL)."""

    def __init__(self, board: ScriptedBoard | None = None, *, boot: bool = False) -> None:
        self.board = board or ScriptedBoard()
        self.boot = boot
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"socket://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"scripted-{self.board.name}", daemon=True)
        self.connections = 0

    def __enter__(self) -> ScriptedBoardServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(
                target=serve_connection,
                args=(conn, self.board, self._stop),
                kwargs={"boot": self.boot},
                daemon=True,
            ).start()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
