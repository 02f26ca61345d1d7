"""A mock ESP32 ROM loader (esp32-mock-bootloader) on a free loopback port, for flashing tests.

The mock keeps what is written in a 4 MB in-memory flash and answers esptool's SPI_FLASH_MD5, so a write
can be verified; it boots nothing. Its stub READ_FLASH times out, so tests verify by MD5, as tools/flash.py
does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_LISTENING = re.compile(r"listening on ([\d.]+):(\d+)")


@contextmanager
def mock_rom(chip: str = "esp32") -> Iterator[str]:
    """Start the mock on a free port and yield its ``socket://`` URL; stopped on exit."""
    cmd = [sys.executable, "-m", "esp32_mock_bootloader.cli", "run", "--port", "0", "--bind", "127.0.0.1"]
    proc = subprocess.Popen([*cmd, "--chip", chip], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = _LISTENING.search(line)
        if m is None:
            raise RuntimeError(f"esp32-mock-bootloader did not say where it listens: {line!r}")
        yield f"socket://{m.group(1)}:{m.group(2)}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
