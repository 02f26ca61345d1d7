"""Where the AT port (and the log port) are served: a TCP socket, a pseudo-terminal, or an RFC 2217 server.

Every transport hands host bytes to ``Uart.receive`` and takes the UART's paced output. One host at a time:
a new TCP client replaces the previous one (the old connection is closed), like replugging a USB cable.

RFC 2217 (pyserial's ``serial.rfc2217.PortManager``): the client's line settings are logged (a baud rate
different from the board's is logged as a mismatch; the bytes still pass, since there is no real wire to
garble them). DTR and RTS drive the ESP32 auto-reset circuit of a dev board (sim/rom/strap.py): EN is held
low while RTS is asserted and DTR is not; when EN has risen the chip boots from flash, or, when GPIO0 was
held low meanwhile (esptool's reset into the bootloader), into the ROM's download mode: this port then
carries the ROM loader protocol (sim/rom/loader.py) until the host ends it or resets the chip. The ROM
loader answers at once, unpaced by the UART model (a 4 MB image would take minutes at 115200 baud).
A pty or a socket:// port has no modem lines: a board served there cannot be flashed through it; the
separate ``--flash-port`` (FlashPort) serves the ROM loader without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.rom.loader import RomLoader
from sim.rom.strap import AutoReset, BootMode
from sim.uart import Uart

if TYPE_CHECKING:
    from serial import rfc2217

#: How long an RFC 2217 client may take to open before the board's output is connected anyway.
OPEN_GRACE_S = 3.0
#: How long after a socket:// client connects the board's kept output waits for pyserial's purge.
SOCKET_GRACE_S = 0.25


class _Conn(asyncio.Protocol):
    def __init__(self, server: TcpPort) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.on_connect(self)

    def data_received(self, data: bytes) -> None:
        self.server.on_data(self, data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.on_disconnect(self)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def busy(self) -> bool:
        return self.transport is not None and self.transport.get_write_buffer_size() > 256 * 1024

    def hold(self, hold: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if hold:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class TcpPort:
    """``socket://HOST:PORT``: raw bytes over TCP, one client at a time."""

    scheme = "socket"

    def __init__(self, uart: Uart, host: str, port: int, log: Callable[[str], None]) -> None:
        self.uart, self.host, self.port, self.log = uart, host, port, log
        self.current: _Conn | None = None
        self._attached = False
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Conn(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return f"{self.scheme}://{self.host}:{self.port}"

    async def close(self) -> None:
        if self.current is not None:
            self.current.close()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    def on_connect(self, conn: _Conn) -> None:
        # pyserial's socket:// client also purges its input at the end of open(), and says nothing the board
        # could wait for: output kept for the client ("ready") is connected after SOCKET_GRACE_S, or at
        # once when the client sends its first byte (it has finished opening then).
        if self.current is not None:
            self.log("port: a new client replaces the previous one")
            self.current.close()
        self.current = conn
        self._attached = False
        asyncio.get_running_loop().call_later(SOCKET_GRACE_S, self._attach, conn)

    def _attach(self, conn: _Conn) -> None:
        if conn is self.current and not self._attached:
            self._attached = True
            self.uart.attach_host(self.host_write(conn), busy=conn.busy, hold=conn.hold)
            self.uart.host_connected()

    def host_write(self, conn: _Conn) -> Callable[[bytes], None]:
        return conn.write

    def on_data(self, conn: _Conn, data: bytes) -> None:
        if conn is self.current:
            self._attach(conn)
            self.uart.receive(data)

    def on_disconnect(self, conn: _Conn) -> None:
        if conn is self.current:
            self.current = None
            self.uart.attach_host(None)


class _Lines:
    """The serial-port attributes PortManager reads and writes, reporting changes to the board."""

    def __init__(self, port: Rfc2217Port) -> None:
        self._port = port
        self.baudrate = 115200
        self.bytesize = 8
        self.parity = "N"
        self.stopbits = 1
        self.xonxoff = False
        self.rtscts = False
        self.break_condition = False
        self._dtr = False
        self._rts = False
        self.cts = True
        self.dsr = True
        self.ri = False
        self.cd = True

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "baudrate" and not name.startswith("_") and hasattr(self, "_port"):
            self._port.on_baudrate(value)

    @property
    def dtr(self) -> bool:
        return self._dtr

    @dtr.setter
    def dtr(self, value: bool) -> None:
        object.__setattr__(self, "_dtr", bool(value))
        self._port.on_modem_lines(self._dtr, self._rts)

    @property
    def rts(self) -> bool:
        return self._rts

    @rts.setter
    def rts(self, value: bool) -> None:
        object.__setattr__(self, "_rts", bool(value))
        self._port.on_modem_lines(self._dtr, self._rts)

    # The serial port's input is what the board sent; its output is what goes to the board.
    def reset_input_buffer(self) -> None:
        self._port.on_purge_from_board()

    def reset_output_buffer(self) -> None:
        self._port.on_purge_to_board()


class Rfc2217Port(TcpPort):
    """``rfc2217://HOST:PORT``: telnet with RFC 2217 serial-port control."""

    scheme = "rfc2217"

    def __init__(
        self,
        uart: Uart,
        host: str,
        port: int,
        log: Callable[[str], None],
        *,
        on_reset: Callable[[bool], None],
        board_baud: Callable[[], int],
        rom: Callable[[], RomLoader] | None = None,
    ) -> None:
        super().__init__(uart, host, port, log)
        self.on_reset = on_reset
        self.board_baud = board_baud
        self._managers: dict[int, rfc2217.PortManager] = {}
        self._strap = AutoReset()
        self._rom_factory = rom
        #: the ROM loader while the chip is in download mode
        self.rom: RomLoader | None = None
        self._input_purged = False  # the client purged its input while the board's output was held

    def on_connect(self, conn: _Conn) -> None:
        # pyserial's client purges its input at the end of open(): what the board says before that would be
        # lost, so the board's output is connected once that purge is over (or after OPEN_GRACE_S for
        # clients that never purge).
        if self.current is not None:
            self.log("port: a new client replaces the previous one")
            self.current.close()
        self.current = conn
        self._attached = False
        self._input_purged = False
        # PortManager is duck-typed: it touches only the attributes _Lines has and the connection's write().
        # imported here: pyserial's RFC 2217 side (with its logging, threading and urllib) is ~0.4 MB resident
        # that a board on socket:// or a pty never uses (issue 23)
        from serial import rfc2217

        self._managers[id(conn)] = rfc2217.PortManager(_Lines(self), conn)  # type: ignore[arg-type]
        asyncio.get_running_loop().call_later(OPEN_GRACE_S, self._attach, conn)

    def on_purge_from_board(self) -> None:
        if self.current is not None and not self._attached:
            # pyserial's client empties its own buffer only after this purge is acknowledged, so output
            # connected now could still be thrown away: wait for its next purge (on_purge_to_board).
            self._input_purged = True
        else:
            self.uart.flush_tx()

    def on_purge_to_board(self) -> None:
        self.uart.discard_rx()
        if self.current is not None and not self._attached and self._input_purged:
            # open() sends this purge after emptying its input buffer, in the same thread: from now on
            # nothing the board says is discarded, however slow the host is.
            self._attach(self.current)

    def host_write(self, conn: _Conn) -> Callable[[bytes], None]:
        def write(data: bytes) -> None:
            pm = self._managers.get(id(conn))
            if pm is not None:
                conn.write(b"".join(pm.escape(data)))

        return write

    def on_data(self, conn: _Conn, data: bytes) -> None:
        pm = self._managers.get(id(conn))
        if pm is None:
            return
        payload = b"".join(pm.filter(data))
        if conn is not self.current or not payload:
            return
        if self.rom is not None:
            self.host_write(conn)(self.rom.feed(payload))
            if self.rom.leave:
                self.log("rom: the host ended download mode: chip boots from flash")
                self.rom = None
                self.on_reset(False)
            return
        self.uart.receive(payload)

    def on_disconnect(self, conn: _Conn) -> None:
        self._managers.pop(id(conn), None)
        super().on_disconnect(conn)

    def on_baudrate(self, baud: int) -> None:
        board = self.board_baud()
        if baud != board:
            self.log(f"rfc2217: host set {baud} baud, the board runs at {board}: mismatch")

    def on_modem_lines(self, dtr: bool, rts: bool) -> None:
        loop = asyncio.get_running_loop()
        change = self._strap.lines(dtr, rts, loop.time())
        if change == "reset":
            self.log("rfc2217: EN held low (RTS asserted, DTR not): chip in reset")
            if self.rom is not None:
                self.log("rom: download mode ends with the reset")
                self.rom = None
            self.on_reset(True)
        elif change == "rising":
            self.log("rfc2217: EN released: chip boots once EN has risen")
            loop.call_at(self._strap.rise_due or loop.time(), self._risen)

    def _risen(self) -> None:
        mode = self._strap.risen()
        if mode is None:
            return  # EN went low again before it rose
        if mode is BootMode.DOWNLOAD and self._rom_factory is not None:
            self.log("rfc2217: GPIO0 low as EN rose: ROM download mode (the ROM loader serves this port)")
            self.rom = self._rom_factory()
            if self.current is not None:
                self.host_write(self.current)(self.rom.banner())
            return
        self.on_reset(False)


class FlashPort(TcpPort):
    """``--flash-port socket://HOST:PORT`` (sim-only): the ROM loader on a port of its own, as if a jig held
    GPIO0 low and pulsed EN whenever a host connects; esptool reaches it with ``--before no-reset``.

    Download mode ends when the host ends it (FLASH_END "reboot", or "run user code" from the ROM) or
    disconnects (the jig releases BOOT and pulses EN): the chip then boots from flash. It exists because
    pyserial's rfc2217 client sleeps 50 ms before it looks for each acknowledgement, twice each time esptool
    changes the port's timeout: measured, 212 such changes, 21 s of a 23 s write-flash of one test image.
    A socket:// port has no line settings to acknowledge."""

    def __init__(
        self,
        host: str,
        port: int,
        log: Callable[[str], None],
        *,
        on_reset: Callable[[bool], None],
        rom: Callable[[], RomLoader],
    ) -> None:
        self.host, self.port, self.log = host, port, log
        self.on_reset = on_reset
        self._rom_factory = rom
        self.current: _Conn | None = None
        self._server: asyncio.base_events.Server | None = None
        #: the ROM loader while a host holds the chip in download mode
        self.rom: RomLoader | None = None

    def on_connect(self, conn: _Conn) -> None:
        if self.current is not None:
            self.log("flash port: a new client replaces the previous one")
            self.current.close()
        self.current = conn
        self.log("flash port: host connected: GPIO0 held low, EN pulsed: ROM download mode")
        self.on_reset(True)
        self.rom = self._rom_factory()
        conn.write(self.rom.banner())

    def on_data(self, conn: _Conn, data: bytes) -> None:
        if conn is not self.current or self.rom is None:
            return  # download mode is over: the chip runs from flash and this port carries nothing
        conn.write(self.rom.feed(data))
        if self.rom.leave:
            self.log("rom: the host ended download mode: chip boots from flash")
            self._boot()

    def on_disconnect(self, conn: _Conn) -> None:
        if conn is not self.current:
            return
        self.current = None
        if self.rom is not None:
            self.log("flash port: host gone: BOOT released, EN pulsed: chip boots from flash")
            self._boot()

    def _boot(self) -> None:
        self.rom = None
        self.on_reset(False)


class PtyPort:
    """A pseudo-terminal; the host opens the slave path. The slave stays open here so the port survives
    hosts opening and closing it."""

    def __init__(self, uart: Uart, log: Callable[[str], None]) -> None:
        self.uart, self.log = uart, log
        self.master = -1
        self.slave = -1
        self._pending = bytearray()

    async def start(self) -> str:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        loop = asyncio.get_running_loop()
        loop.add_reader(self.master, self._readable)
        self.uart.attach_host(self._write, busy=lambda: len(self._pending) > 64 * 1024)
        self.uart.host_connected()
        return os.ttyname(self.slave)

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if data:
            self.uart.receive(data)

    def _write(self, data: bytes) -> None:
        self._pending += data
        self._flush()

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            try:
                n = os.write(self.master, self._pending)
            except BlockingIOError:
                loop.add_writer(self.master, self._on_writable)
                return
            except OSError:
                self._pending.clear()
                return
            del self._pending[:n]
        loop.remove_writer(self.master)

    def _on_writable(self) -> None:
        self._flush()

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        if self.master >= 0:
            loop.remove_reader(self.master)
            loop.remove_writer(self.master)
            os.close(self.master)
            os.close(self.slave)
            self.master = self.slave = -1
