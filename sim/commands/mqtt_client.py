"""The board's MQTT client session (3.6): one broker connection over TCP, TLS, WebSocket or WebSocket
Secure, speaking MQTT 3.1.1 through sim/net/mqtt_codec.py. sim/commands/mqtt.py decides what is printed.

- Sockets leave from the station's address (as every link of the board does), names resolve like
  AT+CIPSTART's. TLS is capped at 1.2 as the firmware's mbedTLS is.
- Certificates (3.6.2 note, How_to_update_pki_config): ``mqtt_ca.<CA_ID>``, ``mqtt_cert.<cert_key_ID>``,
  ``mqtt_key.<cert_key_ID>`` in mfg_nvs (AT+SYSMFG); index 0 falls back to the board's factory PKI, as a
  module flashed with the default firmware carries MQTT certificates before anyone writes its own.
- WebSocket (schemes 6-10): the subprotocol ``mqtt`` and the AT+MQTTUSERCFG ``<"path">`` as the request path;
  one MQTT byte stream carried in binary messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sim.board import Board
from sim.commands.tcpip_dns import sta_address
from sim.commands.tcpip_pki import factory_pem
from sim.net import mqtt_codec as mc
from sim.net.resolve import ResolveError, literal_address, resolve_host

TLS_SCHEMES = frozenset({2, 3, 4, 5, 7, 8, 9, 10})
WS_SCHEMES = frozenset({6, 7, 8, 9, 10})
VERIFY_SERVER = frozenset({3, 5, 8, 10})
CLIENT_CERT = frozenset({4, 5, 9, 10})


class MqttFailed(Exception):
    """The operation failed; ``code`` is the 3.6.15 code (0x60xx) to report."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass
class Target:
    scheme: int
    host: str
    port: int
    path: str
    client_id: bytes
    username: bytes | None
    password: bytes | None
    keepalive: int
    clean_session: bool
    will: mc.Will | None
    cert_key_id: int = 0
    ca_id: int = 0
    alpn: list[str] = field(default_factory=list)
    sni: str | None = None


def _pem(board: Board, namespace: str, index: int) -> Path | None:
    value = board.mfg.get(namespace, f"{namespace}.{index}")
    data = value.as_bytes() if value is not None else None
    if data is None and index == 0:
        data = factory_pem(board, namespace.replace("mqtt_", "client_"))
    if data is None:
        return None
    path = board.state_dir / "tls" / f"{namespace}.{index}.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def tls_context(board: Board, t: Target) -> tuple[ssl.SSLContext, str | None]:
    """The TLS context of a TLS/WSS scheme and the server name to send (AT+MQTTSNI, else a host name)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if t.scheme in VERIFY_SERVER:
        ca = _pem(board, "mqtt_ca", t.ca_id)
        if ca is None:
            raise MqttFailed(0x6022, f"no mqtt_ca.{t.ca_id}")  # AT_MQTT_CA_READ_FAILED
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(ca)
        # esp-tls checks the server certificate against the host it connects to
        # (3.6.15 AT_MQTT_HOSTNAME_VERIFY_FAILED)
        ctx.check_hostname = True
    if t.scheme in CLIENT_CERT:
        cert, key = _pem(board, "mqtt_cert", t.cert_key_id), _pem(board, "mqtt_key", t.cert_key_id)
        if cert is None:
            raise MqttFailed(0x6024, f"no mqtt_cert.{t.cert_key_id}")  # AT_MQTT_CERT_READ_FAILED
        if key is None:
            raise MqttFailed(0x6026, f"no mqtt_key.{t.cert_key_id}")  # AT_MQTT_KEY_READ_FAILED
        ctx.load_cert_chain(cert, key)
    if t.alpn:
        ctx.set_alpn_protocols(t.alpn)
    name = t.sni or t.host
    return ctx, name


# websockets is imported when a ws:// or wss:// broker is dialled: a board that never does, does not carry
# it (issue 23: a few MB of every simulated board's memory).
if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection


def _ws_errors() -> tuple[type[BaseException], ...]:
    """websockets' error type, once a WebSocket was opened (before that, none can be raised)."""
    mod = sys.modules.get("websockets.exceptions")
    return (mod.WebSocketException,) if mod is not None else ()


