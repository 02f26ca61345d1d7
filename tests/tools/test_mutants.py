"""tools.mutants without running the suite: the catalog, the derived rig files, JUnit parsing, verdicts."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from rigs.loader import load_rig
from sim.faults import RuleKind, load_faults
from tools.mutants.catalog import COMMAND_SETS, CatalogError, choose, load_catalog, load_mutant, parse_meta
from tools.mutants.mutation import FaultResult, MutationReport, Verdict, baseline_paths, verdict_of
from tools.mutants.runs import Outcome, RunResult, fault_rig, junit_failures, node_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(root=ROOT)


def test_catalog_size_and_sets(catalog) -> None:
    assert len(catalog) >= 60
    sets = {m.meta.command_set for m in catalog}
    assert {"basic", "wifi", "tcpip"} <= sets <= set(COMMAND_SETS)
    assert len({m.id for m in catalog}) == len(catalog)


def test_selections_are_whole_folders_unless_they_say_why(catalog) -> None:
    # issue 15: the test that catches a fault is found by the run, not picked by hand
    narrow = []
    for m in catalog:
        sel = m.meta.select
        folders = all(p.count("/") == 1 and "::" not in p and not p.endswith(".py") for p in sel.paths)
        if not (folders and sel.k is None and sel.m is None) and m.meta.narrow is None:
            narrow.append(f"{m.id}: {sel.text()}")
    assert not narrow, "narrow selections without a '#@ narrow:' reason:\n" + "\n".join(narrow)


def test_every_catalog_file_is_a_simulator_faults_file(catalog) -> None:
    for m in catalog:
        engine = load_faults(m.path)  # the simulator's own parser, exactly as `python -m sim --faults`
        assert engine.rules, m.id


def test_catalog_covers_the_required_defect_kinds(catalog) -> None:
    """The brief's list: blank lines, quotes, fields, ERR CODE, busy, URCs, +IPD, SEND OK order, CLOSED,
    persistence, AT+RESTORE, slow UART, reboot mid-transfer, passthrough corruption."""
    ids = {m.id for m in catalog}
    for required in (
        "basic-missing-blank-before-ok",
        "basic-extra-blank-before-ok",
        "wifi-cwjap-query-missing-quote",
        "basic-sysram-fields-swapped",
        "basic-sysram-field-dropped",
        "basic-syslog-wrong-err-code",
        "basic-sysram-busy",
        "wifi-cwjap-no-wifi-connected",
        "wifi-got-ip-duplicated",
        "wifi-urcs-out-of-order",
        "tcpip-ipd-wrong-length",
        "tcpip-send-ok-after-ipd",
        "tcpip-closed-too-early",
        "basic-sysmsg-not-persisted",
        "basic-restore-keeps-cwmode",
        "basic-uart-20pct-slow",
        "tcpip-reboot-mid-transfer",
        "tcpip-passthrough-byte-corrupt",
    ):
        assert required in ids, required
    kinds = {r.kind for m in catalog for r in load_faults(m.path).rules}
    assert {RuleKind.SLOW_UART, RuleKind.REBOOT_AFTER, RuleKind.CORRUPT, RuleKind.DROP_URC} <= kinds


def test_meta_errors_name_the_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="x.yaml: no '#@' metadata"):
        parse_meta("rules: []\n", "x.yaml")
    with pytest.raises(CatalogError, match="command_set"):
        parse_meta(
            '#@ id: a-b\n#@ command_set: bluetooth\n#@ section: "3.4"\n#@ defect: something wrong here\n'
            "#@ select: {paths: [suites]}\n",
            "x.yaml",
        )
    f = tmp_path / "other-name.yaml"
    f.write_text(
        '#@ id: a-b\n#@ command_set: basic\n#@ section: "3.1"\n#@ defect: something wrong here\n'
        "#@ select: {paths: [suites]}\nrules:\n  - {kind: drop, match: '^OK$'}\n"
    )
    with pytest.raises(CatalogError, match="differs from the file name"):
        load_mutant(f)


def test_bad_rules_are_refused_through_the_simulator_parser(tmp_path: Path) -> None:
    f = tmp_path / "a-b.yaml"
    f.write_text(
        '#@ id: a-b\n#@ command_set: basic\n#@ section: "3.1"\n#@ defect: something wrong here\n'
        "#@ select: {paths: [suites]}\nrules:\n  - {kind: delay, match: '^OK$'}\n"
    )
    with pytest.raises(CatalogError, match="delay needs 'seconds'"):
        load_mutant(f)


def test_selection_paths_must_exist(tmp_path: Path) -> None:
    f = tmp_path / "a-b.yaml"
    f.write_text(
        '#@ id: a-b\n#@ command_set: basic\n#@ section: "3.1"\n#@ defect: something wrong here\n'
        "#@ select: {paths: [suites/nothing_here.py]}\nrules:\n  - {kind: drop, match: '^OK$'}\n"
    )
    with pytest.raises(CatalogError, match="nothing_here.py does not exist"):
        load_mutant(f, ROOT)


def test_rig_must_exist_and_groups_the_baselines(tmp_path: Path, catalog) -> None:
    from dataclasses import replace

    from tools.mutants.mutation import rig_groups

    f = tmp_path / "a-b.yaml"
    head = '#@ id: a-b\n#@ command_set: fs\n#@ section: "3.8"\n#@ defect: something wrong here\n'
    rules = "#@ select: {paths: [suites/fs]}\nrules:\n  - {kind: drop, match: '^OK$'}\n"
    f.write_text(head + "#@ rig: rigs/sim-nothing.yaml\n" + rules)
    with pytest.raises(CatalogError, match="rig: rigs/sim-nothing.yaml does not exist"):
        load_mutant(f, ROOT)
    f.write_text(head + "#@ rig: rigs/sim-fs.yaml\n" + rules)
    fs = load_mutant(f, ROOT)
    assert fs.meta.rig == "rigs/sim-fs.yaml"
    plain = catalog[0]
    other = replace(plain, meta=plain.meta.model_copy(update={"id": "c-d"}))
    groups = rig_groups([plain, fs, other])
    assert list(groups) == [None, "rigs/sim-fs.yaml"]
    assert groups[None] == [plain, other] and groups["rigs/sim-fs.yaml"] == [fs]


def test_faults_of_custom_builds_name_their_rig(catalog) -> None:
    """suites/fs and suites/websocket skip on rigs/sim.yaml: their faults must run on the build that has
    the commands, or they would survive (or not run) for a reason that is not the suite's."""
    needs = {"fs": "rigs/sim-fs.yaml", "websocket": "rigs/sim-ws.yaml"}
    for m in catalog:
        if m.meta.command_set in needs:
            assert m.meta.rig == needs[m.meta.command_set], m.id


