"""The ``panic`` fault rule (sim/FAULTS.md) on a real simulator process: the matching message goes out, the
panic dump and a ``rst:0xc (SW_CPU_RESET)`` boot banner come on the log port, and the board boots again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from rigs.at.errors import AtError
from rigs.at.events import Ready
from rigs.at.logport import LogKind, find_crashes, parse_log
from tests.sim.simproc import SimProcess


def test_panic_prints_a_crash_on_the_log_port_and_reboots(tmp_path: Path) -> None:
    f = tmp_path / "faults.yaml"
    f.write_text(yaml.safe_dump({"rules": [{"kind": "panic", "match": r"^\+SYSLOG:"}]}))
    with SimProcess("--faults", str(f), "--log-port", "socket://127.0.0.1:0") as sp:
        with sp.session(log_url=sp.ready["log"]) as dut:
            dut.cmd("ATE0").assert_ok()
            booted = sum(isinstance(e, Ready) for e in dut.urcs)
            with pytest.raises(AtError):
                dut.cmd("AT+SYSLOG?", timeout=5)  # its line comes, then the panic: no OK
            dut.sync(timeout=10)
            assert sum(isinstance(e, Ready) for e in dut.urcs) == booted + 1  # it came back by itself
            time.sleep(0.2)  # the log port's last lines
            log = [(c.t, c.data) for c in dut.transcript.chunks if c.direction == "log"]
    events = parse_log(log)
    kinds = [e.kind for e in events]
    assert LogKind.PANIC in kinds and LogKind.BACKTRACE in kinds
    crashes = find_crashes(events[kinds.index(LogKind.PANIC) :])
    assert [c.cause for c in crashes] == ["panic (LoadProhibited)"]
    assert crashes[0].reset_reason == "SW_CPU_RESET"
