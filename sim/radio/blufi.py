"""BluFi frames as the board's side reads and writes them (sans-IO), for AT+BLUFI (3.4.45-3.4.47).

The format is ESP-IDF's BluFi profile (api-guides/blufi, "The Frame Formats Defined in BluFi"): Type (low 2
bits: 0 control frame, 1 data frame; high 6 bits: the subtype), Frame Control (bit 0 encrypted, bit 1
checksum, bit 2 the direction, 1 from the board to the phone, bit 3 the sender wants an Ack, bit 4 more
fragments follow, the data then starting with the 2-byte little-endian total length of what remains),
Sequence Number (each side counts its own frames from 0 per connection, "regardless of the type of frame"),
Data Length, Data. No security is negotiated here, so no frame is encrypted or checksummed.

:class:`Receiver` turns the phone's frames into :class:`Action` s for the command module (the station's SSID
and password, the Wi-Fi mode, the connect request, a status request, custom data) and answers what the
profile answers on its own: an Ack when asked, and a "Report Error" data frame (0x00 sequence error) for a
frame out of sequence, which it drops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Type field: the frame type in the low 2 bits.
CONTROL, DATA = 0x00, 0x01
#: Control frame subtypes.
CTRL_ACK, CTRL_SET_OPMODE, CTRL_CONNECT_AP = 0x00, 0x02, 0x03
CTRL_DISCONNECT_AP, CTRL_GET_WIFI_STATUS = 0x04, 0x05
#: Data frame subtypes.
DATA_STA_BSSID, DATA_STA_SSID, DATA_STA_PASSWORD = 0x01, 0x02, 0x03
DATA_WIFI_REPORT, DATA_ERROR, DATA_CUSTOM = 0x0F, 0x12, 0x13
#: Frame Control bits.
FC_ENCRYPTED, FC_CHECKSUM, FC_TO_PHONE, FC_ACK, FC_FRAG = 0x01, 0x02, 0x04, 0x08, 0x10
HEADER = 4  # type, frame control, sequence, data length
#: "Report Error" data: 0x00 sequence error.
ERROR_SEQUENCE = 0x00
#: Wi-Fi connection state report, data[1]: 0x0 the station is connected, other values not.
STA_CONNECTED, STA_DISCONNECTED = 0x00, 0x01


def type_byte(frame_type: int, subtype: int) -> int:
    return (subtype << 2) | frame_type


def frames(frame_type: int, subtype: int, data: bytes, room: int, seq: int) -> list[bytes]:
    """``data`` as frames from the board of at most ``room`` bytes each (the ATT value one notification
    carries), numbered from ``seq``; a longer content is fragmented, each fragment but the last with the
    more-fragments bit and the total length of what remains."""
    out: list[bytes] = []
    rest = data
    head = type_byte(frame_type, subtype)
    while True:
        if HEADER + len(rest) <= room and len(rest) <= 255:
            out.append(bytes([head, FC_TO_PHONE, seq & 0xFF, len(rest)]) + rest)
            return out
        chunk = rest[: min(room - HEADER - 2, 253)]
        body = len(rest).to_bytes(2, "little") + chunk
        out.append(bytes([head, FC_TO_PHONE | FC_FRAG, seq & 0xFF, len(body)]) + body)
        rest, seq = rest[len(chunk) :], seq + 1


def wifi_report(opmode: int, connected: bool, softap_stations: int, ssid: str, bssid: str | None) -> bytes:
    """The Wi-Fi connection state report's data: opmode, the station's state, the soft-AP's station count,
    then, when connected, the AP's BSSID and SSID as (subtype, length, value) of the data frames'."""
    out = bytes([opmode, STA_CONNECTED if connected else STA_DISCONNECTED, softap_stations])
    if connected:
        if bssid:
            out += bytes([DATA_STA_BSSID, 6]) + bytes(int(x, 16) for x in bssid.split(":"))
        encoded = ssid.encode()
        out += bytes([DATA_STA_SSID, len(encoded)]) + encoded
    return out


@dataclass(frozen=True)
class Action:
    """What a complete message from the phone asks: ``kind`` is one of "ssid", "password", "opmode",
    "connect", "disconnect", "status", "custom"; ``data`` its content."""

    kind: str
    data: bytes = b""


_CONTROL_ACTIONS = {
    CTRL_SET_OPMODE: "opmode",
    CTRL_CONNECT_AP: "connect",
    CTRL_DISCONNECT_AP: "disconnect",
    CTRL_GET_WIFI_STATUS: "status",
}
_DATA_ACTIONS = {DATA_STA_SSID: "ssid", DATA_STA_PASSWORD: "password", DATA_CUSTOM: "custom"}


@dataclass
class Receiver:
    """One BluFi connection's phone-to-board side: the next sequence number due and a message being
    reassembled. :meth:`feed` returns the actions and the replies (frame type, subtype, data) to send."""

    expected_seq: int = 0
    assembling: bytes = b""
    replies: list[tuple[int, int, bytes]] = field(default_factory=list)

    def feed(self, raw: bytes) -> list[Action]:
        self.replies = []
        if len(raw) < HEADER or len(raw) < HEADER + raw[3]:
            return []  # not a frame: dropped
        kind, control, seq, data = raw[0], raw[1], raw[2], raw[HEADER : HEADER + raw[3]]
        if seq != self.expected_seq:
            self.replies.append((DATA, DATA_ERROR, bytes([ERROR_SEQUENCE])))
            return []
        self.expected_seq = (self.expected_seq + 1) & 0xFF
        if control & FC_ACK:
            self.replies.append((CONTROL, CTRL_ACK, bytes([seq])))
        if control & (FC_ENCRYPTED | FC_CHECKSUM):
            return []  # no security was negotiated: nothing to decrypt or check it with
        if control & FC_FRAG:
            self.assembling += data[2:]
            return []
        content, self.assembling = self.assembling + data, b""
        frame_type, subtype = kind & 0x03, kind >> 2
        table = _CONTROL_ACTIONS if frame_type == CONTROL else _DATA_ACTIONS if frame_type == DATA else {}
        name = table.get(subtype)
        return [] if name is None else [Action(name, content)]
