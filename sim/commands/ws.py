"""3.9 WebSocket AT commands: AT+WSCFG, AT+WSHEAD, AT+WSOPEN, AT+WSSEND, AT+WSCLOSE (client links 0..2).

A link is a real WebSocket client connection (the ``websockets`` library over loopback; ``wss://`` with the
board's PKI: ``wss_ca`` / ``wss_cert`` / ``wss_key`` in mfg_nvs, index 0 falling back to the factory PKI).
Frames AT+WSSEND sends are written as the board builds them, masked, with the ``<opcode>`` as given (3.9.5:
any of 0x0..0xF, reserved ones included), so the library's own state machine never rewrites them.
Received text and binary messages are reported as ``+WS_DATA:<link_id>,<data_len>,<data>``; a close
handshake as ``+WS_CLOSED:<link_id>``, a connection lost without one as ``+WS_DISCONNECTED:<link_id>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board
from sim.commands.tcpip_pki import factory_pem
from sim.output import Kind

# websockets is imported by the commands that open a link: a board that never does, does not carry it
# (issue 23: a few MB of every simulated board's memory).
if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

WSCFG = command("AT+WSCFG", section="3.9.2")
WSHEAD = command("AT+WSHEAD", section="3.9.3")
WSOPEN = command("AT+WSOPEN", section="3.9.4")
WSSEND = command("AT+WSSEND", section="3.9.5")
WSCLOSE = command("AT+WSCLOSE", section="3.9.6")

LINKS = 3  # 3.9.2 <link_id>: [0,2]
HEADER_MAX = 8192  # the board's line buffer for one header (the guide sets no bound)
# 3.9.4 <state>
CLOSED, RECONNECTING, ESTABLISHED, PONG_TIMEOUT, CLOSING = range(5)


@dataclass
class WsLink:
    ping_intv: int = 10  # 3.9.2 defaults
    ping_timeout: int = 120
    buffer_size: int = 1024
    auth_mode: int = 0
    pki: int = 0
    ca: int = 0
    uri: str = ""
    state: int = CLOSED
    ws: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None


@dataclass
class WsRuntime:
    """Per-boot state: settings and links are not saved (3.9 has no save policy)."""

    links: list[WsLink] = field(default_factory=lambda: [WsLink() for _ in range(LINKS)])
    headers: list[str] = field(default_factory=list)


def _rt(board: Board) -> WsRuntime:
    return board.runtime(WsRuntime)


def _pem(board: Board, namespace: str, index: int) -> Path | None:
    value = board.mfg.get(namespace, f"{namespace}.{index}")
    data = value.as_bytes() if value is not None else None
    if data is None and index == 0:
        data = factory_pem(board, namespace.replace("wss_", "client_"))
    if data is None:
        return None
    path = board.state_dir / "tls" / f"{namespace}.{index}.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _tls(board: Board, lk: WsLink) -> ssl.SSLContext:
    """3.9.2 <auth_mode>: 1 the client presents its certificate, 2 it verifies the server, 3 both."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if lk.auth_mode in (2, 3):
        ca = _pem(board, "wss_ca", lk.ca)
        if ca is None:
            raise OSError(f"no wss_ca.{lk.ca}")
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(ca)
    if lk.auth_mode in (1, 3):
        cert, key = _pem(board, "wss_cert", lk.pki), _pem(board, "wss_key", lk.pki)
        if cert is None or key is None:
            raise OSError(f"no wss_cert.{lk.pki} / wss_key.{lk.pki}")
        ctx.load_cert_chain(cert, key)
    return ctx


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame (RFC 6455 5.2) with any 4-bit opcode."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _link_id(ctx: CommandContext) -> WsLink:
    return _rt(ctx.board).links[ctx.args.int(0, 0, LINKS - 1)]


async def _read(board: Board, link_id: int, lk: WsLink, ws: ClientConnection) -> None:
    from websockets.exceptions import ConnectionClosed, WebSocketException

    try:
        async for message in ws:
            data = message.encode("utf-8") if isinstance(message, str) else message
            board.emit(b"+WS_DATA:%d,%d," % (link_id, len(data)) + data + b"\r\n", Kind.URC)
    except (ConnectionClosed, WebSocketException, OSError):
        pass
    if lk.ws is not ws:
        return  # AT+WSCLOSE took the link and reports it
    clean = ws.protocol.close_rcvd is not None and ws.protocol.close_sent is not None
    lk.ws, lk.state, lk.reader = None, CLOSED, None
    board.urc(f"+WS_CLOSED:{link_id}" if clean else f"+WS_DISCONNECTED:{link_id}")


