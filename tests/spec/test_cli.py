"""`python -m spec stats | show` (called in-process through spec.__main__.main)."""

from __future__ import annotations

import json

import pytest

from spec.__main__ import main


def test_stats_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["commands"], data["forms"], data["syntax_blocks"]) == (210, 309, 320)
    for key in ("examples", "urcs", "error_codes", "command_sets"):
        assert key in data
    assert data["command_sets"]["tcpip"]["commands"] == 39
    assert data["command_sets"]["basic"]["commands"] == 26
    assert data["forms_by_kind"]["special"] == 1


def test_show_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "AT+CIPSTART"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AT+CIPSTART  (3.3.5, tcpip)")
    assert '> AT+CIPSTART=<"type">,<"remote host">,<remote port>' in out
    assert '<"remote host">' in out and "[set]" in out


def test_show_by_alias(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "CIPRECVTYPE"]) == 0
    assert capsys.readouterr().out.startswith("AT+CIPRECVMODE  (3.3.34")


def test_show_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "AT+NOPE"]) == 1
    assert "no command 'AT+NOPE'" in capsys.readouterr().err
