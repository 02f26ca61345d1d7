"""BluFi as the phone's side plays it (the BLE peer as the EspBluFi app of 3.4.45-3.4.47 and example 4.12.1).

The format is ESP-IDF's (api-guides/blufi, "The Frame Formats Defined in BluFi"): Type (low 2 bits the frame
type, 0 control, 1 data; high 6 bits the subtype), Frame Control (bit 0 encrypted, bit 1 checksum, bit 2
direction: 1 from the device to the phone, bit 3 the sender wants an Ack, bit 4 more fragments follow, the
data then starting with the 2-byte little-endian total length of what remains), Sequence Number (each side
numbers every frame it sends from 0 per connection), Data Length, Data. The phone negotiates no security, so
no frame is encrypted or checksummed. :func:`parse`, :func:`reassemble` and :func:`encode` are sans-IO;
:class:`BlufiPhone` drives them over a BLE peer (servers/ble_peer.py).

The simulated board's side (sim/radio/blufi.py) names the same numbers, and that is on purpose: the phone is
the peer that judges the board, so it is written from ESP-IDF's frame format on its own, as sim/ is written
from the guide apart from spec/ (ARCHITECTURE.md). Sharing one codec would let a framing mistake pass both
sides unseen; servers/ imports nothing from sim/.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

#: BluFi's GATT service and characteristics.
SERVICE, PHONE_TO_DEVICE, DEVICE_TO_PHONE = "0xFFFF", "0xFF01", "0xFF02"
FRAME_CONTROL, FRAME_DATA = 0x00, 0x01
#: Control subtypes: Ack, set the Wi-Fi opmode, connect to the AP, disconnect, get the Wi-Fi status.
CTRL_ACK, CTRL_SET_OPMODE, CTRL_CONNECT_AP = 0x00, 0x02, 0x03
CTRL_DISCONNECT_AP, CTRL_GET_WIFI_STATUS = 0x04, 0x05
#: Data subtypes: the station's BSSID, SSID and password, the Wi-Fi connection state report, Report Error,
#: custom data.
SUBTYPE_STA_BSSID, SUBTYPE_STA_SSID, SUBTYPE_STA_PASSWORD = 0x01, 0x02, 0x03
SUBTYPE_WIFI_REPORT, SUBTYPE_ERROR, SUBTYPE_CUSTOM_DATA = 0x0F, 0x12, 0x13
FC_ENCRYPTED, FC_CHECKSUM, FC_TO_PHONE, FC_ACK, FC_FRAG = 0x01, 0x02, 0x04, 0x08, 0x10
HEADER = 4
#: The Wi-Fi opmode of the set-opmode frame and the report: 0x01 STA.
OPMODE_STA = 0x01
#: Report Error data 0x00: sequence error.
ERROR_SEQUENCE = 0x00
#: One ATT value at the default MTU of 23 (Core spec Vol 3 Part F 3.2.8), less the 3-byte ATT header.
DEFAULT_ROOM = 20


class BlufiFrameError(ValueError):
    """A frame the phone's side cannot read; the message says which field is wrong."""


@dataclass(frozen=True)
class Frame:
    frame_type: int
    subtype: int
    control: int
    sequence: int
    data: bytes


def parse(raw: bytes) -> Frame:
    if len(raw) < HEADER:
        raise BlufiFrameError(f"{len(raw)} bytes: shorter than the 4-byte header ({raw.hex()})")
    length = raw[3]
    if len(raw) < HEADER + length:
        raise BlufiFrameError(f"Data Length {length} but {len(raw) - HEADER} data bytes ({raw.hex()})")
    if raw[1] & (FC_ENCRYPTED | FC_CHECKSUM):
        raise BlufiFrameError(f"Frame Control 0x{raw[1]:02x}: encrypted or checksummed, none was negotiated")
    return Frame(raw[0] & 0x03, raw[0] >> 2, raw[1], raw[2], raw[HEADER : HEADER + length])


def reassemble(frames: list[Frame]) -> bytes:
    """The content of one message: every fragment but the last has FC_FRAG and a 2-byte total length that
    counts down what remains."""
    out = b""
    for i, f in enumerate(frames):
        last = i == len(frames) - 1
        if bool(f.control & FC_FRAG) == last:
            raise BlufiFrameError(f"fragment {i}: the more-fragments bit is {'set' if last else 'clear'}")
        if not last:
            remaining = int.from_bytes(f.data[:2], "little")
            if remaining != len(f.data) - 2 + sum(
                len(g.data) - (0 if g is frames[-1] else 2) for g in frames[i + 1 :]
            ):
                raise BlufiFrameError(
                    f"fragment {i}: total content length {remaining} does not count what follows"
                )
            out += f.data[2:]
        else:
            out += f.data
    return out


