"""The throughput suite against a simulated board whose UART a fault rule slows by 20 % (sim/FAULTS.md,
``slow_uart``): the TCP passthrough transfers and the UDP AT+CIPSEND upload must fail with the measured
value, the limit and the units, the plot must still be drawn with the failed points, and the board must be back at the rig's rate after the
failures (AT+UART_CUR? read by a test that runs after them).

An inner pytest run of suites/throughput on a copy of rigs/sim.yaml with the fault and a one-rate ladder
(921600, not the rig's 115200, so that the line is switched and must be restored), judged as a bench is:
without the sim rig's ``host_stalls`` (suites/throughput/stalls.py), so that a busy host running this
self-test cannot make the slow board pass; the hard limits and the retries are the rig's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

#: Runs after the failed transfers: the board answers at the rig's rate and reports it (3.1.10 query; the
#: rate read back may differ a little from the one set, clock division).
AFTER = """
import pytest

@pytest.mark.throughput
def test_line_restored(dut, esp_board):
    r = dut.cmd("AT+UART_CUR?")
    line = next(x for x in r.lines if x.startswith("+UART_CUR:"))
    baud = int(line.split(":")[1].split(",")[0])
    assert abs(baud - esp_board.config.baud) <= esp_board.config.baud // 100, line
"""


@pytest.mark.slow
def test_a_20_percent_slower_uart_fails_with_value_limit_and_units(pytester: pytest.Pytester) -> None:
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    (pytester.path / "slow.yaml").write_text("rules:\n  - {kind: slow_uart, factor: 0.8}\n")
    rig["boards"][0]["sim"]["faults"] = "slow.yaml"
    rig["targets"]["throughput"]["bauds"] = [921600]
    rig["targets"]["throughput"].pop("host_stalls", None)
    rig_path = pytester.path / "slow-rig.yaml"
    rig_path.write_text(yaml.safe_dump(rig))
    out = pytester.path / "out"
    after = pytester.makepyfile(test_zz_after=AFTER)
    result = pytester.runpytest_subprocess(
        str(ROOT / "suites" / "throughput" / "test_throughput.py"),
        str(after),
        "--rootdir", str(ROOT), "-p", "no:cacheprovider", "--rig", str(rig_path),
        "-c", str(ROOT / "pytest.ini"), "-m", "throughput", "-k",
        "tcp and passthrough or udp-upload-cipsend and not cipsendl or line_restored",
        f"--summary={out / 'summary.json'}", f"--transcripts={out / 'transcripts'}",
        timeout=240,
    )  # fmt: skip
    result.assert_outcomes(failed=3, passed=1)
    text = result.stdout.str()
    # 921600 baud 8N1 carries 92160 B/s; the rig asks TCP passthrough for 90 % of it (82944 B/s) and the
    # other modes for 85 % (78336 B/s).
    for name, lower in (
        ("tcp-upload-passthrough-921600", 82944),
        ("tcp-download-passthrough-921600", 82944),
        ("udp-upload-cipsend-921600", 78336),
    ):
        line = next(ln for ln in text.splitlines() if f"measurement out of limits: {name} = " in ln)
        value = float(line.split(f"{name} = ")[1].split()[0])
        assert 0.7 * 92160 < value < 0.85 * 92160, line
        assert f"B/s (>= {lower} B/s" in line and line.rstrip().endswith("every attempt out of limits)"), line
        # rigs/sim.yaml re-measures twice (targets.throughput.retries): a truly slow UART fails all three.
        assert "(attempt 3 of 3;" in line, line
    points = [json.loads(s) for s in (out / "throughput.jsonl").read_text().splitlines()]
    assert sorted(p["outcome"] for p in points) == ["fail", "fail", "fail"]
    assert (out / "plots" / "throughput-tcp-upload.png").is_file()
    assert (out / "plots" / "throughput-udp-upload.png").is_file()
    assert (out / "plots" / "throughput-tcp-download.png").is_file()
