"""Self-test session setup (the plugin itself lives in fixtures/, registered by the root conftest.py).

Several self-tests check what Ctrl-C does to a run (tests/plugin/test_interrupted_run.py, the labgrid lease's
and the mutation tool's interrupt tests). A shell without job control starts its background jobs with SIGINT
ignored (POSIX: ``cmd &`` in a script), Python then installs no KeyboardInterrupt handler, and every process
the tests start inherits the ignored signal: the tests would fail for a reason outside the code under test.
So a self-test session that finds SIGINT ignored puts Python's own handler back; its children then start with
the default disposition, as from a terminal.
"""

from __future__ import annotations

import signal

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
