"""Getting a place for a run: by name or by tags, waiting while it is held, taking it back from a dead run.

The coordinator makes ``acquire`` atomic, so two xdist workers (or two runs) asking for places with the
same tags never get the same one: the loser is refused and tries the next free place. A place held by a
run of this suite whose process is gone (same host, the pid in its labgrid username is not alive: a run
killed by SIGKILL before its release guard ran, rigs/labgrid/guard.py) is released with ``release-from``
(only if that holder still holds it) and acquired. A place held by anyone else is waited for, up to the
rig's ``acquire_timeout``; the error then names every candidate and who holds it since when.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Protocol

from rigs.labgrid.client import LabgridClient, LabgridError, PlaceRefused
from rigs.labgrid.output import Holder, PlaceInfo
from rigs.model import BoardConfig
from rigs.model.labgrid import LabgridOptions

#: How often the place list is read again while every candidate is held.
POLL_S = 1.0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_host() -> str:
    """The host name labgrid-client records in ``HOST/USER`` (``LG_HOSTNAME`` or the system's)."""
    return os.environ.get("LG_HOSTNAME") or socket.gethostname()


def is_stale(holder: Holder, *, host: str, alive: Callable[[int], bool] = pid_alive) -> bool:
    """The holder is a run of this suite on this host whose process has gone."""
    pid = holder.run_pid
    return holder.host == host and pid is not None and pid != os.getpid() and not alive(pid)


def candidates(
    places: list[PlaceInfo], options: LabgridOptions, prefer: str | None = None
) -> list[PlaceInfo]:
    """The places the rig's options allow, free ones first (``prefer``, the place held before, first of
    all); raises when the coordinator has none at all, naming what it has."""
    if options.place is not None:
        chosen = [p for p in places if p.name == options.place]
    else:
        chosen = [p for p in places if p.carries(options.match or {})]
    if not chosen:
        have = ", ".join(_describe_place(p) for p in places) or "no places"
        raise LabgridError(f"the coordinator has no {options.describe()}; it has {have}")
    return sorted(
        chosen, key=lambda p: (p.name != prefer, p.acquired is not None, p.reservation is not None, p.name)
    )


def free_places(
    places: list[PlaceInfo],
    options: LabgridOptions,
    *,
    host: str | None = None,
    alive: Callable[[int], bool] = pid_alive,
) -> int:
    """How many of the places the rig's options allow a run could acquire now: free ones, and ones a dead
    run of this host still holds (``acquire_place`` takes those back); reserved ones are not counted."""
    host = host or this_host()
    count = 0
    for p in places:
        allowed = p.name == options.place if options.place is not None else p.carries(options.match or {})
        if not allowed or p.reservation is not None:
            continue
        if p.acquired is None or is_stale(p.acquired, host=host, alive=alive):
            count += 1
    return count


def _describe_place(place: PlaceInfo) -> str:
    tags = " ".join(f"{k}={v}" for k, v in sorted(place.tags.items()))
    return f"{place.name} ({tags})" if tags else place.name


def _holders(places: list[PlaceInfo]) -> str:
    parts = []
    for p in places:
        if p.acquired is not None:
            since = f" since {p.changed}" if p.changed else ""
            parts.append(f"{p.name} held by {p.acquired}{since}")
        elif p.reservation is not None:
            parts.append(f"{p.name} reserved (token {p.reservation})")
        else:
            parts.append(f"{p.name} free but refused")
    return "; ".join(parts)


class PlaceWatch(Protocol):
    """Told of each place before it is asked for, and of each refusal (rigs/labgrid/guard.py's Guard)."""

    def holding(self, place: str) -> None: ...

    def not_holding(self, place: str) -> None: ...


def acquire_place(
    client: LabgridClient,
    options: LabgridOptions,
    *,
    board_id: str,
    prefer: str | None = None,
    host: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    alive: Callable[[int], bool] = pid_alive,
    on_reclaim: Callable[[str, Holder], None] | None = None,
    watch: PlaceWatch | None = None,
) -> str:
    """Acquire a place for ``board_id`` and return its name. ``watch`` hears of each place before the
    coordinator is asked for it, so a run killed while the answer is on its way is still covered."""
    host = host or this_host()
    deadline = clock() + options.acquire_timeout
    while True:
        places = candidates(client.places(), options, prefer)
        for place in places:
            holder = place.acquired
            if holder is not None and is_stale(holder, host=host, alive=alive):
                try:
                    client.release_from(place.name, holder)
                except LabgridError:
                    continue  # someone else took it back first, or it was released meanwhile
                if on_reclaim is not None:
                    on_reclaim(place.name, holder)
                holder = None
            if holder is not None or place.reservation is not None:
                continue
            if watch is not None:
                watch.holding(place.name)
            try:
                client.acquire(place.name)
            except PlaceRefused:
                if watch is not None:
                    watch.not_holding(place.name)
                continue  # lost the race for it to another worker or run
            except BaseException:
                # stopped while asking (Ctrl-C): labgrid-client runs to its end regardless (client.py), so
                # if the coordinator granted the place it is ours now; give it back (refused if it is not)
                with suppress(LabgridError):
                    client.release(place.name)
                raise
            return place.name
        if clock() >= deadline:
            raise LabgridError(
                f"board {board_id}: no {options.describe()} became free within {options.acquire_timeout:g} s "
                f"on coordinator {client.where}: {_holders(places)}"
            )
        sleep(POLL_S)


def workers_for(
    rig_boards: list[BoardConfig], places_of: Callable[[LabgridOptions], list[PlaceInfo]]
) -> int | None:
    """How many xdist workers a run of these boards can keep busy now (``-n auto``, and the most an explicit
    ``-n N`` starts): one per real board or named place, and for a labgrid tag match as many as the
    coordinator has free now (``places_of`` lists the coordinator's places for a board's options). None
    when a simulated board is among them: a sim entry serves any number of workers, so the machine's cores
    decide."""
    total = 0
    for board in rig_boards:
        if board.simulated:
            return None
        options = board.labgrid
        if options is not None and options.match:
            total += free_places(places_of(options), options)
        else:
            total += 1
    return total
