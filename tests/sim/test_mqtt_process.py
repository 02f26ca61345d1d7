"""3.6 MQTT commands on a simulated board process, against servers/mqtt.py (mosquitto), through the AtSession,
with paho-mqtt as the independent client on the broker's other side.

Every scheme the simulator supports is checked both ways: paho sees exactly what the board published (bytes,
QoS and retain as the broker delivered them) and the board reports exactly what paho published.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from rigs.at.events import Urc
from rigs.at.session import AtSession
from servers.mqtt import MqttBroker
from servers.pki import EspPki
from tests.sim.netrig import joined_board, provision, texts

#: scheme -> broker listener (3.6.2 <scheme>)
LISTENER = {
    1: "tcp",
    2: "tls",
    3: "tls",
    4: "mtls",
    5: "mtls",
    6: "ws",
    7: "wss",
    8: "wss",
    9: "wss_mtls",
    10: "wss_mtls",
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> EspPki:
    return EspPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def broker(pki: EspPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MqttBroker]:
    with MqttBroker(tmp_path_factory.mktemp("mqtt"), pki) as b:
        yield b


@pytest.fixture
def board(tmp_path: Path, pki: EspPki) -> Iterator[AtSession]:
    with joined_board(tmp_path) as (dut, _ip):
        provision(dut, pki.sysmfg_items("mqtt"))
        dut.cmd("AT+SYSLOG=1").assert_ok()
        yield dut


class Paho:
    """A paho-mqtt client on the broker's plain listener that keeps every message with its flags."""

    def __init__(self, broker: MqttBroker) -> None:
        self.inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"paho-{time.monotonic_ns()}")
        ready = threading.Event()
        self.c.on_connect = lambda *a: ready.set()
        self.c.on_message = lambda c, u, msg: self.inbox.put(msg)
        host, port = broker.endpoints["tcp"].address
        self.c.connect(host, port, keepalive=30)
        self.c.loop_start()
        assert ready.wait(10)

    def subscribe(self, topic: str, qos: int = 2) -> None:
        done = threading.Event()
        self.c.on_subscribe = lambda *a: done.set()
        self.c.subscribe(topic, qos=qos)
        assert done.wait(10)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.c.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(10)

    def get(self, timeout: float = 10) -> mqtt.MQTTMessage:
        return self.inbox.get(timeout=timeout)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


@pytest.fixture
def paho(broker: MqttBroker) -> Iterator[Paho]:
    p = Paho(broker)
    yield p
    p.close()


def _connect(
    dut: AtSession, broker: MqttBroker, scheme: int, client_id: str = "esp32", reconnect: int = 0
) -> None:
    path = "/mqtt" if scheme >= 6 else ""
    dut.cmd(f'AT+MQTTUSERCFG=0,{scheme},"{client_id}","espressif","1234567890",0,0,"{path}"').assert_ok()
    host, port = broker.endpoints[LISTENER[scheme]].address
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},{reconnect}', timeout=20).assert_ok()
    assert f'+MQTTCONNECTED:0,{scheme},"{host}","{port}","{path}",{reconnect}' in texts(r)


def _subrecv(dut: AtSession, timeout: float = 10) -> tuple[str, bytes]:
    ev = dut.expect_urc("+MQTTSUBRECV", timeout=timeout)
    assert isinstance(ev, Urc)
    return ev.fields[1].strip('"'), bytes(ev.payload or b"")


@pytest.mark.parametrize("scheme", range(1, 11), ids=lambda s: f"scheme-{s}-{LISTENER[s]}")
def test_each_scheme_both_ways(board: AtSession, broker: MqttBroker, paho: Paho, scheme: int) -> None:
    dut = board
    _connect(dut, broker, scheme)
    topic = f"esp/s{scheme}"
    paho.subscribe(topic + "/up")
    dut.cmd(f'AT+MQTTPUB=0,"{topic}/up","hello \\"{scheme}\\"",1,0', timeout=20).assert_ok()
    msg = paho.get()
    assert (msg.topic, msg.payload, msg.qos, msg.retain) == (
        f"{topic}/up",
        f'hello "{scheme}"'.encode(),
        1,
        False,
    )
    dut.cmd(f'AT+MQTTSUB=0,"{topic}/down",1', timeout=20).assert_ok()
    data = bytes(range(256))  # every byte value, \0 and CR LF included
    paho.publish(f"{topic}/down", data, qos=1)
    assert _subrecv(dut) == (f"{topic}/down", data)
    dut.cmd("AT+MQTTCLEAN=0").assert_ok()
    if scheme >= 6:
        assert broker.ws_sessions[-1].path == "/mqtt" and broker.ws_sessions[-1].subprotocol == "mqtt"


