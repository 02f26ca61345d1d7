"""The simulated ESP32: state shared by all command handlers, the output path and the boot cycle.

Everything a handler needs is reached from ``ctx.board``:

- ``board.at``: engine settings of 3.1 (echo, AT+SYSLOG, AT+SYSMSG bits, AT+SYSSTORE, message filters);
- ``board.uart``: the AT port's current line settings (AT+UART_CUR);
- ``board.identity``: instance number and MACs; ``board.profile``: firmware identity and switches;
- ``board.nvs``: the NVS partition (namespaces, see sim/flash.py); ``board.save(...)`` applies save policies;
- ``board.mfg``: the mfg_nvs partition (AT+SYSMFG; certificates live there); ``board.partitions``: user
  partitions (AT+SYSFLASH);
- ``board.events``: an event bus for asynchronous happenings (a timer, the air changing, a socket closing);
- ``board.runtime(Cls)``: per-boot state of a command group, recreated on every reboot;
- ``board.spawn(coro)`` / ``board.call_later(s, fn)``: background work that a reboot cancels;
- ``board.urc(line)``: an active message report, through AT+SYSMSGFILTER and the fault engine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sim.at.parser import ParsedCommand
from sim.firmware import BootFailure, flashed_profile
from sim.flash import Nvs, SavePolicy
from sim.identity import Identity
from sim.msgfilter import MessageFilter
from sim.output import FILTERED_KINDS, Kind
from sim.partitions import MfgNvs, UserPartitions
from sim.profile import Profile
from sim.rom.spiflash import SpiFlash

T = TypeVar("T")

#: Called at every boot, before ``ready``, with the board: command groups load saved settings here.
BootHook = Callable[["Board"], None]
BOOT_HOOKS: list[BootHook] = []


def on_boot(fn: BootHook) -> BootHook:
    """Decorator: run ``fn(board)`` at every boot (after NVS is readable, before ``ready``)."""
    BOOT_HOOKS.append(fn)
    return fn


@dataclass
class UartConfig:
    """AT+UART_CUR / AT+UART_DEF parameters (3.1.10/3.1.11)."""

    baudrate: int = 115200
    databits: int = 8
    stopbits: int = 1  # 1: 1 bit, 2: 1.5 bits, 3: 2 bits
    parity: int = 0  # 0 none, 1 odd, 2 even
    flow_control: int = 0  # bit0 RTS, bit1 CTS

    @property
    def bits_per_byte(self) -> float:
        stop = {1: 1.0, 2: 1.5, 3: 2.0}[self.stopbits]
        return 1 + self.databits + (1 if self.parity else 0) + stop

    @property
    def bytes_per_second(self) -> float:
        return self.baudrate / self.bits_per_byte

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (self.baudrate, self.databits, self.stopbits, self.parity, self.flow_control)


@dataclass
class AtSettings:
    """Engine-level settings of 3.1, in RAM (what query commands report)."""

    echo: bool = True
    syslog: bool = False
    sysmsg: int = 0  # AT+SYSMSG bits, see the properties below
    sysstore: bool = True
    msgfilter: MessageFilter = field(default_factory=MessageFilter)

    @property
    def quitt_message(self) -> bool:
        """Bit0: print ``+QUITT`` when leaving passthrough mode."""
        return bool(self.sysmsg & 1)

    @property
    def link_conn_detail(self) -> bool:
        """Bit1: ``+LINK_CONN:...`` instead of ``<id>,CONNECT``."""
        return bool(self.sysmsg & 2)

    @property
    def passthrough_status(self) -> bool:
        """Bit2: connection status messages also in passthrough mode."""
        return bool(self.sysmsg & 4)


class EventBus:
    """Publish/subscribe by topic name; subscriptions end at reboot."""

    def __init__(self) -> None:
        self._subs: dict[str, list[Callable[..., None]]] = {}

    def on(self, topic: str, fn: Callable[..., None]) -> Callable[[], None]:
        self._subs.setdefault(topic, []).append(fn)
        return lambda: self._subs.get(topic, []).remove(fn) if fn in self._subs.get(topic, []) else None

    def emit(self, topic: str, **payload: Any) -> None:
        for fn in list(self._subs.get(topic, [])):
            fn(**payload)

    def clear(self) -> None:
        self._subs.clear()


OutputSink = Callable[[bytes, Kind], None]
LogSink = Callable[[str], None]


class Board:
    def __init__(
        self,
        profile: Profile,
        state_dir: Path,
        *,
        identity: Identity | None = None,
        faults: Any = None,
        air: Any = None,
    ) -> None:
        from sim.at.engine import CommandEngine  # the engine needs Board for typing only

        self.profile = profile
        #: the firmware the board was started with, and the one its flash boots (see sim/firmware.py): the
        #: launch firmware until an app is written through the ROM loader. An OTA upgrade starts from it.
        self.launch_profile = profile
        self.factory_profile = profile
        self.state_dir = state_dir
        self.spi_flash = SpiFlash(state_dir / "spi_flash.bin")
        self.identity = identity or Identity()
        self.air = air
        self.faults = faults
        self.nvs = Nvs(state_dir)
        self.mfg = MfgNvs(state_dir, profile)
        self.partitions = UserPartitions(state_dir, profile, self.mfg)
        self.events = EventBus()
        self.engine = CommandEngine(self)
        self.at = AtSettings()
        self.uart = UartConfig()
        self.boot_count = 0
        self.booted_at = time.monotonic()
        self.in_reset = False
        self._sink: OutputSink = lambda data, kind: None
        self._log: LogSink = lambda text: None
        self._runtime: dict[type, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._reboot_after_command = False
        #: True from the start of a boot until ``ready``: the AT port takes no input then (see feed).
        self.booting = False
        self.on_uart_change: Callable[[UartConfig], None] = lambda cfg: None
        #: AT+CWMODE (0 null, 1 station, 2 soft-AP, 3 both): owned by the Wi-Fi group, read by AT+SLEEP and
        #: AT+RFPOWER. 1 is the factory default.
        self.wifi_mode = 1
        #: True while the firmware is not reading the AT port (passthrough waiting on the network): input
        #: then fills the UART receive buffer. Set it back with :meth:`resume_input`.
        self.input_paused = False
        self.on_input_resume: Callable[[], None] = lambda: None
        #: Bytes queued for the AT port and not yet sent by the UART (the process wires it to the UART);
        #: network links stop reading their sockets while it is high, so fast peers are held back.
        self.output_backlog: Callable[[], int] = lambda: 0
        #: True while the chip is in light-sleep (3.1 AT+SLEEP=2, sim/commands/sleep_pins.py): the UART is
        #: no wake-up source, so what the host sends meanwhile is lost (see feed).
        self.light_sleeping = False
        #: True from AT+GSLP's OK until the chip is down (sim/commands/basic.py): input is lost already.
        self.deep_sleeping = False
        #: Holds back output while the host MCU sleeps (3.14.4 AT+USERWKMCUCFG, sim/commands/user_wake.py):
        #: called with each emit, True when it took the bytes.
        self.output_gate: Callable[[bytes, Kind, str | None], bool] | None = None

    # --- wiring --------------------------------------------------------------------------------------

    def attach_output(self, sink: OutputSink) -> None:
        self._sink = sink

    def attach_log(self, sink: LogSink) -> None:
        self._log = sink

    def log(self, text: str) -> None:
        self._log(text)

    # --- output --------------------------------------------------------------------------------------

    def emit(self, data: bytes, kind: Kind, *, command: str | None = None) -> None:
        """Send bytes out of the AT port: system-message filter, then faults, then the UART."""
        if self.in_reset:
            return
        if self.output_gate is not None and self.output_gate(data, kind, command):
            return  # held, and sent later through emit (3.14.4: the MCU is woken first)
        if kind in FILTERED_KINDS and self.at.msgfilter.enabled:
            filtered = self.at.msgfilter.apply(data)
            if filtered != data:
                self.log(f"at-msgfilter: {data[:60]!r} -> {filtered[:60]!r}")
            data = filtered
            if not data:
                return
        if self.faults is not None:
            self.faults.output(self, data, kind, command or self._command_name())
            return
        self._sink(data, kind)

    def raw_output(self, data: bytes, kind: Kind) -> None:
        """Straight to the UART, past filter and faults (the fault engine's own output uses this)."""
        if not self.in_reset:
            self._sink(data, kind)

    def urc(self, line: str) -> None:
        """An active message report (3.17); CR LF appended."""
        self.emit(line.encode("utf-8", errors="surrogateescape") + b"\r\n", Kind.URC)

    def _command_name(self) -> str | None:
        cur = self.engine.current
        return cur.name if cur is not None else None

    def resume_input(self) -> None:
        self.input_paused = False
        self.on_input_resume()

    def set_uart(self, cfg: UartConfig) -> None:
        """New AT port settings; the UART applies them once what is queued for sending has left."""
        self.uart = cfg
        self.on_uart_change(cfg)

    # --- persistence ---------------------------------------------------------------------------------

    def save(self, namespace: str, key: str, value: Any, policy: SavePolicy) -> bool:
        """Store a setting according to its save policy; returns whether flash was written."""
        if policy is SavePolicy.NEVER or (policy is SavePolicy.SYSSTORE and not self.at.sysstore):
            return False
        if self.faults is not None and not self.faults.allows_save(
            self, self._command_name(), f"{namespace}.{key}"
        ):
            return False
        self.nvs.namespace(namespace).set(key, value)
        return True

    # --- per-boot state and background work ---------------------------------------------------------

    def runtime(self, cls: type[T]) -> T:
        """The per-boot instance of ``cls`` (created with ``cls()`` on first use after each boot)."""
        obj = self._runtime.get(cls)
        if obj is None:
            obj = self._runtime[cls] = cls()
        return obj  # type: ignore[no-any-return]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def call_later(self, delay: float, fn: Callable[[], None]) -> asyncio.TimerHandle:
        handle = asyncio.get_running_loop().call_later(delay, fn)
        self._timers.add(handle)
        return handle

    # --- input and command hooks --------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Bytes from the AT port (after the UART's line-rate pacing).

        Between reset and ``ready`` nothing takes them: 3.17 says ``ready`` is when "the ESP-AT firmware is
        ready", and until the AT core has started there is no command engine on the UART, so what the
        host sent in the boot window is lost (as it is in reset). Running it instead let a command started
        there outlive the boot that followed and keep the engine busy for good (issue 14)."""
        if self.faults is not None and (rules := self.faults.input_faults()) is not None:
            data = rules.feed(self, data)  # before the boot window's drop: a rule may choke on those bytes
        if self.in_reset or self.booting:
            if data:
                self.log(f"at-port: {len(data)} byte(s) before ready, dropped")
            return
        if self.light_sleeping or self.deep_sleeping:
            if data:
                self.log(f"at-port: {len(data)} byte(s) while asleep, dropped")
            return
        self.engine.feed(data)

    def misread(self, line: str) -> str:
        """The command line as the firmware takes it (a ``misread_line`` fault rule may read it wrong)."""
        return self.faults.misread(self, line) if self.faults is not None else line

    def on_command(self, cmd: ParsedCommand) -> bool:
        """A command line is about to run; False if it must not be (a fault rule restarts the board)."""
        if self.faults is not None:
            return self.faults.on_command(self, cmd) is not False
        return True

    def after_command(self, ctx: Any) -> None:
        if self._reboot_after_command:
            self._reboot_after_command = False
            self.spawn_detached(self.reboot("software restart"))

    def reboot_after_command(self) -> None:
        """Restart once the running command has sent its final result (AT+RST, AT+RESTORE)."""
        self._reboot_after_command = True

    def spawn_detached(self, coro: Coroutine[Any, Any, Any]) -> None:
        """A task a reboot does not cancel (the reboot itself)."""
        asyncio.get_running_loop().create_task(coro)

    # --- boot cycle ------------------------------------------------------------------------------------

    def _stop_everything(self) -> None:
        self.light_sleeping = self.deep_sleeping = False
        current = asyncio.current_task()
        for t in list(self._tasks):
            if t is not current:
                t.cancel()
        self._tasks.clear()
        for h in self._timers:
            h.cancel()
        self._timers.clear()
        self.engine.reset()
        self.events.clear()
        self._runtime.clear()

    def hold_reset(self) -> None:
        """EN held low: the chip stops and says nothing until released."""
        self._stop_everything()
        self.in_reset = True

    async def boot(self, *, reason: str = "power on") -> None:
        """Run the boot sequence: load saved settings, print the banner on the log port, say ``ready``."""
        self._stop_everything()
        self.in_reset = False
        self.booting = True
        self.boot_count += 1
        if self.faults is not None:
            self.faults.on_boot()
        self.booted_at = time.monotonic()
        if not self._load_firmware():
            return
        self.at = AtSettings()
        self.uart = self._boot_uart()
        self.on_uart_change(self.uart)
        basic = self.nvs.namespace("basic")
        self.at.sysmsg = int(basic.get("sysmsg", 0))
        self.at.sysstore = bool(basic.get("sysstore", True))
        for hook in BOOT_HOOKS:
            hook(self)
        self.log(f"boot #{self.boot_count} ({reason})")
        for line in self.profile.boot_banner:
            self.log(line)
        if self.profile.boot_banner_on_at_port:
            for line in self.profile.boot_banner:
                self.emit(line.encode() + b"\r\n", Kind.BOOT)
        await asyncio.sleep(self.profile.boot_time_s)
        if self.in_reset:
            return
        self.booting = False
        self.emit(b"\r\nready\r\n", Kind.BOOT)
        self.events.emit("ready")

    def _load_firmware(self) -> bool:
        """The second-stage bootloader: pick the app the flash holds (sim/firmware.py). False when there is
        none it can run: its error goes to the log port and the board stays in the boot window for good
        (no ``ready``, input dropped), as a real board without a bootable app never starts ESP-AT."""
        try:
            flashed = flashed_profile(self.spi_flash, self.launch_profile)
        except BootFailure as exc:
            self.log(f"boot #{self.boot_count}: no bootable app")
            for line in exc.lines:
                self.log(line)
            return False
        chosen = flashed or self.launch_profile
        if chosen != self.factory_profile:
            if flashed is not None:
                self.log(f"boot: app in flash is {chosen.source} (ESP-AT v{chosen.at_version})")
            self.factory_profile = chosen
            self.profile = chosen
            self.partitions = UserPartitions(self.state_dir, chosen, self.mfg)
        return True

    async def reboot(self, reason: str) -> None:
        self.log(f"restart: {reason}")
        self.hold_reset()
        await self.boot(reason=reason)

    def _boot_uart(self) -> UartConfig:
        d = self.profile.uart
        saved = self.nvs.namespace("basic").get("uart_def")
        if isinstance(saved, list) and len(saved) == 5:
            return UartConfig(*[int(v) for v in saved])
        return UartConfig(d.baudrate, d.databits, d.stopbits, d.parity, d.flow_control)
