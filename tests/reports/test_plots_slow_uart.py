"""The throughput suite against a simulated board whose UART a fault rule slows by 20 % (sim/FAULTS.md,
``slow_uart``): the TCP passthrough transfers must fail with the measured value, the limit and the units,
and the plot must still be drawn with the failed points.

An inner pytest run of suites/throughput on a copy of rigs/sim.yaml with the fault and a one-rate ladder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_20_percent_slower_uart_fails_with_value_limit_and_units(pytester: pytest.Pytester) -> None:
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    (pytester.path / "slow.yaml").write_text("rules:\n  - {kind: slow_uart, factor: 0.8}\n")
    rig["boards"][0]["sim"]["faults"] = "slow.yaml"
    rig["targets"]["throughput"]["bauds"] = [115200]
    rig_path = pytester.path / "slow-rig.yaml"
    rig_path.write_text(yaml.safe_dump(rig))
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        str(ROOT / "suites" / "throughput" / "test_throughput.py"),
        "--rootdir", str(ROOT), "-p", "no:cacheprovider", "--rig", str(rig_path),
        "-m", "throughput", "-k", "tcp and passthrough",
        f"--summary={out / 'summary.json'}", f"--transcripts={out / 'transcripts'}",
        timeout=240,
    )  # fmt: skip
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    # 115200 baud 8N1 carries 11520 B/s; the rig asks TCP passthrough for 90 % of it: 10368 B/s.
    for name in ("tcp-upload-passthrough-115200", "tcp-download-passthrough-115200"):
        line = next(ln for ln in text.splitlines() if f"measurement out of limits: {name} = " in ln)
        value = float(line.split(f"{name} = ")[1].split()[0])
        assert 0.7 * 11520 < value < 0.85 * 11520, line
        assert "B/s (>= 10368 B/s" in line and line.rstrip().endswith(": fail"), line
    points = [json.loads(s) for s in (out / "throughput.jsonl").read_text().splitlines()]
    assert sorted(p["outcome"] for p in points) == ["fail", "fail"]
    assert (out / "plots" / "throughput-tcp-upload.png").is_file()
    assert (out / "plots" / "throughput-tcp-download.png").is_file()