def test_choose_only_and_seeded_sample(catalog) -> None:
    assert [m.id for m in choose(catalog, only=["tcpip-send-fail"])] == ["tcpip-send-fail"]
    with pytest.raises(CatalogError, match="no-such-fault"):
        choose(catalog, only=["no-such-fault"])
    a = [m.id for m in choose(catalog, sample=8, seed=3)]
    b = [m.id for m in choose(catalog, sample=8, seed=3)]
    assert a == b and len(a) == 8
    assert a != [m.id for m in choose(catalog, sample=8, seed=4)]


def test_fault_rig_sets_faults_through_the_model(tmp_path: Path, catalog) -> None:
    base = load_rig(ROOT / "rigs" / "sim.yaml")
    out = fault_rig(base, catalog[0].path, tmp_path / "rig.yaml")
    rig = load_rig(out)
    assert rig.boards[0].sim is not None and rig.boards[0].sim.faults == catalog[0].path
    # Everything but the faults file is the base rig's.
    strip = {"boards": {0: {"sim": {"faults"}}}}
    assert rig.model_dump(exclude=strip) == base.model_dump(exclude=strip)
    faithful = load_rig(fault_rig(base, None, tmp_path / "base.yaml"))
    assert faithful.boards[0].sim is not None and faithful.boards[0].sim.faults is None


