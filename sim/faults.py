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
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.at.parser import ParsedCommand
from sim.output import Kind

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
    HOLD_UNTIL = "hold_until"
    NOT_PERSISTED = "not_persisted"
    IGNORE_GUARD_TIME = "ignore_guard_time"
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
}

#: hold_until: how long a held message waits for its ``until`` message before it goes out anyway.
HOLD_DEFAULT_SECONDS = 2.0


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    match: str | None = None  # regex searched in the message text, CR LF stripped
    command: str | None = None  # only in the response to this command (e.g. AT+GMR)
    occurrence: int | None = Field(default=None, ge=1)  # only the Nth matching message
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    with_: list[str] | str | None = Field(default=None, alias="with")
    seconds: float | None = Field(default=None, ge=0.0)
    byte: int | None = Field(default=None, ge=0)
    commands: int | None = Field(default=None, ge=1)  # reboot_after: the Nth command
    factor: float | None = Field(default=None, gt=0.0, le=1.0)  # slow_uart
    until: str | None = None  # hold_until: regex of the message after which the held one goes out

    @model_validator(mode="after")
    def _needs(self) -> Rule:
        k = self.kind
        if k in _OUTPUT_KINDS and k is not RuleKind.DROP_URC and self.match is None:
            raise ValueError(f"{k.value} needs 'match' (a regular expression)")
        if k in (RuleKind.REPLACE, RuleKind.INSERT_BEFORE, RuleKind.INSERT_AFTER) and self.with_ is None:
            raise ValueError(f"{k.value} needs 'with' (a line or a list of lines)")
        if k is RuleKind.DELAY and self.seconds is None:
            raise ValueError("delay needs 'seconds'")
        if k is RuleKind.REBOOT_AFTER and self.commands is None:
            raise ValueError("reboot_after needs 'commands' (reboot on the Nth command)")
        if k is RuleKind.SLOW_UART and self.factor is None:
            raise ValueError("slow_uart needs 'factor' (0 < factor <= 1)")
        if k is RuleKind.NOT_PERSISTED and self.command is None:
            raise ValueError("not_persisted needs 'command' (whose flash writes are skipped)")
        if k is RuleKind.HOLD_UNTIL and self.until is None:
            raise ValueError("hold_until needs 'until' (a regular expression)")
        for name, pattern in (("match", self.match), ("until", self.until)):
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"{name} {pattern!r} is not a regular expression: {e}") from e
        return self

    @model_validator(mode="after")
    def _input_rules_need_match(self) -> Rule:
        if self.kind in _INPUT_KINDS and self.match is None:
            raise ValueError(f"{self.kind.value} needs 'match' (a regular expression over input bytes)")
        return self

    def lines(self) -> list[str]:
        return [self.with_] if isinstance(self.with_, str) else list(self.with_ or [])


class FaultFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule]


class FaultEngine:
    def __init__(self, rules: list[Rule], seed: int = 0) -> None:
        self.rules = rules
        self.rng = random.Random(seed)
        self._patterns = [re.compile(r.match.encode()) if r.match else None for r in rules]
        self._seen = [0] * len(rules)
        self._pending: deque[tuple[float, Board, bytes, Kind]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        #: hold_until: messages held back, each with the pattern that releases it and its fallback timer
        self._held: list[tuple[re.Pattern[bytes], bytes, Kind, asyncio.TimerHandle]] = []
        self.stalled = False
        self.commands = 0
        self.applied: list[str] = []

    @property
    def uart_slow_factor(self) -> float:
        factor = 1.0
        for r in self.rules:
            if r.kind is RuleKind.SLOW_UART and r.factor is not None:
                factor *= r.factor
        return factor

    @property
    def ignores_guard_time(self) -> bool:
        """ignore_guard_time: ``+++`` leaves data mode without the 3.3.7 silences and character spacing."""
        return any(r.kind is RuleKind.IGNORE_GUARD_TIME for r in self.rules)

    # --- hooks called by the board -------------------------------------------------------------------

    def on_command(self, board: Board, cmd: ParsedCommand) -> bool:
        """Count a command line; False when a rule restarts the board on it (it is then never answered)."""
        self.commands += 1
        for r in self.rules:
            if r.kind is RuleKind.REBOOT_AFTER and self.commands == r.commands:
                self._note(board, f"reboot on command #{self.commands} ({cmd.text})")
                board.spawn_detached(board.reboot("fault: reboot_after"))
                return False
        return True

    def allows_save(self, board: Board, command: str | None, what: str) -> bool:
        """not_persisted: False (the flash write is skipped, the setting lives in RAM only until the next
        restart) while the named command runs; 3.1.28 AT+SYSSTORE says it should have been saved."""
        for r in self.rules:
            if r.kind is RuleKind.NOT_PERSISTED and command is not None and r.command == command:
                self._note(board, f"not_persisted: {command} did not save {what}")
                return False
        return True

    def on_boot(self) -> None:
        self.stalled = False
        self._pending.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for *_, timer in self._held:
            timer.cancel()
        self._held.clear()  # a restart loses what the firmware had not sent yet

    def output(self, board: Board, data: bytes, kind: Kind, command: str | None) -> None:
        if self.stalled:
            return
        text = data.strip(b"\r\n")
        outs: list[bytes] = [data]
        delay = 0.0
        for i, r in enumerate(self.rules):
            pat = self._patterns[i]
            if r.kind not in _OUTPUT_KINDS:
                continue
            if r.kind is RuleKind.DROP_URC and kind is not Kind.URC:
                continue
            if r.command is not None and r.command != command:
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
            outs, delay = self._act(r, data, outs, delay)
            break
        self._send(board, outs, kind, delay)
        self._release_after(board, text)

    def _hold(self, board: Board, r: Rule, data: bytes, kind: Kind) -> None:
        """hold_until: keep ``data`` back (later messages overtake it) until a message matching ``until``
        has gone out, or ``seconds`` (default 2) have passed, so the message is reordered, never lost."""
        until = re.compile((r.until or "").encode())
        wait = r.seconds if r.seconds is not None else HOLD_DEFAULT_SECONDS
        timer = asyncio.get_running_loop().call_later(wait, self._release_held, board, data)
        self._held.append((until, data, kind, timer))

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
        model = FaultFile(**data)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "rules"
        raise FaultFileError(f"{file}: field {field}: {err['msg']}") from e
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
