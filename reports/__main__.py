"""``python -m reports``: build the run's report page; compare two runs.

    python -m reports build reports/out              # reports/out/index.html from summary.json (+ junit.xml)
    python -m reports compare A B [--html OUT]       # A, B: report folders or summary.json files
    python -m reports versions RUN... [--json] [--all]  # runs on different firmware side by side

``compare`` exits 0 when B has no regression against A, 1 when it has (reports/compare.py says what counts),
2 on bad input (a missing or malformed summary), with one line naming the file and the cause.
``versions`` (reports/versions.py) exits 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.run import RunLoadError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write DIR/index.html from DIR/summary.json (+ DIR/junit.xml)")
    b.add_argument("folder", type=Path, metavar="DIR")
    b.add_argument("--out", type=Path, default=None, help="where the page goes (default DIR/index.html)")
    c = sub.add_parser("compare", help="what changed from run A to run B; exit 1 on regressions")
    c.add_argument("a", type=Path, metavar="A", help="the reference run: a report folder or summary.json")
    c.add_argument("b", type=Path, metavar="B", help="the run under judgement")
    c.add_argument("--html", type=Path, default=None, metavar="OUT", help="also write the comparison page")
    c.add_argument(
        "--strict",
        action="store_true",
        help="count lost coverage (newly skipped or not covered) as regressions too",
    )
    v = sub.add_parser("versions", help="runs on different firmware side by side, per form and example")
    v.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="report folders or summary.json files")
    v.add_argument("--json", action="store_true", help="the table as JSON instead of text")
    v.add_argument("--all", action="store_true", help="every row, not only those that differ")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args.folder, args.out)
        if args.command == "versions":
            return _versions(args.runs, as_json=args.json, every_row=args.all)
        return _compare(args.a, args.b, args.html, args.strict)
    except RunLoadError as exc:
        print(f"reports: {exc}", file=sys.stderr)
        return 2


def _build(folder: Path, out: Path | None) -> int:
    from reports.index_page import render_index
    from reports.run import load_run

    run = load_run(folder)
    for warning in run.warnings:
        print(f"reports: warning: {warning}", file=sys.stderr)
    target = out or run.folder / "index.html"
    target.write_text(render_index(run), encoding="utf-8")
    s = run.summary.totals
    counts = f"{s.passed} passed, {s.failed} failed, {s.error} error, {s.skipped} skipped"
    print(f"reports: wrote {target} ({counts})")
    return 0


def _compare(a: Path, b: Path, html_out: Path | None, strict: bool) -> int:
    from reports.compare import compare_runs, render_text
    from reports.run import load_run

    diff = compare_runs(load_run(a), load_run(b), strict=strict)
    sys.stdout.write(render_text(diff))
    if html_out is not None:
        from reports.compare_page import render_compare

        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render_compare(diff, html_out), encoding="utf-8")
    return 1 if diff.regressions else 0


def _versions(paths: list[Path], *, as_json: bool, every_row: bool) -> int:
    import json
    from functools import cache

    from reports.run import load_run
    from reports.versions import render_text, to_json, version_report
    from spec.extract.sources import RELEASES
    from spec.release_diff import diff_specs
    from spec.releases import load_release

    if len(paths) < 2:
        print("reports: versions needs two runs or more to put side by side", file=sys.stderr)
        return 2

    def guide(release: str):  # type: ignore[no-untyped-def]
        return load_release(release) if release in RELEASES else None

    @cache
    def diffs(old: str, new: str):  # type: ignore[no-untyped-def]
        return diff_specs(load_release(old), load_release(new)) if {old, new} <= set(RELEASES) else []

    report = version_report([load_run(p) for p in paths], guide=guide, diffs=diffs)
    if as_json:
        sys.stdout.write(json.dumps(to_json(report), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report, every_row=every_row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
