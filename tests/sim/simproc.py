"""Start and stop a real ``python -m sim`` process (test helper); all I/O with it goes through the
project's AT session (:class:`rigs.at.session.AtSession`), opened by :meth:`SimProcess.session`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from rigs.at.session import AtSession

ROOT = Path(__file__).resolve().parents[2]


class SimProcess:
    """One simulator process; ``ready`` is its ready JSON line (sim/README.md), ``url`` its AT port."""

    def __init__(self, *args: str, state_dir: Path | None = None) -> None:
        cmd = [sys.executable, "-m", "sim", *args]
        if state_dir is not None:
            cmd += ["--state-dir", str(state_dir)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            self.proc.wait(timeout=10)
            raise RuntimeError(f"simulator did not start (exit {self.proc.returncode}): {err}")
        self.ready: dict[str, Any] = json.loads(line)
        self.url: str = self.ready["serial"]

    def session(self, *, baudrate: int = 115200, wait_ready: bool = True, **kw: Any) -> AtSession:
        """An AtSession on the AT port; with ``wait_ready`` the boot's ``ready`` is awaited and consumed."""
        dut = AtSession.open(self.url, baudrate=baudrate, **kw)
        if wait_ready:
            try:
                dut.expect_urc("ready", timeout=15)
            except BaseException:
                dut.close()
                raise
        return dut

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()
