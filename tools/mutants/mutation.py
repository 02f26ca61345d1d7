"""A mutation run: the faithful baseline, then each fault's selection against a board carrying that fault.

A fault is *killed* when some test of its selection fails or errors, and *survives* when they all pass (a
gap in the suite). Faults run one after another, so each run's board carries one fault only; the boards'
addresses never clash with another run's on the host (rigs/boards/instances.py).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from rigs.model import Rig
from tools.mutants.catalog import Mutant
from tools.mutants.runs import Outcome, RunResult, fault_rig, load_base_rig, rendered_faults, run_selection


class BaselineError(RuntimeError):
    """The selection fails on a faithful board: killing mutants against it would prove nothing."""


class Verdict(StrEnum):
    KILLED = "killed"
    SURVIVED = "survived"
    TIMEOUT = "timeout"  #: the run hung past its budget; counted as killed (the suite did not pass)
    ERROR = "error"  #: pytest failed without a failing test (or could not run): proves nothing either way
    NOT_RUN = "not-run"  #: the selection collected no tests, or the run was interrupted before this fault


@dataclass
class FaultResult:
    id: str
    command_set: str
    section: str
    verdict: Verdict
    caught_by: list[str]
    seconds: float
    selection: str
    detail: str = ""
    awaits: str = ""  #: the catalog's 'awaits': the check meant to kill it is not on this base yet

    @property
    def killed(self) -> bool:
        return self.verdict in (Verdict.KILLED, Verdict.TIMEOUT)


@dataclass
class MutationReport:
    results: list[FaultResult] = field(default_factory=list)
    baseline_seconds: float = 0.0
    #: Ctrl-C or SIGTERM stopped the run: the faults it had not finished are ``not-run``, with that reason.
    interrupted: bool = False

    @property
    def killed(self) -> int:
        return sum(r.killed for r in self.results)

    @property
    def survived(self) -> list[FaultResult]:
        return [r for r in self.results if r.verdict is Verdict.SURVIVED]

    @property
    def not_run(self) -> list[FaultResult]:
        return [r for r in self.results if r.verdict is Verdict.NOT_RUN]

    @property
    def errors(self) -> list[FaultResult]:
        return [r for r in self.results if r.verdict is Verdict.ERROR]

    def summary(self) -> dict[str, object]:
        total = len(self.results)
        return {
            "total": total,
            "killed": self.killed,
            "survived": len(self.survived),
            "not_run": len(self.not_run),
            "errors": len(self.errors),
            "timeouts": sum(r.verdict is Verdict.TIMEOUT for r in self.results),
            "awaiting": sum(bool(r.awaits) for r in self.results),
            "kill_rate": round(self.killed / total, 4) if total else 0.0,
            "baseline_seconds": round(self.baseline_seconds, 1),
            "interrupted": self.interrupted,
            "faults": [
                {
                    "id": r.id,
                    "command_set": r.command_set,
                    "section": r.section,
                    "verdict": r.verdict.value,
                    "caught_by": r.caught_by,
                    "seconds": round(r.seconds, 1),
                    "selection": r.selection,
                    **({"detail": r.detail} if r.detail else {}),
                    **({"awaits": r.awaits} if r.awaits else {}),
                }
                for r in self.results
            ],
        }

    def json_line(self) -> str:
        return json.dumps(self.summary(), separators=(",", ":"))

    def table(self) -> str:
        rows = [("fault", "set", "section", "verdict", "s", "caught by")]
        for r in self.results:
            first = r.caught_by[0] if r.caught_by else (r.detail.splitlines()[-1] if r.detail else "")
            more = f" (+{len(r.caught_by) - 1})" if len(r.caught_by) > 1 else ""
            waits = f"awaits: {r.awaits}" if r.awaits and not r.killed else ""
            rows.append(
                (r.id, r.command_set, r.section, r.verdict.value, f"{r.seconds:.0f}", first + more or waits)
            )
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = []
        for row in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5])
        s = self.summary()
        lines.append(
            f"{s['killed']}/{s['total']} killed ({float(s['kill_rate']):.0%}), {s['survived']} survived, "  # type: ignore[arg-type]
            f"{s['not_run']} not run, {s['errors']} errors ({s['awaiting']} faults await a check)"
            + (" - INTERRUPTED: the faults not reached are 'not-run'" if self.interrupted else "")
        )
        return "\n".join(lines)


def verdict_of(run: RunResult) -> Verdict:
    if run.outcome is Outcome.FAILED:
        return Verdict.KILLED
    if run.outcome is Outcome.PASSED:
        return Verdict.SURVIVED
    if run.outcome is Outcome.TIMEOUT:
        return Verdict.TIMEOUT
    if run.outcome is Outcome.ERROR:
        return Verdict.ERROR
    return Verdict.NOT_RUN


def baseline_paths(mutants: list[Mutant]) -> list[str]:
    """The union of the mutants' selection paths, without their -k/-m filters: a superset of every
    selection, so one faithful run vouches for all of them."""
    seen: dict[str, None] = {}
    for m in mutants:
        for p in m.meta.select.paths:
            seen.setdefault(p, None)
    # pytest runs a node id again when its file (or folder) is also given: keep only the widest path.
    return [p for p in seen if not any(q != p and _covers(q, p) for q in seen)]


def baseline_args(mutants: list[Mutant]) -> list[str]:
    """pytest arguments of the baseline: the widest paths, narrowed by one ``-k`` that ORs each mutant's
    own filter (a file or node id without ``-k`` contributes its module or test name). The result selects
    every test any mutant selects, and usually far fewer than the whole folders. A mutant whose selection
    cannot be put as a keyword (a folder without ``-k``) makes the baseline run its paths in full."""
    paths = baseline_paths(mutants)
    terms: dict[str, None] = {}
    for m in mutants:
        sel = m.meta.select
        if sel.k:
            terms.setdefault(f"({sel.k})", None)
            continue
        for p in sel.paths:
            if "::" in p:
                name = p.split("::")[-1].split("[", 1)[0]
            elif p.endswith(".py"):
                name = Path(p).name
            else:
                return paths
            terms.setdefault(name, None)
    return [*paths, "-k", " or ".join(terms)] if terms else paths


def _covers(wide: str, narrow: str) -> bool:
    w, n = wide.rstrip("/"), narrow.split("::", 1)[0].rstrip("/")
    return "::" not in wide and (n == w and "::" in narrow or n.startswith(w + "/"))


def rig_groups(mutants: list[Mutant]) -> dict[str | None, list[Mutant]]:
    """The mutants by the base rig they run on (their ``rig`` key; None: the run's ``--rig``), in catalog
    order: each group gets its own faithful baseline on its own rig."""
    groups: dict[str | None, list[Mutant]] = {}
    for m in mutants:
        groups.setdefault(m.meta.rig, []).append(m)
    return groups


def run_mutation(
    mutants: list[Mutant],
    base_rig: Rig,
    root: Path,
    workers: int = 2,
    budget: float = 900.0,
    extra: list[str] | None = None,
    progress: Callable[[str], None] = lambda _: None,
    keep: Path | None = None,
    every_catching_test: bool = False,
) -> MutationReport:
    """A baseline per base rig (``base_rig``, and each rig a fault names), then every mutant on its rig;
    ``keep`` keeps each run's rig file, pytest output, JUnit XML and transcripts under that folder (by
    default they go to a temporary one). A mutant's run stops at its first failing test unless
    ``every_catching_test`` (then ``caught_by`` lists every test that catches it, at the cost of running
    the whole selection for each killed fault too)."""
    report = MutationReport()
    try:
        _run_all(mutants, base_rig, root, workers, budget, extra, progress, keep, every_catching_test, report)
    except KeyboardInterrupt:
        # What was measured stays measured: the finished faults keep their verdicts, the rest are not-run.
        report.interrupted = True
        done = {r.id for r in report.results}
        for m in mutants:
            if m.id not in done:
                report.results.append(_not_reached(m))
        progress(f"interrupted after {len(done)} of {len(mutants)} faults")
    return report


def _not_reached(m: Mutant) -> FaultResult:
    return FaultResult(
        id=m.id,
        command_set=m.meta.command_set,
        section=m.meta.section,
        verdict=Verdict.NOT_RUN,
        caught_by=[],
        seconds=0.0,
        selection=m.meta.select.text(),
        detail="the mutation run was interrupted before this fault finished",
        awaits=m.meta.awaits or "",
    )


def _run_all(
    mutants: list[Mutant],
    base_rig: Rig,
    root: Path,
    workers: int,
    budget: float,
    extra: list[str] | None,
    progress: Callable[[str], None],
    keep: Path | None,
    every_catching_test: bool,
    report: MutationReport,
) -> None:
    groups = rig_groups(mutants)
    rigs = {key: base_rig if key is None else load_base_rig(root / key) for key in groups}
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        work = Path(tmp) if keep is None else keep
        work.mkdir(parents=True, exist_ok=True)
        # Every fault's rig values first: a placeholder naming nothing stops the run before its baseline.
        faults = {
            m.id: rendered_faults(m.path, rigs[m.meta.rig], work / f"{m.id}-faults.yaml") for m in mutants
        }
        for n, (key, group) in enumerate(groups.items()):
            rig_file = fault_rig(rigs[key], None, work / f"baseline-{n}-rig.yaml")
            paths = baseline_args(group)
            on = f" on {key}" if key else ""
            progress(f"baseline: {' '.join(paths)} (faithful board{on})")
            base = run_selection(paths, rig_file, work / f"baseline-{n}", root, workers, budget, extra)
            report.baseline_seconds += base.seconds
            if base.outcome is not Outcome.PASSED:
                what = ", ".join(base.failed[:10]) or base.detail
                raise BaselineError(
                    f"the faithful baseline of {' '.join(paths)}{on} did not pass ({base.outcome.value}): "
                    f"{what}. Fix the suite (or the simulator) first: mutants killed by a failing suite "
                    "prove nothing."
                )
            progress(f"baseline passed: {base.tests} tests in {base.seconds:.0f} s")
        for i, m in enumerate(mutants, 1):
            rig_file = fault_rig(rigs[m.meta.rig], faults[m.id], work / f"{m.id}-rig.yaml")
            run = run_selection(
                m.meta.select,
                rig_file,
                work / m.id,
                root,
                workers,
                budget,
                extra,
                stop_at_first_failure=not every_catching_test,
            )
            result = FaultResult(
                id=m.id,
                command_set=m.meta.command_set,
                section=m.meta.section,
                verdict=verdict_of(run),
                caught_by=run.failed,
                seconds=run.seconds,
                selection=m.meta.select.text(),
                detail=run.detail if run.outcome is not Outcome.FAILED else "",
                awaits=m.meta.awaits or "",
            )
            report.results.append(result)
            progress(f"[{i}/{len(mutants)}] {m.id}: {result.verdict.value} ({run.seconds:.0f} s)")
