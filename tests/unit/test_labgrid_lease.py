"""Acquiring places (rigs/labgrid/lease.py), labgrid-client's command lines (rigs/labgrid/client.py), the
choice of ports (rigs/boards/labgrid.py) and the rig's labgrid options (rigs/model/labgrid.py), against a
fake labgrid-client that prints what labgrid 26.0.1 prints (tests/fakes/labgrid_cli.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from rigs.boards.labgrid import choose_ports
from rigs.labgrid.client import CliResult, LabgridClient, LabgridError
from rigs.labgrid.lease import acquire_place, is_stale
from rigs.labgrid.output import Holder, Resource
from rigs.loader import RigFileError, parse_rig
from rigs.model.labgrid import LabgridOptions
from tests.fakes.labgrid_cli import FakeLab, FakePlace


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def client(lab: FakeLab, pid: int = 1000) -> LabgridClient:
    return LabgridClient("labgrid-client", coordinator="lab:20408", user=f"alice.esp-at.{pid}", runner=lab)


def take(lab: FakeLab, options: LabgridOptions, pid: int = 1000, **kw: object) -> str:
    clock = Clock()
    return acquire_place(
        client(lab, pid),
        options,
        board_id="b1",
        host="vm",
        clock=clock,
        sleep=clock.sleep,
        **kw,  # type: ignore[arg-type]
    )


def lab_of_two() -> FakeLab:
    return FakeLab(
        {"esp-a": FakePlace({"board": "esp32"}), "esp-b": FakePlace({"board": "esp32", "fw": "at"})}
    )


def test_by_name_and_command_lines() -> None:
    lab = lab_of_two()
    assert take(lab, LabgridOptions(place="esp-b")) == "esp-b"
    assert lab.calls == [["-x", "lab:20408", "-v", "places"], ["-x", "lab:20408", "-p", "esp-b", "acquire"]]
    assert set(lab.users) == {"alice.esp-at.1000"}
    assert lab.places["esp-b"].holder == "vm/alice.esp-at.1000"


def test_two_workers_with_one_match_get_two_places() -> None:
    lab = lab_of_two()
    match = LabgridOptions(match={"board": "esp32"})
    assert {take(lab, match, pid=1), take(lab, match, pid=2)} == {"esp-a", "esp-b"}


def test_the_place_held_before_is_asked_for_first() -> None:
    lab = lab_of_two()
    assert take(lab, LabgridOptions(match={"board": "esp32"}), prefer="esp-b") == "esp-b"


def test_a_lost_race_moves_on_to_the_next_place() -> None:
    lab = lab_of_two()
    lab.places["esp-a"].race = True
    assert take(lab, LabgridOptions(match={"board": "esp32"})) == "esp-b"


def test_timeout_says_who_holds_each_place() -> None:
    lab = lab_of_two()
    lab.places["esp-a"].holder = "lab-3/bob"
    lab.places["esp-b"].holder = "vm/carol.esp-at.77"  # alive
    with pytest.raises(LabgridError) as info:
        take(lab, LabgridOptions(match={"board": "esp32"}, acquire_timeout=3), alive=lambda pid: True)
    assert str(info.value) == (
        "board b1: no place tagged board=esp32 became free within 3 s on coordinator lab:20408: "
        "esp-a held by lab-3/bob since 2026-12-07 10:00:00; "
        "esp-b held by vm/carol.esp-at.77 since 2026-12-07 10:00:00"
    )
    assert (
        sum(c[-1] == "places" for c in lab.calls) == 4
    )  # at 0, 1, 2 and 3 s: once a second, then it gave up


def test_a_place_freed_while_waiting_is_taken() -> None:
    lab = lab_of_two()
    lab.places["esp-b"].holder = "lab-3/bob"
    calls = 0

    def alive(pid: int) -> bool:
        return True

    def sleep(s: float) -> None:
        nonlocal calls
        calls += 1
        lab.places["esp-b"].holder = None

    assert (
        acquire_place(client(lab), LabgridOptions(place="esp-b"), board_id="b1", host="vm", sleep=sleep)
        == "esp-b"
    )
    assert calls == 1


def test_a_dead_runs_place_is_reclaimed_with_release_from() -> None:
    lab = lab_of_two()
    lab.places["esp-b"].holder = "vm/alice.esp-at.555"
    reclaimed: list[tuple[str, Holder]] = []
    got = take(
        lab,
        LabgridOptions(place="esp-b"),
        alive=lambda pid: pid != 555,
        on_reclaim=lambda p, h: reclaimed.append((p, h)),
    )
    assert got == "esp-b" and reclaimed == [("esp-b", Holder("vm", "alice.esp-at.555"))]
    assert ["-x", "lab:20408", "-p", "esp-b", "release-from", "vm/alice.esp-at.555"] in lab.calls


def test_only_this_hosts_dead_runs_are_stale() -> None:
    dead = lambda pid: False  # noqa: E731
    assert is_stale(Holder("vm", "alice.esp-at.555"), host="vm", alive=dead)
    assert not is_stale(Holder("other", "alice.esp-at.555"), host="vm", alive=dead)  # pid means nothing there
    assert not is_stale(Holder("vm", "alice"), host="vm", alive=dead)  # a person, not a run
    assert not is_stale(Holder("vm", "alice.esp-at.555"), host="vm", alive=lambda pid: True)


def test_no_such_place_names_what_the_coordinator_has() -> None:
    with pytest.raises(
        LabgridError, match=r"has no place esp-z; it has esp-a \(board=esp32\), esp-b \(board=esp32 fw=at\)"
    ):
        take(lab_of_two(), LabgridOptions(place="esp-z"))
    with pytest.raises(LabgridError, match="has no place tagged board=esp8266"):
        take(lab_of_two(), LabgridOptions(match={"board": "esp8266"}))


def test_release_and_power_cycle_command_lines() -> None:
    seen: list[list[str]] = []

    def runner(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> CliResult:
        seen.append(list(argv))
        return (
            CliResult(1, "", "labgrid-client: Error: place esp-a is not acquired\n")
            if "release" in argv
            else CliResult(0, "", "")
        )

    c = LabgridClient("/lg/bin/labgrid-client", coordinator=None, user="u.esp-at.1", runner=runner)
    c.power_cycle("esp-a", name="pdu", delay=2)
    assert seen[-1] == ["/lg/bin/labgrid-client", "-p", "esp-a", "power", "cycle", "-t", "2", "--name", "pdu"]
    with pytest.raises(
        LabgridError, match=r"labgrid-client -p esp-a release \(coordinator .*\): place esp-a is not acquired"
    ):
        c.release("esp-a")


def serial(name: str, port: int, protocol: str = "rfc2217") -> Resource:
    return Resource("NetworkSerialPort", name, {"host": "10.0.0.5", "port": port, "protocol": protocol})


def test_ports_by_name_or_the_only_one() -> None:
    two = [serial("at", 4001), serial("log", 4002, "raw"), Resource("NetworkPowerPort", "pdu", {})]
    assert choose_ports(two, "at", "log", place="p") == ("rfc2217://10.0.0.5:4001", "socket://10.0.0.5:4002")
    assert choose_ports(two, "at", None, place="p") == ("rfc2217://10.0.0.5:4001", None)
    assert choose_ports([serial("console", 4001)], "at", "log", place="p") == (
        "rfc2217://10.0.0.5:4001",
        None,
    )
    with pytest.raises(LabgridError, match="place p has serial ports a, b and none named 'at'"):
        choose_ports([serial("a", 1), serial("b", 2)], "at", "log", place="p")
    with pytest.raises(
        LabgridError, match=r"place p has no NetworkSerialPort \(it has pdu \(NetworkPowerPort\)\)"
    ):
        choose_ports([Resource("NetworkPowerPort", "pdu", {})], "at", "log", place="p")


def rig_problems(board: str) -> list[str]:
    with pytest.raises(RigFileError) as info:
        parse_rig(f"boards:\n  - {board}\n", "rigs/lab.yaml")
    return info.value.problems


def test_rig_options_load() -> None:
    rig = parse_rig(
        "boards:\n  - {id: a, kind: labgrid, reset: rts, labgrid: {match: {board: esp32, firmware: at}, "
        "coordinator: 'lab.example:20408', acquire_timeout: 120}}\n",
        "r.yaml",
    )
    lg = rig.boards[0].labgrid
    assert lg is not None and lg.match == {"board": "esp32", "firmware": "at"} and lg.acquire_timeout == 120
    assert rig.boards[0].template and lg.describe() == "place tagged board=esp32 firmware=at"
    by_name = parse_rig("boards:\n  - {id: a, kind: labgrid, labgrid: {place: esp-1}}\n", "r.yaml").boards[0]
    assert not by_name.template


@pytest.mark.parametrize(
    ("board", "problem"),
    [
        (
            "{id: a, kind: labgrid, labgrid: {}}",
            "boards[0].labgrid: give 'place' (one place by name) or 'match'",
        ),
        ("{id: a, kind: labgrid, labgrid: {place: p, match: {board: x}}}", "not both"),
        (
            "{id: a, kind: labgrid, labgrid: {match: {}}}",
            "boards[0].labgrid.match: expected at least one tag",
        ),
        (
            "{id: a, kind: labgrid, labgrid: {match: {Board: x}}}",
            "tag key 'Board': labgrid tag keys are lower-case",
        ),
        (
            "{id: a, kind: labgrid, labgrid: {match: {board: 'a b'}}}",
            "tag board: expected a value without spaces",
        ),
        ("{id: a, kind: labgrid, labgrid: {place: 'x/y'}}", "boards[0].labgrid.place: expected a place name"),
        ("{id: a, kind: labgrid, labgrid: {place: p, coordinator: 'a b'}}", "expected host or host:port"),
        ("{id: a, kind: labgrid, labgrid: {place: p, at_port: x, log_port: x}}", "name the same resource"),
        (
            "{id: a, kind: labgrid, labgrid: {place: p, acquire_timeout: 0}}",
            "acquire_timeout: expected a number",
        ),
        ("{id: a, kind: labgrid, labgrid: {place: p, tags: {}}}", "boards[0].labgrid.tags"),
        (
            "{id: a, kind: labgrid, port: 'rfc2217://h:1', labgrid: {place: p}}",
            "a labgrid board takes no 'port'",
        ),
        ("{id: a, kind: labgrid}", "a labgrid board needs 'labgrid: {place: NAME}'"),
    ],
)
def test_rig_option_errors_name_the_field(board: str, problem: str) -> None:
    (msg,) = rig_problems(board)
    assert problem in msg


@pytest.mark.parametrize("name", ["labgrid-sim.yaml", "labgrid-example.yaml"])
def test_shipped_labgrid_rigs_load(name: str) -> None:
    from pathlib import Path

    from rigs.loader import load_rig

    rig = load_rig(Path(__file__).resolve().parents[2] / "rigs" / name)
    assert rig.boards[0].labgrid is not None and rig.boards[0].template


def test_auto_workers_count_the_free_places_of_a_match() -> None:
    """``-n auto`` on a labgrid rig (fixtures/options.py): one worker per free place of a tag match, a dead
    run's place counting as free (it is taken back), a reserved or live-held one not; a named place or a
    serial board is one worker; a sim board leaves the count to xdist (None)."""
    from rigs.labgrid.lease import free_places, workers_for

    lab = FakeLab(
        {
            "esp-1": FakePlace({"board": "esp32"}),
            "esp-2": FakePlace({"board": "esp32"}, holder="bench-7/bob"),
            "esp-3": FakePlace({"board": "esp32"}),
            "c3-1": FakePlace({"board": "esp32c3"}),
        }
    )
    places = client(lab).places()
    match = LabgridOptions(match={"board": "esp32"})
    assert free_places(places, match) == 2
    assert free_places(places, LabgridOptions(place="esp-2")) == 0
    rig = parse_rig(
        """
