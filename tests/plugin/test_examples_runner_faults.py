"""Fault checks of the TCP/IP suite and the example runner: a simulated board started with a faults file
(sim/FAULTS.md) that changes one documented TCP/IP response line, report or error code must make the test
that covers it fail, with what the guide expects and what came in the message.

Each case runs a few conformance tests in a child pytest against a sim rig whose board has ``faults:``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

#: (id, fault rule, tests to run, texts the failure must show: the expected and the actual)
CASES = [
    (
        "response-line",
        {"kind": "replace", "match": r"^\+CIPMUX:1$", "command": "AT+CIPMUX", "with": "+CIPMUX:2"},
        ["suites/tcpip/test_tcpip_config.py::test_set_then_query[AT+CIPMUX/set/1]"],
        ["+CIPMUX:<mode>", "+CIPMUX:2"],
    ),
    (
        "urc",
        {"kind": "replace", "match": r"^CONNECT$", "with": "CONNECTED"},
        [
            "suites/tcpip/test_tcpip_links.py::test_cipstart_tcp[plain]",
            "suites/examples/test_examples.py::test_example[4.2.1]",
        ],
        ["CONNECT", "CONNECTED"],
    ),
    (
        "ipd",
        {"kind": "replace", "match": r"^\+IPD,4:test$", "with": "+IPD,4:tset"},
        ["suites/examples/test_examples.py::test_example[4.2.1]"],
        ["+IPD,4:test", "tset"],
    ),
    # issue 13 (strict chapter-4 replays): what main let pass, each failing 4.2.1 or 4.2.2 on the simulator
    (
        "got-ip-after-ok",
        {"kind": "hold_until", "match": r"^WIFI GOT IP$", "until": r"^OK$", "command": "AT+CWJAP"},
        ["suites/examples/test_examples.py::test_example[4.2.1]"],
        [
            "expected lines: ['WIFI CONNECTED', 'WIFI GOT IP', '', 'OK']",
            "actual lines:   ['WIFI CONNECTED', '', 'OK']",
        ],
    ),
    (
        "closed-in-cipstart",
        {
            "kind": "insert_after",
            "match": r"^CONNECT$",
            "command": "AT+CIPSTART",
            "with": ["CLOSED", "WIFI DISCONNECT"],
        },
        ["suites/examples/test_examples.py::test_example[4.2.1]"],
        ["expected lines: ['CONNECT', '', 'OK']", "'CONNECT', 'CLOSED', 'WIFI DISCONNECT'"],
    ),
    (
        "recv-count",
        # rewrite keeps the message's framing bytes (the CR LF before Recv): only the count is wrong
        {"kind": "rewrite", "match": r"^Recv 4 bytes$", "from": "Recv 4", "to": "Recv 5"},
        ["suites/examples/test_examples.py::test_example[4.2.1]"],
        ["expected: Recv 4 bytes", "actual:   Recv 5 bytes"],
    ),
    (
        "sta-mac-format",
        {"kind": "replace", "match": r"^\+STA_CONNECTED:", "with": '+STA_CONNECTED:"02:00:00:00:10"'},
        ["suites/examples/test_examples.py::test_example[4.2.2]"],
        ["expected <sta_mac> (mac)", '+STA_CONNECTED:"02:00:00:00:10"'],
    ),
    (
        "err-code",
        {
            "kind": "replace",
            "match": r"^ERR CODE:0x01070000$",
            "command": "AT+CIPMUX",
            "with": "ERR CODE:0x01050000",
        },
        ["suites/tcpip/test_tcpip_config.py::test_invalid_set[AT+CIPMUX/set/out-of-range-mode-max]"],
        ["0x01070000", "0x01050000"],
    ),
]


def _rig(tmp_path: Path, rule: dict) -> Path:
    faults = tmp_path / "faults.yaml"
    faults.write_text(yaml.safe_dump({"rules": [rule]}))
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    rig["boards"][0]["sim"]["faults"] = str(faults)
    path = tmp_path / "faulty-sim.yaml"
    path.write_text(yaml.safe_dump(rig))
    return path


@pytest.mark.parametrize(("rule", "tests", "shown"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_fault_makes_the_covering_test_fail(
    tmp_path: Path, rule: dict, tests: list[str], shown: list[str]
) -> None:
    rig = _rig(tmp_path, rule)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *tests, "--rig", str(rig), "--transcripts", str(tmp_path / "t"),
         "--summary", str(tmp_path / "summary.json"), "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
         "-o", "addopts=", "--tb=short"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    out = run.stdout + run.stderr
    assert run.returncode == 1, (
        f"expected the faulty board to fail the test(s); exit {run.returncode}:\n{out[-3000:]}"
    )
    failed = out.count("FAILED ")
    assert failed >= 1 and f"{len(tests)} passed" not in out, out[-3000:]
    for text in shown:
        assert text in out, f"the failure should show {text!r}:\n{out[-3000:]}"
