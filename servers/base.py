"""The common shape of every peer: async start/stop, with a synchronous face for pytest and tools.

A peer is written once as asyncio code (``astart``/``astop``). Synchronous callers (fixtures, the
AT session's tests) use ``start()``/``stop()``, which run the peer on its own event loop in a
daemon thread; the CLI runs many peers on one loop with ``async with``.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from servers.errors import PortInUseError, PrivilegedPortError

T = TypeVar("T")

DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Endpoint:
    """One listening address of a peer: its transport and scheme say how to reach it."""

    name: str  # e.g. "tcp", "tls", "mtls", "ws", "wss"
    host: str
    port: int
    transport: str = "tcp"  # "tcp" or "udp"

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()


class Peer:
    """Base class: subclasses implement ``astart``/``astop`` and fill ``endpoints``."""

    kind = "peer"

    def __init__(self, host: str = DEFAULT_HOST) -> None:
        self.host = host
        self.endpoints: dict[str, Endpoint] = {}
        self._loop_thread: LoopThread | None = None

    async def astart(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    async def astop(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- synchronous face -------------------------------------------------------------------
    def start(self) -> Self:
        """Start on a private event loop thread; returns self once every endpoint is bound."""
        if self._loop_thread is not None:
            raise RuntimeError(f"{self.kind} peer already started")
        self._loop_thread = LoopThread(f"peer-{self.kind}")
        try:
            self._loop_thread.run(self.astart())
        except BaseException:
            self._loop_thread.close()
            self._loop_thread = None
            raise
        return self

    def stop(self) -> None:
        lt, self._loop_thread = self._loop_thread, None
        if lt is None:
            return
        try:
            lt.run(self.astop(), timeout=15)
        finally:
            lt.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run a coroutine on the peer's loop from a synchronous caller."""
        if self._loop_thread is None:
            raise RuntimeError(f"{self.kind} peer is not started (or runs on the caller's loop)")
        return self._loop_thread.run(coro, timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await self.astart()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    # --- addresses ---------------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        """The first endpoint's (host, port)."""
        if not self.endpoints:
            raise RuntimeError(f"{self.kind} peer has no bound address yet: call start() first")
        return next(iter(self.endpoints.values())).address

    @property
    def port(self) -> int:
        return self.address[1]

    def describe(self) -> dict[str, Any]:
        """The JSON the CLI prints when the peer is ready."""
        return {
            "peer": self.kind,
            "endpoints": {
                n: {"host": e.host, "port": e.port, "transport": e.transport}
                for n, e in self.endpoints.items()
            },
        }


def bind_error(exc: OSError, peer: str, host: str, port: int) -> Exception:
    """Turn an EADDRINUSE from bind into a PortInUseError, an EACCES on a port below 1024 into a
    PrivilegedPortError naming the missing capability; other errors pass through."""
    if exc.errno == errno.EADDRINUSE:
        return PortInUseError(peer, host, port)
    if exc.errno == errno.EACCES and 0 < port < 1024:
        return PrivilegedPortError(peer, host, port)
    return exc


def reserve_port(host: str, kind: int = socket.SOCK_STREAM) -> int:
    """A port that was free a moment ago, for programs (mosquitto) that cannot bind port 0.

    There is a window in which another process can take it; callers that start a program retry
    on a bind failure.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def cert_subject(cert: Any) -> str | None:
    """``CN=..., O=...`` from the dict ssl's getpeercert() returns (None without a certificate)."""
    if not cert:
        return None
    return ", ".join(f"{k}={v}" for rdn in cert.get("subject", ()) for k, v in rdn)


class ExternalPeer(Peer):
    """A peer the rig says runs elsewhere (``provided_by: external``): an address, nothing to start.

    It records nothing; tests that assert on a peer's records need a host-started peer.
    """

    external = True

    def __init__(self, kind: str, host: str, port: int, tls: bool = False) -> None:
        super().__init__(host)
        self.kind = kind
        name = f"{kind}-tls" if tls else kind
        self.endpoints = {name: Endpoint(name, host, port)}

    async def astart(self) -> None:
        return None

    async def astop(self) -> None:
        return None