boards:
  - {id: a, kind: labgrid, labgrid: {match: {board: esp32}}}
  - {id: b, kind: labgrid, labgrid: {place: c3-1}}
network: {host_address: 10.0.0.1, access_points: [{ssid: lab, password_env: LAB_PW, ecn: 3, channel: 1}]}
""",
        "lab.yaml",
    )
    assert workers_for(list(rig.boards), lambda options: places) == 3
    sim = parse_rig("boards: [{id: s, kind: sim}]\n", "sim.yaml")
    assert workers_for(list(sim.boards), lambda options: places) is None


def test_the_auto_workers_hook_asks_the_coordinator(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The plugin's ``pytest_xdist_auto_num_workers`` reads the rig and the coordinator's places; a rig it
    cannot read, or a coordinator that does not answer, leaves the count to xdist."""
    from types import SimpleNamespace

    from fixtures.options import pytest_xdist_auto_num_workers
    from rigs.labgrid import client as client_module

    lab = FakeLab(
        {f"esp-{i}": FakePlace({"board": "esp32"}, holder="x/y" if i == 3 else None) for i in (1, 2, 3)}
    )
    rig = tmp_path / "lab.yaml"
    rig.write_text(
        "boards: [{id: a, kind: labgrid, labgrid: {match: {board: esp32}, coordinator: 'lab:20408'}}]\n"
        "network: {host_address: 10.0.0.1,\n"
        "          access_points: [{ssid: l, password_env: LAB_PW, ecn: 3, channel: 1}]}\n"
    )
    config = SimpleNamespace(getoption=lambda name, default=None: str(rig), rootpath=tmp_path)
    real_places = client_module.LabgridClient.places
    monkeypatch.setattr(client_module.LabgridClient, "places", lambda self: real_places(client(lab)))
    monkeypatch.setattr("rigs.labgrid.client.find_client", lambda configured: "labgrid-client")
    assert pytest_xdist_auto_num_workers(config) == 2

    def down(self):  # noqa: ANN001, ANN202
        raise LabgridError("coordinator lab:20408 does not answer")

    monkeypatch.setattr(client_module.LabgridClient, "places", down)
    assert pytest_xdist_auto_num_workers(config) is None
    rig.write_text("boards: [{id: a, kind: nonsense}]\n")
    assert pytest_xdist_auto_num_workers(config) is None


