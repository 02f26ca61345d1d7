"""The release guard: a small process that releases a place when the run holding it dies.

A run that ends normally, fails, or is stopped with Ctrl-C releases its place itself (the board's
``close()``, from the fixture's finalizer, and an ``atexit`` hook). A run killed outright (SIGKILL, the OOM
killer, a CI job's timeout) runs no code at all; so when a place is acquired the driver starts this guard,
in a session of its own (a Ctrl-C to the run's process group does not reach it) with a pipe from the run on
its stdin. The run writes ``released`` before closing the pipe when it has released the place; end of
input without that word means the run is gone, and the guard releases the place with ``release-from``
(only if the run's labgrid user still holds it), then exits.

    python -m rigs.labgrid.guard CLIENT COORDINATOR|- USER PLACE
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from rigs.labgrid.client import LabgridClient, LabgridError
from rigs.labgrid.lease import this_host
from rigs.labgrid.output import Holder

RELEASED = "released"


def guard(client: LabgridClient, place: str, stdin: IO[str]) -> bool:
    """Wait for the run; release ``place`` if it went without saying so. True when the guard released it."""
    said = stdin.read()
    if RELEASED in said.split():
        return False
    try:
        client.release_from(place, Holder(this_host(), client.user))
    except LabgridError as exc:
        print(f"guard: {exc}", file=sys.stderr)
        return False
    print(f"guard: released place {place} held by the dead run {client.user}", file=sys.stderr)
    return True


class Guard:
    """The run's end of a guard process."""

    def __init__(self, client: LabgridClient, place: str, log: Path | None = None) -> None:
        argv = [sys.executable, "-m", "rigs.labgrid.guard", client.executable, client.coordinator or "-"]
        argv += [client.user, place]
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        out = open(log, "a") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=out,
                text=True,
                start_new_session=True,
                cwd=root,
                env=env,
            )
        finally:
            if log is not None:
                out.close()  # type: ignore[union-attr]

    @property
    def pid(self) -> int:
        return self._proc.pid

    def done(self) -> None:
        """The run released the place itself: let the guard go without doing anything."""
        stdin = self._proc.stdin
        if stdin is not None and not stdin.closed:
            try:
                stdin.write(RELEASED + "\n")
                stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    executable, coordinator, user, place = args
    client = LabgridClient(executable, coordinator=None if coordinator == "-" else coordinator, user=user)
    guard(client, place, sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
