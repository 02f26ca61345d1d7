"""The fault engine: rules that make a board deviate from the guide, to test the suite itself (sim/FAULTS.md).

Rules act on output messages (each write of the firmware: an information line, a final result, a URC, the
echo, ...), after AT+SYSMSGFILTER and before the UART, and on the command count. Deterministic: every
random choice (a rule's ``probability``, which byte ``corrupt`` hits) comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import deque
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml

from sim.at.parser import ParsedCommand
from sim.output import Kind
from sim.validate import Check, SchemaError, alias, build

if TYPE_CHECKING:
    from sim.board import Board


class FaultFileError(Exception):
    """The faults file is unusable; the message names the file, the field and what was expected."""


class RuleKind(Enum):
    REPLACE = "replace"
    DROP = "drop"
    INSERT_BEFORE = "insert_before"
    INSERT_AFTER = "insert_after"
    DELAY = "delay"
    DUPLICATE = "duplicate"
    CORRUPT = "corrupt"
    DROP_URC = "drop_urc"
    STALL = "stall"
    REBOOT_AFTER = "reboot_after"
    SLOW_UART = "slow_uart"
    #: Bluetooth SPP passthrough forwards at most ``factor`` of the AT port's line rate (sim/radio/pace.py)
    SLOW_SPP = "slow_spp"
    HOLD_UNTIL = "hold_until"
    NOT_PERSISTED = "not_persisted"
    IGNORE_GUARD_TIME = "ignore_guard_time"
    PANIC = "panic"
    REWRITE = "rewrite"
    DROP_BEFORE = "drop_before"
    #: a command line read wrong: an argument ignored or mis-parsed (see FaultEngine.misread)
    MISREAD_LINE = "misread_line"
    # input rules (sim/FAULTS.md "Input rules"; see InputFaults at the end of this module)
    WEDGE_AFTER_LINE = "wedge_after_line"
    LOSE_DATA_BYTES = "lose_data_bytes"


_OUTPUT_KINDS = {
    RuleKind.REPLACE,
    RuleKind.DROP,
    RuleKind.INSERT_BEFORE,
    RuleKind.INSERT_AFTER,
    RuleKind.DELAY,
    RuleKind.DUPLICATE,
    RuleKind.CORRUPT,
    RuleKind.DROP_URC,
    RuleKind.STALL,
    RuleKind.HOLD_UNTIL,
    RuleKind.REWRITE,
    RuleKind.DROP_BEFORE,
}

#: hold_until: how long a held message waits for its ``until`` message before it goes out anyway.
HOLD_DEFAULT_SECONDS = 2.0


@dataclass(kw_only=True)
class Rule:
    kind: RuleKind
    match: str | None = None  # regex searched in the message text, CR LF stripped
    command: str | None = None  # only in the response to this command (e.g. AT+GMR)
    occurrence: Annotated[int, Check(ge=1)] | None = None  # only the Nth matching message
    probability: Annotated[float, Check(ge=0.0, le=1.0)] = 1.0
    with_: list[str] | str | None = alias("with")
    seconds: Annotated[float, Check(ge=0.0)] | None = None
    byte: Annotated[int, Check(ge=0)] | None = None
    commands: Annotated[int, Check(ge=1)] | None = None  # reboot_after: the Nth command
    factor: Annotated[float, Check(gt=0.0, le=1.0)] | None = None  # slow_uart, slow_spp
    until: str | None = None  # hold_until, drop_before: regex of the message that decides
    line: str | None = None  # only while a command whose line (as typed) matches this regex runs
    after_line: str | None = None  # only once a command line matching this regex has run in this process
    until_line: str | None = None  # after_line: a command line matching this regex disarms the rule again
    from_: str | None = alias("from")  # rewrite: regex over the message's raw bytes
    to: str = ""  # rewrite: what each match of ``from`` becomes (re.sub template: \1, \g<name>)

    def __post_init__(self) -> None:
        k = self.kind
        if k in _OUTPUT_KINDS and k is not RuleKind.DROP_URC and self.match is None:
            raise ValueError(f"{k.value} needs 'match' (a regular expression)")
        if k in (RuleKind.REPLACE, RuleKind.INSERT_BEFORE, RuleKind.INSERT_AFTER) and self.with_ is None:
            raise ValueError(f"{k.value} needs 'with' (a line or a list of lines)")
        if k is RuleKind.DELAY and self.seconds is None:
            raise ValueError("delay needs 'seconds'")
        if k is RuleKind.REBOOT_AFTER and self.commands is None:
            raise ValueError("reboot_after needs 'commands' (reboot on the Nth command)")
        if k in (RuleKind.SLOW_UART, RuleKind.SLOW_SPP) and self.factor is None:
            raise ValueError(f"{k.value} needs 'factor' (0 < factor <= 1)")
        if k is RuleKind.NOT_PERSISTED and self.command is None:
            raise ValueError("not_persisted needs 'command' (whose flash writes are skipped)")
        if k in (RuleKind.HOLD_UNTIL, RuleKind.DROP_BEFORE) and self.until is None:
            raise ValueError(f"{k.value} needs 'until' (a regular expression)")
        if self.until_line is not None and self.after_line is None:
            raise ValueError("until_line needs 'after_line' (the command line that arms the rule)")
        if k is RuleKind.REWRITE and not self.from_:
            raise ValueError("rewrite needs 'from' (a regular expression over the message's bytes)")
        if k is RuleKind.MISREAD_LINE and (self.match is None or not self.from_):
            raise ValueError("misread_line needs 'match' (the command lines) and 'from' (what is read wrong)")
        patterns = (
            ("match", self.match),
            ("until", self.until),
            ("line", self.line),
            ("after_line", self.after_line),
            ("until_line", self.until_line),
            ("from", self.from_),
        )
        for name, pattern in patterns:
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"{name} {pattern!r} is not a regular expression: {e}") from e
        if self.kind in _INPUT_KINDS and self.match is None:
            raise ValueError(f"{self.kind.value} needs 'match' (a regular expression over input bytes)")

    def lines(self) -> list[str]:
        return [self.with_] if isinstance(self.with_, str) else list(self.with_ or [])


@dataclass(kw_only=True)
class FaultFile:
    rules: list[Rule]


class FaultEngine:
    def __init__(self, rules: list[Rule], seed: int = 0) -> None:
        self.rules = rules
        self.rng = random.Random(seed)
        self._patterns = [re.compile(r.match.encode()) if r.match else None for r in rules]
        self._line_patterns = [re.compile(r.line) if r.line else None for r in rules]
        self._after_patterns = [re.compile(r.after_line) if r.after_line else None for r in rules]
        self._until_line_patterns = [re.compile(r.until_line) if r.until_line else None for r in rules]
        self._from_patterns = [re.compile(r.from_.encode()) if r.from_ else None for r in rules]
        #: misread_line: the command lines it acts on and what it reads wrong in them (text, not bytes)
        self._line_match = [
            re.compile(r.match) if r.kind is RuleKind.MISREAD_LINE and r.match else None for r in rules
        ]
        self._from_text = [
            re.compile(r.from_) if r.kind is RuleKind.MISREAD_LINE and r.from_ else None for r in rules
        ]
        #: occurrence counts, per rule, since the last command line (so "the Nth" does not depend on what
        #: else the process ran before: under xdist that is whichever tests the worker got)
        self._seen = [0] * len(rules)
        #: after_line: rules armed by a command line seen so far (restarts keep it, like flash would)
        self._armed = [r.after_line is None for r in rules]
        #: drop_before: the matching message held until the next message says whether it goes out
        self._held_before: list[tuple[re.Pattern[bytes], bytes, Kind, asyncio.TimerHandle]] = []
        self._pending: deque[tuple[float, Board, bytes, Kind]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        #: hold_until: messages held back, each with the pattern that releases it and its fallback timer
        self._held: list[tuple[re.Pattern[bytes], bytes, Kind, asyncio.TimerHandle]] = []
        self.stalled = False
        self.commands = 0
        self.applied: list[str] = []

    def _factor(self, kind: RuleKind) -> float:
        """The product of the ``factor`` of every rule of ``kind`` (1.0: none)."""
        factor = 1.0
        for r in self.rules:
            if r.kind is kind and r.factor is not None:
                factor *= r.factor
        return factor

    @property
    def uart_slow_factor(self) -> float:
        return self._factor(RuleKind.SLOW_UART)

    @property
    def spp_slow_factor(self) -> float:
        """slow_spp: the share of the AT port's line rate Bluetooth SPP passthrough forwards at most."""
        return self._factor(RuleKind.SLOW_SPP)

    @property
    def ignores_guard_time(self) -> bool:
        """ignore_guard_time: ``+++`` leaves data mode without the 3.3.7 silences and character spacing."""
        return any(r.kind is RuleKind.IGNORE_GUARD_TIME for r in self.rules)

    # --- hooks called by the board -------------------------------------------------------------------

    def on_command(self, board: Board, cmd: ParsedCommand) -> bool:
        """Count a command line (occurrences start again; after_line/until_line arm and disarm rules);
        False when a rule restarts the board on it (it is then never answered)."""
        self.commands += 1
        self._seen = [0] * len(self.rules)
        for i, pat in enumerate(self._after_patterns):
            if pat is None:
                continue
            disarm = self._until_line_patterns[i]
            if not self._armed[i] and pat.search(cmd.text):
                self._armed[i] = True
                self._note(board, f"armed rule {i} ({self.rules[i].kind.value}) by {cmd.text[:60]!r}")
            elif self._armed[i] and disarm is not None and disarm.search(cmd.text):
                self._armed[i] = False
                self._note(board, f"disarmed rule {i} ({self.rules[i].kind.value}) by {cmd.text[:60]!r}")
        for r in self.rules:
            if r.kind is RuleKind.REBOOT_AFTER and self.commands == r.commands:
                self._note(board, f"reboot on command #{self.commands} ({cmd.text})")
                board.spawn_detached(board.reboot("fault: reboot_after"))
                return False
        return True

    def misread(self, board: Board, line: str) -> str:
        """misread_line: the command line as the firmware takes it, after its echo went out as typed:
        every ``from`` in a line that ``match`` finds becomes ``to`` (an argument the firmware ignores or
        parses wrong, e.g. <qos> always 0). The first matching rule acts; ``probability`` applies."""
        for i, r in enumerate(self.rules):
            pat = self._line_match[i]
            if pat is None or not pat.search(line):
                continue
            if r.probability < 1.0 and self.rng.random() >= r.probability:
                continue
            from_ = self._from_text[i]
            assert from_ is not None  # the model requires 'from' for misread_line
            read = from_.sub(r.to, line)
            self._note(board, f"misread_line: {line[:60]!r} read as {read[:60]!r}")
            return read
        return line

    def allows_save(self, board: Board, command: str | None, what: str) -> bool:
        """not_persisted: False (the flash write is skipped, the setting lives in RAM only until the next
        restart) while the named command runs; 3.1.28 AT+SYSSTORE says it should have been saved."""
        for r in self.rules:
            if r.kind is RuleKind.NOT_PERSISTED and command is not None and r.command == command:
                self._note(board, f"not_persisted: {command} did not save {what}")
                return False
        return True

    def input_faults(self) -> InputFaults | None:
        """The input rules, or None when there are none (the board then feeds its input unchanged)."""
        return input_faults(self)

    def on_boot(self) -> None:
        self.stalled = False
        self._pending.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for *_, timer in [*self._held, *self._held_before]:
            timer.cancel()
        self._held.clear()  # a restart loses what the firmware had not sent yet
        self._held_before.clear()

    def output(self, board: Board, data: bytes, kind: Kind, command: str | None) -> None:
        if self.stalled:
            return
        text = data.strip(b"\r\n")
        self._decide_held_before(board, text)
        current = board.engine.current
        line = current.cmd.text if current is not None else None
        outs: list[bytes] = [data]
        delay = 0.0
        acted: Rule | None = None
        for i, r in enumerate(self.rules):
            pat = self._patterns[i]
            if r.kind not in _OUTPUT_KINDS or not self._armed[i]:
                continue
            if r.kind is RuleKind.DROP_URC and kind is not Kind.URC:
                continue
            if r.command is not None and r.command != command:
                continue
            line_pat = self._line_patterns[i]
            if line_pat is not None and (line is None or not line_pat.search(line)):
                continue
            if pat is not None and not pat.search(text):
                continue
            self._seen[i] += 1
            if r.occurrence is not None and self._seen[i] != r.occurrence:
                continue
            if r.probability < 1.0 and self.rng.random() >= r.probability:
                continue
            self._note(board, f"{r.kind.value} on {text[:60]!r}")
            if r.kind is RuleKind.HOLD_UNTIL:
                self._hold(board, r, data, kind)
                return
            if r.kind is RuleKind.DROP_BEFORE:
                self._hold_before(board, r, data, kind)
                return
            if r.kind is RuleKind.REWRITE:
                outs = [self._rewrite(i, data)]
                break
            outs, delay = self._act(r, data, outs, delay)
            acted = r
            break
        self._send(board, outs, kind, delay)
        self._release_after(board, text)
        if acted is not None and acted.kind is RuleKind.PANIC:
            panic(self, board)

    def _hold(self, board: Board, r: Rule, data: bytes, kind: Kind) -> None:
        """hold_until: keep ``data`` back (later messages overtake it) until a message matching ``until``
        has gone out, or ``seconds`` (default 2) have passed, so the message is reordered, never lost."""
        until = re.compile((r.until or "").encode())
        wait = r.seconds if r.seconds is not None else HOLD_DEFAULT_SECONDS
        timer = asyncio.get_running_loop().call_later(wait, self._release_held, board, data)
        self._held.append((until, data, kind, timer))

    def _hold_before(self, board: Board, r: Rule, data: bytes, kind: Kind) -> None:
        """drop_before: keep ``data`` back until the board's next message: dropped when that one matches
        ``until`` (e.g. the last +CIPSENDL report, the one right before SEND OK), sent first otherwise, and
        sent after ``seconds`` (default 2) when nothing follows."""
        until = re.compile((r.until or "").encode())
        wait = r.seconds if r.seconds is not None else HOLD_DEFAULT_SECONDS
        timer = asyncio.get_running_loop().call_later(wait, self._release_held_before, board, data)
        self._held_before.append((until, data, kind, timer))

    def _decide_held_before(self, board: Board, text: bytes) -> None:
        held, self._held_before = self._held_before, []
        for until, data, kind, timer in held:
            timer.cancel()
            if until.search(text):
                dropped = data.strip(b"\r\n")[:60]
                self._note(board, f"drop_before: dropped {dropped!r}, next came {text[:40]!r}")
            else:
                self._send(board, [data], kind, 0.0)

    def _release_held_before(self, board: Board, data: bytes) -> None:
        for entry in [e for e in self._held_before if e[1] is data]:
            self._held_before.remove(entry)
            if not self.stalled:
                self._send(board, [data], entry[2], 0.0)

    def _rewrite(self, i: int, data: bytes) -> bytes:
        """rewrite: every match of ``from`` in the raw message (CR LF included) becomes ``to``."""
        pattern = self._from_patterns[i]
        assert pattern is not None  # the model requires 'from' for rewrite
        return pattern.sub(self.rules[i].to.encode(), data)

    def _release_after(self, board: Board, text: bytes) -> None:
        for entry in [e for e in self._held if e[0].search(text)]:
            self._held.remove(entry)
            entry[3].cancel()
            self._send(board, [entry[1]], entry[2], 0.0)

    def _release_held(self, board: Board, data: bytes) -> None:
        for entry in [e for e in self._held if e[1] is data]:
            self._held.remove(entry)
            if not self.stalled:
                self._send(board, [data], entry[2], 0.0)

    # --- actions -----------------------------------------------------------------------------------------

    def _act(self, r: Rule, data: bytes, outs: list[bytes], delay: float) -> tuple[list[bytes], float]:
        k = r.kind
        extra = [line.encode() + b"\r\n" for line in r.lines()]
        if k in (RuleKind.DROP, RuleKind.DROP_URC):
            return [], delay
        if k is RuleKind.REPLACE:
            lead = b"\r\n" if data.startswith(b"\r\n") else b""
            return [lead + b"".join(extra)], delay
        if k is RuleKind.INSERT_BEFORE:
            return [*extra, data], delay
        if k is RuleKind.INSERT_AFTER:
            return [data, *extra], delay
        if k is RuleKind.DUPLICATE:
            return [data, data], delay
        if k is RuleKind.DELAY:
            return outs, delay + (r.seconds or 0.0)
        if k is RuleKind.CORRUPT:
            pos = r.byte if r.byte is not None else self.rng.randrange(len(data))
            pos = min(pos, len(data) - 1)
            buf = bytearray(data)
            buf[pos] ^= 0x5A
            return [bytes(buf)], delay
        if k is RuleKind.STALL:
            self.stalled = True
            return outs, delay
        return outs, delay

    def _send(self, board: Board, outs: list[bytes], kind: Kind, delay: float) -> None:
        # Output held by a delay rule is queued, and everything after it waits behind it: one timer drains
        # the queue in order (timers due at the same instant would not keep their order).
        loop = asyncio.get_running_loop()
        now = loop.time()
        at = now + delay
        if not self._pending and at <= now:
            for o in outs:
                board.raw_output(o, kind)
            return
        if self._pending:
            at = max(at, self._pending[-1][0])
        for o in outs:
            self._pending.append((at, board, o, kind))
        if self._timer is None:
            self._timer = loop.call_at(self._pending[0][0], self._drain)

    def _drain(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        while self._pending and self._pending[0][0] <= loop.time():
            _, board, o, kind = self._pending.popleft()
            board.raw_output(o, kind)
        if self._pending:
            self._timer = loop.call_at(self._pending[0][0], self._drain)

    def _note(self, board: Board, text: str) -> None:
        self.applied.append(text)
        board.log(f"fault: {text}")


def parse_faults(data: Any, file: str, seed: int = 0) -> FaultEngine:
    if not isinstance(data, dict):
        raise FaultFileError(f"{file}: expected a mapping with a 'rules' list")
    try:
        model = build(FaultFile, data)
    except SchemaError as e:
        field = ".".join(str(p) for p in e.loc) or "rules"
        raise FaultFileError(f"{file}: field {field}: {e.message}") from e
    return FaultEngine(model.rules, seed)


def load_faults(path: Path, seed: int = 0) -> FaultEngine:
    if not path.is_file():
        raise FaultFileError(f"{path}: faults file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FaultFileError(f"{path}: not valid YAML: {e}") from e
    return parse_faults(data, str(path), seed)


# --- input rules: how the firmware takes what the host sends ---------------------------------------------

_INPUT_KINDS = {RuleKind.WEDGE_AFTER_LINE, RuleKind.LOSE_DATA_BYTES}


class InputFaults:
    """The input rules of one fault engine (``wedge_after_line``, ``lose_data_bytes``), applied to the bytes
    of the AT port before the command engine takes them (:meth:`Board.feed`).

    ``wedge_after_line``: a complete command line (up to its LF, taken in command mode, or sent in the boot
    window before ``ready``) that ``match`` finds is run as usual (or dropped, in the boot window); from
    then on every complete line is answered ``busy p...`` and dropped, until the next restart (the command
    engine wedged, as issue 14's boot-window bug left it).
    ``lose_data_bytes``: while the firmware takes data (after a ``>`` prompt, in passthrough), every match
    of ``match`` in a received chunk is removed, as a data path that treats NUL or CR LF as special would.
    """

    def __init__(self, engine: FaultEngine) -> None:
        self.engine = engine
        self.wedge = [
            re.compile(r.match.encode("latin-1"), re.DOTALL)
            for r in engine.rules
            if r.kind is RuleKind.WEDGE_AFTER_LINE and r.match
        ]
        self.lose = [
            re.compile(r.match.encode("latin-1"), re.DOTALL)
            for r in engine.rules
            if r.kind is RuleKind.LOSE_DATA_BYTES and r.match
        ]
        self.wedged = False
        self._line = bytearray()
        self._boot = -1

    def feed(self, board: Board, data: bytes) -> bytes:
        """What of ``data`` the command engine gets."""
        if board.boot_count != self._boot:  # a restart clears the wedge and the line seen so far
            self._boot, self.wedged = board.boot_count, False
            self._line.clear()
        if board.engine.taking_data and not (board.booting or board.in_reset):
            self._line.clear()
            for pat in self.lose:
                kept = pat.sub(b"", data)
                if kept != data:
                    self.engine._note(board, f"lose_data_bytes: {len(data) - len(kept)} of {len(data)} bytes")
                    data = kept
            return data
        if self.wedged:
            self._busy(board, data)
            return b""
        start = 0
        while (nl := data.find(b"\n", start)) >= 0:
            line = bytes(self._line) + data[start : nl + 1]
            self._line.clear()
            start = nl + 1
            if any(p.search(line) for p in self.wedge):
                self.engine._note(board, f"wedge_after_line on {line[:40]!r}")
                self.wedged = True
                self._busy(board, data[start:])
                return data[:start]
        self._line += data[start:]
        del self._line[: max(0, len(self._line) - 4096)]
        return data

    @staticmethod
    def _busy(board: Board, data: bytes) -> None:
        for _ in range(data.count(b"\n")):
            board.emit(b"busy p...\r\n", Kind.BUSY)


def input_faults(engine: FaultEngine) -> InputFaults | None:
    """The engine's input rules, or None when it has none (the board then feeds its input unchanged)."""
    cached = engine.__dict__.get("_input_faults")
    if cached is None:
        if not any(r.kind in _INPUT_KINDS for r in engine.rules):
            return None
        cached = engine.__dict__["_input_faults"] = InputFaults(engine)
    return cached


# --- panic: the firmware crashes right after the matching message --------------------------------------

_OUTPUT_KINDS.add(RuleKind.PANIC)

#: What ESP-IDF's panic handler prints on UART0 for an unhandled LoadProhibited exception (the shape of
#: the panics quoted in tests/unit/test_logport.py from public issue threads; addresses are made up).
PANIC_LINES = [
    "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.",
    "",
    "Core  0 register dump:",
    "PC      : 0x400d5a3c  PS      : 0x00060830  A0      : 0x800d5b10  A1      : 0x3ffcb2a0  ",
    "EXCCAUSE: 0x0000001c  EXCVADDR: 0x00000000  LBEG    : 0x4000c2e0  LEND    : 0x4000c2f6  ",
    "",
    "Backtrace: 0x400d5a39:0x3ffcb2a0 0x400d5b0d:0x3ffcb2c0 0x4008e2f1:0x3ffcb2e0",
    "",
    "ELF file SHA256: 5e1f0c0d2a9b7c31",
    "",
    "Rebooting...",
]

#: The panic handler restarts the CPU by software: the ROM then reports rst:0xc (SW_CPU_RESET).
PANIC_RESET_LINE = "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"

#: From the panic to the restart (the handler prints its dump at 115200 baud first).
PANIC_REBOOT_S = 0.05


def panic(engine: FaultEngine, board: Board) -> None:
    """panic: the matching message went out; now the firmware crashes. The panic dump goes to the log
    port, the AT port falls silent (the rest of the response is never sent), and the board boots again
    with the ROM's ``rst:0xc (SW_CPU_RESET)`` banner and ``ready``, as a real board does after a panic."""
    for line in PANIC_LINES:
        board.log(line)
    board.hold_reset()
    board.spawn_detached(_panic_reboot(board))


async def _panic_reboot(board: Board) -> None:
    await asyncio.sleep(PANIC_REBOOT_S)
    # The profile's banner says what a power-on prints; after a panic the ROM names the software reset.
    # Boot hooks may swap the profile (an OTA image), so the banner is rewritten on its way to the log.
    sink = board._log

    def rewrite(text: str) -> None:
        sink(PANIC_RESET_LINE if text.startswith("rst:") else text)

    board._log = rewrite
    try:
        await board.boot(reason="panic")
    finally:
        board._log = sink
