"""reports/walltime.py: the union of test intervals, which is a command set's wall time in a parallel run."""

from __future__ import annotations

import pytest

from reports.walltime import union_length


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([], 0.0),
        ([(1.0, 3.0)], 2.0),
        ([(1.0, 3.0), (2.0, 5.0)], 4.0),  # two workers overlapping: counted once
        ([(5.0, 6.0), (1.0, 2.0)], 2.0),  # disjoint, in any order
        ([(1.0, 10.0), (2.0, 3.0), (4.0, 5.0)], 9.0),  # nested
        ([(1.0, 2.0), (2.0, 3.0)], 2.0),  # touching
        ([(3.0, 1.0), (4.0, 4.0)], 0.0),  # reversed or empty: no time
    ],
)
def test_union_length(intervals: list[tuple[float, float]], expected: float) -> None:
    assert union_length(intervals) == pytest.approx(expected)


def test_a_sets_wall_time_counts_overlapping_tests_once() -> None:
    from datetime import UTC, datetime

    from reports import summary as rs
    from spec import COMMAND_SETS, load_spec

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    b = rs.SummaryBuilder(load_spec(), COMMAND_SETS)
    # two workers: basic tests 100-104 and 102-107 overlap (7 s of wall, 9 s of test time); wifi 110-111
    for test_id, sets, start, stop in [
        ("t::a", ("basic",), 100.0, 104.0),
        ("t::b", ("basic",), 102.0, 107.0),
        ("t::c", ("wifi",), 110.0, 111.0),
    ]:
        b.add(rs.TestResult(test_id, "passed", duration=stop - start, command_sets=sets,
                            started_at=start, stopped_at=stop))  # fmt: skip
    s = b.build(rig=rs.RigInfo(name="r", path=None, description="", boards=[]), firmware=[], started=t0,
                finished=t0)  # fmt: skip
    by = {cs.name: cs for cs in s.command_sets}
    assert (by["basic"].wall_s, by["basic"].test_s) == (7.0, 9.0)
    assert (by["wifi"].wall_s, by["wifi"].test_s) == (1.0, 1.0)
    assert by["tcpip"].wall_s == 0.0
