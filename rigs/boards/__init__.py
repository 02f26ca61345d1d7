"""Board drivers: one per board kind, all behind :class:`rigs.boards.base.Board`."""

from __future__ import annotations

from pathlib import Path

from rigs.boards.air import SimServices
from rigs.boards.base import Board, BoardError, BoardIdentity, BoardUnsupported
from rigs.model import BoardConfig, BoardKind, Rig

__all__ = ["Board", "BoardError", "BoardIdentity", "BoardUnsupported", "SimServices", "make_board"]


def make_board(
    config: BoardConfig,
    rig: Rig,
    *,
    instance: int = 0,
    work_dir: Path,
    sim_services: SimServices | None = None,
) -> Board:
    """The driver for ``config``. ``instance`` distinguishes simulated boards of one run; ``work_dir``
    receives a simulator's air file and logs; ``sim_services`` tells a simulated board where the host's
    DNS, SNTP and OTA servers listen."""
    if config.kind is BoardKind.SIM:
        from rigs.boards.sim import SimBoard

        return SimBoard(config, rig, instance=instance, work_dir=work_dir, services=sim_services)
    if config.kind is BoardKind.SERIAL and config.sim is not None:
        from rigs.boards.simserial import SimSerialBoard

        return SimSerialBoard(config, rig, instance=instance, work_dir=work_dir, services=sim_services)
    if config.kind is BoardKind.SERIAL:
        from rigs.boards.serial import SerialBoard

        return SerialBoard(config)
    from rigs.boards.labgrid import LabgridBoard

    return LabgridBoard(config, instance=instance, work_dir=work_dir)
