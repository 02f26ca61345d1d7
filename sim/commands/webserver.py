"""3.13 Web server AT commands: AT+WEBSERVER, the board's provisioning and OTA web server (examples 4.7).

AT+WEBSERVER=1,<server_port>,<connection_timeout> starts a real HTTP/1.1 server on the soft-AP's address
(``127.4.<instance>.1`` on loopback) at ``<server_port>``; AT+WEBSERVER=0 stops it. The routes, JSON fields
and reports follow the public firmware (espressif/esp-at components/at/src/at_web_server_cmd.c):

- ``GET /`` the page (sim/net/webpage.py); ``GET /getversion`` ``{"version":"1.0"}``;
- ``POST /setstainfo`` ``{"ssid":..., "password":...}``: only in AT+CWMODE=3; prints ``+WEBSERVERRSP:1`` and
  joins with those credentials (the Wi-Fi URCs follow);
- ``GET /getstainfo`` ``{"state":0|1|2,"sta_ssid":...,"sta_password":...,"message":...}`` (1 connected,
  2 failed: no address within ``<connection_timeout>``);
- ``POST /getresult`` (the page saw the result): ``+WEBSERVERRSP:2``, the record is cleared;
- ``GET /getaprecord`` the scan; ``GET /getotainfo`` versions and partitions;
- ``POST /setotadata`` with header ``Object: ota`` (or a user partition's name): ``+WEBSERVERRSP:3``, then
  ``+WEBSERVERRSP:4`` when the image was taken (applied by the next AT+RST, 4.7.2 note 1) or ``:5``;
- any other path: ``302`` to the page (the captive portal of 4.7.5).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.board import Board
from sim.commands.tcpip_ota import OtaFailed, install_image
from sim.commands.wifi_runtime import dispatch, wifi_model
from sim.net.ota_image import OtaImageError, check_magic
from sim.net.webpage import PAGE
from sim.wifi import ops_provision as prov

WEBSERVER = command("AT+WEBSERVER", section="3.13.2")

#: 3.13.2 <connection_timeout>: [21,60] seconds.
TIMEOUT_RANGE = (21, 60)
WEB_VERSION = "1.0"  # at_web_server_cmd.c ESP_AT_WEB_VERSION
MAX_BODY = 4 * 1024 * 1024
DNS_PORT = 53
# config_status of at_web_server_cmd.c, and the message /getstainfo gives for each
NOT_START, CONNECTING, CONNECT_FAIL, CONNECT_OK = "waiting config", "connecting", "connect fail", "connect OK"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """Request line and headers of one HTTP/1.1 request (names lower-cased); ValueError when malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"bad request line {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1].split("?", 1)[0], headers


def response(status: str, body: bytes = b"", content_type: str = "text/plain", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _json(doc: object) -> bytes:
    return response("200 OK", json.dumps(doc, separators=(",", ":")).encode(), "application/json")


@dataclass
class WebConfig:
    """What a browser posted to /setstainfo and how the join went."""

    ssid: str = ""
    password: str = ""
    started: float | None = None
    status: str = NOT_START


class CaptiveDns(asyncio.DatagramProtocol):
    """4.7.5's captive portal: a DNS server on the soft-AP's port 53 answering every A query with the
    soft-AP's address, so that any URL the phone opens reaches the web server."""

    def __init__(self, board: Board, ip: str) -> None:
        self.b = board
        self.ip = ip
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        from dnslib import QTYPE, RR, A, DNSError, DNSRecord  # only while the captive portal runs

        try:
            query = DNSRecord.parse(data)
        except DNSError as e:
            self.b.log(f"webserver: DNS query dropped: {e}")
            return
        reply = query.reply()
        if query.q.qtype == QTYPE.A:
            reply.add_answer(RR(query.q.qname, QTYPE.A, rdata=A(self.ip), ttl=0))
        if self.transport is not None:
            self.transport.sendto(reply.pack(), addr)


async def _start_dns(board: Board, ip: str) -> asyncio.DatagramTransport | None:
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: CaptiveDns(board, ip), local_addr=(ip, DNS_PORT)
        )
    except OSError as e:  # port 53 needs privileges on a host: the portal's HTTP side still works
        board.log(f"webserver: no captive-portal DNS on {ip}:{DNS_PORT}: {e}")
        return None
    return transport


