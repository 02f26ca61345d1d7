"""rigs/at/portio.py: the reader thread hands every chunk on, and says when nothing it was given is still on
its way (``idle``), which the crash check relies on to read a log port whole on a busy host."""

from __future__ import annotations

import os
import threading

from rigs.at.portio import PortReader


class _PipePort:
    """A port whose board side is the write end of a pipe."""

    timeout = None

    def __init__(self) -> None:
        self.r, self.w = os.pipe()

    def fileno(self) -> int:
        return self.r

    def read(self, size: int = 1) -> bytes:
        return os.read(self.r, size)

    def write(self, data: bytes) -> int:
        return os.write(self.w, data)

    @property
    def in_waiting(self) -> int:
        return 0

    def close(self) -> None:
        for fd in (self.r, self.w):
            os.close(fd)


def test_idle_is_false_while_a_chunk_waits_unread_or_unhanded() -> None:
    port = _PipePort()
    entered, release, handed = threading.Event(), threading.Event(), threading.Event()
    chunks: list[bytes] = []

    def on_chunk(data: bytes, t: float) -> None:
        entered.set()
        release.wait(10)
        chunks.append(data)
        handed.set()

    reader = PortReader(port, on_chunk, name="t")
    assert reader.idle()  # not started, nothing written
    os.write(port.w, b"Guru Meditation Error")
    assert not reader.idle()  # unread in the pipe
    reader.start()
    try:
        assert entered.wait(10)
        assert not reader.idle()  # read, but the callback has not returned
        release.set()
        assert handed.wait(10)
        # the flag drops right after the callback returns; the thread then blocks in select again
        for _ in range(1000):
            if reader.idle():
                break
            threading.Event().wait(0.01)
        assert reader.idle()
        assert chunks == [b"Guru Meditation Error"]
    finally:
        reader.stop()
        port.close()


def test_a_stopped_reader_is_idle() -> None:
    port = _PipePort()
    reader = PortReader(port, lambda data, t: None, name="t")
    reader.start()
    reader.stop()
    os.write(port.w, b"late")
    assert reader.idle()  # nobody will read it: waiting for it would never end
    port.close()


def test_what_is_readable_at_once_after_a_full_read_joins_it_and_nothing_waits_for_more() -> None:
    """A pty hands over at most 4095 bytes a read (its line discipline's buffer): after such a read the
    reader takes what else is readable at once and hands it on with it (one hand-over per batch, issue 23),
    and returns at once when nothing more is there."""
    port = _PipePort()
    try:
        first = b"a" * 4095
        assert PortReader._read_more(port.r, first) is first  # nothing more: no wait, no copy
        os.write(port.w, b"b" * 100)
        assert PortReader._read_more(port.r, first) == first + b"b" * 100
    finally:
        port.close()


def test_a_flood_on_a_pty_arrives_whole_and_in_order() -> None:
    import tty

    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    flood = bytes(range(256)) * 256  # 64 KiB: sixteen reads' worth at least
    chunks: list[bytes] = []
    got = threading.Event()

    def on_chunk(data: bytes, t: float) -> None:
        chunks.append(data)
        if sum(map(len, chunks)) >= len(flood):
            got.set()

    class _Pty:
        timeout = None

        def fileno(self) -> int:
            return slave

    reader = PortReader(_Pty(), on_chunk, name="t")
    reader.start()
    writer = threading.Thread(
        target=lambda: [os.write(master, flood[i : i + 8192]) for i in range(0, len(flood), 8192)]
    )
    writer.start()
    try:
        assert got.wait(10)
        assert b"".join(chunks) == flood
    finally:
        writer.join(10)
        reader.stop()
        os.close(master)
        os.close(slave)
