"""Pytester self-tests of the strict chapter-4 replays (fixtures/examples.py, issue 13 point 5): example
4.2.1 replayed whole on a scripted board that prints the guide's transcript passes, and each way a board can
depart from that transcript fails the step it breaks, with the expected and the actual lines in the message,
and a failed check record (fixtures.checks) of the form that step invokes.

- a report moved out of its place in the response (WIFI GOT IP after AT+CWJAP's OK; 3.2 AT+CWJAP, 4.2.1);
- reports the guide does not list inside a response (CLOSED and WIFI DISCONNECT in AT+CIPSTART's);
- a ``<sta_mac>`` that is not a MAC address (3.17 +STA_CONNECTED);
- a ``Recv <n> bytes`` whose count is not the bytes sent (3.3 AT+CIPSEND).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.plugin.plugin_helpers import junit

ROOT = Path(__file__).resolve().parents[2]

INNER = """
import pytest

from spec.examples import Example, example
from tests.plugin.example_board import replay

JAP = b"WIFI CONNECTED\\r\\nWIFI GOT IP\\r\\n\\r\\nOK\\r\\n"
CONNECT = b"CONNECT\\r\\n\\r\\nOK\\r\\n"
MODE = b"AT+CWMODE=1\\r\\n\\r\\nOK\\r\\n"
STATION = b'+STA_CONNECTED:"{mac}"\\r\\n+DIST_STA_IP:"{mac}","127.64.0.11"\\r\\n'

FAULTS = {
    "guide": {},
    "got-ip-after-ok": {JAP: b"WIFI CONNECTED\\r\\n\\r\\nOK\\r\\nWIFI GOT IP\\r\\n"},
    "closed-in-cipstart": {CONNECT: b"CONNECT\\r\\nCLOSED\\r\\nWIFI DISCONNECT\\r\\n\\r\\nOK\\r\\n"},
    "recv-count": {b"Recv 4 bytes": b"Recv 5 bytes"},
}


@pytest.mark.parametrize("case", list(FAULTS))
def test_421(case):
    replay(example("4.2.1"), FAULTS[case])


def _station_example():
    # the station-joins reports of 4.2.2, after the command of 4.2.1 that is played first
    reports = next(s for s in example("4.2.2").steps if s.kind == "expect_urc" and "<sta_mac>" in s.lines[0])
    return Example.model_validate({
        "section": "4.2.1", "title": "station reports", "source": {"file": "x", "heading": "x"},
        "command_set": "tcpip", "requires": [], "fidelity": "complete",
        "steps": [{"kind": "command", "line": "AT+CWMODE=1", "response": ["OK"]}, reports.model_dump()],
    })


@pytest.mark.parametrize("mac", ["02:00:00:00:10:01", "02:00:00:00:10", "02-00-00-00-10-01"])
def test_sta_mac(mac):
    replay(_station_example(), {MODE: MODE + STATION.replace(b"{mac}", mac.encode())})
"""

#: case -> (failing step, texts the failure must show: the expected and the actual)
FAILS = {
    "test_421[got-ip-after-ok]": (
        "step 2",
        [
            "expected lines: ['WIFI CONNECTED', 'WIFI GOT IP', '', 'OK']",
            "actual lines:   ['WIFI CONNECTED', '', 'OK']",
        ],
    ),
    "test_421[closed-in-cipstart]": (
        "step 5",
        ["expected lines: ['CONNECT', '', 'OK']", "['CONNECT', 'CLOSED', 'WIFI DISCONNECT', '', 'OK']"],
    ),
    "test_421[recv-count]": ("step 7", ["Recv 4 bytes", "actual lines:   ['Recv 5 bytes', '', 'SEND OK']"]),
    "test_sta_mac[02:00:00:00:10]": (
        "step 2",
        ["expected <sta_mac> (mac)", '+STA_CONNECTED:"02:00:00:00:10"'],
    ),
    "test_sta_mac[02-00-00-00-10-01]": ("step 2", ["expected <sta_mac> (mac)", "02-00-00-00-10-01"]),
}
PASSES = ["test_421[guide]", "test_sta_mac[02:00:00:00:10:01]"]
#: the form each failing step's command invokes, and the category of its check record
FORMS = {"step 2": "AT+CWJAP/set", "step 5": "AT+CIPSTART/set", "step 7": "AT+CIPSEND/set"}


def _inner_run(pytester: pytest.Pytester) -> tuple[str, dict[str, tuple[str, list[dict]]]]:
    """Run the inner cases once; per case, its failure text ("" when it passed) and its check records."""
    pytester.makepyfile(test_inner=INNER)
    xml = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-p", "fixtures.checks", "-p", "no:cacheprovider", f"--junitxml={xml}", "-q", "--tb=short",
        timeout=240,
    )  # fmt: skip
    cases: dict[str, tuple[str, list[dict]]] = {}
    for case in junit(xml).iter("testcase"):
        failure = case.find("failure")
        text = (failure.get("message", "") + (failure.text or "")) if failure is not None else ""
        records = [
            json.loads(p.get("value", "")) for p in case.iter("property") if p.get("name") == "esp_check"
        ]
        cases[case.get("name", "")] = (text, records)
    return result.stdout.str()[-3000:], cases


def test_strict_replays(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # one inner run for every case (a replay takes a fraction of a second, the inner interpreter's start
    # most of the time); the inner test imports tests.plugin.example_board from this checkout
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    out, cases = _inner_run(pytester)
    assert set(cases) == set(PASSES) | set(FAILS), out

    for name in PASSES:
        message, records = cases[name]
        assert not message, f"{name} should pass:\n{message}"
        assert records and all(r["passed"] for r in records), records
    guide = cases["test_421[guide]"][1]
    steps = [r for r in guide if r["category"] == "response"]
    assert [r["check"] for r in steps][:3] == [f"example 4.2.1 step {n}" for n in (1, 2, 3)]
    assert steps[1]["form"] == "AT+CWJAP/set", steps
    assert any(r["category"] == "urc" and r["form"] == "+IPD" and r["passed"] for r in guide), guide

    for name, (step, shown) in FAILS.items():
        message, records = cases[name]
        assert message, f"{name} should fail:\n{out}"
        assert f"example 4.2.1 {step} " in message, message
        for text in shown:
            assert text in message, f"{name}: the failure should show {text!r}:\n{message}"
        failed = [r for r in records if not r["passed"]]
        assert failed and all(r["check"] == f"example 4.2.1 {step}" for r in failed), records
        if name.startswith("test_421"):
            assert failed[0]["form"] == FORMS[step] and failed[0]["category"] == "response", failed
