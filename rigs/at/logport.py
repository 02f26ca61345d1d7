"""What an ESP32's log port (UART0) says about crashes: a sans-IO parser and a crash finder.

:class:`LogParser` is fed the log port's bytes (any split) and hands back :class:`LogEvent` s: panics
(``Guru Meditation Error``), ``abort()``, task/interrupt watchdogs, brownouts, ``Backtrace:`` lines and the
ROM's boot line ``rst:0x<n> (<REASON>),boot:0x..`` with its reset reason decoded. Patterns are searched
anywhere in a line, since monitors and loggers prefix lines (``[19:46:42:137]``, ``I (123) ``).

:func:`find_crashes` turns a test's events into :class:`Crash` es, given when the test asked for a restart
(AT+RST, AT+RESTORE, a fixture's reset): a panic, abort, watchdog or brownout is always a crash; a boot line
is a crash unless a restart was asked for shortly before it and its reason is one such a restart gives.

Reset reasons: the ESP32 ROM's ``RESET_REASON`` enum, ESP-IDF ``components/esp_rom/include/esp32/rom/rtc.h``
(the values the ROM prints after ``rst:``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "RESET_REASONS",
    "Crash",
    "LogEvent",
    "LogKind",
    "LogParser",
    "find_crashes",
    "reset_reason",
]

#: ESP32 ROM reset reasons by code (esp_rom/include/esp32/rom/rtc.h, ``RESET_REASON``).
RESET_REASONS: dict[int, str] = {
    0x01: "POWERON_RESET",  # Vbat power on reset; also the EN pin (a DTR/RTS auto-reset pulse)
    0x03: "SW_RESET",  # software reset of the digital core
    0x04: "OWDT_RESET",  # legacy watchdog reset of the digital core
    0x05: "DEEPSLEEP_RESET",  # deep-sleep wake-up
    0x06: "SDIO_RESET",  # reset by the SLC module
    0x07: "TG0WDT_SYS_RESET",  # timer group 0 watchdog reset of the digital core
    0x08: "TG1WDT_SYS_RESET",  # timer group 1 watchdog reset of the digital core
    0x09: "RTCWDT_SYS_RESET",  # RTC watchdog reset of the digital core
    0x0A: "INTRUSION_RESET",  # intrusion test reset of the CPU
    0x0B: "TGWDT_CPU_RESET",  # timer group watchdog reset of the CPU
    0x0C: "SW_CPU_RESET",  # software reset of the CPU: esp_restart(), AT+RST, and the panic handler
    0x0D: "RTCWDT_CPU_RESET",  # RTC watchdog reset of the CPU
    0x0E: "EXT_CPU_RESET",  # the APP CPU reset by the PRO CPU
    0x0F: "RTCWDT_BROWN_OUT_RESET",  # the supply voltage was not stable
    0x10: "RTCWDT_RTC_RESET",  # RTC watchdog reset of the digital core and the RTC module
}

#: Reasons a requested restart can give: AT+RST/AT+RESTORE restart by software (SW_CPU_RESET, SW_RESET),
#: a pulse on EN reports a power-on reset, AT+GSLP wakes with DEEPSLEEP_RESET.
REQUESTED_REASONS = frozenset({"SW_CPU_RESET", "SW_RESET", "POWERON_RESET", "DEEPSLEEP_RESET"})

#: A boot line this long after the restart was asked for still belongs to it (a board boots in < 1 s; a
#: restart after AT+RESTORE erases flash first).
REQUESTED_WINDOW_S = 15.0


def reset_reason(code: int) -> str:
    return RESET_REASONS.get(code, f"unknown reset reason 0x{code:x}")


class LogKind(Enum):
    PANIC = "panic"
    ABORT = "abort"
    WATCHDOG = "watchdog"
    BROWNOUT = "brownout"
    BACKTRACE = "backtrace"
    BOOT = "boot"


#: Kinds that are a crash wherever they come.
FAULT_KINDS = frozenset({LogKind.PANIC, LogKind.ABORT, LogKind.WATCHDOG, LogKind.BROWNOUT})


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One recognised log line. ``t`` is the monotonic time of the chunk that completed it; ``detail`` the
    panic's exception, the abort's PC, or for a boot line its decoded reset reason; ``code`` the rst code."""

    kind: LogKind
    t: float
    line: str
    detail: str = ""
    code: int | None = None


_PATTERNS: list[tuple[LogKind, re.Pattern[str]]] = [
    (LogKind.PANIC, re.compile(r"Guru Meditation Error:\s*Core\s+\d+\s+panic'ed(?:\s*\(([^)]*)\))?")),
    (LogKind.ABORT, re.compile(r"abort\(\) was called at PC (0x[0-9a-fA-F]+)")),
    (LogKind.WATCHDOG, re.compile(r"Task watchdog got triggered")),
    (LogKind.BROWNOUT, re.compile(r"Brownout detector was triggered")),
    (LogKind.BACKTRACE, re.compile(r"Backtrace:")),
    (LogKind.BOOT, re.compile(r"rst:0x([0-9a-fA-F]+)\s*\(([A-Z0-9_]*)\)")),
]

