"""CI's stand-in for a bench board: a simulator started behind a serial URL, then driven by the serial
driver exactly as a board on a bench is (rigs/boards/serial.py: the port, the log port, AT+RST, the
DTR/RTS pulse of a hardware reset).

The rig board is ``kind: serial`` with ``sim`` options and a loopback ``port`` (``rfc2217://127.0.0.1:0``
or ``socket://127.0.0.1:0``: port 0 is a free one, which the simulator's ready line then names). Over
rfc2217 the simulator honours RTS on EN as a dev board's auto-reset circuit does (sim/transport.py), so
``reset: rts`` there takes the bench's hardware-reset path; over socket:// there are no modem lines, and a
board that stops answering is power-cycled (the simulator restarted).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rigs.boards.air import SimServices
from rigs.boards.base import BoardIdentity
from rigs.boards.serial import SerialBoard
from rigs.boards.sim import SimBoard
from rigs.model import BoardConfig, ResetMethod, Rig

if TYPE_CHECKING:
    from rigs.at.session import AtSession

__all__ = ["SimSerialBoard"]


class SimSerialBoard:
    """A simulator process (:class:`SimBoard`'s launcher) with a :class:`SerialBoard` on its URLs."""

    def __init__(
        self,
        config: BoardConfig,
        rig: Rig,
        *,
        instance: int,
        work_dir: Path,
        services: SimServices | None = None,
    ) -> None:
        self.config = config
        self.instance = instance
        self._sim = SimBoard(config, rig, instance=instance, work_dir=work_dir, services=services)
        self._serial: SerialBoard | None = None

    @property
    def capabilities(self) -> frozenset[str]:
        return self.config.capabilities

    @property
    def identity(self) -> BoardIdentity:
        sim = self._sim.identity
        serial = self._serial.identity if self._serial is not None else None
        return BoardIdentity(
            board_id=self.config.id,
            kind=self.config.kind,
            module=self.config.module,
            at_port=serial.at_port if serial else sim.at_port,
            log_port=serial.log_port if serial else sim.log_port,
            instance=sim.instance,
            pid=sim.pid,
            sta_mac=sim.sta_mac,
            ap_mac=sim.ap_mac,
        )

    def open(self) -> AtSession:
        if self._serial is None:
            ready = self._sim.start()
            # the bench's view of the board: its ports by URL, nothing simulated left in the config
            bench = self.config.model_copy(update={"port": ready.serial, "log_port": ready.log, "sim": None})
            self._serial = SerialBoard(bench)
        first = self._serial._session is None
        session = self._serial.open()
        if first:
            self._sim._await_boot(session)
        return session

    def reset(self) -> None:
        self.open()
        assert self._serial is not None
        self._serial.reset()

    def hardware_reset(self, timeout: float = 10.0) -> str:
        if self.config.reset in (ResetMethod.RTS, ResetMethod.DTR):
            self.open()
            assert self._serial is not None
            return self._serial.hardware_reset(timeout)
        self.close()
        self.open()
        return "simulator restarted (power cycle)"

    def close(self) -> None:
        serial, self._serial = self._serial, None
        try:
            if serial is not None:
                serial.close()
        finally:
            self._sim.close()