def test_junit_failures_give_node_ids(tmp_path: Path) -> None:
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<?xml version="1.0"?><testsuites><testsuite name="pytest">'
        '<testcase classname="suites.basic.test_system" name="test_at"/>'
        '<testcase classname="suites.basic.test_system" name="test_gmr"><failure message="x"/></testcase>'
        '<testcase classname="suites.basic.test_uart" name="test_uart_cur_query[115200]"><error message="y"/>'
        "</testcase></testsuite></testsuites>"
    )
    count, failed = junit_failures(xml, ROOT)
    assert count == 3
    assert failed == [
        "suites/basic/test_system.py::test_gmr",
        "suites/basic/test_uart.py::test_uart_cur_query[115200]",
    ]
    nested = node_id("suites.basic.test_system.TestX", "test_y", ROOT)
    assert nested == "suites/basic/test_system.py::TestX::test_y"
    assert junit_failures(tmp_path / "missing.xml", ROOT) == (0, [])


def test_verdicts_and_summary() -> None:
    assert verdict_of(RunResult(Outcome.FAILED, ["a"])) is Verdict.KILLED
    assert verdict_of(RunResult(Outcome.PASSED)) is Verdict.SURVIVED
    assert verdict_of(RunResult(Outcome.TIMEOUT)) is Verdict.TIMEOUT
    assert verdict_of(RunResult(Outcome.NO_TESTS)) is Verdict.NOT_RUN
    assert verdict_of(RunResult(Outcome.ERROR)) is Verdict.ERROR  # never "killed"
    report = MutationReport(
        [
            FaultResult("a", "basic", "3.1.2", Verdict.KILLED, ["t1"], 1.0, "x"),
            FaultResult("b", "wifi", "3.2.7", Verdict.SURVIVED, [], 2.0, "y", awaits="issue 13.3 checker"),
            FaultResult("c", "tcpip", "3.3.8", Verdict.TIMEOUT, [], 3.0, "z"),
            FaultResult("d", "tcpip", "3.3.8", Verdict.NOT_RUN, [], 0.5, "w", detail="no tests ran"),
            FaultResult("e", "tcpip", "3.3.8", Verdict.ERROR, [], 0.5, "v", detail="exit 1, no failed test"),
        ]
    )
    s = report.summary()
    assert (s["total"], s["killed"], s["survived"], s["not_run"], s["errors"]) == (5, 2, 1, 1, 1)
    assert (s["timeouts"], s["awaiting"], s["kill_rate"]) == (1, 1, 0.4)
    assert '"kill_rate":0.4' in report.json_line() and "\n" not in report.json_line()
    assert '"awaits":"issue 13.3 checker"' in report.json_line()
    table = report.table()
    assert "2/5 killed" in table and "1 errors" in table and "awaits: issue 13.3 checker" in table


def test_failures_are_ordered_by_time_not_by_junit(tmp_path: Path) -> None:
    from tools.mutants.runs import in_time_order

    log = tmp_path / "fail-times.txt"
    junit_order = ["a.py::t1", "a.py::t2", "b.py::t3"]
    assert in_time_order(junit_order, log) == junit_order  # no log: JUnit order
    log.write_text("1700000002.5 b.py::t3\n1700000003.0 a.py::t1\nnot a line\n")
    assert in_time_order(junit_order, log) == ["b.py::t3", "a.py::t1", "a.py::t2"]


def test_ready_leaves_out_faults_that_await_a_check(catalog) -> None:
    # Every fault of the catalog is ready on this base (no awaits left): mark one as awaiting, as a fault
    # written before its check lands would be.
    first = catalog[0]
    catalog = [
        dataclasses.replace(first, meta=first.meta.model_copy(update={"awaits": "a check not merged yet"})),
        *catalog[1:],
    ]
    waiting = [m for m in catalog if not m.ready]
    assert [m.id for m in waiting] == [first.id]
    ready = choose(catalog, ready=True)
    assert ready and all(m.meta.awaits is None for m in ready)
    assert len(ready) + len(waiting) == len(catalog)
    assert choose(catalog, only=[waiting[0].id], ready=True) == []


