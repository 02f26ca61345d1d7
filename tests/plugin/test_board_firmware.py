"""A board whose AT+GMR disagrees with the rig's ``firmware`` stops before any test, naming expected and
reported values (fixtures/boards.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin.plugin_helpers import run

ROOT = Path(__file__).resolve().parents[2]


def test_firmware_mismatch_stops_the_board_before_any_test(pytester: pytest.Pytester) -> None:
    text = (ROOT / "rigs" / "sim.yaml").read_text()
    assert "firmware: {at_version: 5.0.0.0, module: WROOM-32}" in text
    rig = pytester.path / "rig.yaml"
    rig.write_text(text.replace("at_version: 5.0.0.0,", "at_version: 4.1.1.0,"))
    pytester.makepyfile("def test_a(dut):\n    pass\n\ndef test_b(dut):\n    pass\n")
    result = run(pytester, rig)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*board sim: firmware is not what the rig expects: AT version: expected '4.1.1.0', "
            "the board reports '5.0.0.0'*",
            "*AT+GMR reported:*",
            "*AT version:5.0.0.0(*",
        ]
    )


def test_matching_firmware_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_a(dut):\n    dut.cmd('AT').assert_ok()\n")
    run(pytester, ROOT / "rigs" / "sim.yaml").assert_outcomes(passed=1)
