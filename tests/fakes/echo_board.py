"""A small scripted fake ESP-AT board for the AT session's tests and benchmark (not the simulator).

It serves one host over a pty (:meth:`FakeBoard.pty`, the host opens ``board.url``, a device path) or a
loopback TCP socket (:meth:`FakeBoard.tcp`, ``socket://127.0.0.1:<port>``), and answers command lines
from a script: a dict of exact lines to reply bytes (or callables), with the guide's shapes for the few
built-in commands: ``AT`` / ``ATE0`` / ``ATE1`` (3.1), ``AT+RST`` (OK, then boot noise and ``ready``),
``AT+CIPSEND=<len>`` (``>``, then ``Recv <n> bytes`` and ``SEND OK`` once n bytes came), ``AT+CIPSEND``
(passthrough: data is echoed back as if by a remote echo server, left with ``+++`` only when it comes
alone with 20 ms of silence on both sides, 3.3.7). Anything else gets ``ERROR``.
"""

from __future__ import annotations

import os
import re
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

Reply = bytes | Callable[["FakeBoard", str], bytes | None]

_SEND_RE = re.compile(r"AT\+CIPSEND=(?:\d+,)?(\d+)")
GUARD = 0.02


class FakeBoard:
    """Answers over a pty or TCP; ``script`` maps command lines to replies; see the module docstring."""

    def __init__(self, script: dict[str, Reply] | None = None, *, echo: bool = True) -> None:
        self.script: dict[str, Reply] = dict(script or {})
        self.echo = echo
        self.silent = False
        self.lines: list[str] = []  # command lines received, in order
        self.rx: list[tuple[float, bytes]] = []  # every chunk received, with its time
        self.plus_exits: list[tuple[float, float]] = []  # (silence before, silence after) of each +++
        #: Sent as passthrough ends, e.g. b"+QUITT\r\n" (3.17, as with AT+SYSMSG bit 0 set).
        self.on_quit = b""
        self.url = ""
        self._fd = -1
        self._owned: list[int] = []
        self._sock: socket.socket | None = None
        self._listener: socket.socket | None = None
        self._buf = b""
        self._mode = "cmd"  # cmd | data | passthrough
        self._data_left = 0
        self._data_got = 0
        self._verdict: bytes | None = None
        self._last_rx = 0.0
        self._plus_at: float | None = None
        self._plus_before = 0.0
        self._wake_r, self._wake_w = os.pipe()
        self._stop = False
        self._lock = threading.Lock()
        self._accepted = threading.Event()  # a TCP board: set once its client is accepted
        self._thread: threading.Thread | None = None

    # --- transports ---

    @classmethod
    def pty(cls, script: dict[str, Reply] | None = None, **kw: bool) -> FakeBoard:
        board = cls(script, **kw)
        master, slave = os.openpty()
        tty.setraw(slave)
        board.url = os.ttyname(slave)
        board._fd = master
        board._owned = [master, slave]
        board._start()
        return board

    @classmethod
    def tcp(cls, script: dict[str, Reply] | None = None, **kw: bool) -> FakeBoard:
        board = cls(script, **kw)
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        board._listener = lst
        board.url = f"socket://127.0.0.1:{lst.getsockname()[1]}"
        board._start()
        return board

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-board", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(2)
        for s in (self._sock, self._listener):
            if s is not None:
                s.close()
        for fd in [*self._owned, self._wake_r, self._wake_w]:
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> FakeBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- output ---

    def send(self, data: bytes) -> None:
        """Put bytes on the wire now (reports, reboots, garbage). A TCP board first waits for its client:
        the host's connect() returns before this board's thread has accepted it, and bytes sent in between
        would be lost."""
        if self._listener is not None and not self._accepted.wait(5.0):
            raise RuntimeError("fake board: no client connected within 5 s; nothing to send to")
        with self._lock:
            if self._sock is not None:
                self._sock.sendall(data)
            elif self._fd >= 0:
                view = memoryview(data)
                while view:
                    n = os.write(self._fd, view)
                    view = view[n:]

    def send_later(self, delay: float, data: bytes) -> None:
        t = threading.Timer(delay, self.send, (data,))
        t.daemon = True
        t.start()

    # --- input ---

    def _run(self) -> None:
        if self._listener is not None:
            ready, _, _ = select.select([self._listener, self._wake_r], [], [])
            if self._stop or self._listener not in ready:
                return
            sock, _ = self._listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sock, self._fd = sock, sock.fileno()
            self._accepted.set()
        while not self._stop:
            timeout = None
            if self._plus_at is not None:
                timeout = max(0.0, self._plus_at + GUARD - time.monotonic())
            ready, _, _ = select.select([self._fd, self._wake_r], [], [], timeout)
            if self._stop:
                return
            now = time.monotonic()
            if self._fd not in ready:
                if self._plus_at is not None and now - self._plus_at < GUARD:
                    continue  # select may wake a hair early
                if self._plus_at is not None:  # "+++" stood alone long enough: leave passthrough
                    self.plus_exits.append((self._plus_before, now - self._plus_at))
                    self._plus_at = None
                    self._mode = "cmd"
                    if self.on_quit:
                        self.send(self.on_quit)
                continue
            try:
                data = os.read(self._fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.rx.append((now, data))
            self._on_bytes(data, now)
            self._last_rx = now

    def _on_bytes(self, data: bytes, now: float) -> None:
        if self._mode == "passthrough":
            if self._plus_at is not None:  # more bytes too soon after "+++": it was data
                self._plus_at = None
                self.send(b"+++")
            if data == b"+++" and now - self._last_rx >= GUARD:
                self._plus_at, self._plus_before = now, now - self._last_rx
                return
            self.send(data)
            return
        if self._mode == "data":
            if data == b"+++" and now - self._last_rx >= GUARD:  # 3.17 SEND Canceled
                self._mode = "cmd"
                self.send(b"\r\nSEND Canceled\r\n")
                return
            take = data[: self._data_left]
            self._data_left -= len(take)
            self._data_got += len(take)
            data = data[len(take) :]
            if self._data_left == 0:
                self._mode = "cmd"
                verdict, self._verdict = self._verdict, None
                self.send(verdict or b"\r\nRecv %d bytes\r\n\r\nSEND OK\r\n" % self._data_got)
            if not data:
                return
        self._buf += data
        while b"\r\n" in self._buf and self._mode == "cmd":
            raw, self._buf = self._buf.split(b"\r\n", 1)
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            if self.silent:
                continue
            out = (raw + b"\r\n") if self.echo else b""
            reply = self.respond(line)
            if reply:
                out += reply
            self.send(out)
        if self._mode == "data" and self._buf:
            rest, self._buf = self._buf, b""
            self._on_bytes(rest, now)

    def expect_data(self, n: int, verdict: bytes) -> None:
        """From a script callable: take ``n`` bytes of data after the prompt, then answer ``verdict``."""
        self._mode, self._data_left, self._data_got, self._verdict = "data", n, 0, verdict

    def respond(self, line: str) -> bytes | None:
        if line in self.script:
            r = self.script[line]
            return r(self, line) if callable(r) else r
        if line == "AT":
            return b"\r\nOK\r\n"
        if line in ("ATE0", "ATE1"):
            self.echo = line == "ATE1"
            return b"\r\nOK\r\n"
        if line == "AT+CIPMODE=1" or line == "AT+CIPMODE=0":
            return b"\r\nOK\r\n"
        if line == "AT+RST":
            self.send_later(
                0.05, b"\x00\xffets Jun  8 2016 00:22:57\r\nrst:0xc (SW_CPU_RESET)\r\n\r\nready\r\n"
            )
            return b"\r\nOK\r\n"
        m = _SEND_RE.fullmatch(line)
        if m:
            self._mode, self._data_left, self._data_got = "data", int(m.group(1)), 0
            return b"\r\nOK\r\n\r\n>"
        if line == "AT+CIPSEND":
            self._mode = "passthrough"
            return b"\r\nOK\r\n\r\n>"
        return b"\r\nERROR\r\n"
