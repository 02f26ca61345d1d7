"""What a peer saw on each connection: every chunk in and out with monotonic timestamps.

A test asserts on a :class:`PeerRecord` rather than on what the board claims to have sent: the
record is the host's side of the story (e.g. that ``AT+CIPSEND`` bytes of 3.3 really arrived).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum


class CloseReason(StrEnum):
    """Why a connection ended, as seen by the peer."""

    FIN = "fin"  # the remote closed its side in an orderly way
    RST = "rst"  # the remote reset the connection
    TIMEOUT = "timeout"  # nothing arrived for the peer's idle timeout
    LOCAL = "local"  # the peer itself closed (behaviour finished or peer stopped)
    LOCAL_RST = "local_rst"  # the peer reset the connection on purpose (reset mode)
    ERROR = "error"  # TLS handshake failure or another protocol error; see PeerRecord.error


@dataclass(frozen=True)
class Chunk:
    """Bytes moved in one read or one write, stamped with time.monotonic()."""

    t: float
    size: int
    data: bytes  # empty when the record does not keep data


@dataclass
class PeerRecord:
    """One connection (TCP/SSL) or one remote address (UDP) as the peer saw it.

    With ``keep_data=False`` (throughput runs) the chunks keep their lengths and times but not
    their bytes; the byte count and SHA-256 are kept either way.
    """

    remote: tuple[str, int]
    local: tuple[str, int]
    keep_data: bool = True
    opened_at: float = field(default_factory=time.monotonic)
    chunks_in: list[Chunk] = field(default_factory=list)
    chunks_out: list[Chunk] = field(default_factory=list)
    bytes_in: int = 0
    bytes_out: int = 0
    close_reason: CloseReason | None = None
    closed_at: float | None = None
    error: str | None = None
    tls_peer_cert_subject: str | None = None
    _sha_in: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)
    _sha_out: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)
    _closed: threading.Event = field(default_factory=threading.Event, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def add_in(self, data: bytes) -> None:
        self._add(self.chunks_in, data)
        self.bytes_in += len(data)
        self._sha_in.update(data)
        self._notify()

    def add_out(self, data: bytes) -> None:
        self._add(self.chunks_out, data)
        self.bytes_out += len(data)
        self._sha_out.update(data)
        self._notify()

    def _add(self, chunks: list[Chunk], data: bytes) -> None:
        chunks.append(Chunk(time.monotonic(), len(data), data if self.keep_data else b""))

    def close(self, reason: CloseReason, error: str | None = None) -> None:
        """Mark the connection closed; the first reason given wins."""
        if self.close_reason is None:
            self.close_reason = reason
            self.closed_at = time.monotonic()
            self.error = error
            self._closed.set()
            self._notify()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def sha256_in(self) -> str:
        return self._sha_in.hexdigest()

    @property
    def sha256_out(self) -> str:
        return self._sha_out.hexdigest()

    def received(self) -> bytes:
        """Everything that arrived, joined (empty when keep_data is off)."""
        return b"".join(c.data for c in self.chunks_in)

    def sent(self) -> bytes:
        return b"".join(c.data for c in self.chunks_out)

    def wait_closed(self, timeout: float = 10.0) -> CloseReason:
        """Block until the connection ends; raises TimeoutError naming what was seen so far."""
        if not self._closed.wait(timeout):
            raise TimeoutError(
                f"connection from {self.remote[0]}:{self.remote[1]} still open after {timeout}s "
                f"({self.bytes_in} bytes in, {self.bytes_out} out)"
            )
        assert self.close_reason is not None
        return self.close_reason

    def wait_bytes_in(self, count: int, timeout: float = 10.0) -> bytes:
        """Block until at least ``count`` bytes have arrived; returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.bytes_in < count:
                left = deadline - time.monotonic()
                if left <= 0 or (self.closed and self.bytes_in < count):
                    raise TimeoutError(
                        f"expected {count} bytes from {self.remote[0]}:{self.remote[1]}, got {self.bytes_in}"
                        + (f" before close ({self.close_reason})" if self.closed else f" within {timeout}s")
                    )
                self._changed.wait(min(left, 0.2))
        return self.received()


class RecordLog:
    """The records of one peer, in connection order, safe to read from the test's thread."""

    def __init__(self) -> None:
        self._records: list[PeerRecord] = []
        self._cond = threading.Condition()

    def add(self, record: PeerRecord) -> PeerRecord:
        with self._cond:
            self._records.append(record)
            self._cond.notify_all()
        return record

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> PeerRecord:
        return self._records[index]

    def all(self) -> list[PeerRecord]:
        return list(self._records)

    def clear(self) -> None:
        with self._cond:
            self._records.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[PeerRecord]:
        """Block until at least ``count`` connections were seen."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._records) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} connection(s) within {timeout}s, saw {len(self._records)}"
                )
            return list(self._records)
