"""The driver for boards in a labgrid lab: a place acquired from a coordinator, its serial ports opened.

``open()`` starts the release guard (rigs/labgrid/guard.py), acquires the rig's place (or a free place
carrying the rig's tags: one per xdist worker), reads the place's resources (``labgrid-client env``) and
opens its NetworkSerialPorts (the AT port, and the log port when the place has one) with the suite's own
pyserial as rfc2217:// or socket:// URLs, through the serial driver (rigs/boards/serial.py). labgrid itself
runs only as a subprocess from its own environment (rigs/labgrid/client.py says why).

A board that stops answering is power-cycled through the place's power resource when it has one
(``labgrid-client power cycle``); otherwise the rig's ``reset`` applies over the network serial port (an
RTS/DTR pulse travels over RFC 2217), as on a bench. ``close()`` releases the place; so do an ``atexit``
hook (a run that ends without the fixtures' finalizers), a SIGTERM handler (where the program has none of
its own) and the guard (a run that is killed outright).
"""

from __future__ import annotations

import atexit
import getpass
import os
import signal
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rigs.boards.base import BoardError, BoardIdentity
from rigs.boards.serial import SerialBoard, reopen
from rigs.labgrid.client import LabgridClient, LabgridError, find_client
from rigs.labgrid.guard import Guard
from rigs.labgrid.lease import acquire_place
from rigs.labgrid.output import LabgridOutputError, Resource, run_user, serial_url
from rigs.model import BoardConfig

if TYPE_CHECKING:
    from rigs.at.session import AtSession

__all__ = ["LabgridBoard", "choose_ports"]


def choose_ports(
    resources: list[Resource], at_name: str, log_name: str | None, *, place: str
) -> tuple[str, str | None]:
    """The AT and log port URLs among a place's resources: the serial ports named ``at_name`` and
    ``log_name``; a place with a single serial port uses it as the AT port whatever its name."""
    serial = [r for r in resources if r.is_serial]
    if not serial:
        have = ", ".join(f"{r.name} ({r.cls})" for r in resources) or "nothing"
        raise LabgridError(f"place {place} has no NetworkSerialPort (it has {have})")
    by_name = {r.name: r for r in serial}
    if at_name in by_name:
        at = by_name[at_name]
    elif len(serial) == 1:
        at = serial[0]
    else:
        raise LabgridError(
            f"place {place} has serial ports {', '.join(sorted(by_name))} and none named {at_name!r} "
            "(set the rig's labgrid.at_port)"
        )
    log = by_name.get(log_name) if log_name is not None and at.name != log_name else None
    try:
        return serial_url(at), serial_url(log) if log is not None else None
    except LabgridOutputError as exc:
        raise LabgridError(f"place {place}: {exc}") from None


