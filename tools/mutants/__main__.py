"""``python -m tools.mutants``: run the conformance suite against simulated boards that carry known
firmware defects and report which defects the suite catches (tools/mutants/README.md)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from rigs.loader import RigFileError
from tools.mutants.catalog import DEFAULT_CATALOG, CatalogError, choose, load_catalog
from tools.mutants.mutation import BaselineError, run_mutation
from tools.mutants.rigvalues import RigValueError
from tools.mutants.runs import load_base_rig

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.mutants", description=__doc__)
    ap.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG, help="folder of fault files")
    ap.add_argument("--only", nargs="+", metavar="ID", help="run only these faults")
    ap.add_argument("--sample", type=int, metavar="N", help="run a seeded sample of N faults")
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    ap.add_argument(
        "--ready", action="store_true", help="only faults expected to die on this base (no 'awaits')"
    )
    ap.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers per run (0: none)")
    ap.add_argument("--rig", type=Path, default=ROOT / "rigs" / "sim.yaml", help="base rig (a sim board)")
    ap.add_argument("--budget", type=float, default=900.0, help="seconds one run may take, then stopped")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the JSON summary here")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep each run's output and transcripts here")
    ap.add_argument(
        "--every-catching-test",
        action="store_true",
        help="run each killed fault's whole selection, to list every test that catches it (default: stop at "
        "the first failing test, which is all a verdict needs)",
    )
    ap.add_argument("--list", action="store_true", help="list the catalog and exit")
    args = ap.parse_args(argv)

    try:
        mutants = choose(load_catalog(args.catalog, ROOT), args.only, args.sample, args.seed, args.ready)
        if args.list:
            for m in mutants:
                waits = f"  (awaits: {m.meta.awaits})" if m.meta.awaits else ""
                print(f"{m.id:40} {m.meta.section:8} {m.meta.select.text()}{waits}")
            return 0
        rig = load_base_rig(args.rig)
    except (CatalogError, RigFileError, ValueError) as exc:
        print(f"tools.mutants: {exc}", file=sys.stderr)
        return 2

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    # A SIGTERM (a CI job's cancel) ends the run as a Ctrl-C does: with the report of the faults it finished.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = run_mutation(
            mutants,
            rig,
            ROOT,
            args.workers,
            args.budget,
            progress=progress,
            keep=args.keep,
            every_catching_test=args.every_catching_test,
        )
    except (BaselineError, RigValueError) as exc:
        print(f"tools.mutants: {exc}", file=sys.stderr)
        return 2
    print(report.table())
    line = report.json_line()
    print(line)
    if args.json:
        args.json.write_text(line + "\n", encoding="utf-8")
    if report.interrupted:
        return 130
    return 0 if not report.survived and not report.not_run and not report.errors else 1


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
