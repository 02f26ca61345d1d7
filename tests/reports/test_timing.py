"""reports/timing.py and the report's "Run time" section: fixture setups folded per fixture, slowest first,
and what the page shows of a run's time (issue 23)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports import summary as rs
from reports.timing import FixtureSample, parse_sample, slowest_fixtures
from reports.timing_section import timing_section
from spec import COMMAND_SETS, load_spec


def test_a_sample_round_trips_through_its_property() -> None:
    s = FixtureSample("esp_board", "session", 1.23456)
    assert parse_sample(s.to_property()) == FixtureSample("esp_board", "session", 1.2346)
    assert parse_sample("no colons") is None
    assert parse_sample("function:name:not-a-number") is None


def test_fixtures_are_folded_and_the_slowest_total_comes_first() -> None:
    samples = [
        FixtureSample("dut", "function", 0.1),
        FixtureSample("esp_board", "session", 2.0),
        FixtureSample("dut", "function", 0.3),
        FixtureSample("mqtt_broker", "module", 0.5),
    ]
    rows = slowest_fixtures(samples, top=2)
    assert [(r.name, r.setups, r.total_s, r.max_s) for r in rows] == [
        ("esp_board", 1, 2.0, 2.0),
        ("mqtt_broker", 1, 0.5, 0.5),
    ]
    assert [r.name for r in slowest_fixtures(samples)] == ["esp_board", "mqtt_broker", "dut"]


def test_the_section_shows_tests_per_second_set_wall_time_and_fixtures() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    b = rs.SummaryBuilder(load_spec(), COMMAND_SETS)
    for test_id, start, stop in [("t::a", 100.0, 104.0), ("t::b", 102.0, 107.0)]:
        b.add(rs.TestResult(test_id, "passed", duration=stop - start, command_sets=("basic",),
                            started_at=start, stopped_at=stop))  # fmt: skip
    s = b.build(rig=rs.RigInfo(name="r", path=None, description="", boards=[]), firmware=[], started=t0,
                finished=t0 + timedelta(seconds=8), slowest_fixtures=slowest_fixtures(
                    [FixtureSample("esp_board", "session", 2.5)]))  # fmt: skip
    html = timing_section(s)
    assert "2 tests in 8.0 s" in html and "0.25 tests/s" in html
    assert "<td>basic</td>" in html and ">7.0<" in html and ">9.0<" in html  # wall 7 s, test time 9 s
    assert "esp_board" in html and ">2.50<" in html
    assert rs.Summary.model_validate_json(s.model_dump_json()).slowest_fixtures == s.slowest_fixtures


def test_an_empty_run_has_no_section() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    b = rs.SummaryBuilder(load_spec(), COMMAND_SETS)
    s = b.build(rig=rs.RigInfo(name="r", path=None, description="", boards=[]), firmware=[], started=t0,
                finished=t0)  # fmt: skip
    assert timing_section(s) == ""
