"""MQTT 3.1.1 packets as the board's client needs them (sans-IO: bytes in, packets out; no sockets).

The simulated ESP-AT MQTT client (3.6) speaks MQTT 3.1.1, as ESP-AT's esp-mqtt does by default. The codec is
our own rather than paho-mqtt's so that the suite's independent client (paho-mqtt, on the broker's other
side) shares no code with the board it checks: a framing mistake here shows up as a disagreement with paho.

Packet layout: OASIS MQTT Version 3.1.1, 2.2 (fixed header, remaining length) and 3.1-3.14.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum


class PacketType(IntEnum):
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14


class MqttCodecError(Exception):
    """The peer sent bytes that are not MQTT 3.1.1."""


@dataclass(frozen=True)
class Will:
    topic: str
    message: bytes
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True)
class Packet:
    """One decoded packet; the fields a type does not have stay at their defaults."""

    type: PacketType
    flags: int = 0
    packet_id: int | None = None
    topic: str = ""
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    dup: bool = False
    return_code: int = 0  # CONNACK
    session_present: bool = False  # CONNACK
    granted: tuple[int, ...] = ()  # SUBACK


def _varint(n: int) -> bytes:
    if not 0 <= n <= 268_435_455:
        raise ValueError(f"remaining length {n} does not fit MQTT's 4-byte encoding")
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    if len(data) > 0xFFFF:
        raise ValueError(f"an MQTT string holds at most 65535 bytes, got {len(data)}")
    return struct.pack("!H", len(data)) + data


def _packet(ptype: PacketType, flags: int, body: bytes) -> bytes:
    return bytes([(ptype << 4) | flags]) + _varint(len(body)) + body


def connect(
    client_id: str | bytes,
    *,
    keepalive: int,
    clean_session: bool,
    username: str | bytes | None = None,
    password: str | bytes | None = None,
    will: Will | None = None,
) -> bytes:
    """CONNECT (3.1): protocol name MQTT, level 4."""
    flags = 0x02 if clean_session else 0
    payload = _str(client_id)
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        payload += _str(will.topic) + _str(will.message)
    if username is not None:
        flags |= 0x80
        payload += _str(username)
    if password is not None:
        flags |= 0x40
        payload += _str(password)
    body = _str("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive) + payload
    return _packet(PacketType.CONNECT, 0, body)


def publish(
    topic: str, payload: bytes, *, qos: int, retain: bool, packet_id: int | None, dup: bool = False
) -> bytes:
    """PUBLISH (3.3); ``packet_id`` is required for QoS 1 and 2."""
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = _str(topic)
    if qos:
        if packet_id is None:
            raise ValueError("QoS 1 and 2 publishes need a packet identifier")
        body += struct.pack("!H", packet_id)
    return _packet(PacketType.PUBLISH, flags, body + payload)


def ack(ptype: PacketType, packet_id: int) -> bytes:
    """PUBACK, PUBREC, PUBREL (flags 0b0010, 3.6.1), PUBCOMP."""
    return _packet(ptype, 0x02 if ptype is PacketType.PUBREL else 0, struct.pack("!H", packet_id))


def subscribe(packet_id: int, topic: str, qos: int) -> bytes:
    return _packet(PacketType.SUBSCRIBE, 0x02, struct.pack("!H", packet_id) + _str(topic) + bytes([qos]))


def unsubscribe(packet_id: int, topic: str) -> bytes:
    return _packet(PacketType.UNSUBSCRIBE, 0x02, struct.pack("!H", packet_id) + _str(topic))


def pingreq() -> bytes:
    return _packet(PacketType.PINGREQ, 0, b"")


def disconnect() -> bytes:
    return _packet(PacketType.DISCONNECT, 0, b"")


def _decode(first: int, body: bytes) -> Packet:
    try:
        ptype = PacketType(first >> 4)
    except ValueError:
        raise MqttCodecError(f"packet type {first >> 4} is reserved") from None
    flags = first & 0x0F
    if ptype is PacketType.CONNACK:
        if len(body) != 2:
            raise MqttCodecError(f"CONNACK of {len(body)} bytes (3.2: 2)")
        return Packet(ptype, flags, session_present=bool(body[0] & 1), return_code=body[1])
    if ptype is PacketType.PUBLISH:
        qos = (flags >> 1) & 3
        if qos == 3:
            raise MqttCodecError("PUBLISH with QoS 3 (3.3.1.2)")
        if len(body) < 2:
            raise MqttCodecError("PUBLISH without a topic")
        (n,) = struct.unpack_from("!H", body)
        topic, rest = body[2 : 2 + n], body[2 + n :]
        pid = None
        if qos:
            if len(rest) < 2:
                raise MqttCodecError("QoS>0 PUBLISH without a packet identifier")
            (pid,) = struct.unpack_from("!H", rest)
            rest = rest[2:]
        return Packet(
            ptype,
            flags,
            pid,
            topic.decode("utf-8", "surrogateescape"),
            rest,
            qos,
            bool(flags & 1),
            bool(flags & 8),
        )
    if ptype in (
        PacketType.PUBACK,
        PacketType.PUBREC,
        PacketType.PUBREL,
        PacketType.PUBCOMP,
        PacketType.UNSUBACK,
    ):
        if len(body) != 2:
            raise MqttCodecError(f"{ptype.name} of {len(body)} bytes (2 expected)")
        return Packet(ptype, flags, struct.unpack("!H", body)[0])
    if ptype is PacketType.SUBACK:
        if len(body) < 3:
            raise MqttCodecError("SUBACK without a return code")
        return Packet(ptype, flags, struct.unpack_from("!H", body)[0], granted=tuple(body[2:]))
    return Packet(ptype, flags, payload=body)


class Decoder:
    """Feed it the bytes of a stream in any chunks; it hands back the complete packets."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Packet]:
        self._buf += data
        out: list[Packet] = []
        while True:
            packet = self._one()
            if packet is None:
                return out
            out.append(packet)

    def _one(self) -> Packet | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        length, multiplier, i = 0, 1, 1
        while True:
            if i >= len(buf):
                return None
            byte = buf[i]
            length += (byte & 0x7F) * multiplier
            i += 1
            if not byte & 0x80:
                break
            multiplier *= 128
            if i > 4:
                raise MqttCodecError("remaining length longer than 4 bytes (2.2.3)")
        if len(buf) < i + length:
            return None
        first, body = buf[0], bytes(buf[i : i + length])
        del buf[: i + length]
        return _decode(first, body)


#: esp-mqtt's default buffer (CONFIG_MQTT_BUFFER_SIZE): 3.6.12 says a message longer than 1024 bytes
#: "including the MQTT header and MQTT payload" arrives as several +MQTTSUBRECV
BUFFER_SIZE = 1024


def received_pieces(topic: str, payload: bytes, qos: int = 0, buffer: int = BUFFER_SIZE) -> list[bytes]:
    """The pieces of one received PUBLISH as ESP-AT reports them (3.6.12 note): the first carries what fits in
    the buffer after the packet's header, each later one up to a full buffer. Each piece is its own
    ``+MQTTSUBRECV`` with its own length (espressif/esp-at issue #686 shows a real board doing so)."""
    body = len(_str(topic)) + (2 if qos else 0) + len(payload)
    header = 1 + len(_varint(body)) + len(_str(topic)) + (2 if qos else 0)
    first = max(buffer - header, 1)
    if len(payload) <= first:
        return [payload]
    pieces = [payload[:first]]
    pieces += [payload[i : i + buffer] for i in range(first, len(payload), buffer)]
    return pieces
