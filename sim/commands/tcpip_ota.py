"""3.3.23 AT+CIPFWVER and 3.3.24 AT+CIUPDATE: firmware over the air from the OTA server.

The real firmware talks to iot.espressif.cn; the sim talks to the air file's ``services.ota`` server
(``url`` for ``<ota mode>`` 0, ``ssl_url`` for 1, ``token`` in the ``Authorization: token`` header) with the
same two requests (How_to_implement_OTA_update; servers/ota.py serves them). Without ``services.ota`` the
board looks up iot.espressif.cn through its DNS and, having no route to the Internet, fails.

An app image (``ota``) goes to the other app slot, ``<state-dir>/ota/app.bin`` with ``otadata.json``; after
the restart, an image that declares a version in the sim header (:mod:`sim.net.ota_image`) changes what
AT+GMR reports. Other names update the user partition of that name (AT+SYSFLASH's table). A blocking
``ota`` upgrade restarts the board after OK (as the firmware does); a non-blocking one waits for AT+RST.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.commands.tcpip_dns import has_network, resolve_for, services, sta_address
from sim.flash import FlashError, read_json, write_json_atomic
from sim.net.ota_image import (
    HttpResponse,
    OtaImageError,
    check_magic,
    declared_version,
    parse_http_response,
    rom_version,
)
from sim.net.resolver import Network, ResolveError
from sim.profile import Profile

CIPFWVER = command("AT+CIPFWVER", section="3.3.23")
CIUPDATE = command("AT+CIUPDATE", section="3.3.24")

ESPRESSIF_SERVER = "http://iot.espressif.cn"
#: 3.3.24 note: the whole OTA process times out after 3 minutes.
OTA_TIMEOUT_S = 180.0
DNS_TIMEOUT_S = 10.0
VERSION_MAX = FIRMWARE_NAME_MAX = 64
STATE_IDLE, STATE_FOUND, STATE_CONNECTED, STATE_GOT_VERSION, STATE_DONE, STATE_FAILED = 0, 1, 2, 3, 4, -1

#: Where a reached +CIPUPDATE state goes: an information line (blocking) or a report (non-blocking).
Report = Callable[[int], None]


class OtaFailed(Exception):
    """The upgrade stopped; the message says where (logged on the log port)."""


@dataclass
class OtaRuntime:
    state: int = STATE_IDLE
    running: bool = False


def _runtime(board: Board) -> OtaRuntime:
    return board.runtime(OtaRuntime)


# ------------------------------------------------------------------------------ the running image


@on_boot
def _boot_image(board: Board) -> None:
    """Boot the image in the OTA slot when one was installed: its declared version is what AT+GMR says."""
    factory = board.factory_profile  # the app in flash (sim/firmware.py): an OTA upgrade starts from it
    board.profile = factory
    otadata = board.state_dir / "ota" / "otadata.json"
    if not otadata.exists():
        return
    try:
        version = read_json(otadata).get("version")
    except (FlashError, AttributeError):
        return
    if isinstance(version, str) and version:
        board.profile = _profile_with_version(factory, version)


def _profile_with_version(profile: Profile, version: str) -> Profile:
    gmr = profile.gmr
    at_info = gmr.at_version_info.replace(profile.at_version, version.removeprefix("v"), 1)
    new_gmr = replace(gmr, bin_version=version, at_version_info=at_info)
    return replace(profile, gmr=new_gmr, at_version=version.removeprefix("v"))


def install_image(board: Board, name: str, image: bytes) -> None:
    """Write an upgrade: the app into the OTA slot (booted at the next restart), or a user partition."""
    if name == "ota":
        root = board.state_dir / "ota"
        root.mkdir(parents=True, exist_ok=True)
        (root / "app.bin").write_bytes(image)
        write_json_atomic(
            root / "otadata.json",
            {
                "version": declared_version(image),
                "size": len(image),
                "sha256": hashlib.sha256(image).hexdigest(),
            },
        )
        return
    part = board.partitions.find(name)
    if part is None:
        raise OtaFailed(f"no partition called {name!r} in at_customize.csv")
    if len(image) > part.size:
        raise OtaFailed(f"{name}: a {len(image)}-byte image does not fit in 0x{part.size:x} bytes")
    board.partitions.erase(part, 0, part.size)
    board.partitions.write(part, 0, image)


# ------------------------------------------------------------------------------------ HTTP client


@dataclass(frozen=True)
class OtaServer:
    scheme: str
    host: str
    port: int
    token: str


def _server(board: Board, ota_mode: int) -> OtaServer:
    cfg = services(board).ota
    url = ESPRESSIF_SERVER if cfg is None else (cfg.url if ota_mode == 0 else cfg.ssl_url)
    if url is None:
        raise OtaFailed("the air file's services.ota has no ssl_url for <ota mode> 1")
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    return OtaServer(parts.scheme, parts.hostname or "", parts.port or default_port, cfg.token if cfg else "")


async def _get(board: Board, server: OtaServer, address: str, path: str) -> HttpResponse:
    context = None
    if server.scheme == "https":
        # The firmware's OTA-over-SSL connects without verifying the server (an empty esp_tls config).
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    local = sta_address(board)
    try:
        reader, writer = await asyncio.open_connection(
            address,
            server.port,
            ssl=context,
            server_hostname=server.host if context else None,
            local_addr=(local, 0) if local and ":" not in address else None,
        )
    except OSError as exc:
        raise OtaFailed(f"cannot connect to {address}:{server.port}: {exc}") from None
    try:
        writer.write(
            (
                f"GET {path} HTTP/1.0\r\nHost: {address}:{server.port}\r\nAccept: */*\r\n"
                f"Authorization: token {server.token}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        data = await reader.read()
    except OSError as exc:
        raise OtaFailed(f"{path}: {exc}") from None
    finally:
        writer.close()
    try:
        return parse_http_response(data)
    except OtaImageError as exc:
        raise OtaFailed(f"{path}: {exc}") from None


async def _find_server(board: Board, ota_mode: int) -> tuple[OtaServer, str]:
    if not has_network(board):
        raise OtaFailed("no network interface is up")
    server = _server(board, ota_mode)
    try:
        address = await resolve_for(board, server.host, Network.IPV4_ONLY, DNS_TIMEOUT_S)
    except ResolveError as exc:
        raise OtaFailed(str(exc)) from None
    return server, str(address)


async def _latest_version(board: Board, server: OtaServer, address: str) -> str:
    response = await _get(board, server, address, "/v1/device/rom/?is_format_simple=true")
    if response.status != 200:
        raise OtaFailed(f"version list: HTTP {response.status}")
    try:
        return rom_version(response.body)
    except OtaImageError as exc:
        raise OtaFailed(str(exc)) from None


# ------------------------------------------------------------------------------------ the commands


@CIPFWVER.query
async def cipfwver_query(ctx: CommandContext) -> None:
    try:
        server, address = await _find_server(ctx.board, 0)
        version = await asyncio.wait_for(_latest_version(ctx.board, server, address), OTA_TIMEOUT_S)
    except (OtaFailed, TimeoutError) as exc:
        ctx.board.log(f"at-ota: {exc or 'timeout'}")
        raise AtError(errors.exec_fail(), str(exc)) from None
    ctx.reply(f'+CIPFWVER:"{version}"')


@CIUPDATE.query
async def ciupdate_query(ctx: CommandContext) -> None:
    ctx.reply(f"+CIPUPDATE:{_runtime(ctx.board).state}")


async def _upgrade(board: Board, ota_mode: int, version: str | None, name: str, report: Report) -> None:
    """The steps of 3.3.24, each reported with ``report(state)`` once reached."""
    rt = _runtime(board)

    def reached(state: int) -> None:
        rt.state = state
        report(state)

    server, address = await _find_server(board, ota_mode)
    reached(STATE_FOUND)
    if version is None:
        version = await _latest_version(board, server, address)
    reached(STATE_CONNECTED)
    reached(STATE_GOT_VERSION)
    response = await _get(
        board, server, address, f"/v1/device/rom/?action=download_rom&version={version}&filename={name}.bin"
    )
    if response.status != 200:
        raise OtaFailed(f"download {name}.bin of {version}: HTTP {response.status}")
    if "content-length" not in response.headers:
        raise OtaFailed(f"download {name}.bin: no Content-Length")
    try:
        check_magic(name, response.body)
        install_image(board, name, response.body)
    except OtaImageError as exc:
        raise OtaFailed(str(exc)) from None
    board.log(f"at-ota: {name} {version} installed ({len(response.body)} bytes)")
    reached(STATE_DONE)


async def _run(board: Board, ota_mode: int, version: str | None, name: str, report: Report) -> bool:
    rt = _runtime(board)
    rt.running = True
    try:
        await asyncio.wait_for(_upgrade(board, ota_mode, version, name, report), OTA_TIMEOUT_S)
        return True
    except (OtaFailed, TimeoutError) as exc:
        board.log(f"at-ota: {exc or 'timeout after 3 minutes'}")
        rt.state = STATE_FAILED
        return False
    finally:
        rt.running = False


@CIUPDATE.execute
async def ciupdate_execute(ctx: CommandContext) -> None:
    await _blocking(ctx, 0, None, "ota")


@CIUPDATE.set
async def ciupdate_set(ctx: CommandContext) -> None:
    # The set handler is public (at_ota_cmd.c, at_setupCmdCipupgrade): a bad parameter is its plain ERROR.
    with errors.plain_error():
        ctx.args.count(1, 4)
        ota_mode = ctx.args.int(0, 0, 1)
        version = ctx.args.str(1, max_len=VERSION_MAX, default="") or None
        name = ctx.args.str(2, max_len=FIRMWARE_NAME_MAX, default="") or "ota"
        nonblocking = ctx.args.int(3, 0, 1, default=0)
    if _runtime(ctx.board).running:
        raise ctx.fail(errors.exec_fail(), "an OTA upgrade is already running")
    if not nonblocking:
        await _blocking(ctx, ota_mode, version, name)
        return
    board = ctx.board
    ctx.ok()

    async def background() -> None:
        if not await _run(board, ota_mode, version, name, lambda s: board.urc(f"+CIPUPDATE:{s}")):
            board.urc(f"+CIPUPDATE:{STATE_FAILED}")

    _runtime(board).running = True
    board.spawn(background())


async def _blocking(ctx: CommandContext, ota_mode: int, version: str | None, name: str) -> None:
    if _runtime(ctx.board).running:
        raise ctx.fail(errors.exec_fail(), "an OTA upgrade is already running")
    if not await _run(ctx.board, ota_mode, version, name, lambda s: ctx.reply(f"+CIPUPDATE:{s}")):
        raise ctx.fail(errors.exec_fail(), "OTA failed")
    if name == "ota":
        ctx.ok()
        ctx.board.reboot_after_command()
