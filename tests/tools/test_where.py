"""``python -m tools.where``: the spec entry, the simulator's handler (found in sim/'s sources, never by
importing sim/) and the last run's tests of each form of a command."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from reports.checks import CheckRecord
from reports.summary import FormRef, RigInfo, SummaryBuilder, TestResult
from spec import COMMAND_SETS, load_spec
from tools.where import ROOT, Handler, handlers_in_source, main, scan_handlers

MODULE = """
from sim.at.registry import command
from sim.commands.other import IMPORTED

CIPX = command("AT+CIPX", section="3.3.99")
CIPY = command("AT+CIPY")


@CIPX.query
async def cipx_query(ctx):
    pass


@CIPX.set
def cipx_set(ctx):
    pass


def _pair(cmd, attr):
    @cmd.query
    async def query(ctx):
        pass


CIPY.execute(lambda ctx: None)
_pair(CIPY, "y")
IMPORTED.set(cipx_set)
"""


def test_handlers_in_source_finds_decorators_calls_factories_and_imports() -> None:
    found = handlers_in_source(MODULE, "sim/commands/x.py", {"IMPORTED": "AT+OTHER"})
    assert [(h.command, h.kind, h.line, h.function) for h in found] == [
        ("AT+CIPX", "query", 10, "cipx_query"),
        ("AT+CIPX", "set", 15, "cipx_set"),
        ("AT+CIPY", "execute", 25, "lambda ctx: None"),
        ("AT+CIPY", "query", 21, "_pair.query"),
        ("AT+OTHER", "set", 27, "cipx_set"),
    ]


def test_every_form_of_basic_wifi_tcpip_has_a_handler_in_the_simulator() -> None:
    """The scan finds the simulator's whole command table of 3.1-3.3 (``+++`` is no command of it)."""
    have = {(h.command, h.kind) for h in scan_handlers(ROOT)}
    missing = [
        (c.name, f.kind.value)
        for c, f in load_spec().forms()
        if c.command_set in ("basic", "wifi", "tcpip") and (c.name, f.kind.value) not in have
    ]
    assert missing == [("+++", "special")]
    assert Handler("AT+CIPSEND", "execute", "sim/commands/tcpip_passthrough.py", 0, "") < Handler(
        "AT+CIPSEND", "set", "", 0, ""
    )
    # sim/commands/tcpip_send.py declares AT+CIPSEND; tcpip_passthrough.py attaches its execute form
    by_kind = {h.kind: h.path for h in scan_handlers(ROOT) if h.command == "AT+CIPSEND"}
    assert by_kind == {"set": "sim/commands/tcpip_send.py", "execute": "sim/commands/tcpip_passthrough.py"}


def _summary(path: Path) -> Path:
    builder = SummaryBuilder(load_spec(), COMMAND_SETS)
    ok = CheckRecord("AT+CIPSEND/set", "response", "expect.ok", True)
    builder.add(TestResult("t_send", "passed", forms=(FormRef("AT+CIPSEND", "set"),), checks=[ok, ok]))
    builder.add(TestResult("t_claims", "passed", forms=(FormRef("AT+CIPSEND", "execute"),)))
    bad = CheckRecord("AT+CIPSEND/execute", "refusal", "expect.error", False)
    builder.add(TestResult("t_broken", "failed", checks=[bad]))
    now = datetime(2026, 12, 7, tzinfo=UTC)
    summary = builder.build(
        rig=RigInfo(name="sim", path=None, description="", boards=[]), firmware=[], started=now, finished=now
    )
    path.write_text(summary.model_dump_json(), encoding="utf-8")
    return path


def test_where_prints_spec_handler_and_the_last_run(tmp_path: Path, capsys) -> None:
    summary = _summary(tmp_path / "summary.json")
    assert main(["at+cipsend", "--summary", str(summary)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AT+CIPSEND  (3.3.8, tcpip)")
    set_part, execute_part = out.split("[execute]")
    # the spec entry: syntax and response templates as spec/data holds them
    assert "    > AT+CIPSEND=<length>" in set_part and "      | Recv <length> bytes" in set_part
    assert "sim/commands/tcpip_send.py:" in set_part and "cipsend_set" in set_part
    assert "state in the last run: checked-pass" in set_part
    assert "    checked-pass       passed   t_send  [response expect.ok x2]" in set_part
    assert "sim/commands/tcpip_passthrough.py:" in execute_part
    assert "state in the last run: checked-fail" in execute_part
    assert "    declared-unchecked passed   t_claims" in execute_part
    assert "    checked-fail       failed   t_broken  [refusal expect.error (not matched)]" in execute_part


def test_where_without_a_summary_and_with_an_unknown_command(tmp_path: Path, capsys) -> None:
    assert main(["AT+CWMODE", "--summary", str(tmp_path / "none.json")]) == 0
    out = capsys.readouterr().out
    assert "[query]" in out and "[set]" in out and "sim/commands/wifi" in out
    assert f"no summary at {tmp_path / 'none.json'}" in out
    assert main(["AT+NOPE"]) == 2
    assert "no command 'AT+NOPE'" in capsys.readouterr().err


def test_where_is_a_module_with_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.where", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0 and "--summary PATH" in done.stdout, done.stdout + done.stderr
