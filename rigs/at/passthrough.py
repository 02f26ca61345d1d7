"""The byte pipe of Wi-Fi passthrough mode (3.3.x AT+CIPSEND execute form, AT+CIPMODE=1).

Obtained from :meth:`rigs.at.session.AtSession.passthrough`; the session leaves the mode with ``+++``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rigs.at.session import AtSession

__all__ = ["GUARD_TIME", "SETTLE_TIME", "Passthrough"]

#: Silence kept before and after "+++": 3.3.7 asks for more than 20 ms; a margin absorbs host jitter.
GUARD_TIME = 0.05
#: 3.3.7 / 3.3.x AT+CIPSEND: wait at least one second after "+++" before the next AT command.
SETTLE_TIME = 1.0


class Passthrough:
    """Write raw bytes to the link, read what the board forwards from it."""

    def __init__(self, session: AtSession) -> None:
        self._session = session

    def write(self, data: bytes) -> None:
        self._session.write_raw(data)

    def read(self, n: int, timeout: float = 5.0) -> bytes:
        """Up to ``n`` bytes: returns as soon as ``n`` are there, or what came by ``timeout``."""
        return self._session._take_data(n, timeout)

    def read_until(self, delimiter: bytes, timeout: float = 5.0) -> bytes:
        """Bytes up to and including ``delimiter``; raises ResponseTimeout if it does not come in time."""
        return self._session._take_data(None, timeout, until=delimiter)

    def read_available(self) -> bytes:
        """Whatever has arrived, without waiting."""
        return self._session._take_data(None, 0.0)

    def iter_chunks(self, idle: float = 1.0) -> Iterator[bytes]:
        """Yield data as it arrives; stop after ``idle`` seconds without any."""
        while True:
            chunk = self._wait_some(idle)
            if not chunk:
                return
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_chunks()

    def _wait_some(self, idle: float) -> bytes:
        first = self._session._take_data(1, idle)
        if not first:
            return b""
        return first + self.read_available()