class LabgridBoard:
    """A board on a labgrid place, held from :meth:`open` to :meth:`close`."""

    def __init__(
        self,
        config: BoardConfig,
        *,
        instance: int = 0,
        work_dir: Path | None = None,
        client: LabgridClient | None = None,
        guard: Callable[[LabgridClient, Path | None], Guard] = Guard,
    ) -> None:
        if config.labgrid is None:
            raise BoardError(f"board {config.id}: a labgrid board needs labgrid options")
        self.config = config
        self.options = config.labgrid
        #: The worker's number: a board entry found by tags is a template, one place per worker.
        self.instance = instance
        self._work_dir = work_dir
        self._client = client
        self.place: str | None = None
        #: The place held last: asked for first when the board is opened again (a recovery).
        self._last_place: str | None = None
        self._guard: Guard | None = None
        self._new_guard = guard
        self._resources: list[Resource] = []
        self._serial: SerialBoard | None = None
        self.reclaimed: list[str] = []
        _open_boards.add(self)

    @property
    def client(self) -> LabgridClient:
        if self._client is None:
            user = run_user(os.environ.get("LG_USERNAME") or getpass.getuser(), os.getpid())
            self._client = LabgridClient(
                find_client(self.options.client), coordinator=self.options.coordinator, user=user
            )
        return self._client

    @property
    def capabilities(self) -> frozenset[str]:
        return self.config.capabilities

    @property
    def identity(self) -> BoardIdentity:
        if self._serial is None or self.place is None:
            raise BoardError(f"board {self.config.id}: not open (no place acquired yet)")
        serial = self._serial.identity
        return BoardIdentity(
            board_id=self.config.id,
            kind=self.config.kind,
            module=self.config.module,
            at_port=serial.at_port,
            log_port=serial.log_port,
            instance=self.instance if self.config.template else None,
            place=self.place,
        )

    def _acquire(self) -> None:
        def noted(place: str, holder: object) -> None:
            self.reclaimed.append(f"{place} from {holder}")

        client = self.client
        release_on_sigterm()
        # the guard first: it is told of each place before the coordinator is asked for it
        self._guard = self._new_guard(client, self._guard_log())
        try:
            self.place = acquire_place(
                client, self.options, board_id=self.config.id, prefer=self._last_place, on_reclaim=noted,
                watch=self._guard,
            )  # fmt: skip
        except BaseException:
            guard, self._guard = self._guard, None
            guard.abandon()  # what acquire_place could not settle (a Ctrl-C mid-acquire) the guard takes back
            raise
        self._last_place = self.place
        try:
            self._resources = client.resources(self.place)
            at, log_url = choose_ports(
                self._resources, self.options.at_port, self.options.log_port, place=self.place
            )
        except BaseException:
            self._release()
            raise
        bench = self.config.model_copy(update={"port": at, "log_port": log_url})
        self._serial = SerialBoard(bench)

    def _guard_log(self) -> Path | None:
        if self._work_dir is None:
            return None
        self._work_dir.mkdir(parents=True, exist_ok=True)
        return self._work_dir / f"{self.config.id}-labgrid-guard-{os.getpid()}.log"

    def open(self) -> AtSession:
        if self._serial is None:
            self._acquire()
        assert self._serial is not None
        try:
            return self._serial.open()
        except BaseException:
            self.close()
            raise

    def reset(self) -> None:
        self.open()
        assert self._serial is not None
        self._serial.reset()

    def _power(self) -> Resource | None:
        if not self.options.use_power:
            return None
        return next((r for r in self._resources if r.is_power), None)

    def hardware_reset(self, timeout: float = 10.0) -> str:
        """A power cycle through the place's power resource, else the rig's ``reset`` over the network
        serial port (RTS/DTR over RFC 2217, a reset command)."""
        self.open()
        assert self._serial is not None and self.place is not None
        power = self._power()
        if power is None:
            return self._serial.hardware_reset(timeout) + f" (labgrid place {self.place})"
        self._serial.close()
        self.client.power_cycle(self.place, name=power.name, delay=self.options.power_off_s)
        reopen(self._serial, timeout)
        return f"power cycle through labgrid place {self.place} ({power.cls} {power.name})"

    def _release(self) -> None:
        place, self.place = self.place, None
        guard, self._guard = self._guard, None
        if place is None:
            if guard is not None:
                guard.done()
            return
        try:
            self.client.release(place)
        except BaseException:
            if guard is not None:
                guard.abandon()  # it tries release-from, which labgrid refuses if the place is not ours
            raise
        if guard is not None:
            guard.done()

    def close(self) -> None:
        serial, self._serial = self._serial, None
        try:
            if serial is not None:
                serial.close()
        finally:
            self._release()


#: Boards whose place a run that ends without their close() (no finalizer ran) still releases at exit.
_open_boards: weakref.WeakSet[LabgridBoard] = weakref.WeakSet()


@atexit.register
def _release_at_exit() -> None:
    for board in list(_open_boards):
        try:
            board.close()
        except Exception:  # noqa: BLE001 - at exit there is no one left to tell; the guard releases it
            pass


def _release_then_die(signum: int, frame: object) -> None:
    """SIGTERM with no handler of the program's own: release the places, then die of the signal as the
    default would have (exit status and all)."""
    _release_at_exit()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def release_on_sigterm() -> bool:
    """Release held places on SIGTERM too (which skips atexit), where the program left SIGTERM at its
    default; a program with its own handler keeps it. True when the handler was installed."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return signal.getsignal(signal.SIGTERM) is _release_then_die
    signal.signal(signal.SIGTERM, _release_then_die)
    return True
