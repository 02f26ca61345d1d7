"""How data from the AT port is cut into network packets (sans-IO).

3.3.8 (AT+CIPSEND execute form, passthrough) and AT+CIPSENDLCFG: data is sent at once in blocks of
``block`` bytes (2920 by default) as soon as that much has arrived; a shorter remainder goes out when the
port has been quiet for the AT+TRANSINTVL interval (20 ms by default).
"""

from __future__ import annotations


class Packetiser:
    def __init__(self, block: int = 2920, interval_s: float = 0.020) -> None:
        self.block = block
        self.interval_s = interval_s
        self._buf = bytearray()
        self._since = 0.0

    @property
    def pending(self) -> int:
        return len(self._buf)

    @property
    def deadline(self) -> float | None:
        """When the remainder must be flushed (None: nothing waiting)."""
        return self._since + self.interval_s if self._buf else None

    def feed(self, data: bytes, now: float) -> list[bytes]:
        """Take input; returns the full blocks ready to send now."""
        self._buf += data
        self._since = now
        out = []
        while len(self._buf) >= self.block:
            out.append(bytes(self._buf[: self.block]))
            del self._buf[: self.block]
        return out

    def poll(self, now: float) -> list[bytes]:
        """The remainder, once the interval has passed without more input."""
        if self._buf and now >= self._since + self.interval_s:
            data = bytes(self._buf)
            self._buf.clear()
            return [data]
        return []

    def flush(self) -> bytes:
        data = bytes(self._buf)
        self._buf.clear()
        return data
