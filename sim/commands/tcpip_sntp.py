"""3.3.20-3.3.22 SNTP: AT+CIPSNTPCFG, AT+CIPSNTPTIME, AT+CIPSNTPINTV, and the +TIME_UPDATED report (3.17).

While SNTP is enabled a background task asks the configured servers (names resolved through the board's
DNS, :mod:`sim.commands.tcpip_dns`) with real NTP client packets sent from the station's address to the
air file's ``services.sntp_port``; an answer sets the board's clock (:class:`sim.net.ntp.RtcClock`). The
first sync after AT+CIPSNTPCFG reports ``+TIME_UPDATED``; later resyncs, every AT+CIPSNTPINTV seconds,
move the clock silently (3.17 says the report follows the set command or a power-on).

Nothing here is saved to flash (none of these commands is in the AT+SYSSTORE list); the clock itself
survives a software restart (3.3.21, ESP32 keeps it in the RTC domain) but not a power cycle (a new
process).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import weakref
from dataclasses import dataclass, field

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.commands.tcpip_dns import has_network, resolve_for, services, sta_address
from sim.net.ntp import (
    NtpError,
    RtcClock,
    Timezone,
    TimezoneError,
    asctime,
    build_request,
    offset_from_reply,
    parse_reply,
    parse_timezone,
    to_ntp,
)
from sim.net.resolver import Network, ResolveError, reachable

SNTPCFG = command("AT+CIPSNTPCFG", section="3.3.20")
SNTPTIME = command("AT+CIPSNTPTIME", section="3.3.21")
SNTPINTV = command("AT+CIPSNTPINTV", section="3.3.22")

#: 3.3.20 note: used when AT+CIPSNTPCFG names no server.
DEFAULT_SERVERS = ("cn.ntp.org.cn", "ntp.sjtu.edu.cn", "us.pool.ntp.org")
SERVER_NAME_MAX = 64
#: 3.3.22 range; the default is ESP-IDF's CONFIG_LWIP_SNTP_UPDATE_DELAY (one hour).
INTERVAL_MIN, INTERVAL_MAX, INTERVAL_DEFAULT = 15, 4294967, 3600
#: lwIP SNTP: SNTP_RECV_TIMEOUT per request, SNTP_RETRY_TIMEOUT before asking again after a failure.
RECV_TIMEOUT_S = 3.0
RETRY_S = 15.0
DNS_TIMEOUT_S = 5.0
NETWORK_POLL_S = 0.2

_clocks: weakref.WeakKeyDictionary[Board, RtcClock] = weakref.WeakKeyDictionary()


def board_clock(board: Board) -> RtcClock:
    """The board's RTC wall clock: one per process (power cycle), kept across AT+RST and deep-sleep."""
    clock = _clocks.get(board)
    if clock is None:
        clock = _clocks[board] = RtcClock()
    return clock


@on_boot
def _power_on_clock(board: Board) -> None:
    """The RTC starts counting from the epoch at power-on (the first boot of this process)."""
    board_clock(board)


@dataclass
class SntpState:
    """AT+CIPSNTPCFG / AT+CIPSNTPINTV settings of this boot, and the running client."""

    enabled: bool = False
    timezone: Timezone = field(default_factory=lambda: Timezone(0))
    servers: tuple[str, ...] = DEFAULT_SERVERS
    interval: int = INTERVAL_DEFAULT
    task: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def _state(board: Board) -> SntpState:
    return board.runtime(SntpState)


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.queue.put_nowait(data)


async def query_server(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int, local: str | None, clock: RtcClock
) -> float | None:
    """Ask one server; the Unix time it gave (corrected for the round trip), None when it did not answer."""
    if not reachable(address):
        await asyncio.sleep(RECV_TIMEOUT_S)  # no route beyond this host: the request is lost
        return None
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    bind = (local, 0) if local and family == socket.AF_INET else None
    try:
        transport, inbox = await loop.create_datagram_endpoint(_Inbox, local_addr=bind, family=family)
    except OSError:
        transport, inbox = await loop.create_datagram_endpoint(_Inbox, family=family)
    try:
        sent_at = clock.now()
        stamp = to_ntp(sent_at)
        transport.sendto(build_request(sent_at), (str(address), port))
        end = loop.time() + RECV_TIMEOUT_S
        while (left := end - loop.time()) > 0:
            try:
                data = await asyncio.wait_for(inbox.queue.get(), left)
            except TimeoutError:
                return None
            try:
                reply = parse_reply(data, stamp)
            except NtpError:
                continue
            return offset_from_reply(reply, sent_at, clock.now())
        return None
    except OSError:
        return None
    finally:
        transport.close()