class Transport:
    """A byte stream to the broker: a TCP/TLS stream or a WebSocket carrying binary messages."""

    def __init__(
        self,
        reader: asyncio.StreamReader | None = None,
        writer: asyncio.StreamWriter | None = None,
        ws: ClientConnection | None = None,
    ) -> None:
        self.reader, self.writer, self.ws = reader, writer, ws

    async def send(self, data: bytes) -> None:
        if self.ws is not None:
            await self.ws.send(data)
            return
        assert self.writer is not None
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self) -> bytes:
        """The next bytes; b"" once the connection is gone."""
        try:
            if self.ws is not None:
                msg = await self.ws.recv()
                return msg if isinstance(msg, bytes) else msg.encode()
            assert self.reader is not None
            return await self.reader.read(65536)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, *_ws_errors()):
            return b""

    def abort(self) -> None:
        """Drop the connection at once, without a close handshake (the board restarted)."""
        with contextlib.suppress(Exception):
            if self.ws is not None:
                self.ws.transport.abort()
            elif self.writer is not None:
                self.writer.transport.abort()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.ws is not None:
                await asyncio.wait_for(self.ws.close(), 2)
            elif self.writer is not None:
                self.writer.close()


async def open_transport(board: Board, t: Target, timeout: float) -> Transport:
    try:
        address = await resolve_host(board, t.host)
    except ResolveError as exc:
        raise MqttFailed(0x600B, str(exc)) from None  # AT_MQTT_CLIENT_START_FAILED
    local = sta_address(board)
    local_addr = (local, 0) if local and ":" not in address else None
    ctx, name = tls_context(board, t) if t.scheme in TLS_SCHEMES else (None, None)
    if ctx is not None and name is not None and literal_address(name) and not ctx.check_hostname:
        name = None  # no SNI for an address (RFC 6066 3)
    try:
        if t.scheme in WS_SCHEMES:
            from websockets.asyncio.client import connect as ws_connect

            scheme = "wss" if ctx is not None else "ws"
            path = t.path if t.path.startswith("/") else "/" + t.path
            ws = await asyncio.wait_for(
                ws_connect(
                    f"{scheme}://{t.host}:{t.port}{path}",
                    subprotocols=["mqtt"],  # type: ignore[list-item]
                    ssl=ctx,
                    server_hostname=name if ctx is not None else None,
                    host=address,
                    port=t.port,
                    local_addr=local_addr,
                    max_size=None,
                    ping_interval=None,
                    compression=None,
                ),
                timeout,
            )
            return Transport(ws=ws)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                address, t.port, ssl=ctx, server_hostname=name if ctx else None, local_addr=local_addr
            ),
            timeout,
        )
        return Transport(reader, writer)
    except ssl.SSLCertVerificationError as exc:
        code = 0x6052 if "hostname" in str(exc).lower() or "ip address" in str(exc).lower() else 0x600B
        raise MqttFailed(code, f"TLS to {address}:{t.port}: {exc}") from None
    except (OSError, ssl.SSLError, TimeoutError, *_ws_errors()) as exc:
        raise MqttFailed(0x600B, f"connect to {address}:{t.port}: {exc!r}") from None


OnMessage = Callable[[str, bytes], None]
OnLost = Callable[[], Awaitable[None]]


