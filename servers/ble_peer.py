"""The BLE peer: the other device of the 3.4 tests, on the run's virtual air (servers/ble_air.py).

This is the bumble implementation of the peer interface issue 17 asks for; so far it scans (what a
phone's scanner would see of the board's advertising) and advertises (what the board's AT+BLESCAN
hears). A synchronous face over its own event loop thread,
like every peer of servers/.
"""

from __future__ import annotations

import asyncio
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


class BumbleBlePeer:
    """A bumble Device attached to the air with ``transport`` (``tcp-client:H:P``)."""

    kind = "ble-peer"

    def __init__(self, transport: str, address: str = "C0:FF:EE:00:00:01") -> None:
        self.transport_spec = transport
        self.address = address
        self._loop = LoopThread("peer-ble")
        self._device: Any = None
        self._transport: Any = None

    async def _open(self) -> None:
        from bumble.device import Device
        from bumble.hci import Address
        from bumble.transport import open_transport

        self._transport = await open_transport(self.transport_spec)
        self._device = Device.with_hci(
            "peer", Address(self.address), self._transport.source, self._transport.sink
        )
        await self._device.power_on()

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
