"""What came back over a link, for the robustness suite: +IPD payloads gathered in order (3.17 ``+IPD``),
and the check that nothing more came (no data duplicated).

Plain functions over the AT session (suites/tcpip/links.py has the sending side and the peer's record).
"""

from __future__ import annotations

import hashlib

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
