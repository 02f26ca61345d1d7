"""Bluetooth passthrough transfers for the throughput ladder: Bluetooth LE SPP (3.4.32 AT+BLESPP) and
Classic Bluetooth SPP (3.5.9 AT+BTSPPSEND execute form, 4.10.2), one way, every byte checked, timed where
the data lands (transfer.py's rule: the peer's arrival stamps for uploads, the session's for downloads).

Plain functions over an AT session and the servers/ peers, no pytest. The link is set up by the caller
(suites/ble/spp.py, suites/bt/helpers.py); these functions move ``total`` bytes of the seeded pattern
through the passthrough and return the :class:`~suites.throughput.transfer.Result`.

- Bluetooth LE, upload: the host writes the pattern in passthrough; the board sends it as values of the tx
  characteristic (indications of 0xC306 as server, 4.3.6; writes of 0xFF02 as client, 4.3.5) and the peer
  must receive exactly those bytes. Download: the peer writes 0xC304 (the board as server) or notifies
  0xFF03 (as client) in values of the link's ATT MTU - 3 bytes; the AT port must give exactly them.
- Classic SPP: the same over the RFCOMM channel, the peer sending as fast as its channel takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rigs.at.session import AtSession
from servers.payload import pattern
from suites.bt.helpers import Background
from suites.throughput.transfer import SEED, Case, Result, payload, read_passthrough, span, steady_bytes
from suites.throughput.verify import TransferError, compare_stream, sha256

#: ATT header of a notification, indication or write (Core spec Vol 3 Part F 3.4.7.1).
ATT_HEADER = 3
#: An attribute value is at most 512 bytes (Core spec Vol 3 Part F 3.2.9; the default table's 0xC304 holds
#: as much, its val_max_len in esp-at's gatts_data.csv): the MTU asked for (3.4.17 <mtu_size> range
#: [23,517]) is the one whose values are exactly that long, in both roles.
VALUE_MAX = 512
BLE_MTU = VALUE_MAX + ATT_HEADER
#: Pieces the host writes the upload in (the FAQ's 1460-byte writes, sent back to back).
WRITE_SIZE = 1460


def values(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def upload(
    dut: AtSession,
    case: Case,
    command: str,
    total: int,
    arrivals: Callable[[], list[tuple[float, bytes]]],
    timeout: float,
) -> Result:
    """Host -> board -> peer: ``command`` (AT+BLESPP, AT+BTSPPSEND) opens the passthrough, the pattern goes
    in :data:`WRITE_SIZE` writes; ``arrivals()`` is what the peer has received so far, stamped."""
    data = pattern(SEED, total)
    with dut.passthrough(command, timeout=timeout) as p:
        for i in range(0, total, WRITE_SIZE):
            p.write(data[i : i + WRITE_SIZE])
        got = _wait(arrivals, total, timeout)
    joined = b"".join(v for _, v in got)
    compare_stream(f"the peer ({case.name})", total, sha256(data), len(joined), sha256(joined))
    stamps = [(t, len(v)) for t, v in got]
    return Result(steady_bytes(stamps, total), span(stamps, case), started=stamps[0][0])


def _wait(
    arrivals: Callable[[], list[tuple[float, bytes]]], total: int, timeout: float
) -> list[tuple[float, bytes]]:
    """Until ``total`` bytes reached the peer, or nothing came for two seconds (the rest is lost)."""
    deadline = time.monotonic() + timeout
    got = arrivals()
    last, quiet_since = -1, time.monotonic()
    while sum(len(v) for _, v in got) < total and time.monotonic() < deadline:
        n = sum(len(v) for _, v in got)
        if n != last:
            last, quiet_since = n, time.monotonic()
        elif time.monotonic() - quiet_since > 2.0:
            break
        time.sleep(0.02)
        got = arrivals()
    time.sleep(0.1)  # bytes beyond the transfer would be a fault too: give them a moment to show
    return arrivals()


def download(
    dut: AtSession,
    case: Case,
    command: str,
    total: int,
    send: Callable[[bytes], None],
    timeout: float,
) -> Result:
    """Peer -> board -> host: ``command`` opens the passthrough, then ``send(data)`` (the peer's side, on a
    thread) sends the pattern; the AT port must give exactly it, timed as the session read it."""
    data = pattern(SEED, total)
    mark = len(dut.history)
    with dut.passthrough(command, timeout=timeout) as p:
        job = Background(send, data)
        got = read_passthrough(p, total, timeout)
        job.result(timeout)
    compare_stream(f"the host ({case.name})", total, sha256(data), len(got), sha256(got))
    stamps = [(t, len(payload(e))) for t, e in dut.history[mark:] if payload(e)]
    if not stamps:
        raise TransferError(f"{case.name}: no data came out of the AT port")
    return Result(steady_bytes(stamps, total), span(stamps, case), started=stamps[0][0])
