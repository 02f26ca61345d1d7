"""SLIP framing of the ROM loader protocol (esptool serial protocol, "Low Level Protocol"): each packet
begins and ends with 0xC0; inside it 0xC0 is sent as 0xDB 0xDC and 0xDB as 0xDB 0xDD. Bytes outside a
packet (the host's line noise, a boot log) are ignored: a packet starts at 0xC0.
"""

from __future__ import annotations

END = 0xC0
ESC = 0xDB
ESC_END = 0xDC
ESC_ESC = 0xDD


def slip_encode(packet: bytes) -> bytes:
    """One packet, framed."""
    body = packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


class SlipDecoder:
    """Feed it bytes as they come; it hands back the packets completed so far. A bad escape (0xDB then
    anything but 0xDC/0xDD) spoils the packet, which is dropped when its end comes (the ROM ignores it)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._inside = False
        self._escaped = False
        self._spoilt = False
        #: packets dropped for a bad escape (for the log)
        self.dropped = 0

    def feed(self, data: bytes) -> list[bytes]:
        packets: list[bytes] = []
        for b in data:
            if b == END:
                if not self._inside or not (self._buf or self._spoilt):
                    # opens a packet; an END right after an opening END opens it again (0xC0 0xC0)
                    self._inside = True
                    continue
                if self._spoilt:
                    self.dropped += 1
                else:
                    packets.append(bytes(self._buf))
                self._inside = False
                self._buf.clear()
                self._escaped = self._spoilt = False
            elif not self._inside:
                continue
            elif self._escaped:
                self._escaped = False
                if b == ESC_END:
                    self._buf.append(END)
                elif b == ESC_ESC:
                    self._buf.append(ESC)
                else:
                    self._spoilt = True
            elif b == ESC:
                self._escaped = True
            else:
                self._buf.append(b)
        return packets
