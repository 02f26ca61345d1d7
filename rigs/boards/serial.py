"""The driver for boards on a serial port of this host (or any pyserial URL: ``rfc2217://``, ``socket://``).

Opens the AT port (and the log port, when the rig names one) with the rig's baud rate and flow control and
hands both to an :class:`~rigs.at.session.AtSession`, which records every byte of both in its transcript.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import serial

from rigs.boards.base import BoardError, BoardIdentity
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

    def __init__(self, config: BoardConfig) -> None:
        if config.port is None:
            raise BoardError(f"board {config.id}: a serial board needs a port")
        self.config = config
        self._session: AtSession | None = None
        self._ports: list[serial.SerialBase] = []

    @property
    def capabilities(self) -> frozenset[str]:
        return self.config.capabilities

    @property
    def identity(self) -> BoardIdentity:
        assert self.config.port is not None
        return BoardIdentity(
            board_id=self.config.id,
            kind=self.config.kind,
            module=self.config.module,
            at_port=self.config.port,
            log_port=self.config.log_port,
        )

    def open(self) -> AtSession:
        if self._session is not None:
            return self._session
        cfg = self.config
        assert cfg.port is not None
        at = open_port(cfg.port, cfg.baud, rtscts=cfg.rtscts, what="AT port", board_id=cfg.id)
        self._ports.append(at)
        log = None
        if cfg.log_port is not None:
            try:
                log = open_port(cfg.log_port, cfg.log_baud, rtscts=False, what="log port", board_id=cfg.id)
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
        self.open().reset(method=self.config.reset.value)

    def close(self) -> None:
        session, self._session = self._session, None
        try:
            if session is not None:
                session.close()
        finally:
            for port in self._ports:
                port.close()
            self._ports.clear()
