"""How long the report builders take on a large synthetic run, and how big the page is. One JSON line
a figure (tests/bench/figure.py): seconds to load and render index.html (its size in bytes in the detail),
seconds to compare two such runs. No targets: recorded for trends.

    .venv/bin/python -m tests.bench.bench_reports [--tests 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reports.compare import compare_runs, render_text
from reports.index_page import render_index
from reports.run import load_run
from tests.bench.figure import Figures
from tests.reports.synthetic import big_run, write_run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a = write_run(Path(tmp) / "a", big_run(args.tests, seed=1))
        b = write_run(Path(tmp) / "b", big_run(args.tests, seed=2))
        start = time.perf_counter()
        run_a = load_run(a)
        page = render_index(run_a)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        render_text(compare_runs(run_a, load_run(b)))
        compare_s = time.perf_counter() - start
    out = Figures("reports")
    out.emit("build_index", build_s, "s", tests=args.tests, page_bytes=len(page.encode()))
    out.emit("compare_runs", compare_s, "s", tests=args.tests)


if __name__ == "__main__":
    main()
