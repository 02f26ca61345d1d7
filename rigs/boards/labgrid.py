"""Boards managed by a labgrid coordinator: modelled in rig files, not driven yet.

Until this driver exists, a labgrid place's exported serial port can be used as a ``serial`` board with its
``rfc2217://host:port`` URL (``labgrid-client -p PLACE acquire`` first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from rigs.boards.base import BoardIdentity, BoardUnsupported
from rigs.model import BoardConfig

if TYPE_CHECKING:
    from rigs.at.session import AtSession


class LabgridBoard:
    def __init__(self, config: BoardConfig) -> None:
        self.config = config

    @property
    def capabilities(self) -> frozenset[str]:
        return self.config.capabilities

    @property
    def identity(self) -> BoardIdentity:
        self._unsupported()

    def open(self) -> AtSession:
        self._unsupported()

    def reset(self) -> None:
        self._unsupported()

    def hardware_reset(self, timeout: float = 10.0) -> str:
        self._unsupported()

    def close(self) -> None:
        pass

    def _unsupported(self) -> NoReturn:
        place = self.config.labgrid.place if self.config.labgrid else "?"
        raise BoardUnsupported(
            f"board {self.config.id}: kind labgrid (place {place}) is not yet supported by this suite; "
            "meanwhile acquire the place with labgrid-client and use kind: serial with the place's "
            "rfc2217://host:port URL"
        )
