"""An MQTT broker for 3.6: Debian's mosquitto behind every listener the guide's schemes need.

Listeners (AT+MQTTUSERCFG <scheme>, 3.6): ``tcp`` (1), ``tls`` (2-4, server certificate from the
rig PKI), ``mtls`` (4-5, client certificate required), ``ws`` (6), ``wss`` (7-8) and
``wss_mtls`` (9-10). mosquitto on Debian is built without WebSocket support, so ``ws``/``wss``
are a small WebSocket-to-TCP bridge (subprotocol ``mqtt``) in front of mosquitto's plain
listener: one broker serves all listeners, so a message a board publishes over WSS reaches a
subscriber on plain TCP (see servers/README.md for why not amqtt).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import shutil
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from servers.base import DEFAULT_HOST, Endpoint, Peer, cert_subject, reserve_port
from servers.errors import PeerStartError, ProgramMissingError
from servers.pki import EspPki

MOSQUITTO = "/usr/sbin/mosquitto"
INSTALL_HINT = "apt-get install mosquitto  (Debian/Ubuntu; the suite needs /usr/sbin/mosquitto >= 2.0)"
START_TIMEOUT = 15.0
WS_SUBPROTOCOLS = ("mqtt", "mqttv3.1")


def find_mosquitto(path: str | None = None) -> str:
    """The mosquitto executable, or ProgramMissingError saying how to install it."""
    found = path or (MOSQUITTO if Path(MOSQUITTO).exists() else shutil.which("mosquitto"))
    if not found or not Path(found).exists():
        raise ProgramMissingError("mosquitto", INSTALL_HINT)
    return found


def mosquitto_version(path: str | None = None) -> str:
    """The installed mosquitto's version string, e.g. '2.0.11'."""
    out = subprocess.run([find_mosquitto(path), "-h"], capture_output=True, text=True, timeout=10).stdout
    first = out.splitlines()[0] if out else ""
    return first.removeprefix("mosquitto version ").strip()


@dataclass(frozen=True)
class MosquittoPorts:
    tcp: int
    tls: int | None
    mtls: int | None


def mosquitto_config(
    host: str,
    ports: MosquittoPorts,
    pki: EspPki | None,
    log_to_stderr: bool = True,
    password_file: Path | None = None,
) -> str:
    """The mosquitto.conf text for the given listeners (pure: tested without starting anything).

    Without ``password_file`` any client may connect, with any user name; with it, only the users
    in the file (AT+MQTTUSERCFG <"username">/<"password">, 3.6) and nobody anonymous.
    """
    auth = ["allow_anonymous true"]
    if password_file is not None:
        auth = ["allow_anonymous false", f"password_file {password_file}"]
    lines = [
        "per_listener_settings false",
        *auth,
        "persistence false",
        f"user {getpass.getuser()}",  # do not drop to the 'mosquitto' user: it cannot read tmp dirs
        "log_dest stderr" if log_to_stderr else "log_dest none",
        "log_type all",
        "connection_messages true",
        "log_timestamp true",
        "log_timestamp_format %Y-%m-%dT%H:%M:%S",
        "",
        f"listener {ports.tcp} {host}",
        "protocol mqtt",
    ]
    for port, require in ((ports.tls, False), (ports.mtls, True)):
        if port is None:
            continue
        if pki is None:
            raise ValueError("TLS listeners need a PKI (pass pki=EspPki(...))")
        lines += [
            "",
            f"listener {port} {host}",
            "protocol mqtt",
            f"cafile {pki.ca_cert}",
            f"certfile {pki.server.cert}",
            f"keyfile {pki.server.key}",
            f"require_certificate {'true' if require else 'false'}",
        ]
    return "\n".join(lines) + "\n"


