"""Event-driven reading of a pyserial-like port on a thread of its own.

The thread blocks in ``select`` on the port's file descriptor and on a wake-up pipe, so it reacts to the
first byte at once and stops at once when asked: no polling sleeps, no read timeouts to wait out. Ports
without a file descriptor (``loop://``, test doubles) fall back to ``read(in_waiting or 1)`` with the
port's own timeout.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["PortLike", "PortReader"]

_READ_SIZE = 1 << 16
#: A read this long may be the first piece of a flood (a pty hands over at most 4095 bytes a read, its line
#: discipline's buffer): what else is readable at once is read too, up to :data:`_BATCH`, and handed on as
#: one chunk. One hand-over per batch instead of per piece spares the session a lock, a codec call and a
#: wake-up of the waiting thread per 4 KiB (issue 23: session receive against a raw read of the same pty).
#: A short read (an answer, a report) goes on at once, as before.
_COALESCE_FROM = 4095
_BATCH = 1 << 16


class PortLike(Protocol):
    """What the session needs from a port: the subset of ``serial.Serial`` it uses."""

    timeout: float | None

    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...
    @property
    def in_waiting(self) -> int: ...
    def close(self) -> None: ...


def _fd_of(port: Any) -> int | None:
    try:
        fd = port.fileno()
    except Exception:  # noqa: BLE001 - not every port type has one; that only selects the fallback
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


class PortReader:
    """Reads ``port`` until stopped, handing each chunk with its arrival time to ``on_chunk``.

    ``on_close`` is called once if the port reports end of file or an error (the board went away).
    """

    def __init__(
        self,
        port: Any,
        on_chunk: Callable[[bytes, float], None],
        *,
        name: str,
        on_close: Callable[[str], None] | None = None,
    ) -> None:
        self._port = port
        self._on_chunk = on_chunk
        self._on_close = on_close
        self._fd = _fd_of(port)
        self._stop = threading.Event()
        self._busy = False  # bytes taken from the port and not yet handed to on_chunk
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=f"at-reader-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def idle(self) -> bool:
        """True when every byte the port had so far was handed to ``on_chunk``: nothing waits unread in
        the port and no chunk is between the read and its callback. (Ports without a file descriptor
        report only the second part.)"""
        if self._busy:
            return False
        if self._fd is None or self._stop.is_set():
            return True  # a stopped reader reads nothing more: waiting for it would never end
        try:
            readable, _, _ = select.select([self._fd], [], [], 0)
        except (OSError, ValueError):
            return True  # a closed port has nothing more to give
        return not readable

    def _run(self) -> None:
        reason = "stopped"
        try:
            reason = self._run_fd() if self._fd is not None else self._run_fallback()
        except Exception as exc:  # noqa: BLE001 - a dying reader must say why, not vanish
            reason = f"reader error: {exc!r}"
        if not self._stop.is_set() and self._on_close is not None:
            self._on_close(reason)

    def _run_fd(self) -> str:
        fd = self._fd
        assert fd is not None
        watch = [fd, self._wake_r]
        while not self._stop.is_set():
            ready, _, _ = select.select(watch, [], [])
            if self._stop.is_set():
                break
            if fd not in ready:
                continue
            self._busy = True
            try:
                data = os.read(fd, _READ_SIZE)
            except BlockingIOError:
                self._busy = False
                continue
            except OSError as exc:  # a pty whose other side closed reads EIO
                self._busy = False
                return f"port closed: {exc}"
            if not data:
                self._busy = False
                return "port closed: end of file"
            if len(data) >= _COALESCE_FROM:
                data = self._read_more(fd, data)
            try:
                self._on_chunk(data, time.monotonic())
            finally:
                self._busy = False
        return "stopped"

    @staticmethod
    def _read_more(fd: int, data: bytes) -> bytes:
        parts = [data]
        size = len(data)
        while size < _BATCH:
            try:
                ready, _, _ = select.select([fd], [], [], 0)
                more = os.read(fd, _READ_SIZE) if ready else b""
            except OSError:  # BlockingIOError, or a port closing: the next select/read says which
                break
            if not more:
                break
            parts.append(more)
            size += len(more)
        return b"".join(parts) if len(parts) > 1 else data

    def _run_fallback(self) -> str:
        port = self._port
        if getattr(port, "timeout", None) is None:
            port.timeout = 0.05  # lets the thread notice stop(); bytes still return at once
        while not self._stop.is_set():
            data = port.read(port.in_waiting or 1)
            if data:
                self._on_chunk(data, time.monotonic())
        return "stopped"
