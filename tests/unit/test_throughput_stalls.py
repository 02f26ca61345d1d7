"""suites/throughput/stalls.py (the host-relative verdict of sim rigs) and its rig field: pure logic."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.measurements import Limits
from rigs.loader import RigFileError, load_rig, parse_rig
from suites.throughput.stalls import (
    HostShare,
    Stall,
    StallProbe,
    forgiven,
    host_relative,
    host_share,
    stalled_within,
)

ROOT = Path(__file__).resolve().parents[2]
#: 5 Mbaud 8N1 (500,000 B/s) and rigs/sim.yaml's default limit, 0.85 with a 0.05 marginal band.
CEILING = 500_000.0
LIMITS = Limits.of_line_rate(CEILING, 0.85, 0.05)
#: 1.2 s of line time, as rigs/sim.yaml's transfer_seconds moves.
PAYLOAD = 600_000


def test_only_the_part_of_a_stall_inside_the_span_counts() -> None:
    stalls = [Stall(0.0, 1.0), Stall(1.5, 1.6), Stall(2.9, 3.5), Stall(4.0, 5.0)]
    assert stalled_within(stalls, 0.5, 3.0) == pytest.approx(0.5 + 0.1 + 0.1)
    assert stalled_within([], 0.0, 10.0) == 0.0
    share = host_share(stalls, 0.5, 2.5, processes=2, max_share=0.3)
    assert (share.events, share.stalled, share.forgiven) == (3, pytest.approx(0.7), pytest.approx(0.75))


def test_forgiven_time_counts_each_process_and_is_capped() -> None:
    assert forgiven(0.1, 1.5, processes=2, max_share=0.3) == pytest.approx(0.2)
    assert forgiven(0.4, 1.5, processes=2, max_share=0.3) == pytest.approx(0.45)  # capped at 30 % of 1.5 s
    assert forgiven(0.0, 1.5, processes=2, max_share=0.3) == 0.0
    assert forgiven(0.1, 0.0, processes=2, max_share=0.3) == 0.0


def test_no_stall_leaves_the_rigs_limits_as_they_are() -> None:
    assert host_relative(LIMITS, PAYLOAD, 0.0) == LIMITS
    assert host_relative(Limits(), PAYLOAD, 0.5) == Limits()  # nothing to lower


def test_forgiven_time_lowers_limit_and_band_to_the_rates_taking_that_much_longer() -> None:
    lowered = host_relative(LIMITS, PAYLOAD, 0.2)
    assert lowered.lower is not None and lowered.marginal is not None
    # 600,000 bytes at the 425,000 B/s limit take 1.4118 s; 0.2 s more gives 372,165 B/s.
    assert lowered.lower == pytest.approx(PAYLOAD / (PAYLOAD / 425_000 + 0.2))
    assert lowered.lower + lowered.marginal == pytest.approx(PAYLOAD / (PAYLOAD / 450_000 + 0.2))
    # A transfer that took exactly the limit's time plus the stalled time is on the new limit.
    assert lowered.judge(PAYLOAD / (PAYLOAD / 425_000 + 0.2) - 1) == "fail"
    assert lowered.judge(PAYLOAD / (PAYLOAD / 450_000 + 0.2) + 1) == "pass"


def test_a_really_slow_uart_fails_when_the_host_did_not_stall() -> None:
    # sim/FAULTS.md slow_uart 0.8: every byte 25 % longer; an idle host's probe saw nothing in the span.
    rate = 0.8 * 0.95 * CEILING
    span = PAYLOAD / rate
    share = host_share([Stall(span + 1.0, span + 1.2)], 0.0, span, processes=2, max_share=0.3)
    assert share == HostShare(0.0, 0, 0.0)
    assert host_relative(LIMITS, PAYLOAD, share.forgiven).judge(rate) == "fail"


def test_a_busy_host_does_not_buy_more_than_its_share() -> None:
    # Stalls covering the whole span forgive at most max_share of it: a board at half the limit fails.
    rate = 0.5 * 0.85 * CEILING
    span = PAYLOAD / rate
    share = host_share([Stall(0.0, span)], 0.0, span, processes=2, max_share=0.3)
    assert share.forgiven == pytest.approx(0.3 * span)
    assert host_relative(LIMITS, PAYLOAD, share.forgiven).judge(rate) == "fail"


def test_the_probe_records_a_wake_up_later_than_grace() -> None:
    now = [10.0]
    # Each sleep advances the fake clock: on time, 0.4 ms late (within grace), 50 ms late (a stall).
    lateness = iter([0.0, 0.0004, 0.05])

    def sleep(s: float) -> None:
        now[0] += s + next(lateness)

    probe = StallProbe(tick=0.0005, grace=0.0005, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        probe.step()
    due = 10.0 + 0.0005 + 0.0009 + 0.0005
    assert len(probe.stalls) == 1
    assert probe.stalls[0].start == pytest.approx(due) and probe.stalls[0].end == pytest.approx(due + 0.05)


def test_the_probe_runs_between_enter_and_exit() -> None:
    with StallProbe(tick=0.0005, grace=0.5) as probe:
        pass
    assert not probe._thread.is_alive() and probe.stalls == []


def test_sim_rig_states_the_host_relative_verdict_and_the_bench_keeps_hard_limits() -> None:
    sim = load_rig(ROOT / "rigs" / "sim.yaml").targets.throughput.host_stalls
    assert sim is not None and (sim.processes, sim.max_share) == (2, 0.3)
    assert load_rig(ROOT / "rigs" / "bench-example.yaml").targets.throughput.host_stalls is None


def test_host_stalls_refused_on_a_rig_with_a_real_board() -> None:
    text = (
        "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0}\n"
        "targets:\n  throughput:\n    host_stalls: {processes: 2}\n"
    )
    with pytest.raises(RigFileError) as info:
        parse_rig(text, "rigs/x.yaml")
    (msg,) = info.value.problems
    assert msg.startswith("targets.throughput.host_stalls: targets.throughput.host_stalls is for rigs of")
    assert "hard throughput limits" in msg
