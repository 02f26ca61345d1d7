"""Start a real ``python -m sim`` process and talk to its AT port with pyserial (test helper).

Used until the project's AtSession (rigs/at/session.py) is available to these tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import serial

ROOT = Path(__file__).resolve().parents[2]
FINAL = re.compile(rb"\r\n(OK|ERROR|SEND OK|SEND FAIL|SET OK)\r\n")


class SimProcess:
    def __init__(self, *args: str, state_dir: Path | None = None) -> None:
        cmd = [sys.executable, "-m", "sim", *args]
        if state_dir is not None:
            cmd += ["--state-dir", str(state_dir)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"simulator did not start: {err}")
        self.ready = json.loads(line)
        self.url: str = self.ready["serial"]

    def open(self, *, baudrate: int = 115200, wait_ready: bool = True) -> AtPort:
        port = AtPort(serial.serial_for_url(self.url, baudrate=baudrate, timeout=0.05))
        if wait_ready:
            port.read_until(b"ready\r\n", timeout=10)
        return port

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


class AtPort:
    def __init__(self, ser: serial.SerialBase) -> None:
        self.ser = ser
        self.buf = bytearray()

    def read_until(self, pattern: bytes | re.Pattern[bytes], timeout: float = 10.0) -> bytes:
        """Read until ``pattern`` is in the input; returns and consumes everything up to its end."""
        rx = re.compile(re.escape(pattern)) if isinstance(pattern, bytes) else pattern
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                out = bytes(self.buf[: m.end()])
                del self.buf[: m.end()]
                return out
            if time.monotonic() > deadline:
                raise TimeoutError(f"waiting for {rx.pattern!r}, got {bytes(self.buf)!r}")
            self.buf += self.ser.read(4096)

    def read_for(self, seconds: float) -> bytes:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.buf += self.ser.read(4096)
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def command(self, line: str | bytes, timeout: float = 10.0) -> bytes:
        self.ser.write(line.encode() + b"\r\n" if isinstance(line, str) else line)
        return self.read_until(FINAL, timeout)

    def close(self) -> None:
        self.ser.close()
