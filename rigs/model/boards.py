"""Board entries of a rig file: where a board's ports are, how to reset it, what it can do."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import ID_PATTERN, Baud, Seconds, StrictModel
from rigs.model.firmware import FirmwareExpectation
from rigs.model.flashing import FlashOptions
from rigs.model.labgrid import LabgridOptions
from rigs.model.peripherals import PERIPHERAL_CAPABILITIES, BoardPeripherals

#: The capabilities a rig may claim for a board. A fixed vocabulary, so that a typo in a rig file is an
#: error at load time instead of a silently skipped suite; names starting with ``x-`` are free for local use.
KNOWN_CAPABILITIES: frozenset[str] = frozenset(
    {
        "wifi-sta",  # 3.2: the board joins the rig's access points
        "wifi-softap",  # 3.2: the board runs a soft-AP
        "softap-station",  # a station (real or simulated) that joins the board's soft-AP
        "second-ap",  # the rig has two access points (roaming, AT+CWJAP to another SSID)
        "wps",  # 3.2 AT+WPS with a WPS-capable AP
        "smartconfig",  # 3.2 AT+CWSTARTSMART with a phone app or simulated provisioner
        "wpa2-enterprise",  # 3.2 AT+CWJEAP against an enterprise AP
        "mdns",  # 3.2 AT+MDNS reachable from the host
        "ipv6",  # 3.3 IPv6 links (AT+CIPV6): the board reaches network.host_address_v6
        "ble",  # 3.4 Bluetooth LE
        "ble-peer",  # a BLE peer device on the host side
        "bt",  # 3.5 Classic Bluetooth (ESP32 only)
        "ethernet",  # 3.10 Ethernet: a PHY and a cable to the rig's LAN (network.ethernet; rigs/boards/ethernet.py)
        "webserver",  # 3.13 web server firmware
        "driver",  # 3.12 driver commands (I2C, SPI, PWM, LEDC)
        "i2c-device",  # 3.12.6-3.12.9: an I2C device on the board's bus (peripherals.i2c)
        "spi-device",  # 3.12.10-3.12.13: an SPI device (peripherals.spi)
        "adc-source",  # 3.12.2: a known voltage on an ADC1 channel (peripherals.adc)
        "pwm-observer",  # 3.12.3-3.12.5: LEDC outputs whose duty and fade are watched (peripherals.pwm)
        "wake-gpio",  # 3.1 AT+SLEEPWKCFG / 3.14.4 AT+USERWKMCUCFG: wake-up pins the host drives and watches
        "ota",  # AT+CIUPDATE / AT+USEROTA with an OTA server the board reaches
        "fs",  # 3.8 FS commands (a FAT partition)
        "log-port",  # the board's log UART is wired to the host
    }
)


class BoardKind(StrEnum):
    SIM = "sim"
    SERIAL = "serial"
    LABGRID = "labgrid"


class ResetMethod(StrEnum):
    """How the driver restarts a board that no longer answers AT+RST (3.1): pulsing DTR or RTS (the EN/RST
    line on most USB-serial boards; ``rts`` is the usual DTR/RTS auto-reset circuit: RTS asserted, DTR
    not), running ``reset_command`` (a USB power switch such as uhubctl), or not at all (``at``: AT+RST
    is all there is; ``none``: the board may not be restarted)."""

    AT = "at"
    DTR = "dtr"
    RTS = "rts"
    COMMAND = "command"
    NONE = "none"


#: pyserial's list_ports ``vid:pid`` as hex, e.g. ``303a:1001`` or ``10c4:ea60``.
_VID_PID = re.compile(r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$")


class UsbPort(StrictModel):
    """A USB serial port named as pyserial's ``serial.tools.list_ports`` reports it, so that the name
    survives a re-enumeration that moves ``/dev/ttyUSB0`` to ``/dev/ttyUSB1``. Every field given must
    match; exactly one port may match (rigs/boards/usb.py)."""

    serial_number: str | None = None
    location: str | None = None  # e.g. "1-1.4:1.0" (bus-port path, interface)
    vid_pid: str | None = None

    @field_validator("vid_pid")
    @classmethod
    def _vid_pid(cls, value: str | None) -> str | None:
        if value is not None and not _VID_PID.match(value):
            raise PydanticCustomError("vid_pid", "expected four hex digits, ':', four hex digits (303a:1001)")
        return value.lower() if value is not None else None

    @model_validator(mode="after")
    def _something(self) -> UsbPort:
        if not any((self.serial_number, self.location, self.vid_pid)):
            raise PydanticCustomError("usb_port", "name the port by serial_number, location or vid_pid")
        return self

    def describe(self) -> str:
        parts = [
            f"{k}={v}"
            for k, v in (
                ("serial_number", self.serial_number),
                ("location", self.location),
                ("vid_pid", self.vid_pid),
            )
            if v is not None
        ]
        return "USB port " + ", ".join(parts)


class SimOptions(StrictModel):
    """How to launch a simulated board (the command line contract in sim/README.md)."""

    profile: str = "v5.0.0.0-esp32"
    faults: Path | None = None
    seed: int | None = None
    transport: Literal["socket", "pty", "rfc2217"] = "socket"
    log_port: bool = True
    #: Also serve the ROM loader on a socket:// port of its own (``--flash-port``, sim/transport.py
    #: FlashPort), where a board with ``flash`` is written with ``before: no-reset``: ~1 s a write where the
    #: rfc2217 port's auto-reset path takes ~25 s (pyserial's client waits >= 100 ms per timeout change).
    flash_port: bool = False
    #: ``{python}`` is replaced by the running interpreter; tests point this at a fake simulator.
    command: list[str] = Field(default_factory=lambda: ["{python}", "-m", "sim"], min_length=1)
    state_dir: Path | None = None
    ready_timeout: Seconds = 30.0
    #: More of the radio environment, copied into the air file as given: ``stations``, ``events``,
    #: ``smartconfig``, ``wps`` (schema and checks: sim/README.md, "The air file"; the simulator refuses
    #: what it does not know, naming the field). Access points and services are not set here: they come
    #: from ``network.access_points`` and from the fixtures' servers.
    air: dict[str, Any] = Field(default_factory=dict)

    @field_validator("air")
    @classmethod
    def _air(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(set(value) & {"access_points", "services"})
        if taken:
            raise PydanticCustomError(
                "air",
                "{keys} may not be set here: access points come from network.access_points (with sim "
                "extras in their 'sim' key), services from the fixtures' servers",
                {"keys": " and ".join(taken)},
            )
        return value


class BoardConfig(StrictModel):
    """One board of the rig: where its ports are and what it can do. Drivers live in :mod:`rigs.boards`."""

    id: str
    kind: BoardKind
    #: The AT port: a pyserial URL or device path (``/dev/ttyUSB0``, ``socket://host:port``,
    #: ``rfc2217://host:port``). None for ``sim`` boards, whose port the simulator reports when ready.
    port: str | None = None
    #: The AT port by USB identity instead of by path (resolved at every open); not with ``port``.
    port_usb: UsbPort | None = None
    baud: Baud = 115200
    rtscts: bool = False
    log_port: str | None = None
    log_port_usb: UsbPort | None = None
    log_baud: Baud = 115200
    reset: ResetMethod = ResetMethod.AT
    #: ``reset: command``: the program and its arguments that power-cycle the board (no shell).
    reset_command: list[str] | None = Field(default=None, min_length=1)
    #: The firmware the board must report in AT+GMR; a mismatch stops this board's run before any test.
    firmware: FirmwareExpectation | None = None
    #: Where the board's ROM loader is and what firmware to write to it (tools/flash.py).
    flash: FlashOptions | None = None
    #: The module name as the "Bin version:<version>(<module_name>)" line of AT+GMR (3.1) gives it.
    module: str = "WROOM-32"
    capabilities: frozenset[str] = frozenset()
    #: The devices wired to the board for the 3.12 driver commands (rigs/model/peripherals.py).
    peripherals: BoardPeripherals | None = None
    sim: SimOptions | None = None
    labgrid: LabgridOptions | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise PydanticCustomError(
                "board_id", "expected a name of letters, digits, '_', '.', '-' starting with a letter"
            )
        return value

    @field_validator("capabilities", mode="before")
    @classmethod
    def _capabilities(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple | set | frozenset):
            raise PydanticCustomError("capabilities", "expected a list of capability names")
        unknown = sorted(str(c) for c in value if c not in KNOWN_CAPABILITIES and not str(c).startswith("x-"))
        if unknown:
            raise PydanticCustomError(
                "capability",
                "unknown capabilities {unknown}; known: {known} (or a local name starting with 'x-')",
                {"unknown": ", ".join(unknown), "known": ", ".join(sorted(KNOWN_CAPABILITIES))},
            )
        return frozenset(value)

    @model_validator(mode="after")
    def _kind_fields(self) -> BoardConfig:
        if self.kind is BoardKind.SERIAL and not self.port and self.port_usb is None:
            raise PydanticCustomError(
                "kind_fields", "a serial board needs 'port' (its AT port URL or device) or 'port_usb'"
            )
        for name in ("port", "log_port"):
            if getattr(self, name) and getattr(self, name + "_usb") is not None:
                raise PydanticCustomError(
                    "kind_fields", "give '{name}' or '{name}_usb', not both", {"name": name}
                )
        if self.kind is not BoardKind.SERIAL and (self.port_usb or self.log_port_usb):
            raise PydanticCustomError("kind_fields", "'port_usb' and 'log_port_usb' are for serial boards")
        if (self.reset is ResetMethod.COMMAND) != (self.reset_command is not None):
            raise PydanticCustomError(
                "kind_fields", "'reset: command' and 'reset_command: [program, args...]' go together"
            )
        if self.kind is BoardKind.SIM and self.port:
            raise PydanticCustomError(
                "kind_fields", "a sim board takes no 'port': the simulator reports its own; use sim.transport"
            )
        if self.kind is BoardKind.SERIAL and self.sim is not None:
            self._simulator_behind_port()
        elif self.kind is not BoardKind.SIM and self.sim is not None:
            raise PydanticCustomError(
                "kind_fields", "'sim' options belong to boards of kind sim (or serial, for CI)"
            )
        if self.kind is BoardKind.LABGRID and self.labgrid is None:
            raise PydanticCustomError(
                "kind_fields",
                "a labgrid board needs 'labgrid: {place: NAME}' or 'labgrid: {match: {TAG: VALUE}}'",
            )
        if self.kind is BoardKind.LABGRID and (self.port or self.log_port):
            raise PydanticCustomError(
                "kind_fields",
                "a labgrid board takes no 'port' or 'log_port': they come from its place's NetworkSerialPort "
                "resources (labgrid.at_port, labgrid.log_port)",
            )
        if self.kind is not BoardKind.LABGRID and self.labgrid is not None:
            raise PydanticCustomError(
                "kind_fields", "'labgrid' options belong only to boards of kind labgrid"
            )
        if self.kind is BoardKind.SIM and self.sim is None:
            object.__setattr__(self, "sim", SimOptions())
        if (
            self.kind is BoardKind.SIM
            and self.flash is not None
            and self.flash.port is None
            and self.sim.transport != "rfc2217"
            and not self.sim.flash_port
        ):
            # a sim board is flashed through its own ROM loader, reached by the auto-reset lines of an
            # rfc2217 port or on its flash port (sim/transport.py); a socket:// or pty port has no DTR/RTS
            raise PydanticCustomError(
                "kind_fields",
                "'flash' on a sim board needs sim.transport: rfc2217 (got {transport}) or sim.flash_port: "
                "true, or a flash.port of another ROM loader",
                {"transport": self.sim.transport},
            )
        self._peripherals_declared()
        return self

    def _peripherals_declared(self) -> None:
        """A peripheral capability needs its device in ``peripherals`` (the tests' expected values)."""
        declared = self.peripherals
        missing = sorted(
            cap
            for cap, section in PERIPHERAL_CAPABILITIES.items()
            if cap in self.capabilities and (declared is None or not declared.declares(section))
        )
        if missing:
            raise PydanticCustomError(
                "peripherals",
                "capabilities {caps} need their devices under 'peripherals' ({sections})",
                {
                    "caps": ", ".join(missing),
                    "sections": ", ".join(f"peripherals.{PERIPHERAL_CAPABILITIES[c]}" for c in missing),
                },
            )
        if declared is not None and declared.observer == "sim" and self.kind is not BoardKind.SIM:
            raise PydanticCustomError(
                "peripherals",
                "peripherals.observer 'sim' is the simulator's side channel: only for boards of kind sim "
                "(a bench says 'none' until a driver for its instrument exists)",
            )

    def _simulator_behind_port(self) -> None:
        """A serial board with ``sim`` options: CI's stand-in for a bench board. The simulator is started
        behind the board's ``port`` (and ``log_port``), loopback ``socket://`` or ``rfc2217://`` URLs whose
        port 0 means a free one, and the board is then driven exactly as a bench's (rigs/boards/serial.py)."""
        assert self.sim is not None
        port = self.port or ""
        scheme = port.split("://", 1)[0]
        if scheme not in ("socket", "rfc2217") or not port.startswith(f"{scheme}://127."):
            raise PydanticCustomError(
                "kind_fields",
                "a serial board with 'sim' options needs a loopback socket:// or rfc2217:// 'port' the "
                "simulator serves (e.g. rfc2217://127.0.0.1:0), got {port!r}",
                {"port": port},
            )
        if self.log_port is not None and not self.log_port.startswith("socket://127."):
            raise PydanticCustomError(
                "kind_fields", "the simulator serves its log port as a loopback socket:// URL"
            )
        sim = self.sim.model_copy(update={"transport": scheme, "log_port": self.log_port is not None})
        object.__setattr__(self, "sim", sim)

    @property
    def template(self) -> bool:
        """One entry serves any number of xdist workers: a simulated board (one simulator per worker) or
        a labgrid board found by tags (one place per worker)."""
        return self.simulated or (self.labgrid is not None and self.labgrid.match is not None)

    @property
    def simulated(self) -> bool:
        """A simulator plays this board (kind sim, or a serial board with ``sim`` options)."""
        return self.sim is not None

    @property
    def line_rate(self) -> float:
        """Payload bytes per second the AT port can carry at most: 8N1 framing puts 10 bits on the wire
        for each byte."""
        return self.baud / 10.0

    @property
    def has_log_port(self) -> bool:
        if self.kind is BoardKind.SIM:
            return self.sim is not None and self.sim.log_port
        return self.log_port is not None or self.log_port_usb is not None