def test_qos_and_retain_as_delivered(board: AtSession, broker: MqttBroker, paho: Paho) -> None:
    dut = board
    _connect(dut, broker, 1)
    paho.subscribe("esp/q/#", qos=2)
    for qos in (0, 1, 2):
        dut.cmd(f'AT+MQTTPUB=0,"esp/q/{qos}","m{qos}",{qos},0', timeout=20).assert_ok()
        msg = paho.get()
        assert (msg.topic, msg.payload, msg.qos, msg.retain) == (
            f"esp/q/{qos}",
            f"m{qos}".encode(),
            qos,
            False,
        )
    dut.cmd('AT+MQTTPUB=0,"esp/r/kept","kept",1,1', timeout=20).assert_ok()
    late = Paho(broker)
    try:
        late.subscribe("esp/r/kept", qos=1)
        msg = late.get()
        assert (msg.payload, msg.retain) == (b"kept", True)  # the broker kept it: retain was set
    finally:
        late.close()
        paho.publish("esp/r/kept", b"", qos=1, retain=True)  # clear the retained message


def test_pubraw_long_message_and_split_subrecv(board: AtSession, broker: MqttBroker, paho: Paho) -> None:
    dut = board
    _connect(dut, broker, 1)
    paho.subscribe("esp/raw")
    data = bytes((i * 7) % 256 for i in range(5000))
    r = dut.cmd('AT+MQTTPUBRAW=0,"esp/raw",5000,1,0', timeout=20)
    assert r.prompt
    r = dut.send_data(data, timeout=20)
    assert "+MQTTPUB:OK" in texts(r)
    msg = paho.get()
    assert (msg.payload, msg.qos) == (data, 1)
    dut.cmd('AT+MQTTSUB=0,"esp/big",0', timeout=20).assert_ok()
    paho.publish("esp/big", data, qos=0)
    got = bytearray()
    while len(got) < len(data):
        topic, piece = _subrecv(dut)
        assert topic == "esp/big" and 0 < len(piece) <= 1024
        got += piece
    assert bytes(got) == data


def test_several_topics_and_queries(board: AtSession, broker: MqttBroker, paho: Paho) -> None:
    dut = board
    _connect(dut, broker, 1)
    assert dut.cmd("AT+MQTTCONN?").assert_ok().lines[0].startswith("+MQTTCONN:0,4,1,")
    for i, qos in enumerate((0, 1, 2)):
        dut.cmd(f'AT+MQTTSUB=0,"esp/t{i}",{qos}', timeout=20).assert_ok()
    assert [x for x in dut.cmd("AT+MQTTSUB?").assert_ok().lines if x] == [
        '+MQTTSUB:0,6,"esp/t0",0',
        '+MQTTSUB:0,6,"esp/t1",1',
        '+MQTTSUB:0,6,"esp/t2",2',
    ]
    assert "ALREADY SUBSCRIBE" in dut.cmd('AT+MQTTSUB=0,"esp/t1",1', timeout=20).assert_ok().lines
    for i in (2, 0, 1):
        paho.publish(f"esp/t{i}", f"to t{i}".encode())
    assert sorted(_subrecv(dut) for _ in range(3)) == [(f"esp/t{i}", f"to t{i}".encode()) for i in range(3)]
    dut.cmd('AT+MQTTUNSUB=0,"esp/t1"', timeout=20).assert_ok()
    assert "NO UNSUBSCRIBE" in dut.cmd('AT+MQTTUNSUB=0,"esp/t1"', timeout=20).assert_ok().lines