#: A line longer than this without a line end is parsed as it stands (a board printing binary garbage).
MAX_LINE = 1024


class LogParser:
    """Feed bytes, get events; keeps an unfinished line until its end comes."""

    def __init__(self) -> None:
        self._buf = b""
        self._t: float = 0.0

    def feed(self, data: bytes, t: float = 0.0) -> list[LogEvent]:
        self._buf += data
        self._t = t
        out: list[LogEvent] = []
        while True:
            cut = min((i for i in (self._buf.find(b"\n"), self._buf.find(b"\r")) if i >= 0), default=-1)
            if cut < 0:
                if len(self._buf) > MAX_LINE:
                    cut = MAX_LINE
                else:
                    break
            line, self._buf = self._buf[:cut], self._buf[cut + 1 :]
            out.extend(self._line(line.decode("utf-8", "replace"), t))
        return out

    def flush(self) -> list[LogEvent]:
        """The last line, when the port went quiet without ending it."""
        line, self._buf = self._buf, b""
        return self._line(line.decode("utf-8", "replace"), self._t) if line else []

    @staticmethod
    def _line(line: str, t: float) -> list[LogEvent]:
        for kind, pat in _PATTERNS:
            m = pat.search(line)
            if m is None:
                continue
            text = line.strip()
            if kind is LogKind.BOOT:
                code = int(m.group(1), 16)
                return [LogEvent(kind, t, text, reset_reason(code), code)]
            if kind is LogKind.PANIC and m.group(1) and "wdt" in m.group(1).lower():
                # "Interrupt wdt timeout on CPU0": the interrupt watchdog, reported by the panic handler
                return [LogEvent(LogKind.WATCHDOG, t, text, m.group(1))]
            detail = m.group(1) if m.groups() and m.group(1) else ""
            return [LogEvent(kind, t, text, detail)]
        return []


def parse_log(chunks: Iterable[tuple[float, bytes]]) -> list[LogEvent]:
    """Every event in ``(t, data)`` chunks of a log port, the unfinished last line included."""
    parser = LogParser()
    out: list[LogEvent] = []
    for t, data in chunks:
        out.extend(parser.feed(data, t))
    out.extend(parser.flush())
    return out


@dataclass(slots=True)
class Crash:
    """One crash: the fault lines (none for a bare unexpected restart) and the boot line that followed."""

    events: list[LogEvent] = field(default_factory=list)
    boot: LogEvent | None = None

    @property
    def t(self) -> float:
        if self.events:
            return self.events[0].t
        assert self.boot is not None  # a crash has fault lines, a boot line, or both
        return self.boot.t

    @property
    def reset_reason(self) -> str | None:
        return self.boot.detail if self.boot is not None else None

    @property
    def cause(self) -> str:
        faults = [e for e in self.events if e.kind in FAULT_KINDS]
        if faults:
            first = faults[0]
            return f"{first.kind.value}" + (f" ({first.detail})" if first.detail else "")
        return "unexpected restart"

    def summary(self) -> str:
        if self.boot is not None and self.boot.code is None:
            return f"{self.cause}; {self.boot.detail}"
        reason = f"; reset reason {self.reset_reason}" if self.boot is not None else "; no reboot seen yet"
        return f"{self.cause}{reason}"

    def excerpt(self) -> list[str]:
        return [e.line for e in self.events] + ([self.boot.line] if self.boot is not None else [])


def find_crashes(events: Iterable[LogEvent], requested: Iterable[float] = ()) -> list[Crash]:
    """Group ``events`` into crashes. ``requested``: monotonic times at which a restart was asked for; each
    one excuses the first boot line after it (within :data:`REQUESTED_WINDOW_S`) whose reason such a restart
    gives, unless a fault line came before that boot."""
    pending = sorted(requested)
    crashes: list[Crash] = []
    current: Crash | None = None
    for e in events:
        if e.kind is LogKind.BOOT:
            if current is not None:
                current.boot = e  # the reboot that ended the crash
                crashes.append(current)
                current = None
                continue
            asked = [r for r in pending if r <= e.t and e.t - r <= REQUESTED_WINDOW_S]
            pending = [r for r in pending if r > e.t]  # a request is used by the first boot after it
            # a boot seen only as the AT port's "ready" (no log port: code None) has no reason to doubt
            if asked and (e.code is None or e.detail in REQUESTED_REASONS):
                continue
            crashes.append(Crash([], e))
        elif e.kind in FAULT_KINDS or e.kind is LogKind.BACKTRACE:
            if current is None:
                if e.kind is LogKind.BACKTRACE:
                    continue  # a backtrace alone (esp_backtrace_print) is not a crash
                current = Crash()
            current.events.append(e)
    if current is not None:
        crashes.append(current)
    return crashes
