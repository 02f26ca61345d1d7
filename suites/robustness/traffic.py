"""What came back over a link, for the robustness suite: +IPD payloads gathered in order (3.17 ``+IPD``),
and the check that nothing more came (no data duplicated).

Plain functions over the AT session (suites/tcpip/links.py has the sending side and the peer's record).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fixtures.suite import Expect
from rigs.at.events import Ipd
from rigs.at.session import AtSession


def _of(link_id: int | None):
    def match(ev) -> bool:
        return isinstance(ev, Ipd) and ev.payload is not None and ev.link_id == link_id

    return match


def ipd_bytes(dut: AtSession, n: int, timeout: float, link_id: int | None = None) -> bytes:
    """The payloads of the +IPD reports of ``link_id`` (None: single connection) until ``n`` bytes came,
    in arrival order; fails naming what came if a report would take it past ``n``."""
    got = bytearray()
    while len(got) < n:
        ev = dut.expect_urc(_of(link_id), timeout)
        assert isinstance(ev, Ipd) and ev.payload is not None
        got += ev.payload
    assert len(got) == n, f"link {link_id}: expected {n} bytes in +IPD, got {len(got)}: more than was sent"
    return bytes(got)


def assert_same(what: str, got: bytes, want: bytes) -> None:
    """Length and SHA-256 compared; the message gives both and where they first differ."""
    if got == want:
        return
    same = min(len(got), len(want))
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), same)
    raise AssertionError(
        f"{what}: got {len(got)} bytes (sha256 {hashlib.sha256(got).hexdigest()[:16]}), expected {len(want)} "
        f"(sha256 {hashlib.sha256(want).hexdigest()[:16]}); first difference at byte {at}: "
        f"got {got[at : at + 16]!r}, expected {want[at : at + 16]!r}"
    )


def no_more_ipd(dut: AtSession, expect: Expect, link_id: int | None = None) -> None:
    """Nothing beyond what was counted arrived for ``link_id``: a command round trip (3.1.2 AT) lets any
    report the board had already queued come first, then no +IPD of the link may be left unread."""
    expect.ok(dut.cmd("AT"), "AT", "execute")
    extra = [ev for ev in dut.drain_urcs() if _of(link_id)(ev)]
    assert not extra, f"link {link_id}: {len(extra)} +IPD beyond the data sent: {[e.raw[:40] for e in extra]}"


@dataclass(frozen=True)
class Mark:
    """Where a test's part of the session starts: its transcript chunk and decoded event counts."""

    chunks: int
    events: int


def mark(dut: AtSession) -> Mark:
    """Take it between commands (nothing half-decoded)."""
    return Mark(len(dut.transcript.chunks), len(dut.history))


def assert_transcript_kept(dut: AtSession, since: Mark, written: bytes = b"") -> None:
    """Every byte since ``since`` is kept: the bytes of the events the session decoded are, in order, the
    bytes the transcript recorded from the AT port (up to a line still arriving), and ``written`` (data
    the test wrote) is in the transcript's host-to-board bytes in one piece."""
    chunks = dut.transcript.chunks[since.chunks :]
    rx = b"".join(c.data for c in chunks if c.direction == "rx")
    decoded = b"".join(ev.raw for _, ev in dut.history[since.events :])
    differ = next((i for i, (a, b) in enumerate(zip(rx, decoded, strict=False)) if a != b), len(decoded))
    assert rx.startswith(decoded) and len(rx) - len(decoded) <= 4096, (
        f"transcript and decoded events differ: {len(rx)} bytes recorded, {len(decoded)} decoded; first "
        f"difference at {differ}"
    )
    tx = b"".join(c.data for c in chunks if c.direction == "tx")
    assert written in tx, f"the {len(written)} bytes written are not in the transcript in one piece"