@dataclass
class WebServer:
    port: int
    timeout_s: int
    server: asyncio.base_events.Server | None = None
    dns: asyncio.DatagramTransport | None = None
    config: WebConfig = field(default_factory=WebConfig)


@dataclass
class WebRuntime:
    web: WebServer | None = None


class Handler:
    """The routes of one board's server (one request per connection)."""

    def __init__(self, board: Board, web: WebServer) -> None:
        self.b = board
        self.web = web

    def _status(self) -> str:
        cfg = self.web.config
        if cfg.status != CONNECTING or cfg.started is None:
            return cfg.status
        m = wifi_model(self.b)
        if m.sta_has_ip and m.sta_ap is not None and m.sta_ap.ssid == cfg.ssid:
            cfg.status = CONNECT_OK
        elif time.monotonic() - cfg.started > self.web.timeout_s:
            cfg.status = CONNECT_FAIL
        return cfg.status

    def handle(self, req: Request) -> bytes:
        route = {
            ("GET", "/"): self.page,
            ("GET", "/getversion"): lambda _r: _json({"version": WEB_VERSION}),
            ("GET", "/getstainfo"): self.getstainfo,
            ("POST", "/setstainfo"): self.setstainfo,
            ("POST", "/getresult"): self.getresult,
            ("GET", "/getaprecord"): self.getaprecord,
            ("GET", "/getotainfo"): self.getotainfo,
            ("POST", "/setotadata"): self.setotadata,
        }.get((req.method, req.path))
        if route is None:
            return self.redirect(req)
        return route(req)

    def page(self, _req: Request) -> bytes:
        return response("200 OK", PAGE.encode(), "text/html")

    def redirect(self, req: Request) -> bytes:
        # Captive portal: 404/405/414 become "302 Temporary Redirect" to http://<soft-AP ip>/ (the firmware's
        # root; the port is added when the server is not on 80, as on loopback).
        ip = wifi_model(self.b).ap_ipv4.ip
        where = f"http://{ip}/" if self.web.port == 80 else f"http://{ip}:{self.web.port}/"
        return response(
            "302 Temporary Redirect", b"Redirect to captive portal", extra=f"Location: {where}\r\n"
        )

    def setstainfo(self, req: Request) -> bytes:
        m = wifi_model(self.b)
        cfg = self.web.config
        if self._status() not in (NOT_START, CONNECT_FAIL, CONNECT_OK):
            return response("400 Bad Request", b"busy")
        try:
            doc = json.loads(req.body)
            ssid, password = str(doc.get("ssid", "")), str(doc.get("password", ""))
        except (ValueError, AttributeError):
            return response("400 Bad Request", b"bad json")
        if not ssid and not password:
            return response("400 Bad Request", b"ssid and password all is null")
        if not prov.web_join(m, time.monotonic(), ssid, password):
            return response("400 Bad Request", b"invalid wifi mode")
        cfg.ssid, cfg.password, cfg.started, cfg.status = ssid, password, time.monotonic(), CONNECTING
        self.b.urc("+WEBSERVERRSP:1")
        dispatch(self.b)
        return response("200 OK")

    def getstainfo(self, _req: Request) -> bytes:
        status = self._status()
        state = {CONNECT_OK: 1, CONNECT_FAIL: 2}.get(status, 0)
        cfg = self.web.config
        return _json({"state": state, "sta_ssid": cfg.ssid, "sta_password": cfg.password, "message": status})

    def getresult(self, _req: Request) -> bytes:
        if self._status() != NOT_START:
            self.web.config = WebConfig()
            self.b.urc("+WEBSERVERRSP:2")
        return response("200 OK")

    def getaprecord(self, _req: Request) -> bytes:
        m = wifi_model(self.b)
        aps = [{"ssid": ap.ssid, "auth_mode": ap.effective_ecn} for ap in m.env.aps_up() if ap.ssid]
        return _json({"state": 0, "message": "scan done", "aplist": aps})

    def getotainfo(self, _req: Request) -> bytes:
        profile = self.b.profile
        names = ["ota", *(p.name for p in self.b.partitions.table)]
        return _json(
            {
                "state": 0,
                "fw_version": profile.gmr.bin_version or profile.at_version,
                "at_core_version": profile.at_version,
                "partitions": names,
            }
        )

    def setotadata(self, req: Request) -> bytes:
        name = req.headers.get("object")
        if name is None:
            return response("400 Bad Request", b"no Object header")
        self.b.urc("+WEBSERVERRSP:3")
        try:
            if name.startswith("ota"):
                check_magic("ota", req.body)
                name = "ota"
            install_image(self.b, name, req.body)
        except (OtaFailed, OtaImageError) as e:
            self.b.log(f"webserver: OTA of {name!r} failed: {e}")
            self.b.urc("+WEBSERVERRSP:5")
            return response("500 Internal Server Error", str(e).encode())
        self.b.urc("+WEBSERVERRSP:4")
        return response("200 OK")


