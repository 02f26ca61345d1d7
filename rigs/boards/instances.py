"""Host-wide numbers for simulated boards: two runs on one host never launch boards with the same
``--instance``.

A simulated board's addresses come from its ``--instance`` (sim/README.md: the station gets
``pool_start + instance``, the soft-AP ``127.<4 + instance // 256>.<instance % 256>.1``). Numbering boards by
xdist worker alone is enough inside one run, but two runs on one host (two CI jobs on a runner, a mutation
run beside a conformance run, a developer's run beside either) would then launch boards with the same
addresses, and the guide's fixed ports (AT+CIPSERVER=1,333, a TCP server on 8080 ...) would clash between
them: a failure that comes from the neighbour, not from the board.

Each board claims its number with an exclusive ``flock`` on a file per number in a folder under the host's
temporary directory. The lock lives as long as the claim's file descriptor, so a run that crashes or is
killed leaves nothing behind. A board asks for its worker number first, so a run alone on the host keeps
the numbers it always had.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: how many numbers the host hands out: the station pool of rigs/sim.yaml (127.64.0.10 + N) stays in its /24
LIMIT = 240


class NoFreeInstance(RuntimeError):
    """Every number is held by a board of some run on this host."""


def default_directory() -> Path:
    return Path(tempfile.gettempdir()) / f"esp-at-sim-instances-{os.getuid()}"


@dataclass
class InstanceClaim:
    """A number held for one board until :meth:`release` (or the process's end)."""

    number: int
    path: Path
    _fd: int | None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _try(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a person looking
    return fd


def claim_instance(preferred: int = 0, directory: Path | None = None, limit: int = LIMIT) -> InstanceClaim:
    """The ``preferred`` number if no board on the host holds it, else the lowest free one."""
    folder = directory or default_directory()
    folder.mkdir(parents=True, exist_ok=True)
    order = [preferred] if 0 <= preferred < limit else []
    order += [n for n in range(limit) if n != preferred]
    for number in order:
        path = folder / f"{number}.lock"
        fd = _try(path)
        if fd is not None:
            return InstanceClaim(number, path, fd)
    raise NoFreeInstance(
        f"all {limit} simulated-board numbers are held by boards of other runs on this host ({folder}); "
        "wait for them to end, or stop the runs that hold them (each lock file names its process)"
    )