def test_long_credentials_and_lwt(board: AtSession, broker: MqttBroker, paho: Paho) -> None:
    dut = board
    dut.cmd('AT+MQTTUSERCFG=0,1,"x","","",0,0,""').assert_ok()
    client_id = b"long-" + b"c" * 300
    assert dut.cmd(f"AT+MQTTLONGCLIENTID=0,{len(client_id)}").prompt
    dut.send_data(client_id).assert_ok()
    dut.cmd('AT+MQTTCONNCFG=0,5,0,"esp/will","gone",1,1').assert_ok()
    paho.subscribe("esp/will", qos=1)
    host, port = broker.endpoints["tcp"].address
    dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', timeout=20).assert_ok()
    assert client_id.decode() in broker.log_text()
    # a second client with the same id takes over: the broker drops the board, which must not send DISCONNECT,
    # so its will is published
    thief = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id.decode())
    thief.connect(host, port)
    thief.loop_start()
    try:
        dut.expect_urc("+MQTTDISCONNECTED", timeout=10)
        msg = paho.get()
        assert (msg.topic, msg.payload, msg.qos) == ("esp/will", b"gone", 1)
    finally:
        thief.disconnect()
        thief.loop_stop()
        paho.publish("esp/will", b"", retain=True)
    assert ",3,1," in dut.cmd("AT+MQTTCONN?").assert_ok().lines[0]  # state 3: disconnected
    assert dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', timeout=20).err_code == 0x010A6051
    dut.cmd("AT+MQTTCLEAN=0").assert_ok()


def test_reconnect_flag(board: AtSession, broker: MqttBroker, paho: Paho) -> None:
    """<reconnect> 1: the board comes back by itself and its listed topics are subscribed again."""
    dut = board
    _connect(dut, broker, 1, client_id="esp-reconnect", reconnect=1)
    dut.cmd('AT+MQTTSUB=0,"esp/rc",0', timeout=20).assert_ok()
    dut.drain_urcs()  # the report of AT+MQTTCONN itself
    host, port = broker.endpoints["tcp"].address
    thief = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="esp-reconnect")
    thief.connect(host, port)
    thief.loop_start()
    dut.expect_urc("+MQTTDISCONNECTED", timeout=10)
    thief.disconnect()
    thief.loop_stop()
    dut.expect_urc("+MQTTCONNECTED", timeout=15)
    time.sleep(0.5)  # the re-subscription follows the report
    paho.publish("esp/rc", b"after reconnect")
    assert _subrecv(dut) == ("esp/rc", b"after reconnect")
    dut.cmd("AT+MQTTCLEAN=0").assert_ok()


def test_error_codes(board: AtSession, broker: MqttBroker) -> None:
    dut = board

    def code(line: str) -> int | None:
        r = dut.cmd(line, timeout=20)
        assert r.final == "ERROR", r.text
        return r.err_code

    assert code('AT+MQTTPUB=0,"t","d",0,0') == 0x010A6006  # AT_MQTT_NULL_LINK
    assert code("AT+MQTTCLEAN=0") == 0x010A6003  # AT_MQTT_UNINITIATED_OR_ALREADY_CLEAN
    assert code('AT+MQTTUSERCFG=1,1,"a","b","c",0,0,""') == 0x010A6011  # LINK_ID_VALUE_IS_WRONG
    assert code('AT+MQTTUSERCFG=0,11,"a","b","c",0,0,""') == 0x010A6013  # SCHEME_VALUE_IS_WRONG
    assert code(f'AT+MQTTUSERCFG=0,1,"a","{"u" * 65}","c",0,0,""') == 0x010A6019  # USERNAME_IS_OVERLENGTH
    assert code('AT+MQTTUSERCFG=0,1,"a","b","c",0,0') == 0x010A6008  # PARAMETER_COUNTS_IS_WRONG
    assert code('AT+MQTTCONN=0,"127.0.0.1",1883,0') == 0x010A6001  # AT_MQTT_NO_CONFIGURED
    dut.cmd('AT+MQTTUSERCFG=0,1,"a","b","c",0,0,""').assert_ok()
    assert code('AT+MQTTCONNCFG=0,7201,0,"","",0,0') == 0x010A602D  # KEEPALIVE_VALUE_IS_WRONG
    assert code('AT+MQTTCONN=0,"127.0.0.1",0,0') == 0x010A603E  # PORT_VALUE_IS_WRONG
    assert code('AT+MQTTCONN=0,"127.0.0.1",1,0,3000') == 0x010A600B  # CLIENT_START_FAILED (refused)
    _connect(dut, broker, 1)
    assert code('AT+MQTTPUB=0,"t","d",3,0') == 0x010A6048  # QOS_VALUE_IS_WRONG
    assert code(f'AT+MQTTSUB=0,"{"t" * 129}",0') == 0x010A6043  # TOPIC_IS_OVERLENGTH
    host, port = broker.endpoints["tcp"].address
    assert code(f'AT+MQTTCONN=0,"{host}",{port},0') == 0x010A6004  # ALREADY_CONNECTED
    dut.cmd("AT+MQTTCLEAN=0").assert_ok()


