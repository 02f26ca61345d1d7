"""The simulator as a process: transports, exit status, persistence across restarts, line rate, faults."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.sim.simproc import ROOT, SimProcess

OK = b"\r\nOK\r\n"


@pytest.mark.parametrize("url", ["socket://127.0.0.1:0", "pty", "rfc2217://127.0.0.1:0"])
def test_transports_boot_and_answer(url: str) -> None:
    with SimProcess("--serial", url, "--instance", "3") as sp:
        assert sp.ready["event"] == "ready" and sp.ready["instance"] == 3
        assert sp.ready["sta_mac"] != sp.ready["ap_mac"]
        port = sp.open()
        assert port.command("AT") == b"AT\r\n" + OK
        assert port.command("AT+GMR").startswith(b"AT+GMR\r\nAT version:")
        port.close()
        assert sp.stop() == 0  # SIGTERM: clean exit


def test_new_client_replaces_old_one() -> None:
    with SimProcess() as sp:
        first = sp.open()
        second = sp.open(wait_ready=False)
        assert second.command("AT") == b"AT\r\n" + OK
        first.close()
        second.close()


def test_sigint_exits_zero() -> None:
    with SimProcess() as sp:
        sp.proc.send_signal(signal.SIGINT)
        assert sp.proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--serial", "tcp://x:1"], "--serial"),
        (["--profile", "no-such-profile"], "no-such-profile"),
        (["--faults", "/nonexistent/faults.yaml"], "faults.yaml"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], needle: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr


def test_bad_fault_file_names_the_field(tmp_path: Path) -> None:
    f = tmp_path / "faults.yaml"
    f.write_text("rules:\n  - {kind: delay, match: '^OK$'}\n")
    r = subprocess.run(
        [sys.executable, "-m", "sim", "--faults", str(f)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 2 and "rules.0" in r.stderr and str(f) in r.stderr


def test_settings_survive_a_process_restart(tmp_path: Path) -> None:
    with SimProcess(state_dir=tmp_path) as sp:
        port = sp.open()
        assert port.command("AT+SYSMSG=2").endswith(OK)
        assert port.command('AT+SAVETRANSLINK=1,"127.0.0.1",1002,"TCP"').endswith(OK)
        port.close()
    with SimProcess(state_dir=tmp_path) as sp:
        port = sp.open()
        assert port.command("AT+SYSMSG?") == b"AT+SYSMSG?\r\n+SYSMSG:2\r\n" + OK
        port.close()


def _measure_rate(port, nbytes: int) -> float:  # type: ignore[no-untyped-def]
    """Bytes per second of a bulk response (AT+SYSFLASH read), first byte to last."""
    port.ser.write(f'AT+SYSFLASH=2,"fatfs",0,{nbytes}\r\n'.encode())
    got = 0
    first = last = 0.0
    buf = bytearray()
    deadline = time.monotonic() + 60
    while not buf.endswith(OK) and time.monotonic() < deadline:
        chunk = port.ser.read(65536)
        if chunk:
            now = time.monotonic()
            first = first or now
            last = now
            got += len(chunk)
            buf += chunk
    assert buf.endswith(OK)
    return (got - len(buf[: buf.index(b"+SYSFLASH")])) / (last - first)


@pytest.mark.parametrize("baud", [115200, 921600])
def test_line_rate_matches_baud(baud: int) -> None:
    expected = baud / 10  # 8N1: 10 bit times per byte
    with SimProcess() as sp:
        port = sp.open()
        port.ser.timeout = 0.002
        if baud != 115200:
            assert port.command(f"AT+UART_CUR={baud},8,1,0,0").endswith(OK)
        nbytes = int(expected * 1.0)  # about one second of line time
        best = max(_measure_rate(port, nbytes) for _ in range(2))
        port.close()
    # Pacing is deadline based: never faster than the line; slower only when the machine is starved.
    assert best <= expected * 1.05
    assert best >= expected * 0.95, f"measured {best:.0f} B/s, line rate {expected:.0f} B/s"


def test_slow_uart_fault_and_busy(tmp_path: Path) -> None:
    f = tmp_path / "faults.yaml"
    f.write_text("rules:\n  - {kind: slow_uart, factor: 0.5}\n")
    with SimProcess("--faults", str(f)) as sp:
        port = sp.open()
        port.ser.timeout = 0.002
        rate = _measure_rate(port, 5760)
        assert rate <= 11520 * 0.5 * 1.05
        port.ser.write(b"AT+RFCAL\r\nAT\r\n")
        out = port.read_until(OK)
        assert b"busy p...\r\n" in out
        port.close()


def test_malformed_input_over_the_wire() -> None:
    with SimProcess() as sp:
        port = sp.open()
        assert port.command("ATE0").endswith(OK)
        for bad in [b"A" * 400 + b"\r\n", b"\r\r\n", b"\x00\x01\x02\xff\r\n", b'AT+SYSMFG=1,"x\\\r\n']:
            assert port.command(bad) == b"\r\nERROR\r\n"
        assert port.command("AT") == OK
        assert sp.proc.poll() is None
        port.close()


def test_rfc2217_rts_dtr_reset_reboots() -> None:
    with SimProcess("--serial", "rfc2217://127.0.0.1:0") as sp:
        port = sp.open()
        port.ser.dtr = False
        port.ser.rts = True  # EN low
        time.sleep(0.1)
        port.ser.rts = False  # EN released: the chip boots
        assert re.search(rb"ready\r\n", port.read_until(b"ready\r\n"))
        assert port.command("AT").endswith(OK)
        port.close()