def _select_mqtt_subprotocol(
    connection: ServerConnection, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    # Lenient on purpose: a client that offers no subprotocol is still bridged, and the test
    # can see what was offered in MqttBroker.ws_sessions.
    for name in WS_SUBPROTOCOLS:
        if name in offered:
            return Subprotocol(name)
    return None


@dataclass
class WsSession:
    """One WebSocket client of the bridge: which listener, path and subprotocols it used."""

    listener: str
    path: str
    offered_subprotocols: list[str]
    subprotocol: str | None
    bytes_up: int = 0
    bytes_down: int = 0
    client_cert_subject: str | None = None


@dataclass
class _Bridge:
    name: str
    server: Server
    sessions: list[WsSession] = field(default_factory=list)


class MqttBroker(Peer):
    """mosquitto with tcp/tls/mtls listeners plus the ws/wss/wss_mtls bridge; ``log_path`` is its log."""

    kind = "mqtt"

    def __init__(
        self,
        workdir: Path | str,
        pki: EspPki | None = None,
        host: str = DEFAULT_HOST,
        ports: dict[str, int] | None = None,
        websockets: bool = True,
        mosquitto: str | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        super().__init__(host)
        self.users = dict(users or {})
        self.workdir = Path(workdir)
        self.pki = pki
        self.requested_ports = dict(ports or {})
        self.with_websockets = websockets
        self.mosquitto = find_mosquitto(mosquitto)
        self.log_path = self.workdir / "mosquitto.log"
        self.config_path = self.workdir / "mosquitto.conf"
        self.ws_sessions: list[WsSession] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._bridges: list[_Bridge] = []

    # --- mosquitto -----------------------------------------------------------------------------
    def _pick_ports(self) -> MosquittoPorts:
        def port(name: str) -> int:
            return self.requested_ports.get(name) or reserve_port(self.host)

        with_tls = self.pki is not None
        return MosquittoPorts(
            port("tcp"), port("tls") if with_tls else None, port("mtls") if with_tls else None
        )

    async def _start_mosquitto(self) -> MosquittoPorts:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # Ports chosen by us can be taken by another process before mosquitto binds them: retry.
        attempts = 1 if self.requested_ports else 3
        last = ""
        passwords = self._write_password_file() if self.users else None
        for _ in range(attempts):
            ports = self._pick_ports()
            self.config_path.write_text(mosquitto_config(self.host, ports, self.pki, password_file=passwords))
            log = self.log_path.open("ab")
            try:
                self._proc = subprocess.Popen(
                    [self.mosquitto, "-c", str(self.config_path)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            finally:
                log.close()
            wanted = [p for p in (ports.tcp, ports.tls, ports.mtls) if p]
            if await self._wait_listening(wanted):
                return ports
            last = self.log_path.read_text(errors="replace")[-2000:]
            await self._kill_mosquitto()
            if "Address already in use" not in last:
                break
        raise PeerStartError(
            f"mosquitto ({self.mosquitto}) did not start with {self.config_path}; "
            f"log {self.log_path}:\n{last}"
        )

    def _write_password_file(self) -> Path:
        path = self.workdir / "passwords"
        path.write_text("")
        tool = Path(self.mosquitto).with_name("mosquitto_passwd")
        if not tool.exists():
            tool = Path(shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd")
        if not tool.exists():
            raise ProgramMissingError("mosquitto_passwd", INSTALL_HINT)
        for user, password in self.users.items():
            done = subprocess.run(
                [str(tool), "-b", str(path), user, password], capture_output=True, text=True, timeout=20
            )
            if done.returncode != 0:
                raise PeerStartError(f"mosquitto_passwd failed for user {user!r}: {done.stderr.strip()}")
        path.chmod(0o600)
        return path

    async def _wait_listening(self, ports: list[int]) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        pending = list(ports)
        while pending and loop.time() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, pending[0]), timeout=0.5):
                    pending.pop(0)
            except OSError:
                await asyncio.sleep(0.05)
        return not pending

    async def _kill_mosquitto(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 10)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait, 10)

    # --- WebSocket bridge ----------------------------------------------------------------------
    async def _start_bridge(self, name: str, ssl_context: object | None) -> Endpoint:
        sessions: list[WsSession] = []
        tcp_port = self.endpoints["tcp"].port

        async def handler(ws: ServerConnection) -> None:
            cert = ws.transport.get_extra_info("peercert") if ssl_context else None
            session = WsSession(
                name,
                ws.request.path if ws.request else "",
                list(ws.request.headers.get_all("Sec-WebSocket-Protocol")) if ws.request else [],
                ws.subprotocol,
                client_cert_subject=cert_subject(cert),
            )
            sessions.append(session)
            self.ws_sessions.append(session)
            reader, writer = await asyncio.open_connection(self.host, tcp_port)

            async def up() -> None:
                async for message in ws:
                    data = message.encode() if isinstance(message, str) else message
                    session.bytes_up += len(data)
                    writer.write(data)
                    await writer.drain()

            async def down() -> None:
                while data := await reader.read(65536):
                    session.bytes_down += len(data)
                    await ws.send(data)

            tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for t in tasks:
                    t.cancel()
                with contextlib.suppress(ConnectionClosed, OSError, asyncio.CancelledError):
                    await asyncio.gather(*tasks, return_exceptions=True)
                writer.close()
                await ws.close()

        server = await serve(
            handler,
            self.host,
            self.requested_ports.get(name, 0),
            ssl=ssl_context,
            select_subprotocol=_select_mqtt_subprotocol,
            compression=None,
            ping_interval=None,
        )
        self._bridges.append(_Bridge(name, server, sessions))
        host, port = next(iter(server.sockets)).getsockname()[:2]
        return Endpoint(name, host, port)

    # --- lifecycle -----------------------------------------------------------------------------
    async def astart(self) -> None:
        ports = await self._start_mosquitto()
        self.endpoints = {"tcp": Endpoint("tcp", self.host, ports.tcp)}
        if ports.tls:
            self.endpoints["tls"] = Endpoint("tls", self.host, ports.tls)
        if ports.mtls:
            self.endpoints["mtls"] = Endpoint("mtls", self.host, ports.mtls)
        try:
            if self.with_websockets:
                self.endpoints["ws"] = await self._start_bridge("ws", None)
                if self.pki is not None:
                    self.endpoints["wss"] = await self._start_bridge("wss", self.pki.server_context())
                    self.endpoints["wss_mtls"] = await self._start_bridge(
                        "wss_mtls", self.pki.server_context(require_client_cert=True)
                    )
        except BaseException:
            await self.astop()
            raise

    async def astop(self) -> None:
        for bridge in self._bridges:
            bridge.server.close()
        for bridge in self._bridges:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(bridge.server.wait_closed(), 10)
        self._bridges.clear()
        await self._kill_mosquitto()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