def test_alpn_and_sni_reach_the_tls_server(board: AtSession, pki: EspPki) -> None:
    """AT+MQTTALPN's names are offered in the ClientHello and AT+MQTTSNI is sent as SNI (3.6.7, 3.6.8); an
    echo server answers CONNECT with CONNECT, so AT+MQTTCONN then fails with AT_MQTT_CLIENT_START_FAILED."""
    from tests.sim.netrig import TlsEchoServer

    ctx = pki.server_context()
    ctx.set_alpn_protocols(["mqtt-ca.us"])
    dut = board
    with TlsEchoServer(ctx) as server:
        dut.cmd('AT+MQTTUSERCFG=0,2,"esp32","","",0,0,""').assert_ok()
        dut.cmd('AT+MQTTALPN=0,2,"mqtt-ca.cn","mqtt-ca.us"').assert_ok()
        dut.cmd('AT+MQTTSNI=0,"broker.example"').assert_ok()
        r = dut.cmd(f'AT+MQTTCONN=0,"127.0.0.1",{server.port},0,3000', timeout=20)
        assert r.final == "ERROR" and r.err_code == 0x010A600B, r.text
        server.wait_handshakes(1)
        assert server.sni == ["broker.example"] and server.alpn == ["mqtt-ca.us"]


def test_path_without_slash_reported_with_one(board: AtSession, broker: MqttBroker) -> None:
    """4.4.4: <"path"> "mqtt" is reported as "/mqtt" by +MQTTCONNECTED (and AT+MQTTCONN?); the WebSocket
    request goes to /mqtt."""
    dut = board
    dut.cmd('AT+MQTTUSERCFG=0,6,"esp-path","","",0,0,"mqtt"').assert_ok()
    host, port = broker.endpoints["ws"].address
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},1', timeout=20).assert_ok()
    assert f'+MQTTCONNECTED:0,6,"{host}","{port}","/mqtt",1' in texts(r)
    assert dut.cmd("AT+MQTTCONN?").assert_ok().lines[0] == f'+MQTTCONN:0,4,6,"{host}",{port},"/mqtt",1'
    assert broker.ws_sessions[-1].path == "/mqtt"
    dut.cmd("AT+MQTTCLEAN=0").assert_ok()


def test_restart_drops_the_connection_and_the_settings(
    board: AtSession, broker: MqttBroker, paho: Paho
) -> None:
    """AT+RST while connected: the broker loses the board without DISCONNECT and publishes its will; after the
    restart no MQTT setting is left (none of 3.6 is saved)."""
    dut = board
    dut.cmd('AT+MQTTUSERCFG=0,1,"esp-rst","","",0,0,""').assert_ok()
    dut.cmd('AT+MQTTCONNCFG=0,30,0,"esp/rst/will","restarted",1,0').assert_ok()
    paho.subscribe("esp/rst/will", qos=1)
    host, port = broker.endpoints["tcp"].address
    dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', timeout=20).assert_ok()
    dut.reset("at", 10)
    msg = paho.get()
    assert (msg.topic, msg.payload) == ("esp/rst/will", b"restarted")
    assert [x for x in dut.cmd("AT+MQTTCONN?").assert_ok().lines if x] == []
