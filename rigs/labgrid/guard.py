"""The release guard: a small process that releases a board's place when the run holding it dies.

A run that ends normally, fails, or is stopped with Ctrl-C releases its place itself (the board's
``close()``, from the fixture's finalizer, and an ``atexit`` hook). A run killed outright (SIGKILL, the OOM
killer, a CI job's timeout, xdist killing a worker that did not stop in time) runs no code at all; so
before the driver asks for a place it starts this guard, in a session of its own (a Ctrl-C to the run's
process group does not reach it), with a pipe from the run on its stdin. The run tells it each place
*before* asking the coordinator for it (``hold PLACE``: a run killed while ``acquire`` is on its way may
hold the place without ever hearing so), each place it was refused (``free PLACE``), and ``released`` once
it has released what it held. End of input without ``released`` means the run is gone: the guard releases
every place it was told of with ``release-from``, which labgrid carries out only if the run's labgrid user
still holds it (so a place the run never got, or got back, is left alone), then exits.

    python -m rigs.labgrid.guard CLIENT COORDINATOR|- USER
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from rigs.labgrid.client import LabgridClient, LabgridError
from rigs.labgrid.lease import this_host
from rigs.labgrid.output import Holder

RELEASED = "released"
HOLD = "hold"
FREE = "free"


def places_left(lines: Iterable[str]) -> list[str] | None:
    """The places a run's messages leave it possibly holding, in the order it asked for them; None when it
    said ``released`` (nothing for the guard to do). Unknown lines are ignored (a newer run's messages)."""
    held: list[str] = []
    for line in lines:
        word, _, place = line.strip().partition(" ")
        if word == RELEASED:
            return None
        if word == HOLD and place and place not in held:
            held.append(place)
        elif word == FREE and place in held:
            held.remove(place)
    return held


def guard(client: LabgridClient, stdin: Iterable[str]) -> list[str]:
    """Wait for the run's end of input; release what it may still hold. The places released."""
    left = places_left(stdin)
    released: list[str] = []
    for place in left or []:
        try:
            client.release_from(place, Holder(this_host(), client.user))
        except LabgridError:
            continue  # not held by the run (never granted, or released by it): nothing to take back
        print(f"guard: released place {place} held by the dead run {client.user}", file=sys.stderr)
        released.append(place)
    return released


class Guard:
    """The run's end of a guard process (one per board, from before its acquire to its release)."""

    def __init__(self, client: LabgridClient, log: Path | None = None) -> None:
        argv = [sys.executable, "-m", "rigs.labgrid.guard", client.executable, client.coordinator or "-"]
        argv += [client.user]
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

    def _say(self, line: str) -> None:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(line + "\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the guard is gone; its log says why

    def holding(self, place: str) -> None:
        """About to ask for ``place``: from now on the guard takes it back if the run dies."""
        self._say(f"{HOLD} {place}")

    def not_holding(self, place: str) -> None:
        """``place`` was refused (another worker or run holds it): the guard must leave it alone."""
        self._say(f"{FREE} {place}")

    def _close(self) -> None:
        stdin = self._proc.stdin
        if stdin is not None and not stdin.closed:
            try:
                stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def done(self) -> None:
        """The run released its place itself (or never got one): the guard goes without doing anything."""
        self._say(RELEASED)
        self._close()

    def abandon(self) -> None:
        """The run could not release its place itself: the guard takes back what the run still holds."""
        self._close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    executable, coordinator, user = args
    client = LabgridClient(executable, coordinator=None if coordinator == "-" else coordinator, user=user)
    guard(client, sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
