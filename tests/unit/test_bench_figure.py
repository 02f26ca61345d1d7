"""tests/bench/figure.py: the one line format of the benches (issue 23), judged as measurements are."""

from __future__ import annotations

import json

from tests.bench.figure import Figures, figure_line


def test_a_rate_below_its_lower_target_is_not_ok_and_names_target_and_floor() -> None:
    row = figure_line("codec", "mqttsubrecv_64B", 19.7, "MB/s", lower=20.0, floor=880.0, floor_is="split")
    assert (row["ok"], row["target"], row["floor"], row["value"]) == (False, ">= 20 MB/s", 880.0, 19.7)
    assert figure_line("codec", "mqttsubrecv_64B", 20.0, "MB/s", lower=20.0)["ok"] is True


def test_an_upper_target_and_what_else_the_figure_needs() -> None:
    assert figure_line("boards", "board_memory", 25.1, "MB", upper=25.0)["ok"] is False
    assert figure_line("boards", "board_memory", 24.9, "MB", upper=25.0)["ok"] is True
    assert figure_line("boards", "board_memory", 24.9, "MB", upper=25.0, also_ok=False)["ok"] is False


def test_figures_print_one_json_line_each_and_keep_the_exit_status(capsys) -> None:  # type: ignore[no-untyped-def]
    out = Figures("sim")
    out.emit("boards_answer_at", 1.2, "ms", upper=5.0, errors=[])
    assert out.exit_status() == 0
    out.emit("boards_answer_at", 6.0, "ms", upper=5.0)
    assert out.exit_status() == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["bench"], r["figure"], r["ok"]) for r in lines] == [
        ("sim", "boards_answer_at", True),
        ("sim", "boards_answer_at", False),
    ]
    assert set(lines[0]) == {
        "bench",
        "figure",
        "value",
        "unit",
        "target",
        "floor",
        "floor_is",
        "ok",
        "load",
        "detail",
    }
    assert lines[0]["detail"] == {"errors": []}
