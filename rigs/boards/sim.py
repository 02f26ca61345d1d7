"""The driver for simulated boards: launches ``python -m sim`` per the contract in sim/README.md.

One process per board instance. The driver writes the air file from the rig's network section, passes
``--instance`` (the xdist worker number) so concurrent boards differ, waits for the single JSON ready line
on stdout, then opens the serial URL it names like any other port. The simulator's stderr goes to a log file
that is kept after the run; its text is quoted in the error when the simulator dies or never gets ready.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rigs.boards import ethernet, pins
from rigs.boards.air import SimServices, write_air_file
from rigs.boards.base import BoardError, BoardIdentity
from rigs.boards.periph import SimPeripherals, sim_air_section
from rigs.boards.serial import open_port, session_on
from rigs.model import BoardConfig, ResetMethod, Rig, SimOptions

if TYPE_CHECKING:
    import serial

    from rigs.at.session import AtSession

#: How long SIGTERM gets before SIGKILL.
STOP_GRACE_S = 5.0
#: How much of the simulator's stderr an error message quotes.
STDERR_TAIL_CHARS = 2000

_SERIAL_ARG = {"socket": "socket://127.0.0.1:0", "rfc2217": "rfc2217://127.0.0.1:0", "pty": "pty"}


@dataclass(frozen=True, slots=True)
class SimReady:
    """The ready line of sim/README.md."""

    serial: str
    log: str | None
    pid: int
    instance: int
    sta_mac: str | None
    ap_mac: str | None
    #: the ROM loader's own port (``sim.flash_port``), None when it serves none
    flash: str | None = None


def sim_command(
    sim: SimOptions, *, air_file: Path, instance: int, serial: str | None = None, log: str | None = None
) -> list[str]:
    """The simulator's command line for one board instance (sim/README.md, "Command line"); ``serial``
    and ``log``: the URLs it serves (a serial board's ``port`` and ``log_port``), by default free ones."""
    cmd = [sys.executable if part == "{python}" else part for part in sim.command]
    cmd += ["--serial", serial or _SERIAL_ARG[sim.transport], "--air", str(air_file)]
    cmd += ["--instance", str(instance)]
    cmd += ["--profile", sim.profile]
    if sim.seed is not None:
        cmd += ["--seed", str(sim.seed)]
    if sim.faults is not None:
        cmd += ["--faults", str(sim.faults)]
    if sim.state_dir is not None:
        cmd += ["--state-dir", str(sim.state_dir / f"instance-{instance}")]
    if sim.log_port:
        cmd += ["--log-port", log or "socket://127.0.0.1:0"]
    if sim.flash_port:
        cmd += ["--flash-port", "socket://127.0.0.1:0"]
    return cmd


def parse_ready_line(line: str) -> SimReady:
    """Parse the ready line; raises ValueError saying what was expected and what came."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        raise ValueError(f"expected one JSON ready line on stdout, got {line[:200]!r}") from None
    if not isinstance(data, dict) or data.get("event") != "ready":
        raise ValueError(f'expected a JSON object with "event": "ready", got {line[:200]!r}')
    serial_url = data.get("serial")
    if not isinstance(serial_url, str) or not serial_url:
        raise ValueError(f'the ready line has no "serial" URL: {line[:200]!r}')
    return SimReady(
        serial=serial_url,
        log=data.get("log") or None,
        pid=int(data.get("pid") or 0),
        instance=int(data.get("instance") or 0),
        sta_mac=data.get("sta_mac"),
        ap_mac=data.get("ap_mac"),
        flash=data.get("flash") or None,
    )


class SimBoard:
    """A simulated board: a ``python -m sim`` process and an AT session on the URL it reports."""

    def __init__(
        self,
        config: BoardConfig,
        rig: Rig,
        *,
        instance: int,
        work_dir: Path,
        services: SimServices | None = None,
    ) -> None:
        if config.sim is None:
            raise BoardError(f"board {config.id}: not a sim board")
        self.config = config
        self.rig = rig
        self.services = services
        self.instance = instance
        self.work_dir = Path(work_dir)
        stem = f"{config.id}-{instance}"
        self.air_file = self.work_dir / f"{stem}.air.yaml"
        self.stderr_log = self.work_dir / f"{stem}.stderr.log"
        #: the peripherals' side channel (rigs/boards/periph.py), when the rig says the simulator observes
        self.peripheral_observer: SimPeripherals | None = None
        if config.peripherals is not None and config.peripherals.observer == "sim":
            self.peripheral_observer = SimPeripherals(
                self.work_dir / f"{stem}.periph-observed.json",
                self.work_dir / f"{stem}.periph-sources.json",
                config.id,
            )
        #: the Ethernet cable's side channel (rigs/boards/ethernet.py), for a board with capability ethernet
        self.ethernet_cable: ethernet.SimCable | None = None
        if "ethernet" in config.capabilities:
            self.ethernet_cable = ethernet.SimCable(self.work_dir / f"{stem}.eth-cable.json")
        #: the wake-up pins' side channel (rigs/boards/pins.py), for a board with capability wake-gpio
        self.wake_pins: pins.SimPins | None = None
        if "wake-gpio" in config.capabilities:
            self.wake_pins = pins.SimPins(
                self.work_dir / f"{stem}.pins-in.json", self.work_dir / f"{stem}.pins-out.json"
            )
        self.ready: SimReady | None = None
        self.returncode: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stderr_start = 0
        self._session: AtSession | None = None
        self._ports: list[serial.SerialBase] = []

    @property
    def sim(self) -> SimOptions:
        assert self.config.sim is not None
        return self.config.sim

    @property
    def capabilities(self) -> frozenset[str]:
        return self.config.capabilities

    @property
    def identity(self) -> BoardIdentity:
        if self.ready is None:
            raise BoardError(f"board {self.config.id}: not started yet, so it has no identity")
        return BoardIdentity(
            board_id=self.config.id,
            kind=self.config.kind,
            module=self.config.module,
            at_port=self.ready.serial,
            log_port=self.ready.log,
            instance=self.instance,
            pid=self.ready.pid or (self._proc.pid if self._proc else None),
            sta_mac=self.ready.sta_mac,
            ap_mac=self.ready.ap_mac,
        )

    def start(self) -> SimReady:
        """Launch the simulator and wait for its ready line (``sim.ready_timeout`` seconds at most)."""
        if self.ready is not None:
            return self.ready
        self.work_dir.mkdir(parents=True, exist_ok=True)
        write_air_file(
            self.rig,
            self.sim,
            self.air_file,
            self.services,
            self._air_peripherals(),
            self._air_ethernet(),
            self._air_pins(),
        )
        cmd = sim_command(
            self.sim,
            air_file=self.air_file,
            instance=self.instance,
            serial=self.config.port,
            log=self.config.log_port,
        )
        # Appended, so a restart after a crash keeps the crash's log.
        self._stderr = open(self.stderr_log, "ab")  # noqa: SIM115 - kept open for the process's life
        self._stderr_start = self._stderr.tell()
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except OSError as exc:
            self._stderr.close()
            raise BoardError(f"board {self.config.id}: cannot start the simulator {cmd[0]!r}: {exc}") from exc
        assert self._proc.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(
            target=_drain_stdout,
            args=(self._proc.stdout, lines, self.work_dir / f"{self.config.id}-{self.instance}.stdout.log"),
            name=f"sim-stdout-{self.config.id}-{self.instance}",
            daemon=True,
        ).start()
        try:
            self.ready = self._await_ready(lines, cmd)
        except BoardError:
            self.stop()
            raise
        return self.ready

    def _air_peripherals(self) -> dict[str, object] | None:
        """The rig's devices for the air file, with the side channel's files when the simulator observes."""
        if self.config.peripherals is None:
            return None
        obs = self.peripheral_observer
        if obs is not None:
            obs.clear()
        return sim_air_section(
            self.config.peripherals,
            obs.observe_file if obs else None,
            obs.source_file if obs else None,
        )

    def _air_ethernet(self) -> dict[str, object] | None:
        """The rig's LAN for the air file, the cable unplugged until a test plugs it in."""
        if self.ethernet_cable is None:
            return None
        self.ethernet_cable.clear()
        return ethernet.sim_air_section(self.rig, self.ethernet_cable.path)

    def _air_pins(self) -> dict[str, object] | None:
        """The pins' side channel for the air file, nothing driven yet."""
        if self.wake_pins is None:
            return None
        self.wake_pins.clear()
        return pins.sim_air_section(self.wake_pins)

    def _await_ready(self, lines: queue.Queue[bytes], cmd: list[str]) -> SimReady:
        assert self._proc is not None
        deadline = time.monotonic() + self.sim.ready_timeout
        what = f"board {self.config.id}: the simulator ({' '.join(cmd)})"
        while True:
            try:
                raw = lines.get(timeout=0.1)
                break
            except queue.Empty:
                pass
            code = self._proc.poll()
            if code is not None and lines.empty():
                raise BoardError(f"{what} exited with code {code} before it was ready{self._stderr_tail()}")
            if time.monotonic() > deadline:
                raise BoardError(
                    f"{what} printed no ready line within {self.sim.ready_timeout:g} s{self._stderr_tail()}"
                )
        if not raw:
            try:
                exit_code = str(self._proc.wait(timeout=STOP_GRACE_S))
            except subprocess.TimeoutExpired:
                exit_code = "none yet"
            raise BoardError(
                f"{what} closed stdout (exit code {exit_code}) before it was ready{self._stderr_tail()}"
            )
        try:
            return parse_ready_line(raw.decode("utf-8", "replace").strip())
        except ValueError as exc:
            raise BoardError(f"{what}: {exc}{self._stderr_tail()}") from None

    def _stderr_tail(self) -> str:
        if self._stderr is not None:
            self._stderr.flush()
        try:
            with open(self.stderr_log, "rb") as log:
                log.seek(self._stderr_start)  # this start's part only; the file keeps earlier ones
                text = log.read().decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        if not text:
            return f"; its stderr was empty (log: {self.stderr_log})"
        return f"; its stderr (log: {self.stderr_log}):\n{text[-STDERR_TAIL_CHARS:]}"

    def open(self) -> AtSession:
        if self._session is not None:
            return self._session
        ready = self.start()
        try:
            at = open_port(
                ready.serial, self.config.baud, rtscts=False, what="AT port", board_id=self.config.id
            )
            self._ports.append(at)
            log = None
            if ready.log:
                log = open_port(
                    ready.log, self.config.log_baud, rtscts=False, what="log port", board_id=self.config.id
                )
                self._ports.append(log)
            self._session = session_on(at, log, self.config.id)
            self._await_boot(self._session)
        except BaseException:
            self.close()
            raise
        return self._session

    def _await_boot(self, session: AtSession) -> None:
        """The simulator prints its boot output and ``ready`` to the first client (sim/README.md). Taking
        that ``ready`` here keeps it from landing in the middle of the first command's response.

        Not an error when it never comes: pyserial's ``socket://`` client discards whatever arrived before
        its ``open()`` returned, so a fast simulator's ``ready`` can be lost on the host side. The sync
        that follows proves the board answers either way."""
        from rigs.at.errors import UrcTimeout

        timeout = self.rig.targets.timeouts.ready
        try:
            session.expect_urc("ready", timeout=timeout)
        except UrcTimeout:
            session.transcript.note(
                f"no 'ready' within {timeout:g} s of connecting (early boot bytes may have been discarded)"
            )

    def reset(self) -> None:
        """Restart the simulated board (3.1 AT+RST); DTR/RTS have no wire to pulse here, so they mean AT."""
        if self.config.reset is ResetMethod.NONE:
            raise BoardError(f"board {self.config.id}: the rig says reset: none; it cannot be reset")
        self.open().reset(method="at")

    def hardware_reset(self, timeout: float = 10.0) -> str:
        """Restart a board that no longer answers AT. Over ``rfc2217`` with ``reset: rts`` the simulator
        honours the RTS pulse on EN as a real board does (sim/transport.py); otherwise the process is
        stopped and started again (the simulator's power cycle: its flash survives only with a state_dir).
        Returns what was done, for the transcript."""
        assert self.config.sim is not None
        if self.config.sim.transport == "rfc2217" and self.config.reset is ResetMethod.RTS:
            self.open().reset(method="rts", timeout=timeout)
            return "RTS pulse on the AT port (rfc2217)"
        self.close()
        self.open()
        return "simulator restarted (power cycle)"

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after :data:`STOP_GRACE_S`; returns the exit code. Keeps the stderr log."""
        proc, self._proc = self._proc, None
        self.ready = None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=STOP_GRACE_S)
            self.returncode = proc.returncode
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        return self.returncode

    def close(self) -> None:
        session, self._session = self._session, None
        try:
            if session is not None:
                session.close()
        finally:
            for port in self._ports:
                port.close()
            self._ports.clear()
            self.stop()


def _drain_stdout(stream: IO[bytes], lines: queue.Queue[bytes], rest_log: Path) -> None:
    """Hand the first line to the starter; keep reading after it so a chatty simulator never blocks on a
    full pipe, and keep what it says in a log file."""
    first = stream.readline()
    lines.put(first)
    if not first:
        return
    try:
        with open(rest_log, "ab") as out:
            for line in stream:
                out.write(line)
                out.flush()
    except (OSError, ValueError):
        pass  # the pipe was closed by stop()
