"""The one board interface every driver implements, and what a board says about itself.

Tests and fixtures depend on :class:`Board`, never on a concrete driver (labgrid's protocol/driver split):
``open()`` gives the AT session (``dut``), ``close()`` releases everything the driver started or opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rigs.model import BoardConfig, BoardKind

if TYPE_CHECKING:
    from rigs.at.session import AtSession


class BoardError(RuntimeError):
    """A board could not be started, opened or stopped; the message names the board and the cause."""


class BoardUnsupported(BoardError):
    """The rig names a board kind this version models but does not drive yet."""


@dataclass(frozen=True, slots=True)
class BoardIdentity:
    """Where a board is and who it is, for reports: known once the board is open."""

    board_id: str
    kind: BoardKind
    module: str
    at_port: str
    log_port: str | None = None
    #: For simulated boards: ``--instance``, the process id and the MACs the ready line reported; for
    #: labgrid boards found by tags, the worker's number too.
    instance: int | None = None
    pid: int | None = None
    sta_mac: str | None = None
    ap_mac: str | None = None
    #: For labgrid boards: the place acquired for this run.
    place: str | None = None

    def properties(self) -> list[tuple[str, str]]:
        """(name, value) pairs for JUnit properties, omitting what is unknown."""
        pairs = [
            ("board", self.board_id),
            ("board_kind", self.kind.value),
            ("module", self.module),
            ("at_port", self.at_port),
        ]
        for name in ("log_port", "instance", "pid", "sta_mac", "ap_mac", "place"):
            value = getattr(self, name)
            if value is not None:
                pairs.append((name, str(value)))
        return pairs


@runtime_checkable
class Board(Protocol):
    """A board of the rig, whatever drives it."""

    config: BoardConfig

    @property
    def capabilities(self) -> frozenset[str]: ...

    @property
    def identity(self) -> BoardIdentity:
        """Raises :class:`BoardError` before :meth:`open`."""
        ...

    def open(self) -> AtSession:
        """Start or connect to the board and return its AT session (the same one on a second call)."""
        ...

    def reset(self) -> None:
        """Restart the board the way the rig's ``reset`` says and wait for ``ready`` (3.1 AT+RST)."""
        ...

    def hardware_reset(self, timeout: float = 10.0) -> str:
        """Restart a board that no longer answers AT by the rig's hardware means (DTR/RTS pulse, a power
        switch command, a simulator restart) and return what was done; :class:`BoardError` when the rig
        gives none."""
        ...

    def close(self) -> None:
        """Close the session and ports and stop anything the driver started; safe to call twice. A later
        :meth:`open` starts or connects afresh (how the fixtures recover a board that went away)."""
        ...
