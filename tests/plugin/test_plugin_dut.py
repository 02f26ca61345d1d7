"""The dut fixture against scripted fake boards: one board per xdist worker, transcripts in files, JUnit
and Allure, AT+GMR lines as run properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer
from tests.plugin.plugin_helpers import fake_sim_rig, junit, run, serial_rig, suite_properties

# Each inner test notes which board and worker it ran on, so the outer test can see the allocation.
NOTE_BOARD = """
import json, os, pathlib

def note(esp_board, name):
    ident = esp_board.identity
    record = {"test": name, "board": ident.board_id, "instance": ident.instance,
              "worker": os.environ.get("PYTEST_XDIST_WORKER", "main")}
    with open(pathlib.Path(__file__).parent / "used.jsonl", "a") as f:
        f.write(json.dumps(record) + "\\n")
"""


def used(pytester: pytest.Pytester) -> list[dict[str, object]]:
    return [json.loads(line) for line in (pytester.path / "used.jsonl").read_text().splitlines()]


def test_each_xdist_worker_gets_its_own_board(pytester: pytest.Pytester) -> None:
    with (
        ScriptedBoardServer(ScriptedBoard(name="alpha")) as a,
        ScriptedBoardServer(ScriptedBoard(name="beta")) as b,
    ):
        rig = serial_rig(pytester, ("alpha", a.url, ["wifi-sta"]), ("beta", b.url, ["wifi-sta"]))
        tests = "\n".join(
            f"def test_{i}(dut, esp_board):\n    dut.cmd('AT').assert_ok()\n    note(esp_board, {i})\n"
            for i in range(6)
        )
        pytester.makepyfile(NOTE_BOARD + tests)
        result = run(pytester, rig, "-n", "2", f"--junitxml={pytester.path / 'j.xml'}")
        result.assert_outcomes(passed=6)
        assert a.connections == 1 and b.connections == 1  # one session per board, kept across tests
    records = used(pytester)
    by_worker = {r["worker"]: r["board"] for r in records}
    assert by_worker == {"gw0": "alpha", "gw1": "beta"}
    # Both boards' AT+GMR lines (3.1: the last one is "Bin version:<version>(<module_name>)") reach the
    # controller's JUnit file as run properties, though only workers talked to the boards.
    props = suite_properties(junit(pytester.path / "j.xml"))
    assert props["alpha.gmr[0]"].startswith("AT version:")
    assert props["alpha.gmr[3]"] == "Bin version:v5.0.0.0(WROOM-32)"
    assert props["beta.gmr[2]"].startswith("compile time(beta)")
    assert props["alpha.at_port"] == a.url


def test_transcript_saved_and_attached_to_junit(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer(ScriptedBoard(name="solo")) as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile(
            """
            def test_version(dut):
                response = dut.cmd("AT+GMR")
                response.assert_ok()
                assert response.lines[0].startswith("AT version:")

            def test_fails(esp_dut):
                assert esp_dut.cmd("AT+NOSUCH").ok, "expected ERROR here"
            """
        )
        result = run(pytester, rig, f"--junitxml={pytester.path / 'j.xml'}")
    result.assert_outcomes(passed=1, failed=1)
    # The failing test's transcript is printed under its failure.
    result.stdout.fnmatch_lines(
        ["*Captured stdout teardown*", "AT transcript (*test_fails.txt):", "*tx*AT+NOSUCH*"]
    )
    root = junit(pytester.path / "j.xml")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    for name, command in (("test_version", "AT+GMR"), ("test_fails", "AT+NOSUCH")):
        case = cases[name]
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        path = Path(props["transcript"] or "")
        assert path.parent == pytester.path / "transcripts" and path.is_file()
        text = path.read_text()
        assert command in text
        system_out = case.findtext("system-out") or ""
        assert command in system_out and str(path) in system_out
    # Each file holds its own test only: the second test's transcript does not repeat the first one's.
    assert (
        "AT+GMR"
        not in (pytester.path / "transcripts")
        .joinpath(
            Path(cases["test_fails"].find("properties/property[@name='transcript']").get("value")).name  # type: ignore[union-attr]
        )
        .read_text()
    )


def test_transcript_attached_to_allure(pytester: pytest.Pytester) -> None:
    with ScriptedBoardServer() as server:
        rig = serial_rig(pytester, ("solo", server.url, []))
        pytester.makepyfile("def test_at(dut):\n    dut.cmd('AT').assert_ok()\n")
        result = run(pytester, rig, f"--alluredir={pytester.path / 'allure'}")
    result.assert_outcomes(passed=1)
    attachments = list((pytester.path / "allure").glob("*-attachment.txt"))
    assert any("AT\\r\\n" in p.read_text() for p in attachments)


def test_sim_board_per_worker_with_distinct_instances(pytester: pytest.Pytester) -> None:
    rig = fake_sim_rig(pytester)
    # Each test waits (10 s at most) until the log port has said something: the fake repeats its boot line
    # every 20 ms, but a session this short can otherwise close before the first chunk is read.
    wait_log = (
        "    import time\n    deadline = time.monotonic() + 10\n"
        "    while time.monotonic() < deadline and not any(c.direction == 'log' for c in dut.transcript.chunks):\n"
        "        time.sleep(0.02)\n"
    )
    tests = "\n".join(
        f"def test_{i}(dut, esp_board):\n    dut.cmd('AT').assert_ok()\n{wait_log}    note(esp_board, {i})\n"
        for i in range(4)
    )
    pytester.makepyfile(NOTE_BOARD + tests)
    result = run(pytester, rig, "-n", "2", f"--junitxml={pytester.path / 'j.xml'}")
    result.assert_outcomes(passed=4)
    by_worker = {r["worker"]: (r["board"], r["instance"]) for r in used(pytester)}
    # Each worker's board has a number of its own: the worker's, unless another run on this host holds it
    # (rigs/boards/instances.py), as a parallel self-test may.
    assert set(by_worker) == {"gw0", "gw1"} and {b for b, _ in by_worker.values()} == {"sim"}
    first, second = by_worker["gw0"][1], by_worker["gw1"][1]
    assert first != second
    props = suite_properties(junit(pytester.path / "j.xml"))
    assert props[f"sim#{first}.sta_mac"] != props[f"sim#{second}.sta_mac"]
    # The air file tells each simulated board where the host's DNS and SNTP servers really listen.
    air = yaml.safe_load((pytester.path / "boards" / f"sim-{second}.air.yaml").read_text())
    assert air["access_points"][0]["ssid"] == "esp-at-lab"
    assert set(air["services"]) >= {"dns_port", "sntp_port"} and air["services"]["dns_port"] != 53
    # The simulators' air files and stderr logs are kept beside the transcripts.
    # The board log starts with the boot output the simulator sent on connection, or, where pyserial's
    # socket:// open() discarded it (it empties the input it finds, rigs/boards/sim.py _await_boot), with
    # the session's note saying so; a busy host makes the second happen, so both are the documented outcome.
    board_log = (pytester.path / "transcripts" / f"_board-sim-{first}.txt").read_text()
    assert "rx   \\r\\nready\\r\\n" in board_log or "no 'ready' within" in board_log, board_log[:600]
    assert " sim log  I (31) boot:" in board_log  # the log port's bytes are in the transcript too
    assert sorted(p.name for p in (pytester.path / "boards").glob("*.stderr.log")) == sorted(
        [f"sim-{first}.stderr.log", f"sim-{second}.stderr.log"]
    )


def test_board_that_cannot_be_opened_errors_every_test_once(pytester: pytest.Pytester) -> None:
    rig = serial_rig(pytester, ("gone", "/dev/nonexistent-esp-port", []))
    pytester.makepyfile("def test_a(dut):\n    pass\n\ndef test_b(dut):\n    pass\n")
    result = run(pytester, rig)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*board gone: cannot open its AT port /dev/nonexistent-esp-port at 115200 baud*"]
    )


def test_board_that_died_is_restarted_for_the_next_test(pytester: pytest.Pytester) -> None:
    rig = fake_sim_rig(pytester)
    pytester.makepyfile(
        """
        import os, signal, time

        PIDS = []

        def test_crash(dut, esp_board):
            PIDS.append(esp_board.identity.pid)
            os.kill(esp_board.identity.pid, signal.SIGKILL)
            time.sleep(0.5)

        def test_after(dut, esp_board):
            dut.cmd("AT").assert_ok()
            assert esp_board.identity.pid not in PIDS
        """
    )
    result = run(pytester, rig)
    result.assert_outcomes(passed=2)
    text = next((pytester.path / "transcripts").glob("*test_after.txt")).read_text()
    assert "board not answering; reopening it" in text
    # The board's log holds both of its lives.
    # (its number is 0 unless another run on this host holds it: rigs/boards/instances.py)
    (log,) = (pytester.path / "transcripts").glob("_board-sim-*.txt")
    # Each life begins with its ready or, where pyserial's socket:// open() discarded it (rigs/boards/sim.py
    # _await_boot), with the session's note saying so: two lives, two of them.
    board_log = log.read_text()
    lives = board_log.count("rx   \\r\\nready\\r\\n") + board_log.count("no 'ready' within")
    assert lives == 2, board_log[:800]


def test_board_option_runs_on_that_board_only(pytester: pytest.Pytester) -> None:
    with (
        ScriptedBoardServer(ScriptedBoard(name="alpha")) as a,
        ScriptedBoardServer(ScriptedBoard(name="beta")) as b,
    ):
        rig = serial_rig(pytester, ("alpha", a.url, []), ("beta", b.url, []))
        pytester.makepyfile(NOTE_BOARD + "def test_one(dut, esp_board):\n    note(esp_board, 1)\n")
        run(pytester, rig, "--board", "beta").assert_outcomes(passed=1)
        assert (a.connections, b.connections) == (0, 1)
    assert [r["board"] for r in used(pytester)] == ["beta"]
