"""Each fault rule kind (sim/FAULTS.md) on a real simulator process, seen through the AT session: the
board deviates exactly as the rule says and otherwise keeps following the guide."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from rigs.at.attribution import event_text
from rigs.at.errors import AtError, ResponseTimeout
from rigs.at.events import Ready
from rigs.at.session import AtSession
from tests.sim.simproc import SimProcess


@contextmanager
def faulty(tmp_path: Path, *rules: dict[str, Any]) -> Iterator[AtSession]:
    f = tmp_path / "faults.yaml"
    f.write_text(yaml.safe_dump({"rules": list(rules)}))
    air = tmp_path / "air.yaml"
    air.write_text(yaml.safe_dump({"access_points": [{"ssid": "lab", "password": "sim-only-pass"}]}))
    with SimProcess("--faults", str(f), "--seed", "1", "--air", str(air)) as sp, sp.session() as dut:
        dut.cmd("ATE0").assert_ok()
        yield dut


def _replace(dut: AtSession) -> None:
    assert dut.cmd("AT+GMR").final == "ERROR"  # the rule turned its OK into ERROR
    dut.cmd("AT").assert_ok()  # other commands untouched


def _drop(dut: AtSession) -> None:
    for _ in range(2):  # the second 'version' line of every AT+GMR response (the count is per command)
        lines = dut.cmd("AT+GMR").assert_ok().lines
        assert lines[0].startswith("AT version:") and not any(ln.startswith("SDK version:") for ln in lines)


def _insert_before(dut: AtSession) -> None:
    assert dut.cmd("AT+SYSSTORE?").assert_ok().lines[:2] == ["+NOISE:1", "+SYSSTORE:1"]


def _insert_after(dut: AtSession) -> None:
    assert dut.cmd("AT+SLEEP?").assert_ok().lines[:2] == ["+SLEEP:1", "X"]


def _duplicate(dut: AtSession) -> None:
    assert dut.cmd("AT+SYSMSG?").assert_ok().lines[:2] == ["+SYSMSG:0", "+SYSMSG:0"]


def _corrupt(dut: AtSession) -> None:
    # byte 1 of "+SYSLOG:0" XOR 0x5A
    assert dut.cmd("AT+SYSLOG?").assert_ok().lines[0] == "+" + chr(ord("S") ^ 0x5A) + "YSLOG:0"


def _delay(dut: AtSession) -> None:
    t0 = time.monotonic()
    r = dut.cmd("AT+SYSLOG?", timeout=10).assert_ok()
    assert r.lines[0] == "+SYSLOG:0" and time.monotonic() - t0 >= 0.5


def _stall(dut: AtSession) -> None:
    with pytest.raises(ResponseTimeout):
        dut.cmd("AT+SYSLOG?", timeout=1.5)  # its line comes, then the board says nothing more


def _drop_urc(dut: AtSession) -> None:
    r = dut.cmd('AT+CWJAP="lab","sim-only-pass"', timeout=15).assert_ok()
    assert [event_text(e) for e in r.urcs] == ["WIFI GOT IP"]  # WIFI CONNECTED (3.17) is dropped


def _reboot_after(dut: AtSession) -> None:
    # ATE0 was command 1; the 2nd command line restarts the board without an answer
    with pytest.raises(AtError):
        dut.cmd("AT", timeout=5)
    assert sum(isinstance(e, Ready) for e in dut.urcs) == 2
    dut.sync(timeout=15)


def _slow_uart(dut: AtSession) -> None:
    r = dut.cmd('AT+SYSFLASH=2,"fatfs",0,5760', timeout=60).assert_ok()
    chunks = [c for c in dut.transcript.since(r.started).chunks if c.direction == "rx"]
    rate = sum(len(c.data) for c in chunks[1:]) / (chunks[-1].t - chunks[0].t)
    assert rate <= 11520 * 0.5 * 1.05  # half of 115200 8N1, never faster


CASES: list[tuple[dict[str, Any], Callable[[AtSession], None]]] = [
    ({"kind": "replace", "match": "^OK$", "command": "AT+GMR", "with": "ERROR"}, _replace),
    ({"kind": "drop", "match": "version", "command": "AT+GMR", "occurrence": 2}, _drop),
    ({"kind": "insert_before", "match": r"^\+SYSSTORE:", "with": ["+NOISE:1"]}, _insert_before),
    ({"kind": "insert_after", "match": r"^\+SLEEP:", "with": "X"}, _insert_after),
    ({"kind": "duplicate", "match": r"^\+SYSMSG:"}, _duplicate),
    ({"kind": "corrupt", "match": r"^\+SYSLOG:", "byte": 1}, _corrupt),
    ({"kind": "delay", "match": r"^\+SYSLOG:", "seconds": 0.5}, _delay),
    ({"kind": "stall", "match": r"^\+SYSLOG:"}, _stall),
    ({"kind": "drop_urc", "match": "^WIFI CONNECTED$"}, _drop_urc),
    ({"kind": "reboot_after", "commands": 2}, _reboot_after),
    ({"kind": "slow_uart", "factor": 0.5}, _slow_uart),
]


@pytest.mark.parametrize(("rule", "check"), CASES, ids=[c[0]["kind"] for c in CASES])
def test_fault_rule_over_the_wire(
    tmp_path: Path, rule: dict[str, Any], check: Callable[[AtSession], None]
) -> None:
    with faulty(tmp_path, rule) as dut:
        check(dut)


def test_without_rules_the_board_is_faithful(tmp_path: Path) -> None:
    with faulty(tmp_path) as dut:
        assert dut.cmd("AT+SYSLOG?").assert_ok().lines[0] == "+SYSLOG:0"
        assert dut.cmd("AT+SYSSTORE?").assert_ok().lines[0] == "+SYSSTORE:1"
        dut.check_violations()