def encode(
    frame_type: int, subtype: int, data: bytes, sequence: int, room: int = DEFAULT_ROOM
) -> list[bytes]:
    """One message from the phone (direction bit clear) as frames of at most ``room`` bytes, numbered from
    ``sequence``, fragmented when the content does not fit one."""
    out: list[bytes] = []
    kind = (subtype << 2) | frame_type
    rest = data
    while HEADER + len(rest) > room or len(rest) > 255:
        chunk = rest[: min(room - HEADER - 2, 253)]
        body = len(rest).to_bytes(2, "little") + chunk
        out.append(bytes([kind, FC_FRAG, sequence & 0xFF, len(body)]) + body)
        rest, sequence = rest[len(chunk) :], sequence + 1
    out.append(bytes([kind, 0, sequence & 0xFF, len(rest)]) + rest)
    return out


def custom_data(data: bytes, sequence: int = 0) -> bytes:
    """One unfragmented custom-data frame from the phone (at most 255 bytes of data)."""
    if len(data) > 255:
        raise BlufiFrameError(f"{len(data)} bytes: more than one frame's 255")
    return bytes([(SUBTYPE_CUSTOM_DATA << 2) | FRAME_DATA, 0, sequence & 0xFF, len(data)]) + data


@dataclass(frozen=True)
class WifiReport:
    """The Wi-Fi connection state report: opmode, whether the station is connected (data[1] 0), the
    soft-AP's station count, and the SSID/BSSID that follow as (subtype, length, value)."""

    opmode: int
    sta_connected: bool
    softap_stations: int
    ssid: str | None
    bssid: str | None


def wifi_report(data: bytes) -> WifiReport:
    if len(data) < 3:
        raise BlufiFrameError(f"Wi-Fi report of {len(data)} bytes: shorter than opmode and two states")
    ssid = bssid = None
    i = 3
    while i + 2 <= len(data):
        kind, length = data[i], data[i + 1]
        value = data[i + 2 : i + 2 + length]
        if len(value) != length:
            raise BlufiFrameError(f"Wi-Fi report field 0x{kind:02x}: length {length} past the end")
        if kind == SUBTYPE_STA_SSID:
            ssid = value.decode()
        elif kind == SUBTYPE_STA_BSSID:
            bssid = ":".join(f"{b:02x}" for b in value)
        i += 2 + length
    return WifiReport(data[0], data[1] == 0, data[2], ssid, bssid)


@dataclass(frozen=True)
class Message:
    """A complete message from the device: frame type, subtype, the frames' sequence numbers, content."""

    frame_type: int
    subtype: int
    sequences: tuple[int, ...]
    content: bytes


class BlufiPhone:
    """The BluFi app over a BLE peer that is connected to the device: discovers 0xFFFF, enables 0xFF02,
    numbers its frames and reads the device's messages."""

    def __init__(self, peer: Any, room: int = DEFAULT_ROOM) -> None:
        self.peer = peer
        self.room = room
        self.sequence = 0
        services = [s.uuid for s in peer.discover()]
        if SERVICE not in services:
            raise AssertionError(f"the device serves no BluFi service {SERVICE}: {services}")
        peer.subscribe(DEVICE_TO_PHONE)

    def send(self, frame_type: int, subtype: int, data: bytes = b"") -> None:
        for raw in encode(frame_type, subtype, data, self.sequence, self.room):
            self.peer.write(PHONE_TO_DEVICE, raw)
            self.sequence += 1

    def provision(self, ssid: str, password: str) -> None:
        """What the app's Configure does for a station: opmode STA, the SSID, the password, connect."""
        self.send(FRAME_CONTROL, CTRL_SET_OPMODE, bytes([OPMODE_STA]))
        self.send(FRAME_DATA, SUBTYPE_STA_SSID, ssid.encode())
        self.send(FRAME_DATA, SUBTYPE_STA_PASSWORD, password.encode())
        self.send(FRAME_CONTROL, CTRL_CONNECT_AP)

    def receive(self, timeout: float = 10.0) -> Message:
        """The device's next message (its fragments reassembled); AssertionError when none comes."""
        frames = [parse(self.peer.wait_received(timeout).value)]
        while frames[-1].control & FC_FRAG:
            frames.append(parse(self.peer.wait_received(timeout).value))
        for f in frames:
            if not f.control & FC_TO_PHONE:
                raise BlufiFrameError(f"frame {f.sequence}: the direction bit says phone to device")
        head = frames[0]
        return Message(head.frame_type, head.subtype, tuple(f.sequence for f in frames), reassemble(frames))

    def receive_subtype(self, frame_type: int, subtype: int, timeout: float = 10.0) -> Message:
        """The device's next message of this type and subtype (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.1, deadline - time.monotonic()))
            if (message.frame_type, message.subtype) == (frame_type, subtype):
                return message

    def status(self, timeout: float = 10.0) -> WifiReport:
        """Ask for the Wi-Fi status; the device's connection state report."""
        self.send(FRAME_CONTROL, CTRL_GET_WIFI_STATUS)
        return wifi_report(self.receive_subtype(FRAME_DATA, SUBTYPE_WIFI_REPORT, timeout).content)
