"""The log UART (UART0 of an ESP32 AT board): boot banner, restarts, dropped input, fault actions.

Lines are kept (the last :data:`KEEP` of them) until a client connects to ``--log-port``, then streamed to
every connected client. Without ``--log-port`` they are only kept in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque

KEEP = 2000

#: Lines UART0 carries as they are, without the simulator's ``I (<ms>) `` prefix: what the ROM prints at
#: boot (``ets ...``, ``rst:0x..``, ``load:...``), what ESP-IDF's panic handler prints (it writes straight
#: to the UART, not through ESP_LOG), and lines already in ESP_LOG's ``<level> (<ms>) <tag>: `` form. A
#: real board's log shows them so, and the suite's log-port parser (rigs/at/logport.py) reads them so.
RAW = re.compile(
    r"^(?:$|ets |rst:0x|waiting for download$|configsip:|clk_drv:|mode:|load:|entry |ho \d|"
    r"Guru Meditation Error|Core +\d|PC +:|EXCCAUSE|Backtrace:|ELF file SHA256|Rebooting\.\.\.|abort\(\)|"
    r"Brownout detector|[EWIDV] \(\d+\) )"
)


class LogPort:
    def __init__(self) -> None:
        self._lines: deque[bytes] = deque(maxlen=KEEP)
        self._clients: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self._t0 = time.monotonic()

    def write(self, text: str) -> None:
        ms = int((time.monotonic() - self._t0) * 1000)
        data = b"".join(
            (line if RAW.match(line) else f"I ({ms}) {line}").encode(errors="replace") + b"\r\n"
            for line in text.splitlines() or [""]
        )
        self._lines.append(data)
        for w in list(self._clients):
            if w.is_closing():
                self._clients.discard(w)
            else:
                w.write(data)

    @property
    def lines(self) -> list[str]:
        return [b.decode(errors="replace") for b in self._lines]

    async def serve(self, host: str, port: int) -> str:
        self._server = await asyncio.start_server(self._on_client, host, port)
        return f"socket://{host}:{self._server.sockets[0].getsockname()[1]}"

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for data in self._lines:
            writer.write(data)
        self._clients.add(writer)
        with contextlib.suppress(Exception):
            while await reader.read(4096):
                pass  # input on the log port is ignored
        self._clients.discard(writer)
        writer.close()

    async def close(self) -> None:
        for w in list(self._clients):
            w.close()
        if self._server is not None:
            self._server.close()
