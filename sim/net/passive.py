"""The passive receive buffer of one link (3.3 AT+CIPRECVTYPE / AT+CIPRECVMODE, AT+CIPRECVDATA), sans-IO.

Data waits in a window of :data:`RECV_WINDOW` bytes until the host reads it. A TCP/SSL link stops reading
its socket while the window is full (the peer is held back); a UDP datagram that does not fit is dropped.
Only one ``+IPD,<len>`` notice is given until the host reads; after a read, what is left (or the next
arrival) is announced with the new total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.net.messages import Remote

#: 3.3 AT+CIPRECVTYPE: the socket receive window, 5760 bytes by default.
RECV_WINDOW = 5760


@dataclass
class PassiveBuffer:
    window: int = RECV_WINDOW
    data: bytearray = field(default_factory=bytearray)
    remote: Remote | None = None
    notified: bool = False
    dropped: int = 0

    @property
    def room(self) -> int:
        return max(self.window - len(self.data), 0)

    def add(self, payload: bytes, remote: Remote | None, *, datagram: bool) -> str | None:
        """Buffer payload; returns None, or "notify" when a ``+IPD,<len>`` notice is due."""
        if datagram and len(payload) > self.room:
            self.dropped += len(payload)
            return None
        self.data += payload
        self.remote = remote
        if self.notified or not self.data:
            return None
        self.notified = True
        return "notify"

    def read(self, n: int) -> bytes:
        """Take up to n bytes; the next arrival will be announced again."""
        out = bytes(self.data[:n])
        del self.data[:n]
        self.notified = False
        return out
