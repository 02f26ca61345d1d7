"""Payloads the peers send and check: a seeded byte pattern and sequence-numbered datagrams.

Sans-IO: nothing here touches a socket, so the counting logic is unit-tested on its own.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

_BLOCK = 32  # one SHA-256 digest


def pattern(seed: int, length: int, offset: int = 0) -> bytes:
    """``length`` bytes of the endless stream defined by ``seed``, starting at ``offset``.

    The stream is SHA-256(seed, block index) blocks, so any slice can be rebuilt on its own: a
    test that received bytes 1000..1999 of a download can check them without the first 1000.
    """
    if length < 0 or offset < 0:
        raise ValueError(f"pattern length and offset must be >= 0, got length={length} offset={offset}")
    first, last = offset // _BLOCK, (offset + length + _BLOCK - 1) // _BLOCK
    blob = b"".join(hashlib.sha256(struct.pack(">QQ", seed, i)).digest() for i in range(first, last))
    start = offset - first * _BLOCK
    return blob[start : start + length]


SEQ_HEADER = struct.Struct(">4sIQ")  # magic, sequence number, sender's time in ns
SEQ_MAGIC = b"ESEQ"


def encode_datagram(seq: int, size: int, t_ns: int = 0, seed: int = 0) -> bytes:
    """A datagram of ``size`` bytes carrying ``seq``; the rest is the seeded pattern."""
    if size < SEQ_HEADER.size:
        raise ValueError(f"a sequence datagram needs at least {SEQ_HEADER.size} bytes, asked for {size}")
    body = pattern(seed ^ seq, size - SEQ_HEADER.size)
    return SEQ_HEADER.pack(SEQ_MAGIC, seq, t_ns) + body


@dataclass(frozen=True)
class SeqDatagram:
    seq: int
    t_ns: int
    intact: bool  # the body matches the pattern for this sequence number


def decode_datagram(data: bytes, seed: int = 0) -> SeqDatagram | None:
    """The sequence header of ``data``, or None when it is not a sequence datagram."""
    if len(data) < SEQ_HEADER.size:
        return None
    magic, seq, t_ns = SEQ_HEADER.unpack_from(data)
    if magic != SEQ_MAGIC:
        return None
    body = data[SEQ_HEADER.size :]
    return SeqDatagram(seq, t_ns, body == pattern(seed ^ seq, len(body)))


@dataclass
class SequenceCounter:
    """Counts loss, duplicates and reordering of sequence numbers fed in arrival order."""

    received: int = 0
    duplicates: int = 0
    reordered: int = 0  # arrived after a higher sequence number
    corrupt: int = 0
    highest: int = -1
    _seen: set[int] = field(default_factory=set, repr=False)

    def feed(self, datagram: SeqDatagram) -> None:
        if datagram.seq in self._seen:
            self.duplicates += 1
            return
        self._seen.add(datagram.seq)
        self.received += 1
        if not datagram.intact:
            self.corrupt += 1
        if datagram.seq < self.highest:
            self.reordered += 1
        self.highest = max(self.highest, datagram.seq)

    def lost(self, sent: int | None = None) -> int:
        """Datagrams never seen, out of ``sent`` (default: up to the highest number seen)."""
        expected = sent if sent is not None else self.highest + 1
        return expected - len([s for s in self._seen if s < expected])
