"""The driver for boards on a serial port of this host (or any pyserial URL: ``rfc2217://``, ``socket://``).

Opens the AT port (and the log port, when the rig names one) with the rig's baud rate and flow control and
hands both to an :class:`~rigs.at.session.AtSession`, which records every byte of both in its transcript.
"""

from __future__ import annotations

import subprocess
import time
from typing import TYPE_CHECKING

import serial

from rigs.boards.base import BoardError, BoardIdentity
from rigs.boards.usb import ListPorts, find_port
from rigs.model import BoardConfig, ResetMethod

if TYPE_CHECKING:
    from rigs.at.session import AtSession

#: Reads block at most this long so the session's reader thread can notice a close; it does not poll:
#: a read returns as soon as any byte arrives.
READ_TIMEOUT_S = 0.2
#: A write that cannot finish in this time (flow control holding it back) fails instead of hanging.
WRITE_TIMEOUT_S = 30.0


def open_port(url: str, baud: int, *, rtscts: bool, what: str, board_id: str) -> serial.SerialBase:
    """Open one port, turning pyserial's errors into a :class:`BoardError` that names board and port."""
    try:
        # pyserial's rfc2217 client has no write timeout (it raises NotImplementedError for one).
        write_timeout = None if url.startswith("rfc2217://") else WRITE_TIMEOUT_S
        return serial.serial_for_url(
            url, baudrate=baud, rtscts=rtscts, timeout=READ_TIMEOUT_S, write_timeout=write_timeout
        )
    except (serial.SerialException, OSError, ValueError, NotImplementedError) as exc:
        raise BoardError(f"board {board_id}: cannot open its {what} {url} at {baud} baud: {exc}") from exc


def session_on(port: serial.SerialBase, log_port: serial.SerialBase | None, board_id: str) -> AtSession:
    """Wrap opened ports in an AT session (imported late: the session module is optional for the model)."""
    from rigs.at.session import AtSession

    return AtSession(port, name=board_id, log_port=log_port)


class SerialBoard:
    """A board whose AT port is a serial device or URL named in the rig file."""

    def __init__(self, config: BoardConfig, *, list_ports: ListPorts | None = None) -> None:
        if config.port is None and config.port_usb is None:
            raise BoardError(f"board {config.id}: a serial board needs a port")
        self.config = config
        self._session: AtSession | None = None
        self._ports: list[serial.SerialBase] = []
        self._list_ports = list_ports
        #: The device paths the last open() found (a port named by USB identity moves on re-enumeration).
        self.at_device: str | None = config.port
        self.log_device: str | None = config.log_port

    def _resolve(self) -> tuple[str, str | None]:
        """The AT and log port paths, looked up afresh at every open (rigs/boards/usb.py)."""
        cfg = self.config
        kw = {"list_ports": self._list_ports} if self._list_ports is not None else {}
        at = cfg.port or find_port(cfg.port_usb, board_id=cfg.id, what="AT port", **kw)  # type: ignore[arg-type]
        log = cfg.log_port
        if cfg.log_port_usb is not None:
            log = find_port(cfg.log_port_usb, board_id=cfg.id, what="log port", **kw)
        self.at_device, self.log_device = at, log
        return at, log

    @property
    def capabilities(self) -> frozenset[str]:
        return self.config.capabilities

    @property
    def identity(self) -> BoardIdentity:
        cfg = self.config
        at = self.at_device or (cfg.port_usb.describe() if cfg.port_usb is not None else "?")
        log = self.log_device or (cfg.log_port_usb.describe() if cfg.log_port_usb is not None else None)
        return BoardIdentity(board_id=cfg.id, kind=cfg.kind, module=cfg.module, at_port=at, log_port=log)

    def open(self) -> AtSession:
        if self._session is not None:
            return self._session
        cfg = self.config
        at_path, log_path = self._resolve()
        at = open_port(at_path, cfg.baud, rtscts=cfg.rtscts, what="AT port", board_id=cfg.id)
        self._ports.append(at)
        log = None
        if log_path is not None:
            try:
                log = open_port(log_path, cfg.log_baud, rtscts=False, what="log port", board_id=cfg.id)
            except BoardError:
                self.close()
                raise
            self._ports.append(log)
        self._session = session_on(at, log, cfg.id)
        return self._session

    def reset(self) -> None:
        """Restart the board the way the rig says (3.1 AT+RST, or a DTR/RTS pulse on the EN line)."""
        if self.config.reset is ResetMethod.NONE:
            raise BoardError(f"board {self.config.id}: the rig says reset: none; it cannot be reset")
        # a power switch is for a board that no longer answers (hardware_reset); one that does gets AT+RST
        method = "at" if self.config.reset is ResetMethod.COMMAND else self.config.reset.value
        self.open().reset(method=method)

    def hardware_reset(self, timeout: float = 10.0) -> str:
        """Restart a board that no longer answers AT, without AT: the rig's ``reset`` pulse (DTR/RTS) or
        ``reset_command`` (a power switch; the port is reopened, found again if named by USB identity).
        Returns what was done, for the transcript."""
        cfg = self.config
        if cfg.reset in (ResetMethod.RTS, ResetMethod.DTR):
            self.open().reset(method=cfg.reset.value, timeout=timeout)
            return f"{cfg.reset.value.upper()} pulse on the AT port"
        if cfg.reset is ResetMethod.COMMAND and cfg.reset_command:
            self.close()  # the USB bridge loses power too: its port goes away and may come back elsewhere
            run_reset_command(cfg.reset_command, cfg.id, timeout)
            reopen(self, timeout)
            return "reset command " + " ".join(cfg.reset_command)
        raise BoardError(
            f"board {cfg.id}: no hardware reset: the rig says reset: {cfg.reset.value} "
            "(give rts, dtr or command with reset_command to bring back a board that stops answering)"
        )

    def close(self) -> None:
        session, self._session = self._session, None
        try:
            if session is not None:
                session.close()
        finally:
            for port in self._ports:
                port.close()
            self._ports.clear()


#: How long the reset command may run.
RESET_COMMAND_TIMEOUT_S = 60.0


def run_reset_command(argv: list[str], board_id: str, timeout: float = RESET_COMMAND_TIMEOUT_S) -> None:
    """Run the rig's power-cycle command (no shell); a failure names the command and quotes its output."""
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=max(timeout, RESET_COMMAND_TIMEOUT_S)
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BoardError(f"board {board_id}: reset command {argv}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-500:]
        raise BoardError(f"board {board_id}: reset command {argv} exited {done.returncode}: {tail}")


def reopen(board: SerialBoard, timeout: float) -> AtSession:
    """Open the board's ports again, retrying while they are still coming back (USB re-enumeration)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return board.open()
        except BoardError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