class Session:
    """One connected MQTT session: the reader, the keepalive pings, the acknowledgements awaited."""

    def __init__(self, board: Board, transport: Transport, keepalive: int, on_message: OnMessage) -> None:
        self.board, self.transport, self.keepalive = board, transport, keepalive
        self.on_message = on_message
        self.decoder = mc.Decoder()
        self._next_id = 0
        self._waiting: dict[tuple[mc.PacketType, int], asyncio.Future[mc.Packet]] = {}
        self._qos2_in: set[int] = set()
        self.closed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def packet_id(self) -> int:
        self._next_id = self._next_id % 0xFFFF + 1
        return self._next_id

    async def handshake(self, t: Target, timeout: float) -> None:
        await self.transport.send(
            mc.connect(
                t.client_id,
                keepalive=t.keepalive,
                clean_session=t.clean_session,
                username=t.username,
                password=t.password,
                will=t.will,
            )
        )
        while True:
            data = await asyncio.wait_for(self.transport.recv(), timeout)
            if not data:
                raise MqttFailed(0x600B, "broker closed before CONNACK")
            packets = self.decoder.feed(data)
            if packets:
                first = packets[0]
                if first.type is not mc.PacketType.CONNACK:
                    raise MqttFailed(0x600B, f"expected CONNACK, got {first.type.name}")
                if first.return_code:
                    raise MqttFailed(0x600B, f"CONNACK return code {first.return_code}")
                for p in packets[1:]:
                    await self._handle(p)
                return

    def start(self, on_lost: OnLost) -> None:
        self._tasks.append(self.board.spawn(self._read(on_lost)))
        if self.keepalive:
            self._tasks.append(self.board.spawn(self._ping()))

    async def _read(self, on_lost: OnLost) -> None:
        while True:
            data = await self.transport.recv()
            if not data:
                break
            try:
                for p in self.decoder.feed(data):
                    await self._handle(p)
            except mc.MqttCodecError as exc:
                self.board.log(f"at-mqtt: {exc}")
                break
        self._finish()
        await on_lost()

    def _finish(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(MqttFailed(0, "connection lost"))
        self._waiting.clear()

    async def _ping(self) -> None:
        while not self.closed.is_set():
            await asyncio.sleep(self.keepalive)
            with contextlib.suppress(Exception):
                await self.transport.send(mc.pingreq())

    async def _handle(self, p: mc.Packet) -> None:
        T = mc.PacketType
        if p.type is T.PUBLISH:
            if p.qos == 1 and p.packet_id is not None:
                await self.transport.send(mc.ack(T.PUBACK, p.packet_id))
            if p.qos == 2 and p.packet_id is not None:
                await self.transport.send(mc.ack(T.PUBREC, p.packet_id))
                if p.packet_id in self._qos2_in:
                    return  # a resent QoS 2 message is delivered once (4.3.3)
                self._qos2_in.add(p.packet_id)
            self.on_message(p.topic, p.payload)
        elif p.type is T.PUBREL and p.packet_id is not None:
            self._qos2_in.discard(p.packet_id)
            await self.transport.send(mc.ack(T.PUBCOMP, p.packet_id))
        elif p.type is T.PUBREC and p.packet_id is not None:
            await self.transport.send(mc.ack(T.PUBREL, p.packet_id))
            self._resolve(p)
        elif p.packet_id is not None:
            self._resolve(p)

    def _resolve(self, p: mc.Packet) -> None:
        assert p.packet_id is not None
        fut = self._waiting.pop((p.type, p.packet_id), None)
        if fut is not None and not fut.done():
            fut.set_result(p)

    def _expect(self, ptype: mc.PacketType, pid: int) -> asyncio.Future[mc.Packet]:
        fut: asyncio.Future[mc.Packet] = asyncio.get_running_loop().create_future()
        self._waiting[(ptype, pid)] = fut
        return fut

    async def publish(self, topic: str, payload: bytes, qos: int, retain: bool, timeout: float) -> None:
        T = mc.PacketType
        pid = self.packet_id() if qos else None
        done = self._expect(T.PUBACK if qos == 1 else T.PUBCOMP, pid) if pid is not None else None
        await self.transport.send(mc.publish(topic, payload, qos=qos, retain=retain, packet_id=pid))
        if done is not None:
            await asyncio.wait_for(done, timeout)

    async def subscribe(self, topic: str, qos: int, timeout: float) -> int:
        pid = self.packet_id()
        done = self._expect(mc.PacketType.SUBACK, pid)
        await self.transport.send(mc.subscribe(pid, topic, qos))
        granted = (await asyncio.wait_for(done, timeout)).granted
        return granted[0] if granted else 0x80

    async def unsubscribe(self, topic: str, timeout: float) -> None:
        pid = self.packet_id()
        done = self._expect(mc.PacketType.UNSUBACK, pid)
        await self.transport.send(mc.unsubscribe(pid, topic))
        await asyncio.wait_for(done, timeout)

    async def close(self, *, graceful: bool) -> None:
        """Send DISCONNECT when ``graceful`` (no will), then drop the connection."""
        if graceful and not self.closed.is_set():
            with contextlib.suppress(Exception):
                await self.transport.send(mc.disconnect())
        self._finish()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        await self.transport.close()


async def connect(board: Board, t: Target, timeout: float, on_message: OnMessage) -> Session:
    """Open the transport and complete CONNECT/CONNACK within ``timeout`` seconds."""
    transport = await open_transport(board, t, timeout)
    session = Session(board, transport, t.keepalive, on_message)
    try:
        await session.handshake(t, timeout)
    except (TimeoutError, mc.MqttCodecError) as exc:
        await transport.close()
        raise MqttFailed(0x600B, f"MQTT handshake: {exc!r}") from None
    except MqttFailed:
        await transport.close()
        raise
    return session
