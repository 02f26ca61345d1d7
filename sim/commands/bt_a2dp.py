"""3.5.11-3.5.15 Classic Bluetooth A2DP: AT+BTA2DPINIT, AT+BTA2DPCONN, AT+BTA2DPDISCONN, AT+BTA2DPSRC,
AT+BTA2DPCTRL, and the +BTA2DPCONN / +BTA2DPDISCONN reports (4.10.5).

AVDTP over bumble on the board's Classic stack (sim/radio/a2dp.py). One connection, index 0 (3.5.12:
"Only 0 is supported").

- Roles (3.5.11 <role>): 1 source, 2 sink; the profile offers its SDP record and accepts a peer of the
  other role at once (4.10.5: the phone, a source, connects to the board's sink). Another role needs
  AT+BTA2DPINIT=0 first (the simulator's reading, as AT+BTSPPINIT).
- AT+BTA2DPCONN=0,<addr>: OK, then ``+BTA2DPCONN:0,"<addr>"`` when the stream is open, or
  ``+BTA2DPCONN:0,-1`` (3.5.12 prints OK first and the outcome as a prompt afterwards). A peer's connection
  is reported the same way. AT+BTA2DPCONN? answers OK alone when nothing is connected (3.5.12: "AT will
  NOT return the parameter").
- AT+BTA2DPDISCONN=0: ``+BTA2DPDISCONN:0,"<addr>"`` then OK, as 3.5.13's block (4.10.5's transcript
  prints them the other way round; spec/corrections.yaml 4.10.5-a2dpdisconn-order). A peer ending the link:
  the report alone.
- AT+BTA2DPSRC=0,<url> (source only): ``flash://spiffs/<file>`` or ``flash://fatfs/<file>`` (the board's
  file system, 3.8 AT+FS: one FAT in the simulator), ``http://`` or ``https://`` (fetched when play
  starts, through the station as AT+HTTPCLIENT); only ``.mp3`` (3.5.14 note). AT+BTA2DPSRC? answers
  ``+BTA2DPSRC:"<url>","mp3"``, or OK alone before any was set.
- AT+BTA2DPCTRL=0,<ctrl> needs a connection. Source: 1 start (AVDTP START; the file from the start, or
  from where 2 suspended it), 2 suspend (AVDTP SUSPEND, the position kept), 0 stop (SUSPEND, the position
  back to the start). Sink: 1 start, 0 stop (the sink's START / SUSPEND); 2-5 (forward, backward, fast
  forward start / stop) are AVRCP commands, not modelled: OK with the stream as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.bt import POWER_OFF_HOOKS, require_init
from sim.radio.a2dp import SINK, SOURCE, A2dpProfile

BTA2DPINIT = command("AT+BTA2DPINIT", section="3.5.11")
BTA2DPCONN = command("AT+BTA2DPCONN", section="3.5.12")
BTA2DPDISCONN = command("AT+BTA2DPDISCONN", section="3.5.13")
BTA2DPSRC = command("AT+BTA2DPSRC", section="3.5.14")
BTA2DPCTRL = command("AT+BTA2DPCTRL", section="3.5.15")

#: How long a connection attempt may take (page, SDP, AVDTP discover, configure, open) before the -1 report.
CONNECT_TIMEOUT_S = 15.0
#: The URL's length bound (3.5.14 states none; the simulator's, as AT+HTTPCLIENT's 8192 would be absurd).
URL_MAX = 256
#: 3.5.14 note: "Only mp3 format is currently supported."
AUDIO_TYPES = {".mp3": "mp3"}
#: flash:// volumes the board's file system answers to (the guide's example names spiffs; the simulated
#: board's one file system is 3.8's FAT)
FLASH_VOLUMES = ("spiffs", "fatfs")
#: 3.5.15 <ctrl>
CTRL_STOP, CTRL_START, CTRL_SUSPEND = 0, 1, 2
SINK_CTRL_MAX = 5


@dataclass
class A2dpState:
    role: int = 0
    profile: A2dpProfile | None = None
    url: str | None = None
    #: the source's audio as last read (the file is read again after a stop or a new URL)
    audio: bytes | None = None
    connecting: bool = False


def a2dp(board: Board) -> A2dpState:
    return board.runtime(A2dpState)


def _reset(board: Board) -> None:
    state = a2dp(board)
    if state.profile is not None:
        state.profile.forget()
    board.runtime(A2dpState).__init__()  # type: ignore[misc]


POWER_OFF_HOOKS.append(_reset)


def _require_role(ctx: CommandContext) -> A2dpState:
    require_init(ctx)
    state = a2dp(ctx.board)
    if state.profile is None:
        raise ctx.fail(errors.exec_fail(), "A2DP is not initialized (AT+BTA2DPINIT first)")
    return state


def _connected(ctx: CommandContext) -> A2dpProfile:
    state = _require_role(ctx)
    profile = state.profile
    assert profile is not None
    if profile.address is None:
        raise ctx.fail(errors.exec_fail(), "no A2DP connection")
    return profile


def _conn_index(ctx: CommandContext) -> None:
    ctx.args.int(0, 0, 0)


@BTA2DPINIT.query
async def bta2dpinit_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply(f"+BTA2DPINIT:{a2dp(ctx.board).role}")


@BTA2DPINIT.set
async def bta2dpinit_set(ctx: CommandContext) -> None:
    radio = require_init(ctx)
    ctx.args.count(1, 1)
    role = ctx.args.int(0, 0, 2)
    state = a2dp(ctx.board)
    if role == 0:
        profile = state.profile
        _reset(ctx.board)
        if profile is not None:
            await profile.disconnect()
        return
    if state.role == role:
        return
    if state.role:
        raise ctx.fail(
            errors.exec_fail(), f"A2DP already initialized as role {state.role} (AT+BTA2DPINIT=0 first)"
        )
    board = ctx.board

    def connected(address: str) -> None:
        board.urc(f'+BTA2DPCONN:0,"{address}"')

    def disconnected(address: str) -> None:
        board.urc(f'+BTA2DPDISCONN:0,"{address}"')

    profile = A2dpProfile(radio, role, connected, disconnected)
    profile.listen()
    state.role, state.profile = role, profile


@BTA2DPCONN.query
async def bta2dpconn_query(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    address = state.profile.address if state.profile is not None else None
    if address is not None:
        ctx.reply(f'+BTA2DPCONN:0,"{address}"')


@BTA2DPCONN.set
async def bta2dpconn_set(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    ctx.args.count(2, 2)
    _conn_index(ctx)
    address = ctx.args.str(1, max_len=17).lower()
    if len(address.split(":")) != 6 or not all(len(b) == 2 for b in address.split(":")):
        raise ctx.fail(errors.para_invalid(1), f"{address!r} is not a Bluetooth address")
    profile = state.profile
    assert profile is not None
    if profile.address is not None or state.connecting:
        raise ctx.fail(errors.exec_fail(), "A2DP connection 0 is already in use")
    state.connecting = True
    board = ctx.board

    async def attempt() -> None:
        try:
            await profile.connect(address, CONNECT_TIMEOUT_S)
        except ConnectionError as exc:
            board.log(f"bt: {exc}")
            board.urc("+BTA2DPCONN:0,-1")
        finally:
            state.connecting = False

    # 3.5.12: OK now, the outcome as a report when the stream is open (or failed)
    board.spawn(attempt())


@BTA2DPDISCONN.set
async def bta2dpdisconn_set(ctx: CommandContext) -> None:
    _require_role(ctx)
    ctx.args.count(1, 1)
    _conn_index(ctx)
    profile = _connected(ctx)
    address = await profile.disconnect()
    ctx.reply(f'+BTA2DPDISCONN:0,"{address}"')


def _audio_type(url: str) -> str | None:
    return AUDIO_TYPES.get(Path(urlsplit(url).path).suffix.lower())


@BTA2DPSRC.query
async def bta2dpsrc_query(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    if state.url is not None:
        ctx.reply(f'+BTA2DPSRC:"{state.url}","{_audio_type(state.url)}"')


@BTA2DPSRC.set
async def bta2dpsrc_set(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    ctx.args.count(2, 2)
    _conn_index(ctx)
    url = ctx.args.str(1, max_len=URL_MAX, min_len=1)
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "flash"):
        raise ctx.fail(errors.para_invalid(1), f"{url!r}: 3.5.14 supports HTTP, HTTPS and FLASH")
    if _audio_type(url) is None:
        raise ctx.fail(errors.para_invalid(1), f"{url!r}: only mp3 is supported (3.5.14 note)")
    if state.role != SOURCE:
        raise ctx.fail(errors.exec_fail(), "the audio file is the source's (AT+BTA2DPINIT=1)")
    state.url, state.audio = url, None
    profile = state.profile
    assert profile is not None
    profile.pump.data, profile.pump.offset = b"", 0


async def _read_audio(ctx: CommandContext, url: str) -> bytes:
    """The file the URL names: the board's file system (flash://<volume>/<name>) or an HTTP(S) GET."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "flash":
        name = parts.path.lstrip("/")
        if parts.netloc not in FLASH_VOLUMES or not name or "/" in name:
            raise ctx.fail(errors.exec_fail(), f"{url!r}: no such file on the board's file system")
        path = ctx.board.state_dir / "fatfs" / name
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ctx.fail(errors.exec_fail(), f"{url!r}: {exc}") from None
    from sim.commands.http_fetch import HttpFailed, Request, fetch
    from sim.net.http_wire import HttpWireError, parse_url

    body = bytearray()

    async def on_head(_head: object) -> None:
        return None

    async def on_data(data: bytes) -> None:
        body.extend(data)

    try:
        request = Request("GET", parse_url(url), [])
        await fetch(ctx.board, request, timeout=10.0, follow_redirects=True, on_head=on_head, on_data=on_data)
    except (HttpFailed, HttpWireError, OSError) as exc:
        raise ctx.fail(errors.exec_fail(), f"{url!r}: {exc}") from None
    return bytes(body)


@BTA2DPCTRL.set
async def bta2dpctrl_set(ctx: CommandContext) -> None:
    state = _require_role(ctx)
    ctx.args.count(2, 2)
    _conn_index(ctx)
    ctrl = ctx.args.int(1, 0, SINK_CTRL_MAX if state.role == SINK else CTRL_SUSPEND)
    profile = _connected(ctx)
    if state.role == SINK:
        if ctrl == CTRL_START:
            await profile.start()
        elif ctrl == CTRL_STOP:
            await profile.suspend()
        return  # 2-5: AVRCP, not modelled
    if ctrl == CTRL_START:
        if state.url is None:
            raise ctx.fail(errors.exec_fail(), "no audio file (AT+BTA2DPSRC first)")
        if state.audio is None:
            state.audio = await _read_audio(ctx, state.url)
            profile.pump.data, profile.pump.offset = state.audio, 0
        await profile.start()
        return
    await profile.suspend()
    if ctrl == CTRL_STOP:
        profile.pump.offset = 0
