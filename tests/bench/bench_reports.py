"""How long the report builders take on a large synthetic run, and how big the page is. Prints one JSON
line: seconds to load and render index.html, its size in bytes, seconds to compare two such runs.

    .venv/bin/python -m tests.bench.bench_reports [--tests 2000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from reports.compare import compare_runs, render_text
from reports.index_page import render_index
from reports.run import load_run
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
    print(
        json.dumps(
            {
                "bench": "reports",
                "tests": args.tests,
                "build_s": round(build_s, 3),
                "page_bytes": len(page.encode()),
                "compare_s": round(compare_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
