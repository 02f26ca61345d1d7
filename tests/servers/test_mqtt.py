"""The MQTT broker, talked to with paho-mqtt over every listener (3.6 schemes 1-10)."""

from __future__ import annotations

import queue
import ssl
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from servers.errors import ProgramMissingError
from servers.mqtt import MosquittoPorts, MqttBroker, mosquitto_config, mosquitto_version
from servers.pki import CertFiles, EspPki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> EspPki:
    return EspPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def broker(pki: EspPki, tmp_path_factory: pytest.TempPathFactory) -> MqttBroker:
    with MqttBroker(tmp_path_factory.mktemp("mqtt"), pki) as b:
        yield b


def _client(
    broker: MqttBroker,
    listener: str,
    pki: EspPki,
    cert: CertFiles | None = None,
    trust_wrong_ca: bool = False,
    client_id: str = "",
) -> tuple[mqtt.Client, queue.Queue[object]]:
    """A connected paho client, or raises with the reason the broker refused."""
    ws = listener.startswith("ws")
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, transport="websockets" if ws else "tcp"
    )
    if ws:
        client.ws_set_options(path="/mqtt")
    if listener in ("tls", "mtls", "wss", "wss_mtls"):
        ctx = pki.client_context(cert=cert, trust_wrong_ca=trust_wrong_ca)
        client.tls_set_context(ctx)
    inbox: queue.Queue[object] = queue.Queue()
    connected = threading.Event()
    result: list[object] = []

    def on_connect(c: mqtt.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        result.append(reason)
        connected.set()

    def on_disconnect(c: mqtt.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        result.append(f"disconnected: {reason}")  # a refused TLS 1.3 client learns it here
        connected.set()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = lambda c, u, msg: inbox.put((msg.topic, msg.payload))
    host, port = broker.endpoints[listener].address
    client.connect(host, port, keepalive=30)
    client.loop_start()
    if not connected.wait(10) or isinstance(result[0], str) or result[0].is_failure:  # type: ignore[attr-defined]
        client.loop_stop()
        raise ConnectionError(f"{listener}: not connected ({result})")
    return client, inbox


def _roundtrip(sub: mqtt.Client, inbox: queue.Queue[object], pub: mqtt.Client, topic: str) -> object:
    done = threading.Event()
    sub.on_subscribe = lambda *a: done.set()
    sub.subscribe(topic, qos=1)
    assert done.wait(10)
    pub.publish(topic, b"payload-" + topic.encode(), qos=1).wait_for_publish(10)
    return inbox.get(timeout=10)


@pytest.mark.parametrize("listener", ["tcp", "tls", "ws", "wss"])
def test_publish_subscribe_on_each_listener(broker: MqttBroker, pki: EspPki, listener: str) -> None:
    client, inbox = _client(broker, listener, pki)
    try:
        assert _roundtrip(client, inbox, client, f"esp/{listener}") == (
            f"esp/{listener}",
            f"payload-esp/{listener}".encode(),
        )
    finally:
        client.disconnect()
        client.loop_stop()


def test_one_broker_behind_all_listeners(broker: MqttBroker, pki: EspPki) -> None:
    sub, inbox = _client(broker, "tcp", pki)
    pub, _ = _client(broker, "wss_mtls", pki, cert=pki.client)
    try:
        assert _roundtrip(sub, inbox, pub, "esp/cross") == ("esp/cross", b"payload-esp/cross")
        session = [s for s in broker.ws_sessions if s.listener == "wss_mtls"][-1]
        assert session.path == "/mqtt" and session.subprotocol == "mqtt"
        assert "esp32-board" in (session.client_cert_subject or "")
    finally:
        for c in (sub, pub):
            c.disconnect()
            c.loop_stop()


@pytest.mark.parametrize("listener", ["mtls", "wss_mtls"])
def test_mutual_tls_right_cert_accepted_wrong_and_missing_refused(
    broker: MqttBroker, pki: EspPki, listener: str
) -> None:
    client, _ = _client(broker, listener, pki, cert=pki.client)
    client.disconnect()
    client.loop_stop()
    for cert in (pki.wrong_client, None):
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            c, _ = _client(broker, listener, pki, cert=cert)
            c.disconnect()
            c.loop_stop()


def test_tls_refused_when_client_trusts_another_ca(broker: MqttBroker, pki: EspPki) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        _client(broker, "tls", pki, trust_wrong_ca=True)


def test_broker_log_is_captured(broker: MqttBroker, pki: EspPki) -> None:
    client, _ = _client(broker, "tcp", pki, client_id="log-check-client")
    client.disconnect()
    client.loop_stop()
    assert mosquitto_version().startswith("2.")
    assert "log-check-client" in broker.log_text()
    assert broker.log_path.is_file()


def test_config_without_pki_has_only_plain_listener() -> None:
    text = mosquitto_config("127.0.0.1", MosquittoPorts(1883, None, None), None)
    assert "listener 1883 127.0.0.1" in text and "certfile" not in text
    with pytest.raises(ValueError, match="need a PKI"):
        mosquitto_config("127.0.0.1", MosquittoPorts(1883, 8883, None), None)


def test_missing_mosquitto_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(ProgramMissingError, match="apt-get install mosquitto"):
        MqttBroker(tmp_path, mosquitto=str(tmp_path / "no-such-mosquitto"))


def _connack(host: str, port: int, creds: tuple[str, str] | None) -> mqtt.ReasonCode:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    if creds:
        client.username_pw_set(*creds)
    got: queue.Queue[mqtt.ReasonCode] = queue.Queue()
    client.on_connect = lambda c, userdata, flags, reason, props: got.put(reason)
    client.connect(host, port)
    client.loop_start()
    try:
        return got.get(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def test_users_and_passwords(tmp_path: Path, pki: EspPki) -> None:
    # AT+MQTTUSERCFG's username/password (3.6): right pair accepted, wrong password and anonymous refused.
    with MqttBroker(tmp_path, pki, users={"espressif": "1234567890"}, websockets=False) as secured:
        host, port = secured.endpoints["tcp"].address
        assert not _connack(host, port, ("espressif", "1234567890")).is_failure
        assert _connack(host, port, ("espressif", "nope")).is_failure
        assert _connack(host, port, None).is_failure
        assert "password_file" in secured.config_path.read_text()
