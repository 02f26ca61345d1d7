"""reports.measurements: judging against limits and a marginal band, attempts, movements between runs."""

from __future__ import annotations

import pytest

from reports.measurements import Attempt, Limits, MeasurementError, Movement, fmt, group_attempts


@pytest.mark.parametrize(
    ("value", "outcome"),
    [(799.9, "fail"), (800, "marginal"), (879.9, "marginal"), (880, "pass"), (10_000, "pass")],
)
def test_lower_limit_with_marginal_band(value: float, outcome: str) -> None:
    assert Limits(lower=800, marginal=80).judge(value) == outcome


@pytest.mark.parametrize(
    ("value", "outcome"), [(5.1, "fail"), (5.0, "marginal"), (4.6, "marginal"), (4.5, "pass"), (-3, "pass")]
)
def test_upper_limit_with_marginal_band(value: float, outcome: str) -> None:
    assert Limits(upper=5.0, marginal=0.5).judge(value) == outcome


def test_no_limits_always_passes_and_nan_fails() -> None:
    assert Limits().judge(-1e9) == "pass"
    assert Limits(lower=0).judge(float("nan")) == "fail"


def test_crossed_or_meaningless_limits_are_refused() -> None:
    with pytest.raises(MeasurementError, match="^measurement rate: lower limit 10 is above upper limit 5$"):
        Attempt.take("rate", 7, lower=10, upper=5)
    with pytest.raises(MeasurementError, match="negative"):
        Attempt.take("rate", 7, lower=1, marginal=-1)
    with pytest.raises(MeasurementError, match="needs a lower or an upper"):
        Attempt.take("rate", 7, marginal=1)


def test_limits_of_a_rig_throughput_target() -> None:
    # rigs/sim.yaml: min_fraction 0.5, marginal_band 0.1 of the line rate
    limits = Limits.of_line_rate(11_520, 0.5, 0.1)
    assert (limits.lower, limits.marginal) == (5_760, 1_152)
    assert limits.describe("B/s") == ">= 5760 B/s, marginal below 6912 B/s"


def test_attempt_verdict_names_value_limits_and_units() -> None:
    a = Attempt.take("tcp_upload", 812, units="B/s", lower=1000)
    assert a.outcome == "fail"
    assert a.verdict() == "tcp_upload = 812 B/s (>= 1000 B/s): fail"
    assert Attempt.from_json(a.to_json()) == a


@pytest.mark.parametrize("value", ["12", None, True])
def test_attempt_value_must_be_a_number(value: object) -> None:
    with pytest.raises(MeasurementError, match="is not a number"):
        Attempt.take("x", value)  # type: ignore[arg-type]


def test_attempt_name_is_checked() -> None:
    with pytest.raises(MeasurementError, match="measurement name 'a b'"):
        Attempt.take("a b", 1)


def test_attempts_grouped_by_name_last_one_decides() -> None:
    attempts = [
        Attempt.take("rate", 500, units="B/s", lower=800),
        Attempt.take("latency", 0.2, units="s", upper=1),
        Attempt.take("rate", 900, units="B/s", lower=800),
    ]
    rate, latency = group_attempts(attempts)
    assert (rate.name, rate.value, rate.outcome, rate.attempts) == ("rate", 900, "pass", [500, 900])
    assert (latency.name, latency.attempts) == ("latency", [0.2])


def _move(before: float, after: float, limits: Limits) -> Movement:
    return Movement("t", "m", "B/s", before, after, limits, limits.judge(before), limits.judge(after))


def test_movement_beyond_band_towards_the_lower_limit_regresses() -> None:
    limits = Limits(lower=800, marginal=80)
    assert _move(2000, 1900, limits).regressed  # 100 > 80, downwards
    assert not _move(2000, 1950, limits).beyond_band  # within the band's width
    assert not _move(1900, 2000, limits).regressed
    assert _move(1900, 2000, limits).improved


def test_movement_to_a_worse_outcome_regresses_even_within_band() -> None:
    limits = Limits(lower=800, marginal=80)
    m = _move(885, 875, limits)
    assert (m.outcome_before, m.outcome_after, m.beyond_band, m.regressed) == (
        "pass",
        "marginal",
        False,
        True,
    )


def test_movement_towards_an_upper_limit_regresses() -> None:
    limits = Limits(upper=1.0, marginal=0.1)
    assert _move(0.3, 0.5, limits).regressed
    assert not _move(0.5, 0.3, limits).regressed


def test_movement_without_limits_is_never_a_regression() -> None:
    assert not _move(1000, 1, Limits()).regressed


@pytest.mark.parametrize(
    ("value", "text"),
    [(172_800.4, "172800"), (10_713.6, "10714"), (3.25, "3.25"), (0.000123456, "0.0001235"), (5.0, "5")],
)
def test_numbers_read_without_exponents(value: float, text: str) -> None:
    assert fmt(value) == text
