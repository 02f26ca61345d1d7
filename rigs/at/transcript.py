"""Timestamped record of every byte exchanged with a board, in both directions and on its log port.

The session records each chunk as it is read or written, whether or not a test ever looks at it, so a
failure can always be explained from the transcript alone. Appends come from reader threads and the test
thread; ``list.append`` is atomic in CPython, and readers take a snapshot, so no lock is needed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Direction = Literal["rx", "tx", "log", "note"]

__all__ = ["Chunk", "Direction", "Transcript", "escape"]


@dataclass(frozen=True, slots=True)
class Chunk:
    """One read or write: ``t`` is ``time.monotonic()`` when it happened."""

    t: float
    direction: Direction
    data: bytes


_ESCAPES = {0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t", 0x5C: "\\\\"}


def escape(data: bytes) -> str:
    """Printable ASCII as is, CR/LF/TAB/backslash as C escapes, everything else as ``\\xNN``."""
    out = []
    for b in data:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


class Transcript:
    """Chunks in the order they happened; renders as text and saves to a file."""

    def __init__(self, name: str = "dut", chunks: Iterable[Chunk] = ()) -> None:
        self.name = name
        self.chunks: list[Chunk] = list(chunks)
        self.t0 = self.chunks[0].t if self.chunks else time.monotonic()
        self.path: Path | None = None

    def record(self, direction: Direction, data: bytes, t: float | None = None) -> Chunk:
        chunk = Chunk(time.monotonic() if t is None else t, direction, bytes(data))
        self.chunks.append(chunk)
        return chunk

    def note(self, text: str) -> None:
        """A marker written by the session (a command sent, a timeout, a reset), shown in the rendering."""
        self.record("note", text.encode("utf-8", "replace"))

    def data(self, direction: Direction = "rx") -> bytes:
        """All bytes of one direction, concatenated."""
        return b"".join(c.data for c in list(self.chunks) if c.direction == direction)

    def since(self, t: float) -> Transcript:
        """A new transcript holding the chunks from monotonic time ``t`` on."""
        return Transcript(self.name, (c for c in list(self.chunks) if c.t >= t))

    def render(self, chunks: Iterable[Chunk] | None = None) -> str:
        """One line per chunk: seconds since the start, direction, escaped bytes."""
        lines = []
        for c in list(self.chunks) if chunks is None else chunks:
            body = c.data.decode("utf-8", "replace") if c.direction == "note" else escape(c.data)
            lines.append(f"{c.t - self.t0:12.6f} {self.name} {c.direction:<4} {body}")
        return "\n".join(lines) + ("\n" if lines else "")

    def tail(self, n: int = 12) -> str:
        """The last ``n`` chunks, rendered (what an error message quotes)."""
        return self.render(list(self.chunks)[-n:])

    def save(self, path: str | Path) -> Path:
        """Write the rendering to ``path``; errors raised afterwards name that file."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.render(), encoding="utf-8")
        self.path = p
        return p

    def __len__(self) -> int:
        return len(self.chunks)
