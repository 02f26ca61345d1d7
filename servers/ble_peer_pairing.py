"""The BLE peer's Security Manager side (the phone of the guide's 4.3.4 and 4.3.7): how it pairs, and what
it showed, was asked and ended with, for the 3.4.33-3.4.40 tests to assert.

A :class:`PeerPairing` is the peer's pairing configuration (IO capability, Secure Connections, MITM,
bonding, whether it confirms a numeric comparison) and its record: the passkeys it displayed, the numbers
it compared, each request for a passkey (answered with :meth:`PeerPairing.type_passkey`, as a user types
the key the board shows) and each pairing's :class:`Paired` outcome. bumble is imported when a pairing is
configured, as for the rest of the peer.
"""

from __future__ import annotations

import asyncio
import queue
from dataclasses import dataclass, field
from typing import Any

#: The peer's IO capability by name (Core spec Vol 3 Part H 2.3.2; the SMP values of 3.4.33 <iocap>).
IO_CAPABILITIES = {
    "display_only": 0,
    "display_yes_no": 1,
    "keyboard_only": 2,
    "no_input_no_output": 3,
    "keyboard_display": 4,
}
#: How long the peer's user takes at most to type a passkey: the SMP timeout (Vol 3 Part H 3.4).
TYPE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Paired:
    """One pairing's end on the peer: ``ok``, the SMP failure ``reason`` otherwise, whether Secure
    Connections was used, the association model (``just_works``, ``passkey``, ``numeric_comparison``),
    whether both sides bonded and whether the link is now encrypted."""

    ok: bool
    reason: int = 0
    sc: bool = False
    method: str = ""
    bonded: bool = False
    encrypted: bool = False


async def pair_quietly(device: Any, connection: Any) -> None:
    """Pair over ``connection`` as initiator; a failure is recorded by its pairing_failure event."""
    try:
        await device.pair(connection)
    except Exception:  # noqa: BLE001 - recorded by the event
        pass


#: pairings under way (a task nobody references may be collected before it ends)
_RUNNING: set[asyncio.Task[None]] = set()


def start_pairing(device: Any, connection: Any) -> None:
    """Begin :func:`pair_quietly` on the running loop and return."""
    task = asyncio.get_running_loop().create_task(pair_quietly(device, connection))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


def _wait(q: queue.Queue[Any], what: str, timeout: float) -> Any:
    try:
        return q.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"the BLE peer {what} within {timeout:g} s") from None


@dataclass
class PeerPairing:
    io_capability: str = "no_input_no_output"
    sc: bool = True
    mitm: bool = False
    bonding: bool = True
    #: the answer to a numeric comparison
    confirm: bool = True
    displayed: queue.Queue[int] = field(default_factory=queue.Queue)
    compared: queue.Queue[int] = field(default_factory=queue.Queue)
    asked: queue.Queue[str] = field(default_factory=queue.Queue)
    outcomes: queue.Queue[Paired] = field(default_factory=queue.Queue)
    _typed: queue.Queue[int] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        if self.io_capability not in IO_CAPABILITIES:
            raise ValueError(
                f"unknown IO capability {self.io_capability!r}; known: {sorted(IO_CAPABILITIES)}"
            )

    def type_passkey(self, key: int) -> None:
        """Answer the peer's (next) passkey request with ``key``."""
        self._typed.put(key)

    def wait_displayed(self, timeout: float = 10.0) -> int:
        return int(_wait(self.displayed, "displayed no passkey", timeout))

    def wait_compared(self, timeout: float = 10.0) -> int:
        return int(_wait(self.compared, "compared no number", timeout))

    def wait_asked(self, timeout: float = 10.0) -> str:
        return str(_wait(self.asked, "was asked for no passkey", timeout))

    def wait_outcome(self, timeout: float = 15.0) -> Paired:
        return _wait(self.outcomes, "finished no pairing", timeout)  # type: ignore[no-any-return]

    def config(self) -> Any:
        """The bumble PairingConfig that makes the peer's device pair this way."""
        from bumble.pairing import PairingConfig, PairingDelegate

        owner = self

        class Delegate(PairingDelegate):  # type: ignore[misc]
            async def display_number(self, number: int, digits: int) -> None:
                owner.displayed.put(number)

            async def compare_numbers(self, number: int, digits: int) -> bool:
                owner.compared.put(number)
                return owner.confirm

            async def get_number(self) -> int | None:
                owner.asked.put("passkey")
                loop = asyncio.get_running_loop()
                try:
                    return int(await loop.run_in_executor(None, owner._typed.get, True, TYPE_TIMEOUT))
                except queue.Empty:
                    return None

        delegate = Delegate(io_capability=PairingDelegate.IoCapability(IO_CAPABILITIES[self.io_capability]))
        return PairingConfig(sc=self.sc, mitm=self.mitm, bonding=self.bonding, delegate=delegate)

    def watch(self, device: Any, connection: Any) -> None:
        """Record the pairings of ``connection``; answer the other side's security request by pairing."""
        sessions: dict[str, Any] = {}

        def on_start() -> None:
            sessions["smp"] = device.smp_manager.sessions.get(connection.handle)

        def method() -> str:
            session = sessions.get("smp")
            name = getattr(getattr(session, "pairing_method", None), "name", "")
            return {
                "JUST_WORKS": "just_works",
                "PASSKEY": "passkey",
                "NUMERIC_COMPARISON": "numeric_comparison",
            }.get(name, name.lower())

        def on_pairing(_keys: Any) -> None:
            session = sessions.get("smp")
            self.outcomes.put(
                Paired(
                    True,
                    sc=bool(connection.sc),
                    method=method(),
                    bonded=bool(session is not None and session.bonding),
                    encrypted=bool(connection.is_encrypted),
                )
            )

        def on_failure(reason: int) -> None:
            self.outcomes.put(Paired(False, reason=int(reason), method=method()))

        def on_security_request(_auth_req: Any) -> None:
            start_pairing(device, connection)

        connection.on("pairing_start", on_start)
        connection.on("pairing", on_pairing)
        connection.on("pairing_failure", on_failure)
        connection.on("security_request", on_security_request)
