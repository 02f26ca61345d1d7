"""CI self-test of the suite's strength: a fixed, seeded sample of the fault catalog, each fault run against
the suite's selection for it (tools/mutants/README.md); every sampled fault must be killed.

The full catalog takes far longer than a CI run should; ``python -m tools.mutants`` runs it all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs.loader import load_rig
from tools.mutants.catalog import choose, load_catalog
from tools.mutants.mutation import BaselineError, Verdict, run_mutation
from tools.mutants.runs import Outcome, fault_rig, run_selection

ROOT = Path(__file__).resolve().parents[2]
SAMPLE, SEED = 8, 2026

#: Faults the suite does not catch yet (survivors of the full run), each with what is missing. Strict, like
#: xfail_strict: one that starts dying must leave this table, and any other survivor fails the test. Faults
#: whose catalog file says ``awaits`` (the check meant to kill them is not on this base yet) are not drawn
#: at all; when that check lands, delete the fault's ``awaits`` line and it joins the sample.
KNOWN_SURVIVORS: dict[str, str] = {}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_sampled_faults_are_killed(tmp_path: Path) -> None:
    mutants = choose(load_catalog(root=ROOT), sample=SAMPLE, seed=SEED, ready=True)
    base = load_rig(ROOT / "rigs" / "sim.yaml")
    # The suites land piece by piece: a sample whose selections collect nothing has nothing to prove yet.
    empty = []
    for m in mutants:
        probe = run_selection(
            [*m.meta.select.pytest_args(), "--collect-only"],
            fault_rig(load_rig(ROOT / m.meta.rig) if m.meta.rig else base, None, tmp_path / f"{m.id}.yaml"),
            tmp_path / f"collect-{m.id}",
            ROOT,
            workers=0,
            budget=120,
        )
        if probe.outcome is Outcome.NO_TESTS:
            empty.append(f"{m.id} ({m.meta.select.text()})")
    if empty:
        pytest.skip("suites/ selections collect no tests yet for: " + "; ".join(empty))
    try:
        report = run_mutation(mutants, base, ROOT, workers=2)
    except BaselineError as exc:
        pytest.fail(str(exc))
    problems = []
    for r in report.results:
        known = KNOWN_SURVIVORS.get(r.id)
        if r.verdict in (Verdict.NOT_RUN, Verdict.ERROR):
            problems.append(f"{r.id}: {r.verdict.value} ({r.selection}): {r.detail}")
        elif known is None and not r.killed:
            problems.append(f"{r.id}: survived: the suite ({r.selection}) did not catch it")
        elif known is not None and r.killed:
            problems.append(f"{r.id}: now killed by {r.caught_by}: remove it from KNOWN_SURVIVORS")
    assert not problems, "\n".join(problems)


def test_known_survivors_are_catalog_faults() -> None:
    ids = {m.id for m in load_catalog()}
    assert set(KNOWN_SURVIVORS) <= ids, sorted(set(KNOWN_SURVIVORS) - ids)
