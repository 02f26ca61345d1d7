"""3.6.10-3.6.13: publishing (AT+MQTTPUB, AT+MQTTPUBRAW) and subscribing (AT+MQTTSUB, AT+MQTTUNSUB), checked
from the broker's other side: paho-mqtt sees exactly the bytes the board published, with the QoS and retain
flag the broker delivered; the board reports exactly what paho published, as +MQTTSUBRECV framed by
<data_length> (3.6.12), also for large messages and for several topics."""

from __future__ import annotations

import pytest

from suites.mqtt.peers import assert_connected, broker_address, subrecv, usercfg

pytestmark = [pytest.mark.mqtt, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture
def connected(dut, expect, esp_rig, joined, esp_mqtt_broker) -> None:
    """The board connected to the rig's broker over TCP (scheme 1)."""
    dut.cmd(usercfg(1, client_id="esp-pubsub")).assert_ok()
    host, port = broker_address(esp_mqtt_broker, 1)
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    assert_connected(r, 1, host, port, "", 0)
    dut.drain_urcs()


@pytest.mark.form("AT+MQTTPUB", "set")
@pytest.mark.parametrize("qos", [0, 1, 2], ids=lambda q: f"qos-{q}")
def test_mqttpub_qos_as_delivered(dut, expect, esp_rig, connected, paho, qos) -> None:
    """AT+MQTTPUB/set/qos-N: paho (subscribed with QoS 2) gets the topic and data byte for byte with the
    board's <qos>; a live subscriber gets retain 0."""
    paho.subscribe("esp/pub/#", qos=2)
    expect.ok(dut.cmd(f'AT+MQTTPUB=0,"esp/pub/{qos}","data of qos {qos}",{qos},0', 20), "AT+MQTTPUB", "set")
    got = paho.get()
    assert (got.topic, got.payload, got.qos, got.retain) == (
        f"esp/pub/{qos}",
        f"data of qos {qos}".encode(),
        qos,
        False,
    )


@pytest.mark.form("AT+MQTTPUB", "set")
def test_mqttpub_escaped_json_and_retain(dut, expect, esp_rig, connected, paho, esp_mqtt_broker) -> None:
    """The guide's own example (3.6.10): ``"\\"{\\"timestamp\\":\\"20201121085253\\"}\\""`` publishes
    ``"{"timestamp":"20201121085253"}"``; with <retain> 1 the broker keeps it and a later subscriber gets it
    with the retain flag."""
    from suites.mqtt.peers import PahoPeer

    line = 'AT+MQTTPUB=0,"esp/retained","\\"{\\"timestamp\\":\\"20201121085253\\"}\\"",1,1'
    try:
        expect.ok(dut.cmd(line, 20), "AT+MQTTPUB", "set")
        late = PahoPeer(esp_mqtt_broker)
        try:
            late.subscribe("esp/retained", qos=2)
            got = late.get()
        finally:
            late.close()
        assert (got.payload, got.qos, got.retain) == (b'"{"timestamp":"20201121085253"}"', 1, True), got
    finally:
        paho.publish("esp/retained", b"", retain=True)  # the broker forgets it


@pytest.mark.form("AT+MQTTPUBRAW", "set")
@pytest.mark.parametrize("length", [1, 4096, 20000], ids=lambda n: f"{n}-bytes")
def test_mqttpubraw_long_message(dut, expect, esp_rig, connected, paho, length) -> None:
    """AT+MQTTPUBRAW: OK and ``>``, exactly <length> bytes (any byte value, ``\\0`` and CR LF included), then
    +MQTTPUB:OK (3.6.11); paho receives those bytes with QoS 1."""
    data = bytes((i * 31 + 7) % 256 for i in range(length))
    paho.subscribe("esp/raw", qos=2)
    prompt = dut.cmd(f'AT+MQTTPUBRAW=0,"esp/raw",{length},1,0', esp_rig.targets.timeouts.command)
    assert prompt.prompt, f"expected OK and '>', got {prompt.text!r}"
    verdict = dut.send_data(data, 30)  # the data first: a board left waiting for it would eat the next line
    expect.ok(prompt, "AT+MQTTPUBRAW", "set")
    assert "+MQTTPUB:OK" in verdict.text, f"expected +MQTTPUB:OK after the data, got {verdict.text!r}"
    got = paho.get(20)
    assert (got.topic, len(got.payload), got.qos) == ("esp/raw", length, 1)
    assert got.payload == data, "paho received other bytes than the board was given"


@pytest.mark.form("AT+MQTTSUB", "set")
@pytest.mark.form("AT+MQTTSUB", "query")
@pytest.mark.form("AT+MQTTUNSUB", "set")
def test_several_topics_listed_received_and_unsubscribed(dut, expect, esp_rig, connected, paho) -> None:
    """Three topics with QoS 0, 1, 2: AT+MQTTSUB? lists each with its QoS and <state> 6; messages from paho
    arrive on each topic byte for byte; AT+MQTTUNSUB removes one from the list and its messages stop;
    subscribing again prints ALREADY SUBSCRIBE, unsubscribing again NO UNSUBSCRIBE (3.6.12, 3.6.13)."""
    topics = {"esp/sub/a": 0, "esp/sub/b": 1, "esp/sub/c": 2}
    for topic, qos in topics.items():
        expect.ok(dut.cmd(f'AT+MQTTSUB=0,"{topic}",{qos}', 20), "AT+MQTTSUB", "set")
    listed = expect.ok(dut.cmd("AT+MQTTSUB?"), "AT+MQTTSUB", "query")
    assert sorted(zip(listed.all("topic"), listed.all("qos"), strict=True)) == sorted(topics.items())
    assert set(listed.all("state")) == {6} and set(listed.all("LinkID")) == {0}
    again = dut.cmd('AT+MQTTSUB=0,"esp/sub/b",1', 20)
    # 3.6.12 gives "ALREADY SUBSCRIBE" with no final result after it (OK or ERROR is not said), so only the
    # line is checked; NO UNSUBSCRIBE (3.6.13) is followed by OK in the guide and is matched whole below
    assert "ALREADY SUBSCRIBE" in again.lines, again.text
    for topic in reversed(topics):
        paho.publish(topic, f"to {topic}\r\n\x00end".encode(), qos=1)
    seen = sorted(subrecv(dut, esp_rig.targets.timeouts.connect) for _ in topics)
    assert seen == sorted((t, f"to {t}\r\n\x00end".encode()) for t in topics)
    expect.ok(dut.cmd('AT+MQTTUNSUB=0,"esp/sub/b"', 20), "AT+MQTTUNSUB", "set")
    listed = expect.ok(dut.cmd("AT+MQTTSUB?"), "AT+MQTTSUB", "query")
    assert sorted(listed.all("topic")) == ["esp/sub/a", "esp/sub/c"]
    paho.publish("esp/sub/b", b"not for the board")
    paho.publish("esp/sub/a", b"still")
    assert subrecv(dut, esp_rig.targets.timeouts.connect) == ("esp/sub/a", b"still")
    again = dut.cmd('AT+MQTTUNSUB=0,"esp/sub/b"', 20)
    expect.ok(again, "AT+MQTTUNSUB", "set")
    assert "NO UNSUBSCRIBE" in again.lines, again.text


@pytest.mark.form("AT+MQTTSUB", "set")
@pytest.mark.parametrize("size", [1024, 5000], ids=lambda n: f"{n}-bytes")
def test_subrecv_framing_of_a_large_message(dut, expect, esp_rig, connected, paho, size) -> None:
    """A message larger than the 1024-byte buffer arrives as one or more +MQTTSUBRECV (3.6.12 note), each
    with the topic and exactly <data_length> bytes; together they are the message, in order."""
    data = bytes((i * 13) % 256 for i in range(size))
    expect.ok(dut.cmd('AT+MQTTSUB=0,"esp/big",1', 20), "AT+MQTTSUB", "set")
    paho.publish("esp/big", data, qos=1)
    got = bytearray()
    while len(got) < size:
        topic, piece = subrecv(dut, esp_rig.targets.timeouts.connect)
        assert topic == "esp/big" and piece, (topic, len(piece))
        got += piece
    assert bytes(got) == data


#: the 427 bytes 4.4.2 publishes with AT+MQTTPUBRAW (MQTT_AT_Examples.rst)
GUIDE_427 = (
    b'{"headers": {"Accept": "application/json","Accept-Encoding": "gzip, deflate","Accept-Language": '
    b'"en-US,en;q=0.9,zh-CN;q=0.8,zh;q=0.7","Content-Length": "0","Host": "httpbin.org","Origin": '
    b'"http://httpbin.org","Referer": "http://httpbin.org/","User-Agent": "Mozilla/5.0 (X11; Linux x86_64) '
    b'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.114 Safari/537.36","X-Amzn-Trace-Id": '
    b'"Root=1-6150581e-1ad4bd5254b4bf5218070413"}}'
)


@pytest.mark.form("AT+MQTTSUB", "set")
@pytest.mark.form("AT+MQTTPUB", "set")
@pytest.mark.form("AT+MQTTPUBRAW", "set")
def test_guide_transcripts_of_4_4_1_and_4_4_2(dut, expect, esp_rig, connected, paho) -> None:
    """The subscriber's reports of 4.4.1 and 4.4.2, with the board as its own subscriber (MQTT 3.1.1 delivers
    a client's publish to its own subscription): ``+MQTTSUBRECV:0,"topic",4,test`` after
    AT+MQTTPUB=0,"topic","test",1,0, and the 427-byte JSON after AT+MQTTPUBRAW=0,"topic",427,0,0."""
    assert len(GUIDE_427) == 427
    expect.ok(dut.cmd('AT+MQTTSUB=0,"topic",1', 20), "AT+MQTTSUB", "set")
    expect.ok(dut.cmd('AT+MQTTPUB=0,"topic","test",1,0', 20), "AT+MQTTPUB", "set")
    # +MQTTSUBRECV:0,"topic",4,test: LinkID 0, the topic, <data_length> 4 and exactly those 4 bytes
    assert subrecv(dut, esp_rig.targets.timeouts.connect) == ("topic", b"test")
    prompt = dut.cmd('AT+MQTTPUBRAW=0,"topic",427,0,0', esp_rig.targets.timeouts.command)
    assert prompt.prompt, prompt.text
    verdict = dut.send_data(GUIDE_427, 20)
    expect.ok(prompt, "AT+MQTTPUBRAW", "set")
    assert "+MQTTPUB:OK" in verdict.text, verdict.text
    assert subrecv(dut, esp_rig.targets.timeouts.connect) == ("topic", GUIDE_427)
