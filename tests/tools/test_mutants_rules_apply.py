"""Every catalog fault that names the check meant to kill it (the issue-13 faults) changes the board's output:
its rules, loaded by the simulator's own parser, run over one faithful stream of firmware messages and the
bytes that leave the fault engine differ from what went in. A few are pinned byte by byte (the cases issue 13
measured on main).

The stream is written here from the guide's framing (3.17, the command examples), not captured from the
simulator: `\\r\\nRecv <n> bytes\\r\\n` and `\\r\\n+IPD,...`, with the CR LF real boards print before them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.at.parser import ParsedCommand, parse_command
from sim.faults import FaultEngine, load_faults
from sim.output import Kind
from tools.mutants.catalog import Mutant, load_catalog

ROOT = Path(__file__).resolve().parents[2]
MAC = '"24:0a:c4:00:01:10"'

#: (command line or None for output with no command running, [(kind, bytes), ...])
Step = tuple[str | None, list[tuple[Kind, bytes]]]
R, F, U = Kind.RESPONSE, Kind.FINAL, Kind.URC
OK = (F, b"\r\nOK\r\n")
ERROR = (F, b"\r\nERROR\r\n")

STREAM: list[Step] = [
    (None, [(Kind.BOOT, b"\r\nready\r\n")]),
    ("AT+GMR", [(R, b"AT version:5.0.0.0(s-e428b99 - ESP32)\r\n"), (R, b"SDK version:v5.4.1\r\n"), OK]),
    ("AT+SYSSTORE?", [(R, b"+SYSSTORE:1\r\n"), OK]),
    ("AT+SYSMSG?", [(R, b"+SYSMSG:0\r\n"), OK]),
    ("AT+SYSRAM?", [(R, b"+SYSRAM:168404,120344\r\n"), OK]),
    ("AT+BOGUS", [ERROR]),
    ("AT+CWMODE?", [(R, b"+CWMODE:1\r\n"), OK]),
    ("AT+CWMODE=1", [OK]),
    ('AT+CWJAP="lab","pass"', [(U, b"WIFI CONNECTED\r\n"), (U, b"WIFI GOT IP\r\n"), OK]),
    ("AT+CWLAP", [(R, b'+CWLAP:(3,"lab",-50,"02:a5:11:46:d3:80",1)\r\n'), OK]),
    ("AT+CIPSTA?", [(R, b'+CIPSTA:ip:"10.0.0.5"\r\n'), (R, b'+CIPSTA:gateway:"10.0.0.1"\r\n'), OK]),
    ("AT+CIFSR", [(R, b'+CIFSR:STAIP,"10.0.0.5"\r\n'), (R, b'+CIFSR:STAMAC,"24:0a:c4:00:00:00"\r\n'), OK]),
    ('AT+CIPSTART="TCP","10.0.0.1",8080', [(R, b"CONNECT\r\n"), OK]),
    (
        "AT+CIPSEND=4",
        [OK, (Kind.PROMPT, b"\r\n>"), (R, b"\r\nRecv 4 bytes\r\n"), (F, b"\r\nSEND OK\r\n")],
    ),
    (None, [(U, b"\r\n+IPD,4:ping")]),
    (
        "AT+CIPSENDEX=4",
        [OK, (Kind.PROMPT, b"\r\n>"), (R, b"\r\nRecv 4 bytes\r\n"), (F, b"\r\nSEND OK\r\n")],
    ),
    (
        "AT+CIPSENDL=4096",
        [
            OK,
            (Kind.PROMPT, b"\r\n>"),
            (R, b"+CIPSENDL:2048,4096\r\n"),
            (R, b"+CIPSENDL:4096,4096\r\n"),
            (F, b"\r\nSEND OK\r\n"),
        ],
    ),
    ("AT+CIPSNTPTIME?", [(R, b"+CIPSNTPTIME:Mon Oct 18 20:12:27 2021\r\n"), OK]),
    ("AT+CIPCLOSE", [(R, b"CLOSED\r\n"), OK]),
    ("AT+CIPMUX=1", [OK]),
    ("AT+CIPSERVER=1,333", [OK]),
    (None, [(U, b"+STA_CONNECTED:" + MAC.encode() + b"\r\n")]),
    (None, [(U, b"+DIST_STA_IP:" + MAC.encode() + b',"192.168.4.2"\r\n')]),
    (None, [(U, b"0,CONNECT\r\n")]),
    (None, [(U, b"\r\n+IPD,0,4:pong")]),
    ("AT+CIPRECVMODE=1", [OK]),
    (None, [(U, b"\r\n+IPD,0,4\r\n")]),
    (None, [(U, b"0,CLOSED\r\n")]),
    (None, [(U, b"+STA_DISCONNECTED:" + MAC.encode() + b"\r\n")]),
    ("AT+CWQAP", [(U, b"WIFI DISCONNECT\r\n"), OK]),
    # The refusals of 3.3 (AT+SYSLOG=1: the ERR CODE line first).
    ("AT+CIPSERVER=1,80", [(R, b"ERR CODE:0x010a0000\r\n"), ERROR]),
    ("AT+CIPMUX=0", [ERROR]),
    ("AT+CIPMODE=1", [ERROR]),
    ("AT+CIPMUX=1", [ERROR]),
    ("AT+CIPSERVERMAXCONN=2", [ERROR]),
    ("AT+CIPRECVDATA=0,100", [ERROR]),
    ("AT+CIPCLOSE=0", [ERROR]),
    ("AT+CIPRECVMODE=1", [ERROR]),
    ("AT+CIPSERVER=0", [ERROR]),
    # 3.1 sleep: AT+SLEEP and AT+SLEEPWKCFG answer OK; AT+GSLP=<time> answers <time>, then OK, and the board
    # boots again when the time is up, printing ready (3.1 AT+GSLP; 4.11.6's note).
    ("AT+SLEEP=2", [OK]),
    ("AT+SLEEPWKCFG=2,12,1", [OK]),
    ("AT+GSLP=1000", [(R, b"1000\r\n"), OK]),
    (None, [(Kind.BOOT, b"\r\nready\r\n")]),
]


@dataclass
class _Ctx:
    cmd: ParsedCommand


@dataclass
class _Engine:
    current: _Ctx | None = None


@dataclass
class FakeBoard:
    """What the fault engine uses of a board: the running command, the UART and the log port."""

    engine: _Engine = field(default_factory=_Engine)
    wire: bytearray = field(default_factory=bytearray)

    def raw_output(self, data: bytes, kind: Kind) -> None:
        self.wire += data

    def log(self, text: str) -> None:
        pass

    def spawn_detached(self, coro: object) -> None:  # reboot_after: not in this stream
        raise AssertionError("no rule of these faults restarts the board")


def replay(engine: FaultEngine | None, stream: list[Step] = STREAM) -> bytes:
    async def main() -> bytes:
        board = FakeBoard()
        for line, messages in stream:
            cmd = parse_command(line) if line is not None else None
            if cmd is not None and engine is not None:
                engine.on_command(board, cmd)  # type: ignore[arg-type]
            board.engine.current = _Ctx(cmd) if cmd is not None else None
            for kind, data in messages:
                if engine is None:
                    board.raw_output(data, kind)
                else:
                    engine.output(board, data, kind, cmd.name if cmd else None)  # type: ignore[arg-type]
            board.engine.current = None
        await asyncio.sleep(0)
        return bytes(board.wire)

    return asyncio.run(main())


FAITHFUL = replay(None)


def issue13_faults() -> list[Mutant]:
    # the issue-16 sets (mqtt, http, fs, websocket) have their own stream: tests/tools/test_mutants_issue16_rules.py
    return [
        m
        for m in load_catalog(root=ROOT)
        if m.meta.check is not None and m.meta.command_set in ("basic", "wifi", "tcpip")
    ]


def test_there_are_at_least_forty_issue13_faults() -> None:
    faults = issue13_faults()
    assert len(faults) >= 40
    assert {m.meta.select.paths[0] for m in faults} == {
        "suites/basic",
        "suites/wifi",
        "suites/tcpip",
        "suites/examples",
    }
    # Honest selections: the command set's folder, never the one test that kills the fault.
    assert all(len(m.meta.select.paths) == 1 and not m.meta.select.k for m in faults)


@pytest.mark.parametrize("mutant", issue13_faults(), ids=lambda m: m.id)
def test_fault_changes_the_faithful_stream(mutant: Mutant) -> None:
    engine = load_faults(mutant.path)
    if only_misreads(engine):
        assert misreads_a_line(engine, STREAM), f"{mutant.id}: no command line of the stream is read wrong"
        return
    out = replay(engine)
    assert out != FAITHFUL, f"{mutant.id}: its rules leave the stream unchanged"


def only_misreads(engine: FaultEngine) -> bool:
    """A fault on what the board reads changes its behaviour, not a replayed output: such a fault is checked
    by :func:`misreads_a_line` (the mutation run shows the behaviour it changes is caught)."""
    return all(r.kind.value == "misread_line" for r in engine.rules)


def misreads_a_line(engine: FaultEngine, stream: list[Step]) -> bool:
    lines = [line for line, _ in stream if line is not None]
    return [engine.misread(_Quiet(), line) for line in lines] != lines  # type: ignore[arg-type]


class _Quiet:
    """What misread_line uses of a board: the log port."""

    def log(self, text: str) -> None:
        pass


def faulty(fault_id: str) -> bytes:
    return replay(load_faults(ROOT / "tools" / "mutants" / "catalog" / f"{fault_id}.yaml"))


def test_measured_cases_byte_by_byte() -> None:
    """The board behaviours issue 13 lists under "Measured on main", as the faults produce them."""
    out = faulty("wifi-cwlap-three-blank-lines")
    # the row's CR LF, then four blank lines where the guide has one
    assert b"1)\r\n" + b"\r\n" * 4 + b"OK\r\n" in out and out.count(b"\r\n" * 5 + b"OK") == 1
    assert b"\r\n>Recv 4 bytes\r\n" in faulty("tcpip-recv-glued-to-prompt")
    assert b"SEND OK\r\n+IPD,4:ping" in faulty("tcpip-ipd-no-crlf-before")
    out = faulty("wifi-got-ip-after-cwjap-ok")
    assert b"WIFI CONNECTED\r\n\r\nOK\r\nWIFI GOT IP\r\n" in out
    out = faulty("examples-closed-disconnect-in-cipstart")
    assert b"CONNECT\r\nCLOSED\r\nWIFI DISCONNECT\r\n\r\nOK\r\n" in out
    out = faulty("tcpip-cipsendex-recv-99")
    assert out.count(b"Recv 99 bytes") == 1 and out.count(b"\r\nRecv 4 bytes\r\n") == 1  # AT+CIPSEND's kept
    out = faulty("tcpip-cipsendl-final-report-dropped")
    assert b"+CIPSENDL:2048,4096\r\n\r\nSEND OK\r\n" in out and b"+CIPSENDL:4096,4096" not in out
    assert b"+CIFSR" not in faulty("tcpip-cifsr-bare-ok").split(b"AT+CIFSR")[0]
    assert b"\r\nready\r\n\r\nOK\r\n" in faulty("basic-ok-after-ready")
    assert b"+STA_CONNECTED:24:0a:c4:00:01:10\r\n" in faulty("wifi-sta-connected-unquoted")


def test_refusals_answer_ok_only_for_their_line() -> None:
    errors = FAITHFUL.count(b"\r\nERROR\r\n")
    out = faulty("tcpip-cipserver-accepted-mux0")
    assert b"ERR CODE" not in out and out.count(b"\r\nERROR\r\n") == errors - 1
    for fault in ("tcpip-cipmux0-accepted-server-running", "tcpip-cipclose-link-id-accepted-mux0"):
        assert faulty(fault).count(b"\r\nERROR\r\n") == errors - 1, fault
