"""reports/plots.py: throughput against baud, one figure per transport and direction."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from reports.plots import ThroughputPoint, build_plots, load_points


def point(transport: str, direction: str, mode: str, baud: int, fraction: float, outcome: str = "pass"):
    ceiling = baud / 10
    return ThroughputPoint(
        test=f"t[{baud}-{transport}-{direction}-{mode}]",
        transport=transport,
        direction=direction,
        mode=mode,
        baud=baud,
        ceiling=ceiling,
        value=ceiling * fraction,
        lower=ceiling * 0.9,
        outcome=outcome,  # type: ignore[arg-type]
    )


def test_one_figure_per_transport_and_direction(tmp_path: Path) -> None:
    points = [
        point(t, d, m, b, 0.95)
        for t in ("tcp", "udp")
        for d, m in (("upload", "passthrough"), ("upload", "cipsend"), ("download", "ipd"))
        for b in (115200, 921600, 5_000_000)
    ]
    points.append(point("tcp", "upload", "passthrough", 3_000_000, 0.8, "fail"))
    written = build_plots(points, tmp_path / "plots", formats=("png", "svg"))
    names = [p.name for p in written]
    assert names == [
        "throughput-tcp-download.png",
        "throughput-tcp-download.svg",
        "throughput-tcp-upload.png",
        "throughput-tcp-upload.svg",
        "throughput-udp-download.png",
        "throughput-udp-download.svg",
        "throughput-udp-upload.png",
        "throughput-udp-upload.svg",
    ]
    for p in written:
        head = p.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n" if p.suffix == ".png" else b"<?xml" in head
    svg = (tmp_path / "plots" / "throughput-tcp-upload.svg").read_text()
    assert "line-rate ceiling" in svg and "passthrough" in svg and "cipsend" in svg


def test_points_round_trip_through_json_lines() -> None:
    p = point("ssl", "download", "ciprecvdata", 921600, 0.9)
    text = p.model_dump_json()
    assert load_points([text, "", text]) == [p, p]
    with pytest.raises(ValidationError):
        load_points(['{"test": "x"}'])


def test_no_points_no_files(tmp_path: Path) -> None:
    assert build_plots([], tmp_path / "plots") == []