async def _serve(
    board: Board, web: WebServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), web.timeout_s)
        method, path, headers = parse_head(head[:-4])
        length = int(headers.get("content-length", "0"))
        if not 0 <= length <= MAX_BODY:
            raise ValueError(f"Content-Length {length}")
        body = await asyncio.wait_for(reader.readexactly(length), web.timeout_s) if length else b""
        writer.write(Handler(board, web).handle(Request(method, path, headers, body)))
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as e:
        board.log(f"webserver: request dropped: {e}")
        with contextlib.suppress(ConnectionError):
            writer.write(response("400 Bad Request"))
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _run(web: WebServer) -> None:
    assert web.server is not None
    try:
        await web.server.serve_forever()
    finally:  # AT+WEBSERVER=0 or a reboot (which cancels the board's tasks)
        if web.dns is not None:
            web.dns.close()


async def _stop(rt: WebRuntime) -> None:
    if rt.web is not None and rt.web.server is not None:
        rt.web.server.close()
        with contextlib.suppress(asyncio.CancelledError):
            await rt.web.server.wait_closed()
    rt.web = None


def _parse(ctx: CommandContext) -> tuple[int, int, int]:
    """(<enable>, <server_port>, <connection_timeout>); AT+WEBSERVER=0 takes nothing else."""
    a = ctx.args
    a.count(1, 3)
    enable = a.int(0, 0, 1)
    if enable == 0:
        a.count(1)
        return 0, 0, 0
    a.count(3)
    return 1, a.int(1, 0, 65535), a.int(2, *TIMEOUT_RANGE)


@WEBSERVER.set
async def webserver_set(ctx: CommandContext) -> None:
    try:
        enable, port, timeout_s = _parse(ctx)
    except AtError as e:
        # at_setupCmdWebConf refuses with a bare ESP_AT_RESULT_CODE_ERROR: no parameter error code
        raise ctx.fail(errors.exec_fail(), f"refused: {e}") from e
    rt = ctx.board.runtime(WebRuntime)
    if enable == 0:
        await _stop(rt)
        ctx.ok()
        return
    if rt.web is not None:  # already running: the firmware keeps it and only takes the new timeout
        rt.web.timeout_s = timeout_s
        ctx.ok()
        return
    board = ctx.board
    web = WebServer(port, timeout_s)
    ip = str(wifi_model(board).ap_ipv4.ip)
    try:
        web.server = await asyncio.start_server(
            lambda r, w: _serve(board, web, r, w), ip, port, reuse_address=True
        )
    except OSError as e:
        raise ctx.fail(errors.exec_fail(), f"cannot listen on {ip}:{port}: {e}") from e
    web.dns = await _start_dns(board, ip)
    rt.web = web
    # serving in a board task: a reboot cancels it, which closes the listening sockets with it
    board.spawn(_run(web))
    board.log(f"webserver: listening on http://{ip}:{port}/")
    ctx.ok()