@WSCFG.set
async def wscfg_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(3, 7)
    lk = _link_id(ctx)
    ping_intv = a.int(1, 1, 7200)
    ping_timeout = a.int(2, 1, 7200)
    buffer_size = a.int(3, 1, 8192, default=1024)
    auth_mode = a.int(4, 0, 3, default=0)
    if auth_mode and len(a) < 7:
        a.count(7)
    pki = a.int(5, 0, 255, default=0)
    ca = a.int(6, 0, 255, default=0)
    lk.ping_intv, lk.ping_timeout, lk.buffer_size = ping_intv, ping_timeout, buffer_size
    lk.auth_mode, lk.pki, lk.ca = auth_mode, pki, ca


@WSHEAD.query
async def wshead_query(ctx: CommandContext) -> None:
    for index, line in enumerate(_rt(ctx.board).headers):
        ctx.reply(f'+WSHEAD:{index},"{line}"')


@WSHEAD.set
async def wshead_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    length = ctx.args.int(0, 0, HEADER_MAX)
    rt = _rt(ctx.board)
    if length == 0:
        rt.headers.clear()
        return
    ctx.ok()
    data = await ctx.prompt_and_read(length)
    line = data.decode("utf-8", errors="surrogateescape").strip() if data is not None else ""
    if ":" not in line:
        ctx.board.log(f"at-ws: request header {line!r} is not key: value")
        ctx.error()
        return
    rt.headers.append(line)
    ctx.ok()


@WSOPEN.query
async def wsopen_query(ctx: CommandContext) -> None:
    for link_id, lk in enumerate(_rt(ctx.board).links):
        if lk.ws is not None:
            ctx.reply(f'+WSOPEN:{link_id},{lk.state},"{lk.uri}"')


@WSOPEN.set
async def wsopen_set(ctx: CommandContext) -> None:
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import WebSocketException

    a = ctx.args
    a.count(2, 5)
    link_id = a.int(0, 0, LINKS - 1)
    uri = a.str(1, min_len=1)
    subprotocol = a.str(2, default="")
    timeout_ms = a.int(3, 0, 180000, default=15000)
    auth = a.str(4, default="")
    lk = _rt(ctx.board).links[link_id]
    if lk.ws is not None:
        raise ctx.fail(errors.exec_fail(), f"link {link_id} is open")
    if not (uri.startswith("ws://") or uri.startswith("wss://")):
        raise ctx.fail(errors.para_invalid(1), f"{uri!r} is not a ws:// or wss:// URI")
    headers = [tuple(h.split(":", 1)) for h in _rt(ctx.board).headers]
    if auth:
        headers.append(("Authorization", auth))
    try:
        tls = _tls(ctx.board, lk) if uri.startswith("wss://") else None
        ws = await asyncio.wait_for(
            ws_connect(
                uri,
                ssl=tls,
                subprotocols=[subprotocol] if subprotocol else None,  # type: ignore[list-item]
                additional_headers=[(k.strip(), v.strip()) for k, v in headers],
                ping_interval=None,
                max_size=None,
                compression=None,
                open_timeout=None,
            ),
            timeout_ms / 1000 or None,
        )
    except (OSError, ssl.SSLError, TimeoutError, WebSocketException, ValueError) as exc:
        raise ctx.fail(errors.exec_fail(), f"open {uri}: {exc!r}") from None
    lk.ws, lk.uri, lk.state = ws, uri, ESTABLISHED
    lk.reader = ctx.board.spawn(_read(ctx.board, link_id, lk, ws))
    ctx.reply(f"+WS_CONNECTED:{link_id}")


@WSSEND.set
async def wssend_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(2, 4)
    link_id = a.int(0, 0, LINKS - 1)
    lk = _rt(ctx.board).links[link_id]
    # 3.9.5 <length>: at most <buffer_size> of AT+WSCFG less 10
    length = a.int(1, 0, max(lk.buffer_size - 10, 0))
    opcode = a.int(2, 0, 0xF, default=1)
    a.int(3, 0, 60000, default=10000)  # 3.9.5 <timeout_ms>: a loopback write never waits that long
    ws = lk.ws
    if ws is None:
        raise ctx.fail(errors.exec_fail(), f"link {link_id} is not open")
    ctx.ok()
    data = await ctx.prompt_and_read(length)
    if data is None or lk.ws is not ws:
        ctx.error()
        return
    try:
        if ws.transport.is_closing():
            raise OSError("connection closed")
        ws.transport.write(frame(opcode, data))
        await asyncio.sleep(0)
    except OSError as exc:
        ctx.board.log(f"at-ws: send on link {link_id}: {exc!r}")
        ctx.error()
        return
    ctx.final("SEND OK")


@WSCLOSE.set
async def wsclose_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    link_id = ctx.args.int(0, 0, LINKS - 1)
    lk = _rt(ctx.board).links[link_id]
    ws = lk.ws
    if ws is None:
        raise ctx.fail(errors.exec_fail(), f"link {link_id} is not open")
    lk.ws, lk.state = None, CLOSED
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ws.close(), 5)
    if lk.reader is not None:
        lk.reader.cancel()
        lk.reader = None
    ctx.urc(f"+WS_CLOSED:{link_id}")
