"""Finding a board's USB serial port by what it is (serial number, USB location, vid:pid) rather than by
the path the OS gave it this time: ``/dev/ttyUSB0`` becomes ``/dev/ttyUSB1`` after a re-enumeration (a
power-cycled hub, a board that reset its USB bridge), its serial number and location stay.

The port list comes from pyserial's ``serial.tools.list_ports.comports()`` (injectable, so tests give a
fake list); each entry has ``device``, ``serial_number``, ``location``, ``vid``, ``pid``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rigs.boards.base import BoardError
from rigs.model import UsbPort

__all__ = ["find_port"]

ListPorts = Callable[[], Iterable[Any]]


def _comports() -> Iterable[Any]:
    from serial.tools import list_ports

    return list_ports.comports()


def _vid_pid(port: Any) -> str | None:
    vid, pid = getattr(port, "vid", None), getattr(port, "pid", None)
    return f"{vid:04x}:{pid:04x}" if vid is not None and pid is not None else None


def _matches(want: UsbPort, port: Any) -> bool:
    return (
        (want.serial_number is None or getattr(port, "serial_number", None) == want.serial_number)
        and (want.location is None or getattr(port, "location", None) == want.location)
        and (want.vid_pid is None or _vid_pid(port) == want.vid_pid)
    )


def _listing(ports: list[Any]) -> str:
    if not ports:
        return "no USB serial ports at all"
    return "; ".join(
        f"{p.device} (serial_number={getattr(p, 'serial_number', None)}, "
        f"location={getattr(p, 'location', None)}, vid_pid={_vid_pid(p)})"
        for p in ports
    )


def find_port(want: UsbPort, *, board_id: str, what: str, list_ports: ListPorts = _comports) -> str:
    """The device path of the one port that matches ``want``; a :class:`BoardError` naming what was seen
    when none or several match."""
    ports = list(list_ports())
    found = [p for p in ports if _matches(want, p)]
    if len(found) == 1:
        return str(found[0].device)
    if not found:
        raise BoardError(
            f"board {board_id}: no {what} matches {want.describe()}; this host has {_listing(ports)}"
        )
    raise BoardError(
        f"board {board_id}: {len(found)} ports match {want.describe()} for its {what}: {_listing(found)}; "
        "add serial_number or location to tell them apart"
    )
