"""Sans-IO payload helpers: the seeded pattern and sequence datagram counting."""

from __future__ import annotations

import pytest

from servers.payload import SequenceCounter, decode_datagram, encode_datagram, pattern


def test_pattern_slices_rebuild_the_same_stream() -> None:
    whole = pattern(7, 1000)
    assert len(whole) == 1000
    assert pattern(7, 100, offset=450) == whole[450:550]
    assert pattern(8, 1000) != whole


def test_pattern_rejects_negative_length() -> None:
    with pytest.raises(ValueError, match="length"):
        pattern(1, -1)


def test_datagram_round_trip_and_corruption() -> None:
    data = encode_datagram(5, 64, t_ns=123)
    dg = decode_datagram(data)
    assert dg is not None and (dg.seq, dg.t_ns, dg.intact) == (5, 123, True)
    damaged = data[:-1] + bytes([data[-1] ^ 0xFF])
    assert decode_datagram(damaged).intact is False  # type: ignore[union-attr]
    assert decode_datagram(b"hello") is None


def test_sequence_counter_counts_loss_duplicates_and_reordering() -> None:
    counter = SequenceCounter()
    for seq in (0, 1, 3, 2, 3, 6):
        counter.feed(decode_datagram(encode_datagram(seq, 20)))  # type: ignore[arg-type]
    assert counter.received == 5
    assert counter.duplicates == 1
    assert counter.reordered == 1  # 2 came after 3
    assert counter.lost() == 2  # 4 and 5
    assert counter.lost(sent=8) == 3  # and 7
