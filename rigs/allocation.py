"""Which board each pytest-xdist worker drives (pure logic; the plugin supplies the worker numbers).

A real board can serve one worker only: two workers on one AT port would interleave their commands. A sim
board entry is a template: every worker that lands on it launches its own simulated board, made distinct by
``--instance`` (sim/README.md), so a sim rig with one board entry serves any number of workers. So is a
labgrid board found by tags (``labgrid: {match: ...}``): every worker acquires its own free place.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigs.model import BoardConfig, Rig


class AllocationError(RuntimeError):
    """The run has more workers than the rig has boards to give them (or names a board it lacks)."""


@dataclass(frozen=True, slots=True)
class Allocation:
    board: BoardConfig
    #: The worker's number (gw3 -> 3; 0 without xdist): passed to the simulator as ``--instance``.
    instance: int
    worker: str


def allocate(rig: Rig, worker_index: int, worker_count: int, board_id: str | None = None) -> Allocation:
    """The board for worker ``worker_index`` of ``worker_count`` (``gw0`` gets the first board, ``gw1`` the
    second ...); ``board_id`` (the ``--board`` option) narrows the choice to that one board."""
    if not 0 <= worker_index < max(worker_count, 1):
        raise ValueError(f"worker index {worker_index} out of range for {worker_count} workers")
    worker = f"gw{worker_index}" if worker_count > 0 else "main"
    if board_id is not None:
        try:
            candidates = [rig.board(board_id)]
        except KeyError as exc:
            raise AllocationError(f"--board {board_id}: {exc.args[0]}") from None
    else:
        candidates = list(rig.boards)
    if worker_index < len(candidates):
        return Allocation(candidates[worker_index], worker_index, worker)
    # the workers beyond one per entry share the templates (a sim rig: all of them), in turn
    templates = [b for b in candidates if b.template]
    if templates:
        return Allocation(templates[(worker_index - len(candidates)) % len(templates)], worker_index, worker)
    names = ", ".join(b.id for b in candidates)
    chosen = f"--board {board_id} selects 1 board" if board_id else f"rig {rig.name} has {len(candidates)} "
    chosen += "" if board_id else ("board" if len(candidates) == 1 else "boards")
    raise AllocationError(
        f"{chosen} ({names}) for {worker_count} xdist workers, and a real board serves one worker only: "
        f"{worker} has none. Run with -n {len(candidates)} or fewer, or add boards to the rig."
    )