def test_baseline_is_the_union_of_selection_paths(catalog) -> None:
    paths = baseline_paths(catalog)
    assert len(paths) == len(set(paths))

    def covered(p):
        return any(p == q or p.startswith(q.rstrip("/") + "/") or p.startswith(q + "::") for q in paths)

    assert all(covered(p) for m in catalog for p in m.meta.select.paths)


def test_baseline_keeps_only_the_widest_paths(catalog) -> None:
    from dataclasses import replace

    from tools.mutants.catalog import Selection

    def with_paths(*paths: str):
        m = catalog[0]
        return replace(m, meta=m.meta.model_copy(update={"select": Selection(paths=paths)}))

    mutants = [
        with_paths("suites/basic/test_system.py::test_rst"),
        with_paths("suites/basic/test_system.py"),
        with_paths("suites/tcpip/test_tcpip_links.py::test_cifsr", "suites/tcpip"),
        with_paths("suites/wifi/test_station.py::test_cwmode_reads_back"),
    ]
    assert baseline_paths(mutants) == [
        "suites/basic/test_system.py",
        "suites/tcpip",
        "suites/wifi/test_station.py::test_cwmode_reads_back",
    ]


def test_baseline_args_or_the_mutants_filters(catalog) -> None:
    from dataclasses import replace

    from tools.mutants.catalog import Selection
    from tools.mutants.mutation import baseline_args

    def sel(*paths: str, k: str | None = None):
        m = catalog[0]
        return replace(m, meta=m.meta.model_copy(update={"select": Selection(paths=paths, k=k)}))

    args = baseline_args(
        [
            sel("suites/basic", k="test_gmr or test_at"),
            sel("suites/basic/test_invalid.py"),
            sel("suites/basic/test_persistence.py::test_sysmsg_persistence[1]"),
        ]
    )
    assert args == [
        "suites/basic",
        "-k",
        "(test_gmr or test_at) or test_invalid.py or test_sysmsg_persistence",
    ]
    # A folder without -k cannot be put as a keyword: the baseline then runs its paths in full.
    assert baseline_args([sel("suites/basic", k="test_gmr"), sel("suites/throughput")]) == [
        "suites/basic",
        "suites/throughput",
    ]


def test_failtimes_plugin_logs_failures_in_the_order_they_happen(
    pytester, tmp_path: Path, monkeypatch
) -> None:
    from tools.mutants.failtimes import ENV
    from tools.mutants.runs import in_time_order

    log = tmp_path / "fail-times.txt"
    monkeypatch.setenv(ENV, str(log))
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    pytester.makepyfile(
        test_a="def test_pass():\n    pass\n\ndef test_late():\n    assert False\n",
        test_b="def test_early():\n    assert False\n",
    )
    # test_b.py runs first, so its failure is logged first; in_time_order follows the log, whatever order
    # the list it is given (JUnit's, under xdist the order tests started) has
    pytester.runpytest_subprocess(
        "-p", "tools.mutants.failtimes", "-p", "no:cacheprovider", "test_b.py", "test_a.py"
    )
    rows = log.read_text().splitlines()
    assert [r.split(" ", 1)[1] for r in rows] == ["test_b.py::test_early", "test_a.py::test_late"]
    assert in_time_order(["test_a.py::test_late", "test_b.py::test_early"], log) == [
        "test_b.py::test_early",
        "test_a.py::test_late",
    ]


def test_a_run_can_stop_at_its_first_failure_and_still_count_as_a_kill(tmp_path: Path) -> None:
    """A mutant's verdict needs one failing test: with ``stop_at_first_failure`` the run ends there (pytest's
    --maxfail=1, which xdist reports as exit 2 "Interrupted"), the failure is a kill, the tests after it do
    not run; without it every test runs and every failure is listed."""
    from tools.mutants.runs import run_selection

    tests = tmp_path / "test_stop.py"
    body = "\n".join(f"def test_{i}():\n    assert {i} != 0\n" for i in range(30))
    tests.write_text(body, encoding="utf-8")
    rig = ROOT / "rigs" / "sim.yaml"
    for workers in (0, 2):
        run = run_selection(
            [str(tests)], rig, tmp_path / f"stop-{workers}", ROOT, workers, stop_at_first_failure=True
        )
        assert run.outcome is Outcome.FAILED, run.detail
        assert [f.rsplit("::", 1)[-1].rsplit(".", 1)[-1] for f in run.failed] == ["test_0"], run.failed
        assert run.tests < 30  # the run stopped
    run = run_selection([str(tests)], rig, tmp_path / "all", ROOT, 2)
    assert run.outcome is Outcome.FAILED and run.tests == 30 and len(run.failed) == 1


