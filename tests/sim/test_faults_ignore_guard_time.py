"""The ignore_guard_time fault rule (sim/FAULTS.md): ``+++`` leaves passthrough mode wherever it comes in
the data, without the silences and the character spacing 3.3.7 asks for. Used by tools/mutants.

The detector's guard-less mode is checked sans-IO; the rule itself on a simulator process in passthrough
to a local echo peer (the faithful board's behaviour is covered by tests/sim/test_tcpip_passthrough.py).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from sim.faults import parse_faults
from sim.net.plus import GUARD_S, UNGUARDED_HOLD_S, PlusDetector
from tests.sim.netrig import EchoServer, joined_board

# --- the detector without guard time (sans-IO) -------------------------------------------------------


def test_unguarded_plus_inside_data_exits_and_keeps_the_data_before_it() -> None:
    d = PlusDetector(now=0.0, guard=False)
    r = d.feed(b"abc+++xyz", 0.001)  # no silence before, data right after: 3.3.7 says data
    assert r.exit and r.data == b"abc"
    assert d.plus_at == 0.001


def test_unguarded_plus_split_over_chunks_and_typed_slowly() -> None:
    d = PlusDetector(now=0.0, guard=False)
    first = d.feed(b"ab+", 0.001)
    assert first.data == b"ab" and not first.exit  # a trailing '+' waits for the rest of a '+++'
    assert not d.poll(0.001 + 10 * GUARD_S).data  # far slower than 3.3.7's spacing, still held
    assert d.feed(b"+", 0.2).data == b""
    assert d.feed(b"+", 0.4).exit


def test_unguarded_lone_plus_is_data_after_the_hold() -> None:
    d = PlusDetector(now=0.0, guard=False)
    assert d.feed(b"x++", 0.0).data == b"x"
    assert d.deadline == pytest.approx(UNGUARDED_HOLD_S)
    assert d.poll(UNGUARDED_HOLD_S + 0.001).data == b"++"
    assert d.feed(b"y+", 2.0).data == b"y"
    assert d.feed(b"z", 2.01).data == b"+z"  # a '+' followed by other data is data


def test_guard_stays_the_default() -> None:
    d = PlusDetector(now=0.0)
    assert d.feed(b"abc+++", 0.001).data == b"abc+++"


def test_rule_needs_no_fields_and_is_reported() -> None:
    engine = parse_faults({"rules": [{"kind": "ignore_guard_time"}]}, "t.yaml")
    assert engine.ignores_guard_time
    assert not parse_faults({"rules": []}, "t.yaml").ignores_guard_time


# --- the rule on a simulator process -------------------------------------------------------------------


def test_plus_glued_to_data_leaves_passthrough(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(yaml.safe_dump({"rules": [{"kind": "ignore_guard_time"}]}))
    with EchoServer() as peer, joined_board(tmp_path, extra=("--faults", str(faults))) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        dut.cmd("AT+CIPMODE=1").assert_ok()
        assert dut.cmd("AT+CIPSEND", expect_prompt=True).prompt
        dut.write_raw(b"abc+++")  # on a faithful board all six bytes are data (3.3.7)
        time.sleep(1.5)  # past the settle time after '+++', in which input is dropped
        before = len(dut.transcript.data("rx"))
        dut.write_raw(b"AT\r\n")  # a command again, not data for the peer
        deadline = time.monotonic() + 5
        while b"OK\r\n" not in dut.transcript.data("rx")[before:] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"OK\r\n" in dut.transcript.data("rx")[before:]
        assert bytes(peer.received) == b"abc"  # the data before the '+++' went out, and nothing after it
