"""sim/net/mqtt_codec.py: MQTT 3.1.1 packets (OASIS MQTT 3.1.1, 2-3) byte for byte, decoding under any
split of the stream, and the +MQTTSUBRECV split of 3.6.12's note.

Against paho-mqtt: tests/sim/test_mqtt_process.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.net import mqtt_codec as mc


def test_connect_bytes_with_will_user_password() -> None:
    data = mc.connect(
        "id", keepalive=120, clean_session=True, username="u", password="p", will=mc.Will("w", b"m", 1, True)
    )
    # fixed header 0x10, length; "MQTT" level 4; flags user|pass|will retain|will qos 1|will|clean
    assert data[:2] == bytes([0x10, len(data) - 2])
    assert data[2:10] == b"\x00\x04MQTT\x04" + bytes([0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02])
    assert data[10:12] == b"\x00\x78"
    assert data[12:] == b"\x00\x02id\x00\x01w\x00\x01m\x00\x01u\x00\x01p"


def test_publish_roundtrip_and_remaining_length() -> None:
    payload = bytes(range(256)) * 600  # remaining length needs 3 bytes
    data = mc.publish("a/b", payload, qos=2, retain=True, packet_id=7)
    assert data[0] == 0x35
    [p] = mc.Decoder().feed(data)
    assert (p.type, p.topic, p.payload, p.qos, p.retain, p.packet_id) == (
        mc.PacketType.PUBLISH,
        "a/b",
        payload,
        2,
        True,
        7,
    )


@given(st.lists(st.integers(1, 50), min_size=1, max_size=40))
def test_any_split_gives_the_same_packets(cuts: list[int]) -> None:
    stream = b"".join(
        [
            bytes([0x20, 2, 0, 0]),  # CONNACK
            mc.publish("t", b"x" * 300, qos=1, retain=False, packet_id=1),
            mc.ack(mc.PacketType.PUBREL, 9),
            bytes([0x90, 3, 0, 5, 1]),  # SUBACK
            bytes([0xD0, 0]),  # PINGRESP
        ]
    )
    whole = mc.Decoder().feed(stream)
    d, got, i = mc.Decoder(), [], 0
    for n in cuts * (len(stream) // sum(cuts) + 1):
        got += d.feed(stream[i : i + n])
        i += n
        if i >= len(stream):
            break
    assert got == whole and [p.type for p in whole] == [
        mc.PacketType.CONNACK,
        mc.PacketType.PUBLISH,
        mc.PacketType.PUBREL,
        mc.PacketType.SUBACK,
        mc.PacketType.PINGRESP,
    ]
    assert whole[3].granted == (1,) and whole[2].packet_id == 9


def test_malformed_input_is_refused() -> None:
    with pytest.raises(mc.MqttCodecError):
        mc.Decoder().feed(bytes([0x36, 3, 0, 1, 0x61]))  # QoS 3
    with pytest.raises(mc.MqttCodecError):
        mc.Decoder().feed(bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]))  # 5-byte remaining length


def test_received_pieces_follow_the_1024_byte_buffer() -> None:
    assert mc.received_pieces("t", b"a" * 100) == [b"a" * 100]
    data = bytes(i % 251 for i in range(5000))
    pieces = mc.received_pieces("topic", data)
    assert b"".join(pieces) == data
    header = 1 + 2 + 2 + len("topic")  # fixed header with a 2-byte remaining length, topic
    assert len(pieces[0]) == 1024 - header and all(len(p) <= 1024 for p in pieces)
