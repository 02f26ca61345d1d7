"""PeerRecord and RecordLog on their own (no sockets)."""

from __future__ import annotations

import hashlib
import threading

import pytest

from servers.record import CloseReason, PeerRecord, RecordLog


def _record(keep: bool = True) -> PeerRecord:
    return PeerRecord(("127.64.0.10", 50000), ("127.0.0.1", 8080), keep_data=keep)


def test_counts_hashes_and_times() -> None:
    r = _record()
    r.add_in(b"abc")
    r.add_in(b"def")
    r.add_out(b"xy")
    assert (r.bytes_in, r.bytes_out, r.received(), r.sent()) == (6, 2, b"abcdef", b"xy")
    assert r.sha256_in == hashlib.sha256(b"abcdef").hexdigest()
    assert r.chunks_in[0].t <= r.chunks_in[1].t and [c.size for c in r.chunks_in] == [3, 3]


def test_without_data_keeps_sizes_and_hash_only() -> None:
    r = _record(keep=False)
    r.add_in(b"secret")
    assert r.received() == b"" and r.chunks_in[0].size == 6
    assert r.sha256_in == hashlib.sha256(b"secret").hexdigest()


def test_first_close_reason_wins() -> None:
    r = _record()
    r.close(CloseReason.RST, "reset by peer")
    r.close(CloseReason.LOCAL)
    assert r.wait_closed(0) is CloseReason.RST and r.error == "reset by peer"


def test_waits_name_what_was_seen() -> None:
    r = _record()
    r.add_in(b"12")
    with pytest.raises(TimeoutError, match="expected 5 bytes from 127.64.0.10:50000, got 2 within"):
        r.wait_bytes_in(5, timeout=0.1)
    with pytest.raises(TimeoutError, match="still open"):
        r.wait_closed(0.05)
    r.close(CloseReason.FIN)
    with pytest.raises(TimeoutError, match=r"got 2 before close \(fin\)"):
        r.wait_bytes_in(5, timeout=5)


def test_wait_bytes_in_wakes_on_data_from_another_thread() -> None:
    r = _record()
    threading.Timer(0.05, r.add_in, args=(b"hello",)).start()
    assert r.wait_bytes_in(5, timeout=10) == b"hello"


def test_record_log_wait_for() -> None:
    log = RecordLog()
    threading.Timer(0.05, log.add, args=(_record(),)).start()
    assert len(log.wait_for(1, timeout=10)) == 1
    with pytest.raises(TimeoutError, match="expected 2 connection"):
        log.wait_for(2, timeout=0.05)
