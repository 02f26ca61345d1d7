"""MQTT AT commands (3.6): AT+MQTTUSERCFG, AT+MQTTLONGCLIENTID/USERNAME/PASSWORD, AT+MQTTCONNCFG, AT+MQTTALPN,
AT+MQTTSNI, AT+MQTTCONN, AT+MQTTPUB, AT+MQTTPUBRAW, AT+MQTTSUB, AT+MQTTUNSUB, AT+MQTTCLEAN.

One link (LinkID 0, "currently only supports link ID 0"). Its ``<state>`` follows 3.6.9: 0 uninitialized,
1 AT+MQTTUSERCFG set, 2 AT+MQTTCONNCFG set, 3 disconnected, 4 connected, 5 connected with no topic (after
the last AT+MQTTUNSUB), 6 connected and subscribed. The connection itself is sim/commands/mqtt_client.py.

Errors are the 3.6.15 codes in the extension of ESP_AT_SUB_CMD_EXEC_FAIL (``ERR CODE:0x010a60xx``; a real
board printed ``0x010a6006``, AT_MQTT_NULL_LINK, for AT+MQTTPUBRAW: espressif/esp-at issue #867). Each
parameter has its own READ_FAILED (wrong type), IS_NULL (left out), IS_OVERLENGTH / VALUE_IS_WRONG codes; a
wrong number of parameters is AT_MQTT_PARAMETER_COUNTS_IS_WRONG. ESP-AT's MQTT handler (at_mqtt_cmd.c) is not
in the public components/at/src, so which code a state refusal carries is the sim's reading of the table.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from sim.at import errors
from sim.at.args import parse_int_literal
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.parser import TokenKind, encode_arg
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.commands import mqtt_client as client
from sim.net import mqtt_codec as mc
from sim.output import Kind

MQTTUSERCFG = command("AT+MQTTUSERCFG", section="3.6.2")
MQTTLONGCLIENTID = command("AT+MQTTLONGCLIENTID", section="3.6.3")
MQTTLONGUSERNAME = command("AT+MQTTLONGUSERNAME", section="3.6.4")
MQTTLONGPASSWORD = command("AT+MQTTLONGPASSWORD", section="3.6.5")
MQTTCONNCFG = command("AT+MQTTCONNCFG", section="3.6.6")
MQTTALPN = command("AT+MQTTALPN", section="3.6.7")
MQTTSNI = command("AT+MQTTSNI", section="3.6.8")
MQTTCONN = command("AT+MQTTCONN", section="3.6.9")
MQTTPUB = command("AT+MQTTPUB", section="3.6.10")
MQTTPUBRAW = command("AT+MQTTPUBRAW", section="3.6.11")
MQTTSUB = command("AT+MQTTSUB", section="3.6.12")
MQTTUNSUB = command("AT+MQTTUNSUB", section="3.6.13")
MQTTCLEAN = command("AT+MQTTCLEAN", section="3.6.14")

#: 3.6.15 names used below
NO_CONFIGURED, NOT_IN_CONFIGURED_STATE, UNINITIATED_OR_ALREADY_CLEAN = 0x6001, 0x6002, 0x6003
ALREADY_CONNECTED, NULL_LINK, PARAMETER_COUNTS_IS_WRONG = 0x6004, 0x6006, 0x6008
PUBLISH_FAILED, SUBSCRIBE_FAILED, UNSUBSCRIBE_FAILED = 0x600C, 0x600D, 0x600E
IN_DISCONNECTED_STATE = 0x6051
#: 3.6.9 / 3.6.10 <timeout_ms>
TIMEOUT_MS = (3000, 60000, 15000)
#: 3.6.6: <keepalive> 0 "will be force-changed to 120 s"
DEFAULT_KEEPALIVE = 120
#: 3.6.12: "up to 10 topics can be subscribed"
MAX_TOPICS = 10
#: 3.6.11: "limited by available memory": the free heap of an ESP32 running AT
PUBRAW_MAX = 160 * 1024
#: esp-mqtt retries a lost connection after reconnect_timeout_ms (10 s by default); the sim waits less so
#: that tests of <reconnect> 1 stay short (the guide gives no interval)
RECONNECT_S = 2.0


def code(value: int) -> int:
    return errors.error_code(errors.Sub.CMD_EXEC_FAIL, value)


def fail(value: int, reason: str) -> AtError:
    return AtError(code(value), reason)


@dataclass
class MqttLink:
    """LinkID 0: settings of AT+MQTTUSERCFG/CONNCFG/ALPN/SNI/CONN and the live session (per boot)."""

    state: int = 0
    scheme: int = 0
    client_id: bytes = b""
    username: bytes = b""
    password: bytes = b""
    cert_key_id: int = 0
    ca_id: int = 0
    path: str = ""
    keepalive: int = 0
    disable_clean_session: int = 0
    will: mc.Will | None = None
    alpn: list[str] = field(default_factory=list)
    sni: str | None = None
    host: str = ""
    port: int = 0
    reconnect: int = 0
    subs: dict[str, int] = field(default_factory=dict)
    session: client.Session | None = None
    retry: asyncio.Task[None] | None = None


#: each board's link of the running boot, so that the next boot can drop the connection the last one left
_LIVE: dict[int, MqttLink] = {}


def link(board: Board) -> MqttLink:
    lk = board.runtime(MqttLink)
    _LIVE[id(board)] = lk
    return lk


@on_boot
def _drop_previous_boot(board: Board) -> None:
    """A restart ends the connection without DISCONNECT (so the broker publishes the will) and forgets
    every MQTT setting: none of 3.6 is saved."""
    old = _LIVE.pop(id(board), None)
    if old is not None and old.session is not None:
        old.session.transport.abort()


# --- parameters with their 3.6.15 codes -------------------------------------------------------------


def _count(ctx: CommandContext, lo: int, hi: int) -> None:
    if not lo <= len(ctx.args) <= hi:
        raise fail(PARAMETER_COUNTS_IS_WRONG, f"{len(ctx.args)} parameters, expected {lo}..{hi}")


def _int(
    ctx: CommandContext, i: int, read_failed: int, wrong: int, lo: int, hi: int, default: int | None = None
) -> int:
    tok = ctx.args.raw(i)
    if tok.kind is TokenKind.OMITTED:
        if default is None:
            raise fail(read_failed, f"parameter {i} left out")
        return default
    value = None if tok.kind is TokenKind.STRING else parse_int_literal(tok.value)
    if value is None:
        raise fail(read_failed, f"parameter {i}: not a number: {tok.value!r}")
    if not lo <= value <= hi:
        raise fail(wrong, f"parameter {i}: {value} outside [{lo},{hi}]")
    return value


def _str(
    ctx: CommandContext, i: int, read_failed: int, null: int, over: int | None, max_len: int | None
) -> str:
    tok = ctx.args.raw(i)
    if tok.kind is TokenKind.OMITTED:
        raise fail(null, f"parameter {i} left out")
    if tok.kind is not TokenKind.STRING:
        raise fail(read_failed, f"parameter {i}: not a quoted string: {tok.value!r}")
    if max_len is not None and over is not None and len(encode_arg(tok.value)) > max_len:
        raise fail(over, f"parameter {i}: longer than {max_len} bytes")
    return tok.value


def _link_id(ctx: CommandContext) -> None:
    _int(ctx, 0, 0x6010, 0x6011, 0, 0)  # LINK_ID_READ_FAILED, LINK_ID_VALUE_IS_WRONG


def _timeout(ctx: CommandContext, i: int) -> float:
    lo, hi, default = TIMEOUT_MS
    # no 3.6.15 code names <timeout_ms>: the parser's own range error
    return ctx.args.int(i, lo, hi, default=default) / 1000


def _configurable(ctx: CommandContext) -> MqttLink:
    """The link of a configuration command: it must exist and not be connected or disconnected yet."""
    lk = link(ctx.board)
    if lk.state == 0:
        raise fail(NULL_LINK, "AT+MQTTUSERCFG first")
    if lk.state >= 3:
        raise fail(NOT_IN_CONFIGURED_STATE, f"link in state {lk.state}")
    return lk


def _connected(ctx: CommandContext) -> client.Session:
    lk = link(ctx.board)
    if lk.state == 0:
        raise fail(NULL_LINK, "no MQTT link")
    if lk.session is None or lk.session.closed.is_set():
        raise fail(IN_DISCONNECTED_STATE, f"link in state {lk.state}")
    return lk.session


def _bytes(text: str) -> bytes:
    return encode_arg(text)


# --- configuration ----------------------------------------------------------------------------------


@MQTTUSERCFG.set
async def mqttusercfg_set(ctx: CommandContext) -> None:
    _count(ctx, 8, 8)
    _link_id(ctx)
    scheme = _int(ctx, 1, 0x6012, 0x6013, 1, 10)
    client_id = _str(ctx, 2, 0x6014, 0x6015, 0x6016, 256)
    username = _str(ctx, 3, 0x6017, 0x6018, 0x6019, 64)
    password = _str(ctx, 4, 0x601A, 0x601B, 0x601C, 64)
    cert_key_id = _int(ctx, 5, 0x601D, 0x601E, 0, 0)  # "only supports one certificate for ID 0"
    ca_id = _int(ctx, 6, 0x601F, 0x6020, 0, 0)
    path = _str(ctx, 7, 0x6027, 0x6028, 0x6029, 32)
    lk = link(ctx.board)
    if lk.state >= 3:
        raise fail(ALREADY_CONNECTED if lk.state >= 4 else NOT_IN_CONFIGURED_STATE, f"state {lk.state}")
    lk.scheme, lk.client_id, lk.username, lk.password = (
        scheme,
        _bytes(client_id),
        _bytes(username),
        _bytes(password),
    )
    lk.cert_key_id, lk.ca_id, lk.path = cert_key_id, ca_id, path
    lk.state = max(lk.state, 1)


async def _long_value(ctx: CommandContext, attr: str, over: int) -> None:
    """3.6.3-3.6.5: ``<LinkID>,<length>``, OK and ``>``, exactly ``<length>`` bytes, then OK."""
    _count(ctx, 2, 2)
    _link_id(ctx)
    length = ctx.args.int(1)  # no 3.6.15 code for reading <length>; its range is the value's own code
    if not 1 <= length <= 1024:
        raise fail(over, f"length {length} outside [1,1024]")
    lk = _configurable(ctx)
    ctx.ok()
    data = await ctx.prompt_and_read(length)
    if data is None:
        ctx.error(code(0x604D))  # AT_MQTT_RECV_LENGTH_IS_WRONG
        return
    setattr(lk, attr, data)
    ctx.ok()


@MQTTLONGCLIENTID.set
async def mqttlongclientid_set(ctx: CommandContext) -> None:
    await _long_value(ctx, "client_id", 0x6016)


@MQTTLONGUSERNAME.set
async def mqttlongusername_set(ctx: CommandContext) -> None:
    await _long_value(ctx, "username", 0x6019)


@MQTTLONGPASSWORD.set
async def mqttlongpassword_set(ctx: CommandContext) -> None:
    await _long_value(ctx, "password", 0x601C)


@MQTTCONNCFG.set
async def mqttconncfg_set(ctx: CommandContext) -> None:
    _count(ctx, 7, 7)
    _link_id(ctx)
    keepalive = _int(ctx, 1, 0x602B, 0x602D, 0, 7200)
    disable_clean = _int(ctx, 2, 0x602E, 0x602F, 0, 1)
    topic = _str(ctx, 3, 0x6030, 0x6031, 0x6032, 128)
    message = _str(ctx, 4, 0x6033, 0x6034, 0x6035, 128)
    qos = _int(ctx, 5, 0x6036, 0x6037, 0, 2, default=0)
    retain = _int(ctx, 6, 0x6038, 0x6039, 0, 1, default=0)
    lk = _configurable(ctx)
    lk.keepalive, lk.disable_clean_session = keepalive, disable_clean
    # an empty <"lwt_topic"> configures no will (esp-mqtt sends a will only with a topic)
    lk.will = mc.Will(topic, _bytes(message), qos, bool(retain)) if topic else None
    lk.state = 2


@MQTTALPN.set
async def mqttalpn_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(2, 7)
    _link_id(ctx)
    n = a.int(1, 0, 5)
    if len(a) != 2 + n:
        raise AtError(errors.para_num(2 + n, len(a)), f"{n} ALPNs announced, {len(a) - 2} given")
    names = [a.str(i, min_len=1) for i in range(2, 2 + n)]
    _configurable(ctx).alpn = names


@MQTTSNI.set
async def mqttsni_set(ctx: CommandContext) -> None:
    ctx.args.count(2)
    _link_id(ctx)
    sni = ctx.args.str(1)
    _configurable(ctx).sni = sni or None


# --- connection -------------------------------------------------------------------------------------


def _target(lk: MqttLink) -> client.Target:
    return client.Target(
        scheme=lk.scheme,
        host=lk.host,
        port=lk.port,
        path=lk.path,
        client_id=lk.client_id,
        username=lk.username or None,
        password=lk.password or None,
        keepalive=lk.keepalive or DEFAULT_KEEPALIVE,
        clean_session=not lk.disable_clean_session,
        will=lk.will,
        cert_key_id=lk.cert_key_id,
        ca_id=lk.ca_id,
        alpn=list(lk.alpn),
        sni=lk.sni,
    )


def shown_path(lk: MqttLink) -> str:
    """The path as the board reports it: 4.4.4 sets ``"mqtt"`` and +MQTTCONNECTED prints ``"/mqtt"``."""
    return "/" + lk.path if lk.path and not lk.path.startswith("/") else lk.path


def _connected_report(lk: MqttLink) -> str:
    # 4.4's transcripts quote the port (spec/corrections.yaml "3.6 MQTT AT Notes")
    return f'+MQTTCONNECTED:0,{lk.scheme},"{lk.host}","{lk.port}","{shown_path(lk)}",{lk.reconnect}'


def _deliver(board: Board, topic: str, payload: bytes) -> None:
    for piece in mc.received_pieces(topic, payload):
        head = b'+MQTTSUBRECV:0,"%s",%d,' % (topic.encode("utf-8", "surrogateescape"), len(piece))
        board.emit(head + piece + b"\r\n", Kind.URC)


async def _open(board: Board, lk: MqttLink, timeout: float) -> None:
    session = await client.connect(board, _target(lk), timeout, lambda t, p: _deliver(board, t, p))
    lk.session = session
    lk.state = 6 if lk.subs else 4

    async def lost() -> None:
        if lk.session is not session:
            return
        lk.session = None
        lk.state = 3
        board.urc("+MQTTDISCONNECTED:0")
        if lk.reconnect:
            lk.retry = board.spawn(_reconnect(board, lk))

    session.start(lost)


async def _reconnect(board: Board, lk: MqttLink) -> None:
    """<reconnect> 1: try again until the broker takes the board back, then re-subscribe its topics."""
    while lk.state == 3:
        await asyncio.sleep(RECONNECT_S)
        try:
            await _open(board, lk, TIMEOUT_MS[2] / 1000)
        except client.MqttFailed as exc:
            board.log(f"at-mqtt: reconnect: {exc}")
            continue
        session = lk.session
        assert session is not None
        board.urc(_connected_report(lk))
        for topic, qos in list(lk.subs.items()):
            with contextlib.suppress(Exception):
                await session.subscribe(topic, qos, TIMEOUT_MS[2] / 1000)
        return


@MQTTCONN.query
async def mqttconn_query(ctx: CommandContext) -> None:
    lk = link(ctx.board)
    if lk.state:
        path = shown_path(lk)
        ctx.reply(f'+MQTTCONN:0,{lk.state},{lk.scheme},"{lk.host}",{lk.port},"{path}",{lk.reconnect}')


@MQTTCONN.set
async def mqttconn_set(ctx: CommandContext) -> None:
    _count(ctx, 4, 5)
    _link_id(ctx)
    host = _str(ctx, 1, 0x603A, 0x603B, 0x603C, 128)
    port = _int(ctx, 2, 0x603D, 0x603E, 1, 65535)
    reconnect = _int(ctx, 3, 0x603F, 0x6040, 0, 1)
    timeout = _timeout(ctx, 4)
    if not host:
        raise fail(0x603B, "empty host")  # AT_MQTT_HOST_IS_NULL
    lk = link(ctx.board)
    if lk.state == 0:
        raise fail(NO_CONFIGURED, "AT+MQTTUSERCFG first")
    if lk.state >= 4:
        raise fail(ALREADY_CONNECTED, "already connected")
    if lk.state == 3:
        # 3.6.9 <reconnect> 0: "you cannot use this command to reestablish MQTT connection"
        raise fail(IN_DISCONNECTED_STATE, "AT+MQTTCLEAN=0 first")
    lk.host, lk.port, lk.reconnect = host, port, reconnect
    try:
        await _open(ctx.board, lk, timeout)
    except client.MqttFailed as exc:
        ctx.board.log(f"at-mqtt: {exc}")
        raise fail(exc.code, str(exc)) from None
    ctx.reply(_connected_report(lk))


# --- publish, subscribe -----------------------------------------------------------------------------


@MQTTPUB.set
async def mqttpub_set(ctx: CommandContext) -> None:
    _count(ctx, 5, 6)
    _link_id(ctx)
    topic = _str(ctx, 1, 0x6041, 0x6042, 0x6043, 128)
    data = _str(ctx, 2, 0x6044, 0x6045, None, None)
    qos = _int(ctx, 3, 0x6047, 0x6048, 0, 2)
    retain = _int(ctx, 4, 0x6049, 0x604A, 0, 1)
    timeout = _timeout(ctx, 5)
    if not topic:
        raise fail(0x6042, "empty topic")
    session = _connected(ctx)
    try:
        await session.publish(topic, _bytes(data), qos, bool(retain), timeout)
    except (client.MqttFailed, TimeoutError, OSError) as exc:
        raise fail(PUBLISH_FAILED, f"publish: {exc!r}") from None


@MQTTPUBRAW.set
async def mqttpubraw_set(ctx: CommandContext) -> None:
    _count(ctx, 5, 6)
    _link_id(ctx)
    topic = _str(ctx, 1, 0x6041, 0x6042, 0x6043, 128)
    length = _int(ctx, 2, 0x604B, 0x604C, 1, PUBRAW_MAX)
    qos = _int(ctx, 3, 0x6047, 0x6048, 0, 2)
    retain = _int(ctx, 4, 0x6049, 0x604A, 0, 1)
    timeout = _timeout(ctx, 5)
    if not topic:
        raise fail(0x6042, "empty topic")
    session = _connected(ctx)
    ctx.ok()
    # 3.6.11's block shows ">" right under OK, but 4.4.2's transcript has the empty line before it that every
    # data prompt has (rigs/at/wire.py prompt.framing)
    data = await ctx.prompt_and_read(length)
    if data is None:
        ctx.urc("+MQTTPUB:FAIL")
        return
    try:
        await session.publish(topic, data, qos, bool(retain), timeout)
    except (client.MqttFailed, TimeoutError, OSError) as exc:
        ctx.board.log(f"at-mqtt: publish: {exc!r}")
        ctx.urc("+MQTTPUB:FAIL")
        return
    ctx.urc("+MQTTPUB:OK")


@MQTTSUB.query
async def mqttsub_query(ctx: CommandContext) -> None:
    lk = link(ctx.board)
    for topic, qos in lk.subs.items():
        ctx.reply(f'+MQTTSUB:0,{lk.state},"{topic}",{qos}')


@MQTTSUB.set
async def mqttsub_set(ctx: CommandContext) -> None:
    _count(ctx, 3, 4)
    _link_id(ctx)
    topic = _str(ctx, 1, 0x6041, 0x6042, 0x6043, 128)
    qos = _int(ctx, 2, 0x6047, 0x6048, 0, 2)
    timeout = _timeout(ctx, 3)
    if not topic:
        raise fail(0x6042, "empty topic")
    session = _connected(ctx)
    lk = link(ctx.board)
    if topic in lk.subs:
        ctx.reply("ALREADY SUBSCRIBE")
        return
    if len(lk.subs) >= MAX_TOPICS:
        raise fail(SUBSCRIBE_FAILED, f"already {MAX_TOPICS} topics")
    try:
        granted = await session.subscribe(topic, qos, timeout)
    except (client.MqttFailed, TimeoutError, OSError) as exc:
        raise fail(SUBSCRIBE_FAILED, f"subscribe: {exc!r}") from None
    if granted == 0x80:
        raise fail(SUBSCRIBE_FAILED, "the broker refused the subscription")
    lk.subs[topic] = qos
    lk.state = 6


@MQTTUNSUB.set
async def mqttunsub_set(ctx: CommandContext) -> None:
    _count(ctx, 2, 3)
    _link_id(ctx)
    topic = _str(ctx, 1, 0x6041, 0x6042, 0x6043, 128)
    timeout = _timeout(ctx, 2)
    session = _connected(ctx)
    lk = link(ctx.board)
    if topic not in lk.subs:
        ctx.reply("NO UNSUBSCRIBE")  # the blank line 3.6.13 shows is the one that frames OK
        return
    try:
        await session.unsubscribe(topic, timeout)
    except (client.MqttFailed, TimeoutError, OSError) as exc:
        raise fail(UNSUBSCRIBE_FAILED, f"unsubscribe: {exc!r}") from None
    del lk.subs[topic]
    if not lk.subs:
        lk.state = 5


@MQTTCLEAN.set
async def mqttclean_set(ctx: CommandContext) -> None:
    _count(ctx, 1, 1)
    _link_id(ctx)
    lk = link(ctx.board)
    if lk.state == 0:
        raise fail(UNINITIATED_OR_ALREADY_CLEAN, "no MQTT link")
    if lk.retry is not None:
        lk.retry.cancel()
    session, lk.session = lk.session, None
    if session is not None:
        await session.close(graceful=True)
    lk.__dict__.update(MqttLink().__dict__)  # the link and its settings are released (3.6.14)
