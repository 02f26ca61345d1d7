"""rigs/sim-serial.yaml: simulated boards driven by the serial driver (rigs/boards/simserial.py). A board
that panics on its log port, or hangs, fails exactly that test; the next passes after the bench's hardware
reset (RTS pulse over rfc2217) or, over socket://, after a power cycle."""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs.loader import RigFileError, parse_rig
from tests.plugin.plugin_helpers import junit, run
from tests.plugin.test_crash_and_hang import TESTS, _cases

ROOT = Path(__file__).resolve().parents[2]


def _rig(pytester: pytest.Pytester, faults: str) -> Path:
    (pytester.path / "faults.yaml").write_text(faults)
    text = (ROOT / "rigs" / "sim-serial.yaml").read_text()
    assert text.count("      seed: 1\n") == 2
    text = text.replace("      seed: 1\n", "      seed: 1\n      faults: faults.yaml\n")
    path = pytester.path / "rig.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("board", ["sim-rfc2217", "sim-socket"])
def test_a_panic_on_the_log_port_fails_that_test_only(pytester: pytest.Pytester, board: str) -> None:
    rig = _rig(pytester, "rules:\n  - {kind: panic, match: '^OK$', command: AT+SYSRAM}\n")
    pytester.makepyfile(TESTS)
    result = run(pytester, rig, "--board", board, f"--junitxml={pytester.path / 'junit.xml'}")
    result.assert_outcomes(passed=2, failed=1)
    cases = _cases(junit(pytester.path / "junit.xml"))
    assert cases["test_faulty"][0] and "SW_CPU_RESET" in cases["test_faulty"][1]["esp_crash"]
    assert not cases["test_after"][0] and not cases["test_before"][0]


@pytest.mark.parametrize(
    ("board", "reset"),
    [("sim-rfc2217", "RTS pulse on the AT port"), ("sim-socket", "simulator restarted (power cycle)")],
)
def test_a_hang_fails_that_test_and_the_hardware_reset_brings_the_board_back(
    pytester: pytest.Pytester, board: str, reset: str
) -> None:
    rig = _rig(pytester, "rules:\n  - {kind: stall, match: '^\\+SYSRAM:'}\n")
    pytester.makepyfile(TESTS)
    result = run(pytester, rig, "--board", board, f"--junitxml={pytester.path / 'junit.xml'}")
    result.assert_outcomes(passed=2, failed=1)
    text = next((pytester.path / "transcripts").glob("*test_after.txt")).read_text()
    assert f"board reopened after hardware reset: {reset}" in text


def test_a_serial_board_with_sim_options_needs_a_loopback_url_the_simulator_serves() -> None:
    with pytest.raises(RigFileError, match="needs a loopback socket:// or rfc2217:// 'port'"):
        parse_rig(
            "boards:\n  - {id: b, kind: serial, port: /dev/ttyUSB0, sim: {}}\n"
            "network: {access_points: [{ssid: x, password: sim-only-pass}]}\n",
            "bad.yaml",
        )
