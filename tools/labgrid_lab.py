"""A labgrid lab of simulated boards on this host: a real coordinator, N simulated ESP32s over RFC 2217,
a real exporter publishing each board's AT and log port as NetworkSerialPorts, and one tagged place per
board. CI's stand-in for a lab (tests/labgrid/); also a way to try a labgrid rig without hardware:

    python -m tools.labgrid_lab --boards 2          # prints LG_COORDINATOR=..., runs until Ctrl-C
    LG_COORDINATOR=127.0.0.1:PORT ./run conformance --rig rigs/labgrid-sim.yaml -n 2

The boards' radio environment is the network section of the rig (``--rig``, default
rigs/labgrid-sim.yaml), written into each simulator's air file as for a ``sim`` board (rigs/boards/air.py),
so that the rig's known values and the simulated boards agree. The lab's programs come from
``.venv-labgrid`` (tools/labgrid_env.py), never from the suite's environment.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import TracebackType

import serial
import yaml

from rigs.boards.sim import SimBoard
from rigs.labgrid.client import REPO_ROOT, LabgridClient, LabgridError
from rigs.loader import load_rig
from rigs.model import BoardConfig, BoardKind, Rig, SimOptions

DEFAULT_RIG = REPO_ROOT / "rigs" / "labgrid-sim.yaml"
DEFAULT_TAGS = {"board": "esp32-sim", "firmware": "at"}
EXPORTER = "sim-lab"
#: The simulated access points' passwords (rigs/labgrid-sim.yaml names the variables): set where unset.
SIM_SECRETS = {"ESP_AT_LAB_AP_PASSWORD": "sim-only-pass", "ESP_AT_LAB_AP2_PASSWORD": "sim-only-pass-2"}
#: Coordinator, exporter and places up: about 4 s here; generous for a busy CI host.
START_TIMEOUT_S = 60.0


class LabError(RuntimeError):
    """A part of the lab did not come up; the message quotes its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def place_name(index: int) -> str:
    return f"esp-sim-{index}"


