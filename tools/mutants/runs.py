"""Running a suite selection against one simulated board configuration and reading what it found.

A run is ``python -m pytest <selection> --rig <rig>`` in a subprocess, with its JUnit XML, summary and
transcripts in a private folder (so a mutation run never touches reports/out/ of a conformance run). The
verdict comes from pytest's exit status and the JUnit XML: which tests failed or errored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml

from rigs.loader import load_rig, parse_rig
from rigs.model import BoardKind, Rig
from tools.mutants.catalog import Selection
from tools.mutants.failtimes import ENV as FAIL_LOG_ENV
from tools.mutants.rigvalues import RigValueError, render


class Outcome(StrEnum):
    PASSED = "passed"  #: every selected test passed (for a mutant: it survived)
    FAILED = "failed"  #: at least one test failed or errored (for a mutant: killed)
    NO_TESTS = "no-tests"  #: the selection collected nothing (pytest exit status 5)
    TIMEOUT = "timeout"  #: the whole run exceeded its time budget and was stopped
    ERROR = "error"  #: pytest could not run (usage or internal error), or failed with no failed test


@dataclass
class RunResult:
    outcome: Outcome
    #: node ids of the tests that failed or errored, the first to fail (in time) first
    failed: list[str] = field(default_factory=list)
    tests: int = 0
    seconds: float = 0.0
    detail: str = ""  #: the tail of pytest's output when it could not run


def fault_rig(base: Rig, faults: Path | None, out: Path) -> Path:
    """Write ``base`` with every sim board's ``faults`` set to ``faults`` as a rig file at ``out``.

    Goes through the rig model (dump, then the loader's own validation of what was written), so the
    result is a rig the plugin accepts exactly like the base one.
    """
    boards = []
    for b in base.boards:
        if b.kind is BoardKind.SIM and b.sim is not None:
            path = faults.resolve() if faults is not None else None
            b = b.model_copy(update={"sim": b.sim.model_copy(update={"faults": path})})
        boards.append(b)
    rig = base.model_copy(update={"boards": boards})
    text = yaml.safe_dump(rig.model_dump(mode="json", by_alias=True), sort_keys=False)
    out.write_text("# written by tools.mutants from " + str(base.path) + "\n" + text, encoding="utf-8")
    parse_rig(text, out)  # the plugin will load it: fail here, naming the file, if it would not
    return out


def rendered_faults(faults: Path, base: Rig, out: Path) -> Path:
    """``faults`` with its ``{{rig:...}}`` placeholders filled from ``base`` (tools/mutants/rigvalues.py),
    written at ``out``; the simulator then loads it as the plain faults file it is. A placeholder that names
    nothing in the rig is an error naming the catalog file."""
    data = yaml.safe_load(faults.read_text(encoding="utf-8"))
    try:
        filled = render(data, base.model_dump(mode="json", by_alias=True))
    except RigValueError as exc:
        raise RigValueError(f"{faults}: {exc} (in {base.path})") from None
    out.write_text(
        f"# {faults} with the values of {base.path}\n" + yaml.safe_dump(filled, sort_keys=False),
        encoding="utf-8",
    )
    return out


def load_base_rig(path: Path) -> Rig:
    rig = load_rig(path)
    if not any(b.kind is BoardKind.SIM for b in rig.boards):
        raise ValueError(f"{path}: mutation runs need a rig with a sim board (faults act on the simulator)")
    return rig


def junit_failures(xml_path: Path, root: Path) -> tuple[int, list[str]]:
    """(number of test cases, node ids of those that failed or errored) from a JUnit XML file."""
    if not xml_path.is_file():
        return 0, []
    tree = ET.parse(xml_path)
    count = 0
    failed: list[str] = []
    for case in tree.iter("testcase"):
        count += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(node_id(case.get("classname", ""), case.get("name", ""), root))
    return count, failed


def in_time_order(failed: list[str], fail_log: Path) -> list[str]:
    """``failed`` (JUnit order, which is start order) sorted by when each failure reached pytest's main
    process, as tools.mutants.failtimes logged it; tests the log does not name keep their place at the end."""
    if not fail_log.is_file():
        return failed
    when: dict[str, float] = {}
    for row in fail_log.read_text(encoding="utf-8").splitlines():
        stamp, _, nodeid = row.partition(" ")
        try:
            when.setdefault(nodeid, float(stamp))
        except ValueError:
            continue
    last = max(when.values(), default=0.0) + 1.0
    return sorted(failed, key=lambda n: when.get(n, last))


def node_id(classname: str, name: str, root: Path) -> str:
    """pytest's node id from JUnit's dotted ``classname`` (module path, then classes) and ``name``."""
    parts = classname.split(".") if classname else []
    for i in range(len(parts), 0, -1):
        candidate = Path(*parts[:i]).with_suffix(".py")
        if (root / candidate).is_file():
            return "::".join([candidate.as_posix(), *parts[i:], name])
    return f"{classname}::{name}" if classname else name


def run_selection(
    selection: Selection | list[str],
    rig_file: Path,
    workdir: Path,
    root: Path,
    workers: int = 2,
    budget: float = 900.0,
    extra: list[str] | None = None,
    stop_at_first_failure: bool = False,
) -> RunResult:
    """Run the selection with ``--rig rig_file``; results and transcripts go under ``workdir``.

    ``stop_at_first_failure`` (``--maxfail=1``): a mutant's verdict needs one failing test, so its run can
    stop there instead of running the rest of the command set's folder against a board already shown to be
    wrong; a survivor still runs every test. The failures are then those of the first to fail (one per xdist
    worker at most)."""
    workdir.mkdir(parents=True, exist_ok=True)
    junit = workdir / "junit.xml"
    args = selection.pytest_args() if isinstance(selection, Selection) else list(selection)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *args,
        "--rig",
        str(rig_file),
        "-p",
        "no:cacheprovider",
        "-q",
        "--junitxml",
        str(junit),
        "--summary",
        str(workdir / "summary.json"),
        "--transcripts",
        str(workdir / "transcripts"),
        *(["-n", str(workers)] if workers > 0 else ["-p", "no:xdist"]),
        *(["--maxfail=1"] if stop_at_first_failure else []),
        "-p",
        "tools.mutants.failtimes",
        *(extra or []),
    ]
    fail_log = workdir / "fail-times.txt"
    fail_log.unlink(missing_ok=True)
    # No --rootdir: pytest finds pytest.ini from cwd; given --rootdir, xdist workers lose the ini file (its
    # markers, timeout and xfail_strict) and warn of unknown marks.
    start = time.monotonic()
    # A new session: on a timeout the whole group (pytest, its workers, their simulators) is stopped.
    proc = subprocess.Popen(
        cmd,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", FAIL_LOG_ENV: str(fail_log)},
    )
    try:
        out, _ = proc.communicate(timeout=budget)
    except KeyboardInterrupt:
        # The run is in a session of its own, so a Ctrl-C on the terminal does not reach it: stop its group
        # here, or the simulators it started outlive the interrupted mutation run.
        _kill_group(proc)
        raise
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        tests, failed = junit_failures(junit, root)
        failed = in_time_order(failed, fail_log)
        return RunResult(Outcome.TIMEOUT, failed, tests, time.monotonic() - start, _tail(out))
    seconds = time.monotonic() - start
    tests, failed = junit_failures(junit, root)
    failed = in_time_order(failed, fail_log)
    rc = proc.returncode
    (workdir / "pytest.out").write_bytes(out)
    if rc == 0:
        return RunResult(Outcome.PASSED, [], tests, seconds)
    if rc == 1 and failed:
        return RunResult(Outcome.FAILED, failed, tests, seconds)
    stopped = b"stopping after 1 failures" in out
    if rc == 2 and stop_at_first_failure and failed and stopped:
        # xdist ends a --maxfail stop as "Interrupted" (exit 2); the failure that stopped it is in the XML.
        return RunResult(Outcome.FAILED, failed, tests, seconds)
    if rc == 1:
        # Exit 1 with no failed test case: a hook, a worker crash or a session-level error. That is not the
        # suite catching the fault; the run itself is broken.
        detail = "pytest exit status 1 with no failed test in the JUnit XML: " + _tail(out)
        return RunResult(Outcome.ERROR, [], tests, seconds, detail)
    if rc == 5:
        return RunResult(Outcome.NO_TESTS, [], 0, seconds, _tail(out))
    return RunResult(Outcome.ERROR, failed, tests, seconds, f"pytest exit status {rc}: " + _tail(out))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _tail(out: bytes, lines: int = 15) -> str:
    return "\n".join(out.decode("utf-8", "replace").rstrip().splitlines()[-lines:])