def test_an_interrupted_run_keeps_what_it_measured(tmp_path: Path, catalog, monkeypatch) -> None:
    """Ctrl-C (or SIGTERM) during the second fault: the first keeps its verdict, the rest are not-run with
    the reason, and the report says the run was interrupted (issue 15: a run never loses what it measured)."""
    import tools.mutants.mutation as mutation
    from tools.mutants.runs import load_base_rig

    plain = [m for m in catalog if m.meta.rig is None][:3]
    calls: list[Path] = []

    def fake_run(select, rig_file, workdir, *args, **kwargs) -> RunResult:
        calls.append(workdir)
        if workdir.name.startswith("baseline"):
            return RunResult(Outcome.PASSED, [], 10, 1.0)
        if workdir.name == plain[0].id:
            return RunResult(Outcome.FAILED, ["suites/basic/test_x.py::test_y"], 3, 2.0)
        raise KeyboardInterrupt

    monkeypatch.setattr(mutation, "run_selection", fake_run)
    seen: list[str] = []
    report = mutation.run_mutation(
        plain, load_base_rig(ROOT / "rigs" / "sim.yaml"), ROOT, keep=tmp_path, progress=seen.append
    )
    assert report.interrupted and [c.name for c in calls][1:] == [plain[0].id, plain[1].id]
    assert [r.verdict for r in report.results] == [Verdict.KILLED, Verdict.NOT_RUN, Verdict.NOT_RUN]
    assert report.results[0].caught_by == ["suites/basic/test_x.py::test_y"]
    assert "interrupted" in report.results[2].detail
    s = report.summary()
    assert (s["total"], s["killed"], s["not_run"], s["interrupted"]) == (3, 1, 2, True)
    assert "INTERRUPTED" in report.table() and seen[-1] == "interrupted after 1 of 3 faults"


def test_an_interrupted_run_exits_130_and_still_writes_its_json(tmp_path: Path, monkeypatch) -> None:
    import tools.mutants.__main__ as cli

    done = FaultResult("a", "basic", "3.1.2", Verdict.KILLED, ["t1"], 1.0, "x")
    monkeypatch.setattr(cli, "run_mutation", lambda *a, **k: MutationReport([done], interrupted=True))
    out = tmp_path / "m.json"
    catalog_id = load_catalog(root=ROOT)[0].id
    assert cli.main(["--only", catalog_id, "--json", str(out)]) == 130
    assert '"interrupted":true' in out.read_text() and '"killed":1' in out.read_text()


def test_an_interrupt_stops_the_pytest_run_in_progress(tmp_path: Path) -> None:
    """The selection's pytest runs in a session of its own, out of reach of the terminal's Ctrl-C; an
    interrupt of the mutation run must stop it (and what it started) rather than leave it running."""
    import signal
    import threading

    from tools.mutants.runs import run_selection

    marker = tmp_path / "started"
    tests = tmp_path / "test_hang.py"
    tests.write_text(
        "import pathlib, time\n\ndef test_hang():\n"
        f"    pathlib.Path({str(marker)!r}).write_text(str(__import__('os').getpid()))\n"
        "    time.sleep(120)\n",
        encoding="utf-8",
    )
    main = threading.main_thread().ident
    assert main is not None

    def interrupt_when_started() -> None:
        for _ in range(600):
            if marker.exists():
                break
            threading.Event().wait(0.1)
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        run_selection([str(tests)], ROOT / "rigs" / "sim.yaml", tmp_path / "w", ROOT, 0, budget=300)
    pid = int(marker.read_text())
    for _ in range(100):  # the group was sent SIGTERM and waited for; give the kernel a moment to reap it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        threading.Event().wait(0.1)
    else:
        raise AssertionError(f"the interrupted selection's pytest (pid {pid}) is still running")
