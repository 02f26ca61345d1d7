"""The suite on a real labgrid lab (issue 20): a coordinator and an exporter publishing two simulated boards
as places over RFC 2217 (tools/labgrid_lab.py); a Basic selection runs with -n 2 through
rigs/labgrid-sim.yaml, each worker on a place of its own, and the places are free again afterwards: after
a run that ends, one stopped with Ctrl-C, and one killed outright (SIGKILL: the release guard)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rigs.labgrid.client import LabgridClient, LabgridError
from rigs.labgrid.lease import acquire_place
from rigs.labgrid.output import run_user
from rigs.model.labgrid import LabgridOptions
from tools.labgrid_lab import SIM_SECRETS, SimLab

ROOT = Path(__file__).resolve().parents[2]
RIG = ROOT / "rigs" / "labgrid-sim.yaml"
#: Generous: the machine is shared; these bound waits, they do not judge speed.
RUN_TIMEOUT_S = 300.0
RELEASE_TIMEOUT_S = 60.0

pytestmark = pytest.mark.slow


def suite_command(tmp_path: Path, *selection: str) -> list[str]:
    return [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *selection, "--rig", str(RIG), "-n", "2",
        "--transcripts", str(tmp_path / "transcripts"), f"--summary={tmp_path / 'summary.json'}",
        f"--junitxml={tmp_path / 'junit.xml'}",
    ]  # fmt: skip


def suite_env(lab: SimLab) -> dict[str, str]:
    env = {**os.environ, **SIM_SECRETS, "LG_COORDINATOR": lab.address}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_ADDOPTS", "LG_PLACE"):
        env.pop(name, None)
    return env


def wait_until(what: str, check, timeout: float, detail=lambda: "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout:g} s{detail()}"
        time.sleep(0.3)


def stop_evidence(lab: SimLab, tmp_path: Path, output: bytes) -> str:
    """What a failed release leaves to read: who holds what, the release guards' logs, the run's end."""
    logs = "".join(f"\n--- {p.name}:\n{p.read_text()}" for p in sorted(tmp_path.rglob("*labgrid-guard*.log")))
    tail = output.decode(errors="replace")[-3000:]
    return f"\nheld: {lab.held()}{logs}\n--- the run's output (end):\n{tail}"


def held_by_runs(lab: SimLab) -> dict[str, str]:
    return {place: who for place, who in lab.held().items() if who is not None and ".esp-at." in who}


def test_basic_selection_on_two_places_and_both_free_after(sim_lab: SimLab, tmp_path: Path) -> None:
    done = subprocess.run(
        suite_command(tmp_path, "suites/basic/test_queries.py"),
        cwd=ROOT, env=suite_env(sim_lab), capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    properties = {
        p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").getroot().iter("property")
    }
    used = {properties.get("lab-esp32#0.place"), properties.get("lab-esp32#1.place")}
    assert used == set(sim_lab.places), properties  # each worker acquired a place of its own
    assert properties["lab-esp32#0.at_port"].startswith("rfc2217://127.0.0.1:")
    assert sim_lab.held() == dict.fromkeys(sim_lab.places)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_a_stopped_run_leaves_no_place_acquired(
    fresh_lab: SimLab, tmp_path: Path, how: signal.Signals
) -> None:
    sim_lab = fresh_lab
    # a session of its own, signalled as a whole, as a terminal's Ctrl-C or a CI job's kill reaches it
    proc = subprocess.Popen(
        suite_command(tmp_path, "suites/basic"),
        cwd=ROOT, env=suite_env(sim_lab), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_until("both places acquired by the run", lambda: len(held_by_runs(sim_lab)) == 2, RUN_TIMEOUT_S)
        assert proc.poll() is None
        os.killpg(proc.pid, how)
        output, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    wait_until(
        "every place free again", lambda: not held_by_runs(sim_lab), RELEASE_TIMEOUT_S,
        lambda: stop_evidence(sim_lab, tmp_path, output),
    )  # fmt: skip
    assert sim_lab.held() == dict.fromkeys(sim_lab.places)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_runs_place_is_taken_back_and_a_held_one_named(
    sim_lab: SimLab, labgrid_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def client(user: str) -> LabgridClient:
        return LabgridClient(labgrid_bin / "labgrid-client", coordinator=sim_lab.address, user=user)

    place, other = sim_lab.places
    ghost = client(run_user("ci", dead_pid()))
    ghost.acquire(place)  # a run of this suite on this host, killed before anything could release
    monkeypatch.setenv("LG_HOSTNAME", "bench-7")
    client("bob").acquire(other)  # a person on another host
    monkeypatch.delenv("LG_HOSTNAME")
    me = client(run_user("ci", os.getpid()))
    try:
        assert acquire_place(me, LabgridOptions(place=place, acquire_timeout=5), board_id="b") == place
        assert sim_lab.held()[place] == f"{os.uname().nodename}/{me.user}"
        with pytest.raises(
            LabgridError, match=f"no place {other} became free within 1 s .*{other} held by bench-7/bob"
        ):
            acquire_place(me, LabgridOptions(place=other, acquire_timeout=1), board_id="b")
    finally:
        me.release(place)
        sim_lab.admin._checked("release", "--kick", place=other)
    assert sim_lab.held() == dict.fromkeys(sim_lab.places)


@pytest.mark.parametrize("n", ["auto", "3"])
def test_a_worker_per_free_place_up_to_n(sim_lab: SimLab, labgrid_bin: Path, tmp_path: Path, n: str) -> None:
    """With one of the lab's two places held by a person, ``-n auto`` (fixtures/options.py
    ``pytest_xdist_auto_num_workers``) and an explicit ``-n 3`` (``_fit_workers_to_free_places``, which says
    so in the header) both start one worker, which takes the free place, and the run passes; no extra
    worker waits out acquire_timeout."""
    place, other = sim_lab.places
    bob = LabgridClient(labgrid_bin / "labgrid-client", coordinator=sim_lab.address, user="bob")
    bob.acquire(other)
    try:
        command = suite_command(tmp_path, "suites/basic/test_queries.py")
        command[command.index("-n") + 1] = n
        done = subprocess.run(
            command, cwd=ROOT, env=suite_env(sim_lab), capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        assert "1 worker" in done.stdout, done.stdout[:2000]
        if n != "auto":
            said = f"-n {n}: 1 of the rig's places (place tagged board=esp32-sim firmware=at) free on the"
            assert said in done.stdout, done.stdout[:3000]
        properties = {
            p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").getroot().iter("property")
        }
        assert properties.get("lab-esp32#0.place") == place and "lab-esp32#1.place" not in properties
    finally:
        sim_lab.admin._checked("release", "--kick", place=other)
    assert sim_lab.held() == dict.fromkeys(sim_lab.places)
