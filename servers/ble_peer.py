"""The BLE peer: the other device of the 3.4 tests, on the run's virtual air (servers/ble_air.py).

This is the bumble implementation of the peer interface issue 17 asks for; so far it scans (what a
phone's scanner would see of the board's advertising), advertises (what the board's AT+BLESCAN
hears), connects and disconnects, and reports its link events. A synchronous face over its own event loop thread,
like every peer of servers/.
"""

from __future__ import annotations

import asyncio
import queue
from dataclasses import dataclass
from typing import Any

from servers.base import LoopThread


@dataclass(frozen=True)
class Seen:
    """One advertising report: address, its type (0 public, 1 random), the data, scan response or not."""

    address: str
    address_type: int
    data: bytes
    scan_response: bool


@dataclass(frozen=True)
class LinkEvent:
    """A connection of the peer began (``kind`` "connection", ``address`` of the other side, ``role``
    "central" or "peripheral": the peer's own) or ended ("disconnection", with the HCI ``reason``)."""

    kind: str
    address: str
    role: str = ""
    reason: int = 0


class BumbleBlePeer:
    """A bumble Device attached to the air with ``transport`` (``tcp-client:H:P``)."""

    kind = "ble-peer"

    def __init__(self, transport: str, address: str = "C0:FF:EE:00:00:01") -> None:
        self.transport_spec = transport
        self.address = address
        self._loop = LoopThread("peer-ble")
        self._device: Any = None
        self._transport: Any = None
        self._connections: list[Any] = []
        self.events: queue.Queue[LinkEvent] = queue.Queue()

    async def _open(self) -> None:
        from bumble.device import Device
        from bumble.hci import Address
        from bumble.transport import open_transport

        self._transport = await open_transport(self.transport_spec)
        self._device = Device.with_hci(
            "peer", Address(self.address), self._transport.source, self._transport.sink
        )
        self._device.on("connection", self._on_connection)
        await self._device.power_on()

    def _on_connection(self, connection: Any) -> None:
        from bumble.hci import Role

        address = str(connection.peer_address).split("/")[0].lower()
        role = "central" if connection.role == Role.CENTRAL else "peripheral"
        self._connections.append(connection)

        def on_disconnection(reason: int) -> None:
            if connection in self._connections:
                self._connections.remove(connection)
            self.events.put(LinkEvent("disconnection", address, role, int(reason)))

        connection.on("disconnection", on_disconnection)
        self.events.put(LinkEvent("connection", address, role))

    def wait_event(self, kind: str, timeout: float = 10.0) -> LinkEvent:
        """The next link event of ``kind`` (earlier ones of other kinds are dropped); AssertionError
        naming what was awaited when none comes in ``timeout``."""
        try:
            while True:
                ev = self.events.get(timeout=timeout)
                if ev.kind == kind:
                    return ev
        except queue.Empty:
            raise AssertionError(f"the BLE peer saw no {kind} within {timeout:g} s") from None

    def connect(self, address: str, address_type: int = 0, timeout: float = 10.0) -> None:
        """Connect (as central) to ``address`` (0 public, 1 random), which must be advertising."""
        from bumble.hci import Address, OwnAddressType

        kind = Address.RANDOM_DEVICE_ADDRESS if address_type else Address.PUBLIC_DEVICE_ADDRESS
        self._loop.run(
            self._device.connect(
                Address(address, kind), own_address_type=OwnAddressType.RANDOM, timeout=timeout
            ),
            timeout=timeout + 5,
        )

    def disconnect(self) -> None:
        """End every connection of the peer (HCI reason 0x13, remote user terminated)."""

        async def run() -> None:
            for connection in list(self._connections):
                await connection.disconnect()

        self._loop.run(run())

    def start(self) -> BumbleBlePeer:
        self._loop.run(self._open())
        return self

    def stop(self) -> None:
        if self._transport is not None:
            self._loop.run(self._transport.close())
            self._transport = None
        self._loop.close()

    #: The peer's advertising interval (ms): the shortest the Core spec allows a connectable legacy
    #: advertiser (Vol 6 Part B 4.4.2.2.1, 20 ms), so a scanning board hears it at once.
    ADV_INTERVAL_MS = 20

    def advertise(self, data: bytes, scan_response: bytes = b"") -> None:
        """Advertise ``data`` (connectable, scannable: ADV_IND) from the peer's (random static) address,
        answering an active scanner with ``scan_response``."""
        from bumble.hci import OwnAddressType

        self._loop.run(
            self._device.start_advertising(
                own_address_type=OwnAddressType.RANDOM,
                advertising_data=data,
                scan_response_data=scan_response,
                advertising_interval_min=self.ADV_INTERVAL_MS,
                advertising_interval_max=self.ADV_INTERVAL_MS,
            )
        )

    def stop_advertising(self) -> None:
        self._loop.run(self._device.stop_advertising())

    def scan(self, seconds: float, active: bool = True) -> list[Seen]:
        """Every advertising report heard in ``seconds``."""

        async def run() -> list[Seen]:
            seen: list[Seen] = []

            def on_adv(adv: Any) -> None:
                seen.append(
                    Seen(
                        str(adv.address).split("/")[0].lower(),
                        int(adv.address.address_type),
                        bytes(adv.data_bytes),
                        bool(adv.is_scan_response),
                    )
                )

            self._device.on("advertisement", on_adv)
            try:
                await self._device.start_scanning(active=active, filter_duplicates=False)
                await asyncio.sleep(seconds)
                await self._device.stop_scanning()
            finally:
                self._device.remove_listener("advertisement", on_adv)
            return seen

        return self._loop.run(run(), timeout=seconds + 10)
