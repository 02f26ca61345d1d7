"""The AT session of one board: send commands, wait for results, catch reports, data mode, passthrough.

A reader thread (:mod:`rigs.at.portio`) feeds every chunk from the AT port to the codec and records it in
the :class:`~rigs.at.transcript.Transcript`; events go to whoever waits under one condition variable. The
test thread writes and waits; nothing polls.

Attribution rules (3.17): a command owns the events from its write to its final result (or, for a command
answered with ``>``, to the prompt); reports that arrive meanwhile are listed in its response *and* stay
available to :meth:`AtSession.expect_urc`.

Strictness (issue 13, point 4): the session is strict by default. Each of these is recorded as a
:class:`~rigs.at.response.Violation` and raised as :class:`~rigs.at.errors.ProtocolViolation` from the call
that observes it (the command during which it came, or the next one when it came between commands):

- a final result with no command pending, and in particular a second final result after a command ended;
- a ``>`` prompt with no command pending, or in the response of a command that takes no data;
- an information line (or ``ERR CODE``, ``Recv <n> bytes``, ``SEND Canceled``) with no command pending;
- an unknown line: a line that is no report of 3.17 and arrives while no command is pending (while one is
  pending, its lines are its response and its template says whether they belong there).

:meth:`sync` and :meth:`reset` record nothing (a board in an unknown state says things nobody asked for).
A violation that comes after the last call of a test is never raised by the session; the transcript
checker "strict" (fixtures/session_checks.py) fails the test with it. ``strict=False`` only records them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rigs.at import recovery
from rigs.at.attribution import URC_LIKE, Collector, UrcPattern, collect, event_text, matcher
from rigs.at.codec import AtCodec
from rigs.at.errors import (
    AtError,
    BoardRebooted,
    BoardSilent,
    CommandFailed,
    ProtocolViolation,
    ResponseTimeout,
    UrcTimeout,
)
from rigs.at.events import AnyEvent, Data, Ready
from rigs.at.passthrough import GUARD_TIME, SETTLE_TIME, Passthrough
from rigs.at.portio import PortReader
from rigs.at.response import Response, Violation
from rigs.at.structure import ResponseStructure
from rigs.at.transcript import Transcript

__all__ = ["AtSession", "UrcPattern", "event_text"]


class AtSession:
    """The AT command port of one board (see the module docstring).

    ``port`` is an open pyserial-like object (``serial.serial_for_url(...)``); ``log_port``, if given, is
    read the same way into the transcript as direction ``log``. With ``strict=True`` (the default) a protocol
    violation raises :class:`ProtocolViolation` from the call that observes it; with ``strict=False`` it is
    only recorded in :attr:`violations` (a caller that needs that says why where it asks for it).
    """

    def __init__(
        self,
        port: Any,
        *,
        name: str = "dut",
        transcript: Transcript | None = None,
        log_port: Any | None = None,
        strict: bool = True,
    ) -> None:
        self.port = port
        self.log_port = log_port
        self.name = name
        self.transcript = transcript if transcript is not None else Transcript(name)
        self.codec = AtCodec()
        self.strict = strict
        #: Every event decoded from the AT port, with its arrival time.
        self.history: list[tuple[float, AnyEvent]] = []
        #: Every command line sent with :meth:`cmd`, with the length of :attr:`history` when it was sent
        #: (the events from that index on came after it); raw writes are not commands.
        self.sent: list[tuple[int, str]] = []
        #: Every report (Urc, Ipd, Unsolicited, Ready) ever received, consumed or not.
        self.urcs: list[AnyEvent] = []
        #: The response structure between commands (3.17): violations, and what telling them needs.
        self.structure = ResponseStructure()
        self._unconsumed: list[AnyEvent] = []
        self._data = bytearray()
        self._cond = threading.Condition()
        self._current: Collector | None = None
        self._rx_count = 0
        self._closed: str | None = None
        self._quiet_until = 0.0
        self._lenient = 0  # >0 while sync/reset expect a messy port: violations are not recorded
        self._rx_decoded = 0  # bytes of rx accounted for by decoded events: the next event's offset
        self._reader = PortReader(port, self._on_rx, name=name, on_close=self._on_port_closed)
        self._log_reader: PortReader | None = None
        if log_port is not None:
            self._log_reader = PortReader(log_port, self._on_log, name=name + "-log")
        self._reader.start()
        if self._log_reader is not None:
            self._log_reader.start()

    @classmethod
    def open(
        cls,
        url: str,
        baudrate: int = 115200,
        rtscts: bool = False,
        *,
        log_url: str | None = None,
        log_baudrate: int = 115200,
        **kw: Any,
    ) -> AtSession:
        """Open ``url`` (a device path or any pyserial URL such as ``socket://127.0.0.1:port``)."""
        import serial

        # pyserial's rfc2217 client refuses any write_timeout (NotImplementedError on open); a blocked
        # write there is bounded by the TCP connection instead.
        write_timeout = None if url.startswith("rfc2217://") else 30
        port = serial.serial_for_url(
            url, baudrate=baudrate, rtscts=rtscts, timeout=0.05, write_timeout=write_timeout
        )
        log_port = None
        if log_url is not None:
            log_port = serial.serial_for_url(log_url, baudrate=log_baudrate, timeout=0.05)
        return cls(port, log_port=log_port, **kw)

    # --- reader side (runs on the reader thread) ---

    def _on_rx(self, data: bytes, t: float) -> None:
        self.transcript.record("rx", data, t)
        with self._cond:
            self._rx_count += len(data)
            for ev in self.codec.feed(data):
                self._dispatch(ev, t)
            self._cond.notify_all()

    def _on_log(self, data: bytes, t: float) -> None:
        self.transcript.record("log", data, t)

    def _on_port_closed(self, reason: str) -> None:
        self.transcript.note(f"{self.name}: {reason}")
        with self._cond:
            self._closed = reason
            self._cond.notify_all()

    def _violation(self, what: str, ev: AnyEvent | None, offset: int | None = None) -> None:
        if self._lenient:
            return
        pending = self.codec.pending
        index = len(self.history) - 1
        self.structure.violations.append(
            Violation(time.monotonic(), what, pending.line if pending else None, ev, index, offset)
        )
        self.transcript.note(f"protocol violation: {what}")

    def _dispatch(self, ev: AnyEvent, t: float) -> None:
        self.history.append((t, ev))
        offset = self._rx_decoded
        self._rx_decoded += len(ev.raw)
        if isinstance(ev, URC_LIKE):
            self.urcs.append(ev)
            self._unconsumed.append(ev)
            if isinstance(ev, Ready):
                self.structure.restarted()
        elif isinstance(ev, Data):
            self._data += ev.payload
        c = self._current
        if c is None:
            what = self.structure.idle(ev)
            if what is not None:
                self._violation(what, ev, offset)
            return
        violation = collect(c, ev, t)
        if violation is not None:
            self._violation(violation, ev, offset)
        if c.done:
            self._current = None
            self.structure.ended(c)

    # --- commands ---

    def write_raw(self, data: bytes) -> float:
        """Write bytes as they are (recorded in the transcript), outside any command; returns the
        monotonic time recorded for them."""
        self._check_open()
        t = self.transcript.record("tx", data).t
        self.port.write(data)
        return t

    def cmd(self, line: str, timeout: float = 5.0, *, expect_prompt: bool | None = None) -> Response:
        """Send ``line`` + CR LF and wait for its final result, or for ``>`` if the command takes data.

        ``expect_prompt`` None decides from the command (AT+CIPSEND=<len>, AT+MQTTPUBRAW, AT+HTTPCPOST ...
        and the passthrough forms; see :func:`rigs.at.messages.prompt_command`).
        """
        self._respect_settle_time()
        self._check_open()
        with self._cond:
            self._check_idle()
            if self.codec.in_passthrough:
                raise AtError(
                    f"{self.name}: cannot send {line!r} in passthrough; leave it first with +++ (3.3.7)"
                )
            self.codec.command_sent(line, expect_prompt=expect_prompt)
            pending = self.codec.pending
            assert pending is not None
            c = Collector(
                Response(command=line, started=time.monotonic()),
                "cmd",
                expect_prompt=pending.prompt is not None,
            )
            self._current = c
            self.structure.command_sent()
            self.sent.append((len(self.history), line))
            rx0 = self._rx_count
        self.write_raw(line.encode("utf-8") + b"\r\n")
        return self._wait(c, timeout, rx0, "a '>' prompt" if c.expect_prompt else "a final result")

    def send_data(self, data: bytes, timeout: float = 5.0) -> Response:
        """Write the data a ``>`` prompt asked for and wait for the verdict (SEND OK / SEND FAIL / ERROR,
        SET OK, or +MQTTPUB:OK/FAIL for AT+MQTTPUBRAW); ``recv_bytes`` notes ``Recv <n> bytes``."""
        self._check_open()
        with self._cond:
            self._check_idle()
            pending = self.codec.pending
            if pending is None or pending.phase != "data" or pending.prompt is None:
                raise AtError(f"{self.name}: send_data() needs a '>' prompt first; pending: {pending}")
            c = Collector(
                Response(command=pending.line, started=time.monotonic()),
                "data",
                done_kinds=pending.prompt.done,
            )
            self._current = c
            rx0 = self._rx_count
            self.codec.data_sent()
        self.write_raw(data)
        return self._wait(c, timeout, rx0, "the verdict on the data")

    def cancel_send(self, timeout: float = 5.0, *, guard: float = GUARD_TIME) -> Response:
        """Cancel a pending data-mode send with ``+++`` after a ``>`` prompt (3.17 ``SEND Canceled``;
        AT+CIPSENDL spells it ``SEND CANCELLED``), keeping the 3.3.7 guard times around it."""
        self._check_open()
        with self._cond:
            self._check_idle()
            pending = self.codec.pending
            if pending is None or pending.phase != "data" or pending.prompt is None:
                raise AtError(f"{self.name}: cancel_send() needs a '>' prompt first; pending: {pending}")
            c = Collector(
                Response(command=pending.line, started=time.monotonic()),
                "data",
                done_kinds=pending.prompt.done,
            )
            self._current = c
            rx0 = self._rx_count
            self.codec.data_sent()
        time.sleep(guard)
        self.write_raw(b"+++")
        time.sleep(guard)
        return self._wait(c, timeout, rx0, "'SEND Canceled'")

    def _check_idle(self) -> None:
        if self._current is not None:
            raise AtError(f"{self.name}: {self._current.response.command!r} is still waiting for its result")

    def _check_open(self) -> None:
        if self._closed is not None:
            raise AtError(f"{self.name}: the AT port is closed ({self._closed})", self.transcript)

    def _respect_settle_time(self) -> None:
        # 3.3.7: after "+++" wait at least one second before the next command.
        delay = self._quiet_until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _wait(self, c: Collector, timeout: float, rx0: int, expected: str) -> Response:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not c.done and self._closed is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if c.done and not c.rebooted:
                self._raise_new_violations()
                return c.response
            if self._current is c:
                self._current = None
            self.structure.abandoned()
            self.codec.clear_pending()
            silent = self._rx_count == rx0
        r = c.response
        r.ended = time.monotonic()
        r.raw = b"".join(c.raws)
        what = f"{self.name}: {r.command!r}: expected {expected}"
        err: AtError
        if c.rebooted:
            err = BoardRebooted(f"{what}, but the board restarted ('ready') first", self.transcript)
        elif self._closed is not None:
            err = AtError(f"{what}, but the port closed ({self._closed})", self.transcript)
        elif silent:
            err = BoardSilent(f"{what} within {timeout:g} s, but not a byte came back", self.transcript)
        else:
            err = ResponseTimeout(f"{what} within {timeout:g} s; got {r.text!r}", self.transcript)
        err.response = r
        self.transcript.note(f"error: {err.detail}")
        raise err

    def _raise_new_violations(self) -> None:
        if self._lenient:
            return  # sync/reset: the caller forgives what an unknown state says (see _forgive)
        new = self.structure.take_unraised()
        if new and self.strict:
            raise self._violation_error(new)

    def _violation_error(self, violations: list[Violation]) -> ProtocolViolation:
        rx = self.transcript.data("rx")
        return ProtocolViolation(
            f"{self.name}: protocol violation (3.17): " + "; ".join(v.describe(rx) for v in violations),
            self.transcript,
        )

    def check_violations(self) -> None:
        """Raise :class:`ProtocolViolation` if any violation was recorded so far."""
        if self.violations:
            raise self._violation_error(self.violations)

    # --- reports ---

    def expect_urc(self, pattern: UrcPattern, timeout: float = 5.0) -> AnyEvent:
        """Return (and consume) the first unconsumed report matching ``pattern``, waiting up to ``timeout``.

        ``pattern``: a kind (``"WIFI GOT IP"``, ``"CONNECT"``, ``"+IPD"``, ``"ready"``) or a regular
        expression matching the whole report text; a compiled pattern is searched; or a predicate.
        Reports that arrived earlier, even during a command, count.
        """
        match, desc = matcher(pattern)
        deadline = time.monotonic() + timeout
        checked = 0  # reports already looked at: each wake-up only looks at the new ones
        with self._cond:
            while True:
                queue = self._unconsumed
                if checked > len(queue):
                    checked = 0
                for i in range(checked, len(queue)):
                    if match(queue[i]):
                        return queue.pop(i)
                checked = len(queue)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed is not None:
                    break
                self._cond.wait(remaining)
            pending = [event_text(e) for e in self._unconsumed]
        raise UrcTimeout(
            f"{self.name}: expected a report matching {desc} within {timeout:g} s; "
            f"unconsumed reports: {pending}",
            self.transcript,
        )

    def log_port_idle(self) -> bool:
        """True when every byte the log port delivered so far is in the transcript (or there is no log
        port): what a checker reads then is all the board had said by now."""
        return self._log_reader is None or self._log_reader.idle()

    def drain_urcs(self) -> list[AnyEvent]:
        """Return and forget the reports nobody consumed yet (they stay in :attr:`urcs`)."""
        with self._cond:
            out = list(self._unconsumed)
            self._unconsumed.clear()
        return out

    # --- passthrough ---

    @contextmanager
    def passthrough(
        self,
        command: str = "AT+CIPSEND",
        *,
        set_mode: bool = False,
        timeout: float = 5.0,
        guard: float = GUARD_TIME,
        settle: float = SETTLE_TIME,
    ) -> Iterator[Passthrough]:
        """Enter Wi-Fi passthrough (3.3.x AT+CIPSEND execute form; ``set_mode`` sends AT+CIPMODE=1 first),
        yield a :class:`Passthrough`, and leave with ``+++`` honouring the guard times of 3.3.7."""
        if set_mode:
            self.cmd("AT+CIPMODE=1", timeout).assert_ok()
        with self._cond:
            self._data.clear()
        r = self.cmd(command, timeout, expect_prompt=True)
        if not r.prompt:
            raise CommandFailed(
                f"{self.name}: {command!r} did not give the '>' prompt: {r.text!r}", self.transcript
            )
        with self._cond:
            if not self.codec.in_passthrough:
                self.codec.enter_passthrough()
        try:
            yield Passthrough(self)
        finally:
            self.exit_passthrough(guard=guard, settle=settle)

    def exit_passthrough(self, *, guard: float = GUARD_TIME, settle: float = SETTLE_TIME) -> None:
        """Send ``+++`` alone, with ``guard`` seconds of silence before and after (3.3.7: more than 20 ms),
        go back to lines, and hold the next command until ``settle`` seconds after the ``+++``."""
        time.sleep(guard)
        self.transcript.note("+++ (leave passthrough)")
        with self._cond:
            # Before the bytes go: the board's +QUITT (3.17) may come back within the guard time.
            self.codec.plus_sent()
        sent = self.write_raw(b"+++")
        time.sleep(guard)
        with self._cond:
            self.codec.leave_passthrough()
            self.codec.clear_pending()
            self.structure.left_passthrough()
        self._quiet_until = sent + settle

    # --- recovery ---

    def sync(
        self, timeout: float = 10.0, *, attempt: float = 0.5, leave_passthrough: bool = True
    ) -> Response:
        """Bring a board in an unknown state back to command mode; see :func:`rigs.at.recovery.sync`.

        What the board said before sync ended is forgiven (:attr:`forgiven`): its state was unknown."""
        try:
            return recovery.sync(self, timeout, attempt=attempt, leave_passthrough=leave_passthrough)
        finally:
            self._forgive()

    def reset(self, method: str = "at", timeout: float = 10.0) -> Transcript:
        """Restart the board and wait for ``ready``; see :func:`rigs.at.recovery.reset`. Like :meth:`sync`,
        forgives the violations recorded before it ended."""
        try:
            return recovery.reset(self, method, timeout)
        finally:
            self._forgive()

    def _forgive(self) -> None:
        with self._cond:
            self.structure.forgive()

    @property
    def violations(self) -> list[Violation]:
        """Every violation recorded so far (:attr:`structure`)."""
        return self.structure.violations

    def unforgiven_violations(self, since_index: int = 0) -> list[Violation]:
        """The violations no sync/reset forgave, of events at or after ``since_index`` in :attr:`history`
        (what the transcript checker "strict" fails a test with)."""
        with self._cond:
            return self.structure.unforgiven(since_index)

    # --- lifetime ---

    def close(self) -> None:
        """Stop the reader threads and close the port(s). Safe to call twice."""
        self._reader.stop()
        if self._log_reader is not None:
            self._log_reader.stop()
        for p in (self.port, self.log_port):
            if p is not None:
                try:
                    p.close()
                except Exception:  # noqa: BLE001 - closing a port that already went away is not an error
                    pass
        with self._cond:
            if self._closed is None:
                self._closed = "closed by the session"
            self._cond.notify_all()

    def __enter__(self) -> AtSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # helpers used by Passthrough
    def _take_data(self, n: int | None, timeout: float, until: bytes | None = None) -> bytes:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                buf = self._data
                if until is not None:
                    i = buf.find(until)
                    if i >= 0:
                        n = i + len(until)
                        break
                elif n is not None and len(buf) >= n:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed is not None:
                    if until is not None:
                        raise ResponseTimeout(
                            f"{self.name}: passthrough: expected {until!r} within {timeout:g} s; "
                            f"have {bytes(buf[-64:])!r}",
                            self.transcript,
                        )
                    n = len(buf) if n is None else min(n, len(buf))
                    break
                self._cond.wait(remaining)
            out = bytes(self._data[:n])
            del self._data[:n]
            return out
