"""Every robustness case can fail: run it against a simulator that a fault rule (sim/FAULTS.md) makes
mishandle the input the case sends, and require the case to fail.

:data:`FAULTS` maps each case of suites/robustness to the fault that proves it: input rules
(``wedge_after_line``: the engine wedges after such a line; ``lose_data_bytes``: data bytes lost),
``ignore_guard_time`` (``+++`` taken wherever it comes), and output rules on what the board reports (an
answer of OK to a malformed line, a dropped ``CLOSED``, a doubled or dropped ``+IPD``, a ghost ``+IPD``
after ``ready``). Each fault runs in an inner pytest of the named cases on a copy of rigs/sim.yaml that
names the faults file (as tests/reports/test_plots_slow_uart.py does).

``test_representative_faults`` runs three of them (a malformed line, a ``+++`` edge, an +IPD flood) in
under a minute; ``test_every_case_can_fail`` runs the whole table (about ten minutes) when the environment
has ``ESP_ROBUSTNESS_ALL_FAULTS=1``:

    ESP_ROBUSTNESS_ALL_FAULTS=1 .venv/bin/python -m pytest tests/robustness -n 0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "suites" / "robustness"


@dataclass(frozen=True)
class Proof:
    """A fault and the cases (test names, as ``-k`` takes them) it must make fail."""

    id: str
    rules: list[dict]
    cases: tuple[str, ...]


def _wedge(match: str) -> list[dict]:
    return [{"kind": "wedge_after_line", "match": match}]


FAULTS: list[Proof] = [
    # malformed lines: the board takes them for commands, or its parser chokes on them
    Proof(
        "malformed-line-answered-ok",
        [{"kind": "replace", "match": "^ERROR$", "command": "", "with": "OK"}],
        ("test_binary_garbage_line", "test_garbage_burst", "test_unterminated_bytes_join_the_next_line"),
    ),
    Proof("wedge-on-high-bytes", _wedge(r"[\x80-\xff]"), ("test_binary_garbage_line",)),
    Proof("wedge-on-nul", _wedge(r"\x00"), ("test_nul_bytes_in_line",)),
    Proof("wedge-on-overlong-line", _wedge(r"[^\n]{257}"), ("test_overlong_line",)),
    Proof("wedge-on-backslash", _wedge(r"\\"), ("test_unterminated_string_parameter",)),
    # data mode and passthrough
    Proof(
        "data-loses-nul",
        [{"kind": "lose_data_bytes", "match": r"\x00"}],
        ("test_prompt_data_with_traps", "test_passthrough_with_traps"),
    ),
    Proof(
        "plus-without-guard-time",
        [{"kind": "ignore_guard_time"}],
        (
            "test_plus_glued_to_prompt_data",
            "test_plus_glued_in_passthrough",
            "test_plus_typed_slowly_in_passthrough",
            "test_plus_behind_a_burst_still_on_the_wire",
        ),
    ),
    Proof("data-loses-plus", [{"kind": "lose_data_bytes", "match": r"\+"}], ("test_cancel_then_send_again",)),
    # bytes while busy
    Proof(
        "wedge-after-a-long-command",
        _wedge("HTTPCLIENT"),
        (
            "test_line_during_a_running_command_is_busy",
            "test_generated_lines_during_a_running_command",
            "test_bytes_without_terminator_during_a_running_command",
        ),
    ),
    Proof("wedge-on-boot-window-bytes", _wedge("#junk"), ("test_lines_in_the_boot_window",)),
    # peers and floods
    Proof("closed-dropped", [{"kind": "drop_urc", "match": "^0,CLOSED$"}], ("test_peer_resets_mid_upload",)),
    # occurrence counts from each command line (sim/FAULTS.md): "the Nth" is the Nth since the last command,
    # so the rules below that target a late cycle of a loop use the first occurrence after each command
    Proof(
        "ipd-doubled",
        [{"kind": "duplicate", "match": r"^\+IPD", "occurrence": 1}],
        ("test_ipd_flood_while_commands_run",),
    ),
    Proof(
        "first-ipd-doubled",
        [{"kind": "duplicate", "match": r"^\+IPD", "occurrence": 1}],
        ("test_peer_resets_mid_download",),
    ),
    Proof(
        "ipd-dropped",
        [{"kind": "drop", "match": r"^\+IPD", "occurrence": 1}],
        ("test_peer_stalls_mid_download",),
    ),
    Proof(
        "ipd-of-link-1-dropped",
        [{"kind": "drop", "match": r"^\+IPD,1,", "occurrence": 1}],
        ("test_ipd_flood_on_two_links",),
    ),
    # churn and restarts
    Proof(
        "connect-dropped",
        [{"kind": "drop", "match": "^CONNECT$", "occurrence": 1}],
        ("test_open_close_cycles",),
    ),
    Proof(
        "link-3-closed-dropped",
        [{"kind": "drop", "match": "^3,CLOSED$", "occurrence": 1}],
        ("test_five_links_churn",),
    ),
    Proof(
        "client-closed-dropped",
        [{"kind": "drop_urc", "match": "^0,CLOSED$", "occurrence": 60}],
        ("test_server_side_churn",),
    ),
    Proof(
        "ghost-ipd-after-ready",
        [{"kind": "insert_after", "match": "^ready$", "with": "+IPD,5:ghost"}],
        ("test_restart_during_a_download",),
    ),
]

#: fault id -> the one case the quick self-test runs under it
REPRESENTATIVE = {
    "malformed-line-answered-ok": "test_garbage_burst",
    "plus-without-guard-time": "test_plus_typed_slowly_in_passthrough",
    "ipd-doubled": "test_ipd_flood_while_commands_run",
}


def run_with_fault(pytester: pytest.Pytester, proof: Proof, cases: tuple[str, ...]) -> pytest.RunResult:
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    (pytester.path / "faults.yaml").write_text(yaml.safe_dump({"rules": proof.rules}))
    rig["boards"][0]["sim"]["faults"] = "faults.yaml"
    rig_path = pytester.path / "faulty-rig.yaml"
    rig_path.write_text(yaml.safe_dump(rig))
    out = pytester.path / "out"
    return pytester.runpytest_subprocess(
        str(SUITE), "--rootdir", str(ROOT), "-p", "no:cacheprovider", "-c", str(ROOT / "pytest.ini"),
        "--rig", str(rig_path), "-m", "robustness", "-k", " or ".join(cases), "--tb=line",
        "-W", "ignore::hypothesis.errors.HypothesisWarning",
        f"--summary={out / 'summary.json'}", f"--transcripts={out / 'transcripts'}",
        timeout=600,
    )  # fmt: skip


def assert_cases_fail(result: pytest.RunResult, proof: Proof, cases: tuple[str, ...]) -> None:
    text = result.stdout.str()
    failed = [line for line in text.splitlines() if line.startswith("FAILED ")]
    for case in cases:
        assert any(f"::{case}" in line for line in failed), (
            f"fault {proof.id} ({proof.rules}): {case} did not fail; FAILED lines: {failed}\n{text[-3000:]}"
        )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) == 0, f"fault {proof.id}: some selected cases passed: {outcomes}"


@pytest.mark.parametrize("proof", [p for p in FAULTS if p.id in REPRESENTATIVE], ids=lambda p: p.id)
def test_representative_faults(pytester: pytest.Pytester, proof: Proof) -> None:
    case = REPRESENTATIVE[proof.id]
    assert_cases_fail(run_with_fault(pytester, proof, (case,)), proof, (case,))


#: The whole table takes about ten minutes (each failing case waits out its timeouts): run on demand.
ALL_FAULTS = "ESP_ROBUSTNESS_ALL_FAULTS"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get(ALL_FAULTS), reason=f"the whole fault table runs with {ALL_FAULTS}=1")
@pytest.mark.parametrize("proof", FAULTS, ids=lambda p: p.id)
def test_every_case_can_fail(pytester: pytest.Pytester, proof: Proof) -> None:
    assert_cases_fail(run_with_fault(pytester, proof, proof.cases), proof, proof.cases)


def test_the_table_names_every_case() -> None:
    """Every test function of suites/robustness is proved by some fault, and every name is a test."""
    import ast

    names = {
        node.name
        for path in SUITE.glob("test_*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    proved = {case for proof in FAULTS for case in proof.cases}
    assert names - proved == set(), f"robustness cases no fault proves: {sorted(names - proved)}"
    assert proved - names == set(), f"names in FAULTS that are no test: {sorted(proved - names)}"