async def _sync_once(board: Board, st: SntpState) -> float | None:
    for name in st.servers:
        try:
            address = await resolve_for(board, name, Network.PREFER_IPV4, DNS_TIMEOUT_S)
        except ResolveError as exc:
            board.log(f"at-sntp: {exc}")
            continue
        unix = await query_server(address, services(board).sntp_port, sta_address(board), board_clock(board))
        if unix is not None:
            return unix
        board.log(f"at-sntp: no answer from {name} ({address})")
    return None


async def _client(board: Board, st: SntpState) -> None:
    """Sync until disabled: report the first success after AT+CIPSNTPCFG, then resync every interval."""
    reported = False
    while st.enabled:
        if not has_network(board):
            await asyncio.sleep(NETWORK_POLL_S)
            continue
        unix = await _sync_once(board, st)
        if unix is not None:
            board_clock(board).set(unix)
            board.log(f"at-sntp: time set to {unix:.3f}")
            if not reported:
                reported = True
                board.urc("+TIME_UPDATED")
        await _wait_next(st, RETRY_S if unix is None else None)


async def _wait_next(st: SntpState, retry: float | None) -> None:
    """Sleep until the next sync: ``retry`` seconds, or the interval (re-read when AT+CIPSNTPINTV sets it)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        left = start + (retry if retry is not None else st.interval) - loop.time()
        if left <= 0:
            return
        st.wake.clear()
        try:
            await asyncio.wait_for(st.wake.wait(), left)
        except TimeoutError:
            return


def _restart_client(board: Board, st: SntpState) -> None:
    if st.task is not None:
        st.task.cancel()
        st.task = None
    if st.enabled:
        st.task = board.spawn(_client(board, st))


# ----------------------------------------------------------------------------------- AT+CIPSNTPCFG


@SNTPCFG.query
async def sntpcfg_query(ctx: CommandContext) -> None:
    st = _state(ctx.board)
    servers = "".join(f',"{s}"' for s in st.servers)
    ctx.reply(f"+CIPSNTPCFG:{int(st.enabled)},{st.timezone.reported}{servers}")


@SNTPCFG.set
async def sntpcfg_set(ctx: CommandContext) -> None:
    n = ctx.args.count(1, 5)
    enable = ctx.args.int(0, 0, 1)
    tz_value = ctx.args.int(1, default=0)
    try:
        timezone = parse_timezone(tz_value)
    except TimezoneError as exc:
        raise AtError(errors.para_invalid(1), str(exc)) from None
    servers: list[str] = []
    for i in range(2, n):
        if ctx.args.omitted(i):
            continue
        servers.append(ctx.args.str(i, min_len=1, max_len=SERVER_NAME_MAX))
    st = _state(ctx.board)
    st.enabled = bool(enable)
    st.timezone = timezone
    st.servers = tuple(servers) or DEFAULT_SERVERS
    _restart_client(ctx.board, st)


# ---------------------------------------------------------------------------------- AT+CIPSNTPTIME


@SNTPTIME.query
async def sntptime_query(ctx: CommandContext) -> None:
    st = _state(ctx.board)
    ctx.reply(f"+CIPSNTPTIME:{asctime(board_clock(ctx.board).now(), st.timezone)}")
    ctx.ok_after_line()


# ---------------------------------------------------------------------------------- AT+CIPSNTPINTV


@SNTPINTV.query
async def sntpintv_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPSNTPINTV:{_state(ctx.board).interval}")


@SNTPINTV.set
async def sntpintv_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    st = _state(ctx.board)
    st.interval = ctx.args.int(0, INTERVAL_MIN, INTERVAL_MAX)
    st.wake.set()  # a waiting client re-reads the interval (counted from its last sync)
