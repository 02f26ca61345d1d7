"""Per-test fixtures of the throughput suite (the plots are drawn by fixtures/throughput.py).

- ``throughput_baud``: parametrized by the rig's ladder (``targets.throughput.bauds``, 3.1.10 rates).
- ``throughput_line``: the board and host moved to ``throughput_baud`` with AT+UART_CUR; after the test, pass
  or fail, back to the rig's rate (out of passthrough first when a test left it there).
- ``throughput_judge``: ``judge(case, line, result, attempt=1, final=True)`` records the point for the
  plots (JUnit property :data:`reports.plots.PROPERTY`) and the measurement (``measure``) with its lower
  limit and marginal band from the rig; a final attempt out of limits fails the test with value, limit,
  units and the number of attempts (the rig's ``targets.throughput.retries``). ``stalls``: what a
  :class:`~suites.throughput.stalls.StallProbe` saw during the attempt; on a rig with
  ``targets.throughput.host_stalls`` (sim rigs) the limits allow the stalled time
  (suites/throughput/stalls.py).
- ``throughput_attempts``: ``attempts(case, line, once)`` runs ``once(attempt) -> Result`` under a stall
  probe (sim rigs), judges it, and measures again while the rate is below its limit, up to the rig's
  ``retries``; a TransferError (a byte lost or changed) fails at once and still shows on the plot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext

import pytest

from fixtures.context import run_context
from reports.measurements import Attempt, Limits
from reports.plots import PROPERTY, ThroughputPoint
from rigs.at.errors import AtError
from rigs.at.session import AtSession
from rigs.boards import Board
from rigs.model import Rig
from suites.throughput.line import LineConfig, LineError, follow, restore, switch
from suites.throughput.stalls import Stall, StallProbe, host_relative, host_share
from suites.throughput.transfer import Case, Result
from suites.throughput.verify import TransferError

Judge = Callable[..., Attempt]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "throughput_baud" not in metafunc.fixturenames:
        return
    rig = run_context(metafunc.config).rig
    # A test marked with a transport that has a ladder of its own (``ble``, ``bt``) measures on that one.
    own = [t for t in rig.targets.throughput.transport_bauds if metafunc.definition.get_closest_marker(t)]
    ladder = rig.targets.throughput.ladder(rig.boards[0].baud, own[0] if own else None)
    metafunc.parametrize("throughput_baud", ladder, ids=[str(b) for b in ladder])


def _line_for(board: Board, baud: int) -> LineConfig:
    return LineConfig(baud, flow_control=3 if board.config.rtscts else 0)


@pytest.fixture
def throughput_line(
    dut: AtSession, esp_board: Board, esp_rig: Rig, throughput_baud: int
) -> Iterator[LineConfig]:
    """The AT port at ``throughput_baud``; the rig's rate again afterwards, even after a failure."""
    home = _line_for(esp_board, esp_board.config.baud)
    line = _line_for(esp_board, throughput_baud)
    timeout = esp_rig.targets.timeouts.command
    if line != home:
        switch(dut, line, timeout=timeout)
    try:
        yield line
    finally:
        if line != home:
            try:
                restore(dut, home, timeout=timeout)
            except (AtError, LineError):
                # The host may have lost track of the board's rate: follow the board at the test's rate and
                # try once more; if that fails too, the next test's dut fixture reopens the board.
                follow(dut, line.baud)
                restore(dut, home, timeout=timeout)


@pytest.fixture
def throughput_judge(request: pytest.FixtureRequest, esp_rig: Rig, measure) -> Judge:  # noqa: ANN001
    node = request.node
    targets = esp_rig.targets.throughput

    def judge(
        case: Case,
        line: LineConfig,
        result: Result,
        attempt: int = 1,
        final: bool = True,
        stalls: list[Stall] | None = None,
    ) -> Attempt:
        lower, band = targets.limit(case.name).at(line.baud, line.ceiling)
        limits = Limits(lower=lower, marginal=band or None)
        share = None
        if stalls is not None and targets.host_stalls is not None:
            cfg = targets.host_stalls
            share = host_share(stalls, result.started, result.seconds, cfg.processes, cfg.max_share)
            limits = host_relative(limits, result.payload_bytes, share.forgiven)
        point = _point(
            node,
            case,
            line,
            value=result.rate,
            lower=limits.lower,
            outcome=limits.judge(result.rate),
            detail="; ".join(
                part
                for part in (
                    result.udp.describe() if result.udp is not None else "",
                    f"{share.describe()}: limit {(limits.lower or 0) / line.ceiling:.3f} of the line"
                    if share is not None and share.forgiven
                    else "",
                    f"attempt {attempt}" if attempt > 1 or not final else "",
                )
                if part
            ),
        )
        # Only the attempt that decides is drawn; earlier ones stay in the measurement's attempts.
        if final or point.outcome != "fail":
            node.user_properties.append((PROPERTY, point.model_dump_json()))
        if share is not None:  # kept with the attempt: what the host took, what the verdict forgave
            measure(f"host-stalled-{case.name}-{line.baud}", share.stalled, units="s")
        return measure(
            f"{case.name}-{line.baud}",
            result.rate,
            units="B/s",
            lower=limits.lower,
            marginal=limits.marginal,
            final=final,
            attempts=attempt,
        )

    return judge


Attempts = Callable[[Case, LineConfig, Callable[[int], Result]], Attempt]


@pytest.fixture
def throughput_attempts(request: pytest.FixtureRequest, esp_rig: Rig, throughput_judge: Judge) -> Attempts:
    targets = esp_rig.targets.throughput

    def attempts(case: Case, line: LineConfig, once: Callable[[int], Result]) -> Attempt:
        tries = 1 + targets.retries
        cfg = targets.host_stalls
        for attempt in range(1, tries + 1):
            probe = StallProbe(cfg.tick, cfg.grace) if cfg is not None else nullcontext()
            try:
                with probe:
                    result = once(attempt)
            except TransferError as exc:
                _record_error_point(request.node, case, line, exc, attempt)
                raise
            stalls = probe.stalls if isinstance(probe, StallProbe) else None
            verdict = throughput_judge(case, line, result, attempt, attempt == tries, stalls)
            if verdict.outcome != "fail":
                break
        return verdict

    return attempts


def _record_error_point(
    node: pytest.Item, case: Case, line: LineConfig, exc: TransferError, attempt: int
) -> None:
    """A transfer that lost or changed bytes still shows on the plot, as an error point."""
    point = _point(
        node,
        case,
        line,
        value=0.0,
        outcome="error",
        detail=(f"attempt {attempt}: " if attempt > 1 else "") + str(exc)[:300],
    )
    node.user_properties.append((PROPERTY, point.model_dump_json()))


def _point(node: pytest.Item, case: Case, line: LineConfig, **measured: object) -> ThroughputPoint:
    """The plot point of one transfer of ``case`` at ``line``: what was measured, and its verdict."""
    return ThroughputPoint(
        test=node.nodeid,
        transport=case.transport,
        direction=case.direction,
        mode=case.mode,
        baud=line.baud,
        ceiling=line.ceiling,
        **measured,
    )
