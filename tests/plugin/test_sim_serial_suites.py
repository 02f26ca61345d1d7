"""Issue 24's first acceptance point: on rigs/sim-serial.yaml (simulated boards behind rfc2217:// and socket://,
driven by the bench's serial driver; DNS and SNTP peers on ports 53 and 123 of their own loopback address) the
Basic, Wi-Fi and TCP/IP suites (and example 4.2.7, SNTP) pass as on rigs/sim.yaml: nothing fails, and a
test is skipped only for a capability the rig does not claim or a command the firmware leaves out.

Slow (about a minute and a half with two workers): marked ``slow``."""

from __future__ import annotations

import errno
import json
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_basic_wifi_and_tcpip_pass_on_the_serial_driver_rig(pytester: pytest.Pytester) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.53.0.254", 53))
        except OSError as exc:
            if exc.errno == errno.EACCES:
                pytest.skip(
                    "port 53 needs CAP_NET_BIND_SERVICE: run as root or under `unshare -rn` (docs/bench.md)"
                )
    summary = pytester.path / "summary.json"
    result = pytester.runpytest_subprocess(
        *(str(ROOT / "suites" / s) for s in ("basic", "wifi", "tcpip")),
        f"{ROOT / 'suites' / 'examples' / 'test_examples.py'}::test_example[4.2.7]",
        "--rig", str(ROOT / "rigs" / "sim-serial.yaml"), "-n", "2", "-p", "no:cacheprovider",
        "--summary", str(summary), "--transcripts", str(pytester.path / "t"), timeout=900,
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, result.stdout.str()[-3000:]
    tests = json.loads(summary.read_text())["tests"]
    skips = [t["reason"] for t in tests if t["outcome"] == "skipped"]
    # what the serial-driver rig does not declare (suites/basic/test_sleep.py names the wake-gpio capability)
    assert all(
        "lacks capability" in r or "is not in this firmware" in r or "(capability wake-gpio)" in r for r in skips
    ), skips
    passed = {t["id"].split("::")[-1] for t in tests if t["outcome"] == "passed"}
    wanted = {"test_cipdomain_resolves[plain]", "test_sntp_time[8-28800]", "test_ping_unresolvable"}
    assert wanted | {"test_example[4.2.7]"} <= passed  # 4.2.7: SNTP through the peer's own address
