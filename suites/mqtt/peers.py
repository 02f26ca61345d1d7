"""The other side of the board's MQTT link: paho-mqtt on the rig's broker (servers/mqtt.py), and the steps
every MQTT test shares (configure, connect and check the report, read +MQTTSUBRECV).

Expected values come from the guide (spec/ templates, the 3.17 report templates) and from what paho saw or
sent; the broker's addresses come from the rig (network.host_address)."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from rigs.at.events import Urc
from spec.messages import urc

#: AT+MQTTUSERCFG <scheme> (3.6.2) -> the broker listener that speaks it (servers/mqtt.py)
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
#: schemes that verify the server or present a client certificate (3.6.2): the rig's PKI must be provisioned
NEEDS_PKI = frozenset({3, 4, 5, 8, 9, 10})
#: the WebSocket path mosquitto's bridge serves (servers/mqtt.py)
WS_PATH = "/mqtt"
PAHO_WAIT = 10.0


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    t: float = 0.0  # time.monotonic() when paho handed it over (the throughput suite times uploads by it)


class PahoPeer:
    """A paho-mqtt client on the broker's plain listener; keeps every message with QoS and retain flag as the
    broker delivered them."""

    def __init__(self, broker, client_id: str | None = None) -> None:
        self.inbox: queue.Queue[Received] = queue.Queue()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"paho-{time.monotonic_ns()}"
        )
        ready = threading.Event()
        self.client.on_connect = lambda *a: ready.set()
        self.client.on_message = lambda c, u, m: self.inbox.put(
            Received(m.topic, m.payload, m.qos, m.retain, time.monotonic())
        )
        host, port = broker_address(broker, 1)  # plain TCP: the rig's own, or an external broker's port
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        if not ready.wait(PAHO_WAIT):
            raise AssertionError(f"paho could not connect to the rig's broker at {host}:{port}")

    def subscribe(self, topic: str, qos: int = 2) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *a: done.set()
        self.client.subscribe(topic, qos=qos)
        assert done.wait(PAHO_WAIT), f"paho: no SUBACK for {topic!r}"

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(PAHO_WAIT)

    def get(self, timeout: float = PAHO_WAIT) -> Received:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"paho received nothing within {timeout} s") from None

    def nothing(self, wait: float = 1.0) -> None:
        try:
            got = self.inbox.get(timeout=wait)
        except queue.Empty:
            return
        raise AssertionError(f"paho received {got} where nothing was expected")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def broker_address(broker, scheme: int) -> tuple[str, int]:
    """Where the board reaches the broker over ``scheme``. A broker the rig declares external has the one
    endpoint the rig names (``mqtt``, or ``mqtt-tls`` with ``tls: true``): scheme 1, or 2 over TLS; a test
    of another scheme is skipped with the reason (the bench's broker is not known to serve it)."""
    if getattr(broker, "external", False):
        ((name, endpoint),) = broker.endpoints.items()
        if (scheme == 1 and name == "mqtt") or (scheme == 2 and name == "mqtt-tls"):
            return endpoint.address
        import pytest

        pytest.skip(
            f"the rig's MQTT broker is external ({name} at {endpoint.host}:{endpoint.port}): scheme {scheme} "
            f"needs its {LISTENER[scheme]} listener, which the rig does not name"
        )
    host, port = broker.endpoints[LISTENER[scheme]].address
    return host, port


def usercfg(
    scheme: int, client_id: str = "esp32-at", username: str = "espressif", password: str = "1234567890"
):
    path = WS_PATH if scheme >= 6 else ""
    return f'AT+MQTTUSERCFG=0,{scheme},"{client_id}","{username}","{password}",0,0,"{path}"'


def assert_connected(events, scheme: int, host: str, port: int, path: str, reconnect: int) -> None:
    """A +MQTTCONNECTED report came (3.6 MQTT AT Notes) that matches the 3.17 template (spec/urcs.yaml
    mqtt_connected) and carries the values the connection was made with."""
    events = getattr(events, "urcs", events)
    reports = [u for u in events if isinstance(u, Urc) and u.kind == "+MQTTCONNECTED"]
    assert reports, f"no +MQTTCONNECTED report: {[getattr(u, 'text', u) for u in events]}"
    template = urc("mqtt_connected")
    text = reports[-1].text
    assert template.regex.fullmatch(text), f"{text!r} does not match the 3.17 template {template.template!r}"
    want = f'+MQTTCONNECTED:0,{scheme},"{host}","{port}","{path}",{reconnect}'
    assert text == want, f"+MQTTCONNECTED carries other values: got {text!r}, connected with {want!r}"


def subrecv(dut, timeout: float) -> tuple[str, bytes]:
    """The next +MQTTSUBRECV (3.6.12): its topic and exactly <data_length> bytes of data (the codec frames the
    data by that length, rigs/at/messages.py); checked against the 3.17 template's header."""
    ev = dut.expect_urc("+MQTTSUBRECV", timeout)
    assert isinstance(ev, Urc) and ev.payload is not None, ev
    link_id, topic, length = ev.fields[0], ev.fields[1], ev.fields[2]
    assert link_id == "0", f"+MQTTSUBRECV of LinkID {link_id!r}; 3.6.12: only LinkID 0"
    assert int(length) == len(ev.payload), f"<data_length> {length} but {len(ev.payload)} bytes: {ev.text!r}"
    return topic.strip('"'), bytes(ev.payload)