class SimLab:
    """The lab's processes; a context manager that stops them all."""

    def __init__(
        self,
        bin_dir: Path,
        work_dir: Path,
        *,
        rig: Rig | None = None,
        boards: int = 2,
        tags: dict[str, str] | None = None,
    ) -> None:
        self.bin_dir = bin_dir
        self.work_dir = work_dir
        self.rig = rig or load_rig(DEFAULT_RIG)
        self.count = boards
        self.tags = dict(tags or DEFAULT_TAGS)
        self.address = ""
        self.places = [place_name(i) for i in range(boards)]
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._sims: list[SimBoard] = []
        #: Each board's AT port as the exporter publishes it.
        self.at_urls: list[str] = []

    @property
    def admin(self) -> LabgridClient:
        """A client for looking at and arranging the lab (its own labgrid user)."""
        return LabgridClient(self.bin_dir / "labgrid-client", coordinator=self.address, user="sim-lab-admin")

    def __enter__(self) -> SimLab:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.work_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            proc = subprocess.Popen(argv, cwd=self.work_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        self._procs.append((name, proc))
        return proc

    def _log_tail(self, name: str) -> str:
        try:
            return (self.work_dir / f"{name}.log").read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def _wait(self, what: str, name: str, ready: object) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        proc = dict(self._procs)[name]
        while True:
            try:
                if ready():  # type: ignore[operator]
                    return
            except LabgridError:
                pass
            if proc.poll() is not None:
                raise LabError(f"{what} exited with code {proc.returncode}:\n{self._log_tail(name)}")
            if time.monotonic() > deadline:
                raise LabError(f"{what} not up within {START_TIMEOUT_S:g} s:\n{self._log_tail(name)}")
            time.sleep(0.3)

    def start(self) -> None:
        for name, value in SIM_SECRETS.items():
            os.environ.setdefault(name, value)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.address = f"127.0.0.1:{free_port()}"
        self._spawn("coordinator", [str(self.bin_dir / "labgrid-coordinator"), "-l", self.address])
        resources = {f"board-{i}": self._start_board(i) for i in range(self.count)}
        config = self.work_dir / "exporter.yaml"
        config.write_text(yaml.safe_dump(resources, sort_keys=False))
        self._wait("labgrid-coordinator", "coordinator", lambda: self.admin.places() is not None)
        exporter = [str(self.bin_dir / "labgrid-exporter"), "-c", self.address, "-n", EXPORTER]
        self._spawn("exporter", [*exporter, "--hostname", "127.0.0.1", str(config)])
        last = f"{EXPORTER}/board-{self.count - 1}/NetworkSerialPort"
        self._wait("labgrid-exporter", "exporter", lambda: last in self.admin.run("resources").stdout)
        admin = self.admin
        for i, place in enumerate(self.places):
            admin._checked("create", place=place)
            admin._checked("add-match", f"{EXPORTER}/board-{i}/*", place=place)
            admin._checked("set-tags", *(f"{k}={v}" for k, v in self.tags.items()), place=place)

    def _start_board(self, index: int) -> dict[str, dict[str, object]]:
        """One simulated board on rfc2217 (AT) and socket (log); its boot output is taken here, as a
        board in a lab has booted long before a run connects."""
        config = BoardConfig(
            id=f"lab-board-{index}",
            kind=BoardKind.SIM,
            sim=SimOptions(transport="rfc2217", seed=1, log_port=True),
        )
        sim = SimBoard(config, self.rig, instance=index, work_dir=self.work_dir)
        self._sims.append(sim)
        ready = sim.start()
        _take_boot_output(ready.serial)
        self.at_urls.append(ready.serial)
        at_host, at_port = _host_port(ready.serial)
        at = {
            "cls": "NetworkSerialPort",
            "host": at_host,
            "port": at_port,
            "speed": 115200,
            "protocol": "rfc2217",
        }
        out = {"at": at}
        if ready.log:
            log_host, log_port = _host_port(ready.log)
            out["log"] = {"cls": "NetworkSerialPort", "host": log_host, "port": log_port, "protocol": "raw"}
        return out

    def held(self) -> dict[str, str | None]:
        """Each place of the lab and who holds it (None: free)."""
        return {p.name: (str(p.acquired) if p.acquired else None) for p in self.admin.places()}

    def stop(self) -> None:
        for _name, proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _name, proc in reversed(self._procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._procs.clear()
        for sim in self._sims:
            sim.close()
        self._sims.clear()


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.split("://", 1)[1].rpartition(":")
    return host, int(port)


def _take_boot_output(url: str, timeout: float = 5.0) -> None:
    """Connect once and read up to the boot ``ready`` (sim/README.md: kept for the first client)."""
    with warnings.catch_warnings():  # pyserial's rfc2217 client still calls Thread.setDaemon()
        warnings.simplefilter("ignore", DeprecationWarning)
        port = serial.serial_for_url(url, baudrate=115200, timeout=0.2)
    try:
        seen = b""
        deadline = time.monotonic() + timeout
        while b"ready\r\n" not in seen and time.monotonic() < deadline:
            seen += port.read(256)
    finally:
        port.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.labgrid_lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--boards", type=int, default=2)
    parser.add_argument("--rig", type=Path, default=DEFAULT_RIG, help="whose network the boards see")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "reports" / "out" / "labgrid-lab")
    args = parser.parse_args(argv)
    from tools.labgrid_env import LabgridEnvError, ensure

    try:
        bins = ensure()
    except LabgridEnvError as exc:
        print(f"labgrid environment: {exc}", file=sys.stderr)
        return 1
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    with SimLab(bins, args.work_dir, rig=load_rig(args.rig), boards=args.boards) as lab:
        for name in SIM_SECRETS:
            print(f"{name}={os.environ[name]}")
        print(f"LG_COORDINATOR={lab.address}", flush=True)
        print(f"places: {', '.join(lab.places)} tagged {' '.join(f'{k}={v}' for k, v in lab.tags.items())}")
        try:
            while not stop:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
