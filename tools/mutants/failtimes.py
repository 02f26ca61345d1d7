"""A pytest plugin the mutation runs load (``-p tools.mutants.failtimes``): it appends one line per failing
test, in the order the failures reach the main process, to the file named by ``MUTANTS_FAIL_LOG``.

JUnit XML lists test cases in the order they started, so "the first test that caught the fault" read from it
is not the first that failed; under xdist the main process gets each report as it happens, so this order is
the order in time."""

from __future__ import annotations

import os
import time

import pytest

ENV = "MUTANTS_FAIL_LOG"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get(ENV)
    # Inside an xdist worker the same report is sent on to the main process: write it there only, once.
    if not path or not report.failed or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{time.time():.6f} {report.nodeid}\n")
