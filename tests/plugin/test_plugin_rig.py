"""The plugin's start-up: rig file errors, --board, worker allocation, capability skips."""

from __future__ import annotations

import pytest

from tests.plugin.plugin_helpers import run, serial_rig


def test_bad_rig_file_stops_the_run_naming_file_and_field(pytester: pytest.Pytester) -> None:
    rig = pytester.path / "bad.yaml"
    rig.write_text(
        "boards:\n  - {id: a, kind: sim}\n  - {id: b, kind: serial, port: /dev/ttyUSB0, baud: fast}\n"
    )
    pytester.makepyfile("def test_never():\n    raise AssertionError('must not run')\n")
    result = run(pytester, rig)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*bad rig file:*", '*bad.yaml: boards[[]1[]].baud: expected an integer in 80..5000000, got "fast"']
    )
    assert "must not run" not in result.stdout.str()


def test_unknown_key_in_rig_file(pytester: pytest.Pytester) -> None:
    rig = pytester.path / "typo.yaml"
    rig.write_text("boards:\n  - {id: a, kind: sim, bauds: 9600}\n")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = run(pytester, rig)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*typo.yaml: boards[[]0[]].bauds: unknown key; expected one of: id, kind, *"]
    )


def test_board_option_must_name_a_rig_board(pytester: pytest.Pytester) -> None:
    rig = serial_rig(pytester, ("a", "socket://127.0.0.1:9", []))
    pytester.makepyfile("def test_x():\n    pass\n")
    result = run(pytester, rig, "--board", "zz")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--board zz: rig bench.yaml has no board 'zz'; it has a*"])


def test_more_workers_than_boards_is_a_clear_error(pytester: pytest.Pytester) -> None:
    rig = serial_rig(pytester, ("a", "socket://127.0.0.1:9", []))
    pytester.makepyfile("def test_x(dut):\n    pass\n")
    result = run(pytester, rig, "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*rig bench.yaml has 1 board (a) for 2 xdist workers*gw1 has none. Run with -n 1 or fewer*"]
    )


def test_missing_capability_skips_with_the_reason(pytester: pytest.Pytester) -> None:
    rig = serial_rig(pytester, ("a", "socket://127.0.0.1:9", ["wifi-sta", "wifi-softap"]))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.requires("softap-station")
        def test_needs_station():
            raise AssertionError("must be skipped")

        @pytest.mark.requires("wifi-sta", "wifi-softap")
        def test_has_both():
            pass

        @pytest.mark.ble
        def test_ble_set_needs_ble():
            raise AssertionError("must be skipped")

        @pytest.mark.requires("wfi-sta")
        def test_typo():
            pass
        """
    )
    # Command-set markers are the project's (pytest.ini); requires() the plugin registers itself.
    pytester.makeini("[pytest]\nmarkers =\n    ble: 3.4 Bluetooth LE AT commands\n")
    result = run(pytester, rig, "-rsE", "--strict-markers")
    result.assert_outcomes(passed=1, skipped=2, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED*rig bench.yaml lacks capability softap-station (board a)",
            "SKIPPED*rig bench.yaml lacks capability ble (board a)",
            "*requires('wfi-sta'): not a known capability*",
        ]
    )


def test_esp_rig_exposes_known_values(pytester: pytest.Pytester) -> None:
    rig = pytester.path / "r.yaml"
    rig.write_text(
        "boards:\n  - {id: a, kind: sim}\n"
        "network:\n  host_address: 127.0.0.2\n  access_points: [{ssid: lab, password: lab-pass-1}]\n"
        "targets:\n  timeouts: {join: 42}\n"
    )
    pytester.makepyfile(
        """
        def test_values(esp_rig, esp_ap):
            assert esp_rig.name == "r.yaml"
            assert str(esp_rig.network.host_address) == "127.0.0.2"
            assert esp_rig.targets.timeouts.join == 42.0
            assert (esp_ap.ssid, esp_ap.password) == ("lab", "lab-pass-1")
        """
    )
    run(pytester, rig).assert_outcomes(passed=1)


def test_unset_password_env_is_an_error_not_a_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_LAB_PW", raising=False)
    rig = pytester.path / "r.yaml"
    rig.write_text(
        "boards:\n  - {id: a, kind: serial, port: /dev/null}\n"
        "network:\n  access_points: [{ssid: lab, password_env: NO_SUCH_LAB_PW}]\n"
    )
    pytester.makepyfile("def test_join(esp_ap):\n    pass\n")
    result = run(pytester, rig)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*rig r.yaml: access point 'lab': environment variable NO_SUCH_LAB_PW*is not set*"]
    )


def test_worker_count_respects_maxprocesses(pytester: pytest.Pytester) -> None:
    rig = serial_rig(pytester, ("a", "socket://127.0.0.1:9", []))
    pytester.makepyfile("def test_x():\n    pass\n")
    # -n 2 capped to one worker by --maxprocesses: one board is enough.
    run(pytester, rig, "-n", "2", "--maxprocesses", "1").assert_outcomes(passed=1)
