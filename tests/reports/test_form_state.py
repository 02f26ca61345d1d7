"""The state of a form from its tests' declarations and check records (reports/form_state.py), and the
reading of an older summary (reports/summary_legacy.py)."""

from __future__ import annotations

import pytest

from reports.checks import CheckRecord
from reports.form_state import (
    COUNT_KEYS,
    STATES,
    FormRef,
    combine_states,
    split_form_state,
    state_of_test,
    unchecked_declarations,
)
from reports.summary import Summary
from reports.summary_legacy import upgrade

OK = CheckRecord("AT+CWMODE/query", "response", "expect.ok", True)
BAD = CheckRecord("AT+CWMODE/query", "response", "expect.ok", False, "expected: +CWMODE:<mode>")
REFUSED = CheckRecord("AT+CWMODE/query", "refusal", "expect.error", True)
URC = CheckRecord("WIFI GOT IP", "urc", "urc", True)


@pytest.mark.parametrize(
    ("outcome", "declared", "records", "state"),
    [
        ("passed", True, [], "declared-unchecked"),
        ("passed", False, [], None),
        ("passed", False, [OK], "checked-pass"),
        ("passed", True, [REFUSED], "refusals only"),
        ("passed", True, [REFUSED, OK], "checked-pass"),
        ("passed", False, [URC], None),
        ("passed", True, [BAD], "declared-unchecked"),  # the test caught its own mismatch
        ("passed", False, [BAD], None),
        ("failed", True, [BAD], "checked-fail"),
        ("failed", True, [OK], "test-failed"),
        ("error", True, [], "test-failed"),
        ("xpassed", True, [OK], "test-failed"),
        ("xfailed", True, [BAD], "xfail"),
        ("xfailed", True, [], "declared-unchecked"),
        ("skipped", True, [], "skipped"),
    ],
)
def test_state_of_one_test(
    outcome: str, declared: bool, records: list[CheckRecord], state: str | None
) -> None:
    assert state_of_test(outcome, declared, records) == state


def test_combine_prefers_failures_then_checks() -> None:
    assert combine_states([]) == "not covered"
    assert combine_states([None]) == "not covered"
    assert combine_states(["skipped", "declared-unchecked"]) == "declared-unchecked"
    assert combine_states(["refusals only", "declared-unchecked"]) == "refusals only"
    assert combine_states(["test-failed", "checked-pass"]) == "checked-pass"
    assert combine_states(["checked-pass", "xfail"]) == "xfail"
    assert combine_states(["checked-pass", "checked-fail", "xfail"]) == "checked-fail"
    assert set(STATES) == set(COUNT_KEYS)


def test_a_split_form_is_checked_only_when_every_variant_is() -> None:
    assert split_form_state("declared-unchecked", []) == "declared-unchecked"
    assert split_form_state("not covered", ["checked-pass", "checked-pass"]) == "checked-pass"
    assert split_form_state("not covered", ["checked-pass", "skipped"]) == "partly checked"
    assert split_form_state("checked-pass", ["not covered", "not covered"]) == "partly checked"
    assert split_form_state("not covered", ["skipped", "not covered"]) == "skipped"
    assert split_form_state("not covered", ["checked-pass", "checked-fail"]) == "checked-fail"
    assert split_form_state("xfail", ["checked-pass"]) == "xfail"


def test_unchecked_declarations() -> None:
    save = FormRef("AT+SAVETRANSLINK", "set")
    udp = FormRef("AT+SAVETRANSLINK", "set", "savetrans-udp")
    ble = FormRef("AT+SAVETRANSLINK", "set", "savetrans-ble")
    mode = FormRef("AT+CWMODE", "query")
    udp_ok = CheckRecord(udp.key, "response", "expect.ok", True)
    assert unchecked_declarations([save, udp, ble, mode], [udp_ok, BAD]) == [ble, mode]
    assert unchecked_declarations([mode], [REFUSED]) == []
    assert unchecked_declarations([mode], [URC, BAD]) == [mode]
    # a variant needs its own record: one of the whole form is not one of the variant
    assert unchecked_declarations([udp], [CheckRecord(save.key, "response", "expect.ok", True)]) == [udp]


