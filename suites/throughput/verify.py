"""Checks of what a transfer delivered and the figures it yields: pure logic, no sockets.

- TCP and SSL: the far end's byte count and SHA-256 against what was sent (:func:`compare_stream`).
- UDP: every datagram carries a sequence number (servers.payload); a byte stream that the board cut into
  datagrams of its own (passthrough packs input into packets, 3.3.8) or joined into one UART stream is
  scanned record by record (:func:`scan_records`), so loss, reordering and corruption are counted per
  datagram the sender sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from servers.payload import SEQ_HEADER, SEQ_MAGIC, SequenceCounter, decode_datagram


class TransferError(AssertionError):
    """Data was lost or corrupted: the transfer fails whatever its speed."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compare_stream(where: str, sent_len: int, sent_sha: str, got_len: int, got_sha: str) -> None:
    """The far end got exactly what was sent: same length, same SHA-256."""
    if got_len != sent_len or got_sha != sent_sha:
        raise TransferError(
            f"{where} received {got_len} bytes (sha256 {got_sha[:16]}), expected {sent_len} bytes "
            f"(sha256 {sent_sha[:16]})"
        )


@dataclass(frozen=True)
class UdpTally:
    """Sequence datagrams of one UDP transfer as the receiver saw them."""

    sent: int
    received: int
    lost: int
    reordered: int
    duplicates: int
    corrupt: int
    stray_bytes: int  # bytes that were not part of any intact record (a cut or damaged datagram)
    payload_bytes: int  # bytes of the intact records received

    @property
    def loss(self) -> float:
        return self.lost / self.sent if self.sent else 0.0

    def describe(self) -> str:
        return (
            f"{self.received}/{self.sent} datagrams ({self.lost} lost, {self.reordered} reordered, "
            f"{self.duplicates} duplicated, {self.corrupt} corrupt, {self.stray_bytes} stray bytes)"
        )

    def check(self, max_loss: float, where: str) -> None:
        """Corruption always fails; loss beyond ``max_loss`` (the rig's UDP policy) fails."""
        if self.corrupt or self.stray_bytes or self.duplicates:
            raise TransferError(f"{where}: damaged data: {self.describe()}")
        if self.loss > max_loss:
            raise TransferError(
                f"{where}: lost {self.loss:.2%} of the datagrams, the rig allows {max_loss:.2%}: "
                f"{self.describe()}"
            )


def tally(counter: SequenceCounter, sent: int, size: int, stray: int = 0) -> UdpTally:
    return UdpTally(
        sent=sent,
        received=counter.received,
        lost=counter.lost(sent),
        reordered=counter.reordered,
        duplicates=counter.duplicates,
        corrupt=counter.corrupt,
        stray_bytes=stray,
        payload_bytes=(counter.received - counter.corrupt) * size,
    )


def count_datagrams(datagrams: Iterable[bytes], sent: int, size: int, seed: int = 0) -> UdpTally:
    """Datagrams that arrived whole (``+IPD`` per datagram, the peer's own receive): one record each."""
    counter = SequenceCounter()
    stray = 0
    for d in datagrams:
        seq = decode_datagram(d, seed) if len(d) == size else None
        if seq is None:
            stray += len(d)
        else:
            counter.feed(seq)
    return tally(counter, sent, size, stray)


def scan_records(stream: bytes, sent: int, size: int, seed: int = 0) -> UdpTally:
    """Records of ``size`` bytes found in ``stream`` in order; bytes between intact records are stray (a
    lost datagram of a board that packs records two to a packet leaves no stray bytes, only a gap in the
    sequence numbers)."""
    counter = SequenceCounter()
    stray = 0
    pos = 0
    n = len(stream)
    while pos < n:
        rec = stream[pos : pos + size] if stream.startswith(SEQ_MAGIC, pos) else b""
        seq = decode_datagram(rec, seed) if len(rec) == size else None
        if seq is not None and seq.intact:
            counter.feed(seq)
            pos += size
            continue
        nxt = stream.find(SEQ_MAGIC, pos + 1)
        nxt = n if nxt < 0 else nxt
        stray += nxt - pos
        pos = nxt
    return tally(counter, sent, size, stray)


#: The smallest record scan_records can find: a sequence header and some body to check.
MIN_RECORD = SEQ_HEADER.size + 16
