"""What the Wi-Fi model hands back to the command engine (it never writes to a port itself)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Urc:
    """An active message report on the AT port (3.17): ``WIFI CONNECTED``, ``+STA_CONNECTED:"..."``."""

    text: str


@dataclass(frozen=True, slots=True)
class Log:
    """A line for the log UART (``at-wifi: wifi reconnect..(1/3)``), not the AT port."""

    text: str


@dataclass(frozen=True, slots=True)
class Done:
    """A command's response: its information lines, then OK (``ok``) or ERROR."""

    lines: tuple[str, ...] = ()
    ok: bool = True
    #: For an ERROR: the ESP-AT error code the firmware reports with ``ERR CODE:`` (e.g. 0x8003 for
    #: AT_EAP_CONN_FAILED), when the guide names one.
    err_code: int | None = None


@dataclass(frozen=True, slots=True)
class Pending:
    """The command's response comes later, as a :class:`Done` from ``WifiModel.poll`` (AT+CWJAP)."""


OK = Done()
ERROR = Done(ok=False)

Reply = Done | Pending
Output = Urc | Log | Done
