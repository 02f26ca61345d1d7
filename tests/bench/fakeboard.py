"""The port side of the benches' fake boards: a child process serving a pty or a ``socket://`` listener
(its own GIL, so the host side measured is the host's alone). Prints the URL to open, then returns the
``read`` and ``write`` functions of the one connection."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def serve_port(kind: str) -> tuple[Callable[[], bytes], Callable[[bytes], None]]:
    """``kind`` "pty" (raw mode, like a UART) or "socket"; prints the URL and waits for the host."""
    if kind == "pty":
        import tty

        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        print(os.ttyname(slave), flush=True)
        return (lambda: os.read(master, 65536)), (lambda b: write_all(master, b))
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    print(f"socket://127.0.0.1:{lst.getsockname()[1]}", flush=True)
    conn, _ = lst.accept()
    return (lambda: conn.recv(65536)), conn.sendall


def command_lines(read: Callable[[], bytes]) -> Iterator[bytes]:
    """Each CR LF terminated line the host writes, without its CR LF, until the host goes away."""
    buf = b""
    while data := read():
        buf += data
        *lines, buf = buf.split(b"\r\n")
        yield from lines
