"""The Wi-Fi group's glue to the board: one :class:`~sim.wifi.model.WifiModel` per boot, driven by a timer
task on the board's event loop, its URCs and log lines sent to the ports.

Other groups reach the Wi-Fi state through :func:`wifi_model`::

    from sim.commands.wifi_runtime import wifi_model
    sta = wifi_model(board).sta_ipv4        # Ipv4Config(ip, gateway, netmask); 0.0.0.0 when none
    ap = wifi_model(board).ap_ipv4          # the soft-AP's address (127.4.<instance>.1 by default)
    wifi_model(board).sta_has_ip, .sta_dns, .ap_running, .ap_stations
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sim.at import errors
from sim.at.errors import AtError
from sim.board import Board, on_boot
from sim.wifi.air import Air, load_air
from sim.wifi.model import WifiModel
from sim.wifi.outputs import Done, Log, Pending, Reply, Urc
from sim.wifi.store import NAMESPACE

if TYPE_CHECKING:
    from sim.at.context import CommandContext


class WifiRuntime:
    """Per-boot holder (``board.runtime(WifiRuntime)``): the model, the driver task, the waiting command."""

    def __init__(self) -> None:
        self.model: WifiModel | None = None
        self.wake = asyncio.Event()
        self.waiting: asyncio.Future[Done] | None = None
        self.started = False


def _air_of(board: Board) -> Air:
    air = board.air
    if air is None:
        return Air()
    if isinstance(air, Air):
        return air
    if isinstance(air, str | Path):
        return load_air(air)
    raise TypeError(f"board.air: expected sim.wifi.air.Air, a path or None, got {type(air).__name__}")


def _ipv6_enabled(board: Board) -> bool:
    # AT+CIPV6 belongs to the TCP/IP group, which keeps it as board.cipv6 (absent: IPv6 off).
    return bool(getattr(board, "cipv6", False))


@on_boot
def _create(board: Board) -> None:
    rt = board.runtime(WifiRuntime)
    ident = board.identity
    rt.model = WifiModel(
        _air_of(board),
        board.nvs.namespace(NAMESPACE),
        instance=ident.instance,
        seed=getattr(ident, "seed", None),
        factory_macs=(ident.sta_mac_bytes, ident.ap_mac_bytes),
        sysstore=lambda: board.at.sysstore,
        ipv6_enabled=lambda: _ipv6_enabled(board),
    )
    board.wifi_mode = rt.model.settings.mode
    # Interfaces come up (and auto-connect reports WIFI CONNECTED) after "ready", as on a real board.
    board.events.on("ready", lambda **_: _start(board))


def _start(board: Board) -> None:
    rt = board.runtime(WifiRuntime)
    if rt.started or rt.model is None:
        return
    rt.started = True
    rt.model.boot(time.monotonic())
    board.spawn(_drive(board, rt))


async def _drive(board: Board, rt: WifiRuntime) -> None:
    """Fire the model's timers when due; woken early whenever a command changed the model."""
    assert rt.model is not None
    while True:
        dispatch(board)
        due = rt.model.next_due()
        rt.wake.clear()
        timeout = None if due is None else max(0.0, due - time.monotonic())
        try:
            await asyncio.wait_for(rt.wake.wait(), timeout)
        except TimeoutError:
            pass


def dispatch(board: Board) -> None:
    """Hand what the model produced to the ports, in order; a Done completes the waiting command."""
    rt = board.runtime(WifiRuntime)
    if rt.model is None:
        return
    for item in rt.model.poll(time.monotonic()):
        if isinstance(item, Urc):
            board.urc(item.text)
            if item.text == "WIFI GOT IP":
                # other groups act on the station's address (BluFi reports the connection to its phone)
                board.events.emit("sta_got_ip")
        elif isinstance(item, Log):
            board.log(item.text)
        elif rt.waiting is not None and not rt.waiting.done():
            rt.waiting.set_result(item)
    board.wifi_mode = rt.model.settings.mode
    rt.wake.set()


def wifi_model(board: Board) -> WifiModel:
    """This boot's Wi-Fi model (the addresses and state other command groups need)."""
    model = board.runtime(WifiRuntime).model
    if model is None:
        raise RuntimeError("the Wi-Fi group has not booted on this board")
    return model


def model_for(ctx: CommandContext, *, needs_init: bool = True) -> WifiModel:
    """The model for a handler; ERROR while AT+CWINIT=0 has the Wi-Fi driver off (3.2.2)."""
    model = wifi_model(ctx.board)
    if needs_init and not model.initialized:
        raise AtError(errors.exec_fail(), "the Wi-Fi driver is deinitialized (AT+CWINIT=0)")
    return model


def now() -> float:
    return time.monotonic()


async def answer(ctx: CommandContext, reply: Reply) -> None:
    """Send the URCs the operation raised, then its response (waiting for it if it is Pending)."""
    rt = ctx.board.runtime(WifiRuntime)
    if isinstance(reply, Pending):
        rt.waiting = asyncio.get_running_loop().create_future()
        dispatch(ctx.board)
        done = await rt.waiting
        rt.waiting = None
    else:
        dispatch(ctx.board)
        done = reply
    for line in done.lines:
        ctx.reply(line)
    if not done.ok:
        raise AtError(done.err_code if done.err_code is not None else errors.exec_fail(), "refused")
