"""Fault checks of the Basic and Wi-Fi suites: the simulator, started with a faults file (sim/FAULTS.md) that
changes one documented response line, report or error code, must make the suite test that checks it fail,
with a message showing what was expected and what came.

Each case runs one test of suites/ in a subprocess against the default sim rig plus the faults file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    pytest.param(
        {"kind": "drop_urc", "match": "^WIFI CONNECTED$"},
        "suites/wifi/test_station.py::test_cwjap_joins_the_rig_ap",
        ["*expected: WIFI CONNECTED*", "*actual:   WIFI GOT IP*"],
        id="AT+CWJAP/set/report-dropped",
    ),
    pytest.param(
        {"kind": "replace", "match": r"^\+CWMODE:", "command": "AT+CWMODE", "with": "+CWMODE:7"},
        "suites/wifi/test_station.py::test_cwmode_reads_back[station]",
        ["*not in enum: <mode>*", "*actual:   +CWMODE:7*"],
        id="AT+CWMODE/query/value-out-of-enum",
    ),
    pytest.param(
        {"kind": "replace", "match": "^ERR CODE:", "command": "AT+TRANSINTVL", "with": "ERR CODE:0x01050000"},
        "suites/basic/test_invalid.py::test_invalid_set[AT+TRANSINTVL/set/out-of-range-interval-max]",
        ["*expected ERR CODE:0x01070000 (ESP_AT_SUB_PARA_INVALID, parameter 0), got ERR CODE:0x01050000*"],
        id="AT+TRANSINTVL/set/wrong-err-code",
    ),
    pytest.param(
        {"kind": "insert_before", "match": r"^\+SYSSTORE:", "with": ["+NOISE:1"]},
        "suites/basic/test_persistence.py::test_sysstore_default",
        ["*expected: +SYSSTORE:<store_mode>*", "*actual:   +NOISE:1*"],
        id="AT+SYSSTORE/query/extra-line",
    ),
]


def faulty_rig(tmp: Path, rule: dict[str, object]) -> Path:
    faults = tmp / "faults.yaml"
    faults.write_text(yaml.safe_dump({"rules": [rule]}))
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    rig["boards"][0]["sim"]["faults"] = str(faults)
    path = tmp / "faulty-sim.yaml"
    path.write_text(yaml.safe_dump(rig))
    return path


@pytest.mark.parametrize(("rule", "test_id", "message"), CASES)
def test_fault_makes_the_suite_fail(
    pytester: pytest.Pytester, rule: dict[str, object], test_id: str, message: list[str]
) -> None:
    rig = faulty_rig(pytester.path, rule)
    result = pytester.runpytest_subprocess(
        str(ROOT / test_id), "--rig", str(rig), "-p", "no:cacheprovider",
        "--summary", str(pytester.path / "summary.json"), "--transcripts", str(pytester.path / "t"),
        timeout=240,
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(message)
