"""Acceptance of issue 19's bisection on the simulator: over the six personas (tools/bisect/personas.yaml),
each judged by the v5.0.0.0 guide, the bisection of a selection that exercises a documented behaviour change
lands on the release whose guide first documents it, within the two ends plus ceil(log2(5)) steps.

Each change is a `python -m spec diff` line between two adjacent releases (the release named is the newer):
a command or a form the older guide has no section for, which that older persona answers as unsupported.
Re-runs of bad steps are left out here (``--reruns 0``, tests/tools/test_bisect_search.py covers them): a
verdict table of five bad builds would triple the run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.bisect.__main__ import main

ROOT = Path(__file__).resolve().parents[2]

#: (selection, the release that introduced the behaviour, the `spec diff` line that documents it)
CHANGES = [
    ("suites/tcpip/test_tcpip_config.py::test_query_default[AT+CIPSTATE/query/default]", "v2.4.0.0",
     "spec diff v2.2.0.0_esp32 v2.4.0.0: + AT+CIPSTATE (3.3.2) command added"),
    ("suites/basic/test_queries.py::test_query_matches_template[AT+SYSMFG/query]", "v3.2.0.0",
     "spec diff v2.4.0.0 v3.2.0.0: + AT+SYSMFG (3.1.18) command added"),
    ("suites/wifi/test_queries.py::test_query_matches_template[AT+CWAUTOCONN/query]", "v3.4.0.0",
     "spec diff v3.2.0.0 v3.4.0.0: AT+CWAUTOCONN (3.2.14) form added [query]"),
    ("suites/wifi/test_queries.py::test_query_matches_template[AT+CWCONFIG/query]", "v4.1.1.0",
     "spec diff v3.4.0.0 v4.1.1.0: + AT+CWCONFIG (3.2.4) command added"),
    ("suites/wifi/test_queries.py::test_query_matches_template[AT+CWBANDWIDTH/query]", "v5.0.0.0",
     "spec diff v4.1.1.0 v5.0.0.0: + AT+CWBANDWIDTH (3.2.4) command added"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("selection", "introduced", "documented"), CHANGES, ids=[c[1] for c in CHANGES])
def test_bisection_finds_the_release_that_introduced_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], selection: str, introduced: str, documented: str
) -> None:
    out = tmp_path / "bisect"
    status = main([
        "--manifest", str(ROOT / "tools" / "bisect" / "personas.yaml"), "--rig", str(ROOT / "rigs" / "sim-v4.1.1.0.yaml"),
        "--release", "v5.0.0.0", "--reruns", "0", "--out", str(out), selection,
    ])  # fmt: skip
    report = json.loads((out / "bisect.json").read_text(encoding="utf-8"))
    assert status == 0, capsys.readouterr().out
    assert report["outcome"] == "found", report
    assert report["first_good"] == introduced, f"{documented}: {report}"
    assert report["builds_run"] <= report["max_steps"] == 5
    assert {s["judged_against"][0] for s in report["steps"]} == {"v5.0.0.0"}
    # what the older build printed differently: the unsupported command's ERROR against the answer
    assert any(line.startswith("-") and "ERROR" in line for line in report["transcript_diff"]), report
    # and the guide's own word for it: `spec diff` of the two builds' releases, narrowed to the test's forms
    pair, line = documented.split(": ", 1)
    assert report["spec_diff"]["command"] == f"python -m {pair}", report["spec_diff"]
    assert line.split(" (")[0].lstrip("+ ") in "\n".join(report["spec_diff"]["lines"]), report["spec_diff"]
