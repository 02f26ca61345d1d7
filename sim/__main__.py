"""``python -m sim`` / ``esp-at-sim``: run one simulated board (command line in sim/README.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sim.board import Board, UartConfig
from sim.commands import load_all
from sim.identity import Identity
from sim.logport import LogPort
from sim.profile import DEFAULT_PROFILE, ProfileError, load_profile
from sim.rom.loader import DOWNLOAD_BANNER, RomLoader
from sim.transport import FlashPort, PtyPort, Rfc2217Port, TcpPort
from sim.uart import Uart
from sim.wifi.softap import default_ap_ipv4


class UsageError(Exception):
    """Bad arguments or files: one line naming the file/field and what was expected; exit status 2."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="esp-at-sim", description="A simulated ESP32 running ESP-AT.")
    p.add_argument("--serial", default="socket://127.0.0.1:0", help="socket://H:P, pty or rfc2217://H:P")
    p.add_argument("--state-dir", type=Path, help="the board's flash (default: a temporary directory)")
    p.add_argument("--air", type=Path, help="radio environment (YAML)")
    p.add_argument("--faults", type=Path, help="fault rules (YAML, sim/FAULTS.md)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--instance", type=int, default=0)
    p.add_argument("--profile", default=DEFAULT_PROFILE)
    p.add_argument("--log-port", help="also serve the log UART, e.g. socket://127.0.0.1:0")
    p.add_argument("--flash-port", help="also serve the ROM loader (esptool --before no-reset), socket://H:P")
    return p.parse_args(argv)


def _host_port(url: str, option: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname or parts.port is None:
        raise UsageError(f"{option} {url!r}: expected SCHEME://HOST:PORT (port 0 picks a free port)")
    if not parts.hostname.startswith("127.") and parts.hostname != "localhost":
        raise UsageError(f"{option} {url!r}: the simulator binds to loopback (127.0.0.0/8) only")
    return parts.hostname, parts.port


def _load_air(path: Path | None) -> Any:
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"{path}: air file not found")
    from sim.wifi.air import AirFileError, load_air

    try:
        return load_air(path)
    except AirFileError as e:
        raise UsageError(str(e)) from e


def _sta_ip(air: Any, instance: int) -> str | None:
    """The address the station will lease from the air file's first access point (None without one)."""
    aps = getattr(air, "access_points", None)
    return str(aps[0].network.lease_for(instance)) if aps else None


def _load_faults(path: Path | None, seed: int) -> Any:
    if path is None:
        return None
    from sim.faults import FaultFileError, load_faults

    try:
        return load_faults(path, seed=seed)
    except FaultFileError as e:
        raise UsageError(str(e)) from e


async def run(args: argparse.Namespace) -> int:
    try:
        profile = load_profile(args.profile)
    except ProfileError as e:
        raise UsageError(str(e)) from e
    if args.instance < 0 or args.instance > 16383:
        raise UsageError(f"--instance {args.instance}: expected 0..16383")
    air = _load_air(args.air)
    faults = _load_faults(args.faults, args.seed)
    load_all()

    tmp: str | None = None
    state_dir: Path = args.state_dir
    if state_dir is None:
        # imported here: tempfile brings shutil, bz2, lzma and random (~0.6 MB resident, issue 23), and a
        # board a rig starts always has its --state-dir
        import tempfile

        tmp = tempfile.mkdtemp(prefix="esp-at-sim-")
        state_dir = Path(tmp)
    elif state_dir.exists() and not state_dir.is_dir():
        raise UsageError(f"--state-dir {state_dir}: not a directory")
    state_dir.mkdir(parents=True, exist_ok=True)

    logport = LogPort()
    board = Board(profile, state_dir, identity=Identity(args.instance, args.seed), faults=faults, air=air)
    board.attach_log(logport.write)
    uart = Uart(UartConfig(), rx_buffer=profile.uart.rx_buffer, log=board.log)
    if faults is not None:
        uart.slow_factor = faults.uart_slow_factor
    board.attach_output(lambda data, kind: uart.write(data))
    board.on_uart_change = uart.reconfigure
    board.on_input_resume = uart.kick_rx
    board.output_backlog = lambda: uart.tx_pending
    uart.rx_paused = lambda: board.input_paused

    def on_reset(held: bool) -> None:
        if held:
            board.hold_reset()
            uart.flush_tx()
            uart.discard_rx()
        else:
            board.spawn_detached(board.boot(reason="EN released"))

    def rom() -> RomLoader:
        # the ROM prints its download banner on UART0 (the log port) too
        for line in DOWNLOAD_BANNER:
            board.log(line)
        return RomLoader(board.spi_flash, mac=board.identity.sta_mac_bytes, log=board.log)

    serial_url = args.serial
    port: TcpPort | PtyPort
    if serial_url == "pty":
        port = PtyPort(uart, board.log)
    elif serial_url.startswith("socket://"):
        host, p = _host_port(serial_url, "--serial")
        port = TcpPort(uart, host, p, board.log)
    elif serial_url.startswith("rfc2217://"):
        host, p = _host_port(serial_url, "--serial")
        port = Rfc2217Port(
            uart, host, p, board.log, on_reset=on_reset, board_baud=lambda: board.uart.baudrate, rom=rom
        )
    else:
        raise UsageError(f"--serial {serial_url!r}: expected socket://HOST:PORT, pty or rfc2217://HOST:PORT")

    log_url = None
    if args.log_port:
        if not args.log_port.startswith("socket://"):
            raise UsageError(f"--log-port {args.log_port!r}: expected socket://HOST:PORT")
        log_url = await logport.serve(*_host_port(args.log_port, "--log-port"))

    flash_port = None
    if args.flash_port:
        if not args.flash_port.startswith("socket://"):
            raise UsageError(f"--flash-port {args.flash_port!r}: expected socket://HOST:PORT")
        host, p = _host_port(args.flash_port, "--flash-port")
        flash_port = FlashPort(host, p, board.log, on_reset=on_reset, rom=rom)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        url = await port.start()
    except OSError as e:
        raise UsageError(f"--serial {serial_url!r}: cannot listen: {e}") from e
    try:
        flash_url = await flash_port.start() if flash_port is not None else None
    except OSError as e:
        raise UsageError(f"--flash-port {args.flash_port!r}: cannot listen: {e}") from e
    uart.start(board.feed)
    print(
        json.dumps(
            {
                "event": "ready",
                "serial": url,
                "log": log_url,
                "flash": flash_url,
                "pid": os.getpid(),
                "instance": args.instance,
                "sta_mac": board.identity.sta_mac,
                "ap_mac": board.identity.ap_mac,
                "sta_ip": _sta_ip(air, args.instance),
                "ap_ip": str(default_ap_ipv4(args.instance).ip),
            }
        ),
        flush=True,
    )
    board.spawn_detached(board.boot())
    await stop.wait()
    board.hold_reset()
    await port.close()
    if flash_port is not None:
        await flash_port.close()
    await logport.close()
    await uart.stop()
    if tmp is not None:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(run(args))
    except UsageError as e:
        print(f"esp-at-sim: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
