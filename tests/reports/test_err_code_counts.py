"""summary.json's per-set ERR CODE provenance counts (reports/summary.py ``_err_code_counts``), built from
check records alone: a test counts once per provenance it holds, in the set of the form it checked; the
distinct verdict counts xfailed tests with a failed inferred record; records without one count nowhere."""

from __future__ import annotations

from datetime import UTC, datetime

from reports import summary as rs
from reports.checks import CheckRecord
from reports.summary import RigInfo, SummaryBuilder
from spec import COMMAND_SETS, load_spec

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rec(form: str, provenance: str, passed: bool = True) -> CheckRecord:
    return CheckRecord(form, "refusal", "err_code", passed, "", provenance)


def _sets(results: list[rs.TestResult]) -> dict[str, object]:
    b = SummaryBuilder(load_spec(), COMMAND_SETS)
    for r in results:
        b.add(r)
    s = b.build(rig=RigInfo(name="r", path="r.yaml", description="", boards=[]), firmware=[], started=T0,
                finished=T0)  # fmt: skip
    return {cs.name: cs for cs in s.command_sets}


def test_counts_per_set_and_provenance() -> None:
    sets = _sets(
        [
            rs.TestResult(
                "t::a", "passed", checks=[_rec("AT+SLEEP/set", "inferred"), _rec("AT+SLEEP/set", "inferred")]
            ),
            rs.TestResult("t::b", "passed", checks=[_rec("AT+UART_CUR/set", "firmware-source")]),
            rs.TestResult("t::c", "xfailed", checks=[_rec("AT+CWMODE/set", "inferred", passed=False)]),
            rs.TestResult("t::d", "passed", checks=[_rec("AT+CWLAPOPT/set", "real-board")]),
            rs.TestResult(
                "t::e", "passed", checks=[CheckRecord("AT+SLEEP/set", "refusal", "expect.error", True)]
            ),
            rs.TestResult(
                "t::f", "passed", checks=[CheckRecord("AT+CWMODE/query", "response", "expect.ok", True)]
            ),
        ]
    )
    basic, wifi, tcpip = sets["basic"], sets["wifi"], sets["tcpip"]
    assert basic.err_code_provenance == {"firmware-source": 1, "inferred": 1}  # t::a counts once
    assert (basic.err_codes_inferred, basic.err_codes_inferred_differs) == (1, 0)
    assert wifi.err_code_provenance == {"real-board": 1, "inferred": 1}
    assert (wifi.err_codes_inferred, wifi.err_codes_inferred_differs) == (1, 1)
    assert tcpip.err_code_provenance == {} and tcpip.err_codes_inferred == 0


def test_a_summary_without_the_counts_still_loads() -> None:
    from reports.summary import CommandSetEntry

    entry = CommandSetEntry.model_validate(
        {"name": "basic", "chapter": "3.1", "title": "Basic", "tests": {}, "skips": [], "forms": []}
    )
    assert (entry.err_code_provenance, entry.err_codes_inferred, entry.err_codes_inferred_differs) == (
        {},
        0,
        0,
    )
