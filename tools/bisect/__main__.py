"""``python -m tools.bisect --manifest FILE --rig FILE [--release vX] [--reruns N] -- SELECTION...``

Finds the first build of the manifest (oldest first) where the verdict of the test selection changes
(tools/bisect/README.md). Exit status: 0 found or nothing to find, 1 stopped (a flaky or unjudgeable step),
2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.bisect.report import render_text, summarise
from tools.bisect.search import Bisection
from tools.bisect.steps import ROOT, ManifestError, StepRun, load_manifest, run_step


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bisect", description=__doc__.split("\n\n")[1])
    p.add_argument(
        "--manifest", type=Path, required=True,
        help="YAML list of builds {id, profile | rig | image}, oldest first",
    )  # fmt: skip
    p.add_argument("--rig", type=Path, default=ROOT / "rigs" / "sim.yaml", help="the rig a profile build runs on")
    p.add_argument(
        "--release",
        default=None,
        help="judge every build by this release's guide (firmware.release); default: each by its own AT+GMR",
    )
    p.add_argument("--reruns", type=int, default=2, help="more runs that confirm a bad verdict (default 2)")
    p.add_argument("--out", type=Path, default=ROOT / "reports" / "out" / "bisect", help="step folders, bisect.json")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("selection", nargs="+", help="pytest arguments: the tests whose verdict is bisected")
    args = p.parse_args(argv)
    try:
        builds = load_manifest(args.manifest)
        search = Bisection(len(builds), reruns=args.reruns)
    except (ManifestError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.rig.is_file():
        print(f"error: no rig file {args.rig}", file=sys.stderr)
        return 2
    runs: list[StepRun] = []
    while (index := search.next()) is not None:
        attempt = sum(1 for r in runs if r.build == builds[index]) + 1
        try:
            run = run_step(builds[index], attempt, args.selection, args.rig.resolve(), args.out, args.release)
        except ManifestError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        runs.append(run)
        search.feed(run.verdict)
    report = summarise(builds, search, runs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bisect.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2) if args.json else render_text(report))
    return 1 if report["outcome"] == "stopped" else 0


if __name__ == "__main__":
    sys.exit(main())
