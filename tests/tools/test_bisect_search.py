"""The search of tools.bisect on verdict tables (tools/bisect/search.py): no board, no pytest run."""

from __future__ import annotations

import math

import pytest

from tools.bisect.search import Bisection, Verdict


def _run(table: list[str], reruns: int = 0, flaky: dict[int, list[str]] | None = None) -> Bisection:
    """Drive a bisection whose build i answers table[i] (or, for a flaky build, its runs in turn)."""
    b = Bisection(len(table), reruns=reruns)
    answers = {i: list(v) for i, v in (flaky or {}).items()}
    while (i := b.next()) is not None:
        b.feed(answers[i].pop(0) if answers.get(i) else table[i])
    return b


@pytest.mark.parametrize("n", [2, 3, 5, 6, 9, 17])
def test_every_change_point_is_found_within_log2_steps(n: int) -> None:
    for first_bad in range(1, n):
        b = _run(["good"] * first_bad + ["bad"] * (n - first_bad))
        assert b.outcome is not None and b.outcome.kind == "found"
        assert (b.outcome.last_same, b.outcome.first_changed) == (first_bad - 1, first_bad)
        assert len(b.steps) <= 2 + math.ceil(math.log2(n - 1)) == b.max_steps


def test_a_behaviour_a_later_build_brought_is_a_change_from_bad_to_good() -> None:
    b = _run(["bad", "bad", "bad", "good", "good", "good"])
    assert b.outcome is not None and b.outcome.reference is Verdict.bad
    assert (b.outcome.last_same, b.outcome.first_changed) == (2, 3)


def test_ends_that_agree_leave_nothing_to_find_after_two_steps() -> None:
    b = _run(["good"] * 6)
    assert b.outcome is not None and b.outcome.kind == "unchanged"
    assert [s.index for s in b.steps] == [0, 5]


def test_a_bad_step_is_confirmed_by_its_reruns() -> None:
    b = _run(["good", "good", "bad", "bad"], reruns=2)
    assert b.outcome is not None and b.outcome.first_changed == 2
    assert [(s.index, s.attempt) for s in b.steps if s.verdict is Verdict.bad][:3] == [(3, 1), (3, 2), (3, 3)]


def test_runs_that_disagree_stop_the_search_as_flaky() -> None:
    b = _run(["good", "good", "bad", "bad", "bad"], reruns=2, flaky={2: ["bad", "good"]})
    assert b.outcome is not None and b.outcome.kind == "stopped" and b.outcome.stopped_at == 2
    assert "disagree: bad, good" in b.outcome.reason
    assert b.next() is None


@pytest.mark.parametrize("verdict", ["skipped", "error"])
def test_a_step_that_cannot_be_judged_stops_the_search(verdict: str) -> None:
    b = _run(["good", "good", verdict, "bad", "bad"])
    assert b.outcome is not None and b.outcome.kind == "stopped" and b.outcome.stopped_at == 2
    assert verdict in b.outcome.reason


def test_bad_input_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="at least two builds, got 1"):
        Bisection(1)
    with pytest.raises(RuntimeError, match="call next"):
        Bisection(3).feed("good")
