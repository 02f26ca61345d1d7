"""Getting a board of unknown state back under control: :func:`sync` and :func:`reset`.

Both run with the session's violation recording suspended: a port in an unknown state is expected to say
things no command asked for.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rigs.at.attribution import CLEAN_AT
from rigs.at.errors import AtError, BoardRebooted, BoardSilent, ResponseTimeout
from rigs.at.events import Ready
from rigs.at.response import Response
from rigs.at.transcript import Transcript

if TYPE_CHECKING:
    from rigs.at.session import AtSession

__all__ = ["reset", "sync"]


#: How long the port must stay silent before sync() trusts that no late reply is still on its way.
QUIET_TIME = 0.2


def wait_quiet(session: AtSession, quiet: float, deadline: float) -> bool:
    """Wait until the board has sent nothing for ``quiet`` seconds; False if ``deadline`` came first or
    the port closed. What arrives meanwhile is decoded as usual and kept in the transcript."""
    with session._cond:
        while session._closed is None:
            seen = session._rx_count
            until = min(time.monotonic() + quiet, deadline)
            while session._rx_count == seen and (left := until - time.monotonic()) > 0:
                session._cond.wait(left)
            if session._rx_count == seen:
                return until < deadline
        return False


def sync(
    session: AtSession, timeout: float = 10.0, *, attempt: float = 0.5, leave_passthrough: bool = True
) -> Response:
    """Bring a board in an unknown state back to command mode and return the first ``OK`` to ``AT``.

    Sends ``+++`` with guard times (ends passthrough; harmless garbage in command mode), then ``AT``
    until it answers a clean OK (its echo or none, blank lines, OK): a running command is waited out, a
    pending data-mode send is filled up by the ``AT`` bytes. Reports and data that arrived meanwhile are
    discarded (they remain in the transcript).
    """
    deadline = time.monotonic() + timeout
    session.transcript.note("sync")
    session._lenient += 1
    try:
        if leave_passthrough:
            session.exit_passthrough()
        last: AtError | None = None
        while time.monotonic() < deadline:
            budget = max(0.05, min(attempt, deadline - time.monotonic()))
            try:
                r = session.cmd("AT", budget, expect_prompt=False)
            except AtError as exc:
                last = exc
                # The abandoned AT may still be answered (a reboot's "ready" came between it and its
                # OK, or the board was slow): let that late reply pass before the next attempt, or it
                # would be taken as the next command's answer and shift every later response by one.
                wait_quiet(session, QUIET_TIME, deadline)
                continue
            if r.final == "OK" and all(isinstance(e, CLEAN_AT) for e in r.events):
                with session._cond:
                    session._unconsumed.clear()
                    session._data.clear()
                return r
            # busy p..., ERROR ("+++AT" in command mode), or an OK that ended something else (the
            # tail of an earlier command's response): the real answer to this AT may still come
            wait_quiet(session, QUIET_TIME, deadline)
    finally:
        session._lenient -= 1
    msg = f"{session.name}: sync: expected OK to 'AT' within {timeout:g} s"
    if isinstance(last, BoardSilent) or session._rx_count == 0:
        raise BoardSilent(msg + ", but the board is silent", session.transcript)
    raise ResponseTimeout(msg + f"; last error: {last.detail if last else 'none'}", session.transcript)


def reset(session: AtSession, method: str = "at", timeout: float = 10.0) -> Transcript:
    """Restart the board and wait for ``ready``; returns the transcript of the boot. No report the board
    printed up to ``ready`` (before the reset or during the boot) is left for ``expect_urc``.

    ``method``: ``"at"`` sends AT+RST (3.1.x); ``"rts"`` / ``"dtr"`` pulse that modem line of the port
    (wired to the chip's EN pin on most development boards).
    """
    t0 = time.monotonic()
    session.transcript.note(f"reset ({method})")
    with session._cond:
        mark = len(session.urcs)
    session._lenient += 1
    try:
        if method == "at":
            try:
                session.cmd("AT+RST", timeout)
            except BoardRebooted:
                pass
        elif method in ("rts", "dtr"):
            other = "dtr" if method == "rts" else "rts"
            try:
                # With the usual two-transistor auto-reset circuit, the other line asserted at the same
                # time would hold GPIO0 low and start the ROM downloader instead of the firmware.
                setattr(session.port, other, False)
                setattr(session.port, method, True)
                time.sleep(0.1)
                setattr(session.port, method, False)
            except (AttributeError, OSError) as exc:
                raise AtError(
                    f"{session.name}: reset by {method.upper()}: the port cannot drive that line ({exc})",
                    session.transcript,
                ) from exc
        else:
            raise ValueError(f"reset method must be 'at', 'rts' or 'dtr', not {method!r}")
        deadline = time.monotonic() + timeout
        with session._cond:
            session.codec.clear_pending()
            session.codec.leave_passthrough()
            while True:
                since = session.urcs[mark:]
                at = next((i for i, e in enumerate(since) if isinstance(e, Ready)), None)
                if at is not None:
                    # Every report from before "ready" is consumed here (each stays in the transcript and
                    # in session.urcs): boot noise, and reports of the state the reboot ended (a WIFI GOT
                    # IP of the last join must not pass for the saved join's after the boot). Compared by
                    # identity, as every Ready equals every other.
                    before = {id(e) for e in session.urcs[: mark + at + 1]}
                    session._unconsumed[:] = [e for e in session._unconsumed if id(e) not in before]
                    return session.transcript.since(t0)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or session._closed is not None:
                    break
                session._cond.wait(remaining)
    finally:
        session._lenient -= 1
    raise ResponseTimeout(
        f"{session.name}: reset ({method}): expected 'ready' within {timeout:g} s", session.transcript
    )