def test_an_explicit_n_starts_as_many_workers_as_places_are_free(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """``-n N`` on a labgrid tag match (fixtures/options.py ``_fit_workers_to_free_places``): as many
    workers as places of those tags are free now, up to N, at least one; said as a run property; explicit
    ``--tx`` specs and a coordinator that does not answer are left alone."""
    from types import SimpleNamespace

    from fixtures.options import _fit_workers_to_free_places
    from fixtures.transcripts import run_properties_key
    from rigs.labgrid import client as client_module

    lab = FakeLab(
        {
            "esp-1": FakePlace({"board": "esp32"}),
            "esp-2": FakePlace({"board": "esp32"}, holder="bench-7/bob"),
            "esp-3": FakePlace({"board": "esp32"}, reservation="tok"),
            "esp-4": FakePlace({"board": "esp32"}),
            "c3-1": FakePlace({"board": "esp32c3"}),
        }
    )
    rig = parse_rig(
        "boards: [{id: a, kind: labgrid, labgrid: {match: {board: esp32}, coordinator: 'lab:20408'}}]\n"
        "network: {host_address: 10.0.0.1,\n"
        "          access_points: [{ssid: l, password_env: LAB_PW, ecn: 3, channel: 1}]}\n",
        "lab.yaml",
    )
    real_places = client_module.LabgridClient.places
    monkeypatch.setattr(client_module.LabgridClient, "places", lambda self: real_places(client(lab)))
    monkeypatch.setattr("rigs.labgrid.client.find_client", lambda configured: "labgrid-client")

    def config(tx: list[str]) -> SimpleNamespace:
        return SimpleNamespace(
            option=SimpleNamespace(tx=list(tx)),
            stash={},
        )

    two = config(["popen"] * 2)
    _fit_workers_to_free_places(two, list(rig.boards), 2)  # esp-1 and esp-4 are free: as asked
    assert two.option.tx == ["popen"] * 2 and run_properties_key not in two.stash
    four = config(["popen"] * 4)
    _fit_workers_to_free_places(four, list(rig.boards), 4)
    assert four.option.tx == ["popen"] * 2
    assert four.stash[run_properties_key] == [
        (
            "labgrid.workers",
            "-n 4: 2 of the rig's places (place tagged board=esp32) free on the labgrid coordinator now: "
            "starting 2 xdist worker(s)",
        )
    ]
    specs = config(["ssh=lab1//python=python3", "popen"])
    _fit_workers_to_free_places(specs, list(rig.boards), 4)
    assert specs.option.tx == ["ssh=lab1//python=python3", "popen"]
    for name in ("esp-1", "esp-4"):
        lab.places[name].holder = "bench-7/bob"
    none_free = config(["popen"] * 3)
    _fit_workers_to_free_places(none_free, list(rig.boards), 3)
    assert none_free.option.tx == ["popen"]  # one worker, which waits and names the holders

    def down(self):  # noqa: ANN001, ANN202
        raise LabgridError("coordinator lab:20408 does not answer")

    monkeypatch.setattr(client_module.LabgridClient, "places", down)
    unknown = config(["popen"] * 3)
    _fit_workers_to_free_places(unknown, list(rig.boards), 3)
    assert unknown.option.tx == ["popen"] * 3


def test_a_ctrl_c_while_acquiring_gives_the_place_back() -> None:
    """Interrupted while ``acquire`` ran (the command itself runs to its end: client.py), the place may be
    granted: acquire_place releases it before the interrupt goes on, and the watch heard of it first."""
    lab = FakeLab({"esp-a": FakePlace({})})
    told: list[str] = []

    class Watch:
        def holding(self, place: str) -> None:
            told.append(place)

        def not_holding(self, place: str) -> None:
            told.append("-" + place)

    def interrupted(argv, env, timeout):  # noqa: ANN001, ANN202
        result = lab(argv, env, timeout)
        if "acquire" in argv:
            raise KeyboardInterrupt  # after the coordinator granted it, before we heard
        return result

    c = LabgridClient("labgrid-client", coordinator="lab:1", user="ci.esp-at.1", runner=interrupted)
    with pytest.raises(KeyboardInterrupt):
        acquire_place(c, LabgridOptions(place="esp-a"), board_id="b", watch=Watch())
    assert told == ["esp-a"] and lab.places["esp-a"].holder is None


def test_a_labgrid_client_command_outlives_a_ctrl_c(tmp_path) -> None:  # noqa: ANN001
    """run_subprocess: a KeyboardInterrupt arriving while labgrid-client runs is raised only once the
    command has finished (its effect at the coordinator known), and the command, in its own session, was
    not signalled."""
    import _thread
    import os
    import sys
    import threading

    from rigs.labgrid.client import run_subprocess

    done = tmp_path / "done"
    started = tmp_path / "started"
    script = (
        "import pathlib, time\n"
        f"pathlib.Path({str(started)!r}).write_text('1')\n"
        "time.sleep(1.0)\n"
        f"pathlib.Path({str(done)!r}).write_text('1')\n"
    )

    def interrupt_once_started() -> None:
        while not started.exists():
            threading.Event().wait(0.01)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        run_subprocess([sys.executable, "-c", script], dict(os.environ), 60)
    assert done.exists()  # the interrupt waited for the command's end