def _legacy_summary() -> dict:
    form = {
        "command": "AT+SAVETRANSLINK", "section": "3.1.9", "kind": "set", "key": "AT+SAVETRANSLINK/set",
        "result": "pass", "tests": ["t_udp", "t_plain"],
        "variants": [
            {"variant": "savetrans-udp", "result": "pass", "tests": ["t_udp"]},
            {"variant": "savetrans-ble", "result": "skip", "tests": []},
        ],
    }  # fmt: skip
    return {
        "schema_version": 2,
        "rig": {"name": "sim", "path": None, "description": "", "boards": []},
        "firmware": [],
        "started": "2026-11-25T02:00:00Z",
        "finished": "2026-11-25T02:01:00Z",
        "duration_s": 60.0,
        "totals": {"passed": 2, "failed": 0, "error": 0, "skipped": 0, "xfailed": 0, "xpassed": 0},
        "command_sets": [
            {
                "name": "basic",
                "chapter": "3.1",
                "title": "Basic AT Commands",
                "forms_in_guide": 1,
                "forms_covered": 1,
                "forms_failed": 0,
                "tests": {"passed": 2, "failed": 0, "error": 0, "skipped": 0, "xfailed": 0, "xpassed": 0},
                "skips": [],
                "forms": [form],
            }  # fmt: skip
        ],
        "tests": [],
    }


def test_a_schema_2_summary_reads_as_declared_not_checked() -> None:
    summary = Summary.model_validate(_legacy_summary())
    assert summary.schema_version == 3
    cs = summary.command_sets[0]
    form = cs.forms[0]
    # a passing declaration was never known to be checked
    assert [(v.variant, v.state) for v in form.variants] == [
        ("savetrans-udp", "declared-unchecked"),
        ("savetrans-ble", "skipped"),
    ]
    assert form.state == "declared-unchecked"
    assert [t.id for t in form.tests] == ["t_plain"]
    assert (cs.forms_in_guide, cs.forms_checked, cs.forms_declared_unchecked) == (1, 0, 1)
    assert summary.form_totals.forms_declared_unchecked == 1
    assert upgrade({"schema_version": 3, "x": 1}) == {"schema_version": 3, "x": 1}
    assert upgrade({"x": 1}) == {"x": 1}  # built in code: the current schema


def test_the_per_set_counts_partition_every_form_of_the_guide() -> None:
    """Over a large synthetic run (every form, some failing, skipped, declared only), each set's state counts
    add up to its forms_in_guide, and the totals to the guide's 309 forms."""
    from datetime import UTC, datetime

    from reports.summary import RigInfo, SummaryBuilder, TestResult
    from spec import COMMAND_SETS, load_spec
    from tests.reports.synthetic import big_run

    builder = SummaryBuilder(load_spec(), COMMAND_SETS)
    for i, t in enumerate(big_run(600)):
        checks = t.checks if i % 7 else []  # every 7th test declares its form and checks nothing
        builder.add(TestResult(t.id, t.outcome, forms=t.forms, command_sets=t.command_sets, checks=checks))
    now = datetime.now(UTC)
    s = builder.build(
        rig=RigInfo(name="r", path=None, description="", boards=[]), firmware=[], started=now, finished=now
    )
    assert len(s.command_sets) == 14
    for cs in s.command_sets:
        assert sum(getattr(cs, key) for key in COUNT_KEYS.values()) == cs.forms_in_guide == len(cs.forms)
    totals = s.form_totals
    assert totals.forms_in_guide == 309 == sum(getattr(totals, key) for key in COUNT_KEYS.values())
    assert totals.forms_checked and totals.forms_declared_unchecked and totals.forms_failed


def test_a_check_record_of_no_form_of_the_guide_is_listed_as_unknown() -> None:
    from datetime import UTC, datetime

    from reports.summary import RigInfo, SummaryBuilder, TestResult
    from spec import COMMAND_SETS, load_spec

    builder = SummaryBuilder(load_spec(), COMMAND_SETS)
    typo = CheckRecord("AT+CWMODE/qeury", "response", "expect.ok", True)
    builder.add(TestResult("t", "passed", checks=[typo, OK, URC]))
    now = datetime.now(UTC)
    s = builder.build(
        rig=RigInfo(name="r", path=None, description="", boards=[]), firmware=[], started=now, finished=now
    )
    assert s.unknown_forms == ["AT+CWMODE/qeury"]
