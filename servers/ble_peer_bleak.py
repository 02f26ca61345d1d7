"""The BLE peer written with bleak (``BleakScanner``, ``BleakClient``): the peer of the client role.

The same interface as servers/ble_peer.py's :class:`~servers.ble_peer.BumbleBlePeer` for what a phone's app
does to the board (3.4.10-3.4.15 seen from a scanner, 3.4.18-3.4.25 from a GATT client): scan, connect,
disconnect, link events, discover, read, write, subscribe to notifications and indications, the MTU. bleak
is a central's library: what it cannot do (advertise, serve a GATT server, pair with a chosen IO capability,
report the data length) raises :class:`PeerRoleUnsupported`, which the suites' fixtures turn into a skip
naming the rig's ``ble_peer`` (fixtures/servers.py).

Where bleak's backend comes from (the rig's ``ble_peer``, rigs/model/ble_peer.py):
- on a bench, bleak's native backend (BlueZ on Linux, ``adapter`` e.g. ``hci0``): ``transport`` None;
- in CI and on the sim rig, the backend over bumble of servers/ble_bleak_bumble.py on the run's air:
  ``transport`` is the air's ``tcp-client:H:P``.

The code below only calls bleak's public API, so both paths run the same lines. One exception: the raw
advertising bytes and the scan-response flag, which bleak does not expose portably; the bumble backend
gives them in ``AdvertisementData.platform_data``, and without them :meth:`scan` raises
PeerRoleUnsupported (bleak on BlueZ).
"""

from __future__ import annotations

import asyncio
import queue
from typing import Any

from servers.base import LoopThread
from servers.ble_bleak_bumble import BASE_UUID_TAIL
from servers.ble_peer import LinkEvent, Received, RemoteChar, RemoteService, Seen, _norm, next_received
from servers.errors import PeerRoleUnsupported

#: bleak's property names as bits (Core spec Vol 3 Part G 3.3.1.1), to compare with the board's listing.
PROPERTY_BITS = {
    "broadcast": 0x01,
    "read": 0x02,
    "write-without-response": 0x04,
    "write": 0x08,
    "notify": 0x10,
    "indicate": 0x20,
    "authenticated-signed-writes": 0x40,
    "extended-properties": 0x80,
}

__all__ = ["BleakBlePeer", "PeerRoleUnsupported", "guide_uuid", "property_bits", "seen_from"]


def guide_uuid(text: str) -> str:
    """bleak's UUID (``0000c300-0000-1000-8000-00805f9b34fb``) as the guide prints it (``0xC300``); a UUID
    outside the Base UUID as its 32 hex digits, upper case (servers.ble_peer.uuid_text's form)."""
    low = text.lower()
    if low.endswith(BASE_UUID_TAIL) and low.startswith("0000"):
        return "0x" + low[4:8].upper()
    return "0x" + low.replace("-", "").upper()


def property_bits(names: list[str]) -> int:
    """The properties byte of bleak's property names (names without a bit, e.g. BlueZ's extras, add none)."""
    return sum(PROPERTY_BITS.get(n, 0) for n in set(names))


def seen_from(address: str, advertisement: Any) -> Seen:
    """One advertising report as the peer interface gives it, from the bleak backend's platform data
    ``(bumble Advertisement, raw bytes, is_scan_response)``; PeerRoleUnsupported when the backend gives no
    raw bytes."""
    platform = advertisement.platform_data
    if len(platform) != 3 or not isinstance(platform[1], bytes):
        raise PeerRoleUnsupported(
            "report the raw advertising bytes", "bleak's backend here gives parsed advertising data only"
        )
    native = platform[0]
    return Seen(address.lower(), int(native.address.address_type), platform[1], bool(platform[2]))


class BleakBlePeer:
    """The client-role peer over bleak. ``transport`` None: bleak's native backend (``adapter`` for BlueZ,
    ``address`` what the board sees of the adapter, which bleak cannot tell); else the bumble backend on
    ``transport`` with ``address`` as the peer's random static address."""

    kind = "ble-peer"
    implementation = "bleak"

    def __init__(
        self, transport: str | None, address: str = "C0:FF:EE:00:00:01", adapter: str | None = None
    ) -> None:
        self.transport_spec = transport
        self.address = address
        self.adapter = adapter
        self._loop = LoopThread("peer-bleak")
        self._bumble: Any = None  # servers.ble_bleak_bumble.BumbleAdapter when transport is given
        self._client: Any = None  # the BleakClient of the connection
        self.events: queue.Queue[LinkEvent] = queue.Queue()
        self.received: queue.Queue[Received] = queue.Queue()
        self.discovered: list[RemoteService] = []

    # what bleak cannot do: the server role and the controller's own settings

    def advertise(self, data: bytes, scan_response: bytes = b"") -> None:
        raise PeerRoleUnsupported("advertise")

    def stop_advertising(self) -> None:
        raise PeerRoleUnsupported("advertise")

    def serve(self) -> None:
        raise PeerRoleUnsupported("serve a GATT server")

    def served_services(self) -> list[str]:
        raise PeerRoleUnsupported("serve a GATT server")

    def notify(self, uuid: str, data: bytes, indicate: bool = False, timeout: float = 10.0) -> None:
        raise PeerRoleUnsupported("serve a GATT server")

    def wait_written(self, timeout: float = 10.0) -> Received:
        raise PeerRoleUnsupported("serve a GATT server")

    @property
    def written(self) -> queue.Queue[Received]:
        raise PeerRoleUnsupported("serve a GATT server")

    @property
    def pairing(self) -> Any:
        raise PeerRoleUnsupported("pair with a chosen IO capability", "bleak leaves pairing to the OS agent")

    def configure_pairing(self, *args: Any, **kwargs: Any) -> Any:
        raise PeerRoleUnsupported("pair with a chosen IO capability", "bleak leaves pairing to the OS agent")

    def start_pairing(self) -> None:
        raise PeerRoleUnsupported("pair with a chosen IO capability", "bleak leaves pairing to the OS agent")

    def max_rx_octets(self) -> int:
        raise PeerRoleUnsupported("report the link's data length", "bleak does not expose it")

    def __getattr__(self, name: str) -> Any:
        """Any other part of the bumble peer's interface (servers/ble_peer.py) is a role bleak lacks."""
        from servers.ble_peer import BumbleBlePeer

        if not name.startswith("_") and hasattr(BumbleBlePeer, name):
            raise PeerRoleUnsupported(name.replace("_", " "), "the bleak peer has no such part")
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    # lifecycle

    def _backends(self) -> dict[str, Any]:
        """bleak's ``backend=`` and native options: the bumble classes, or BlueZ's adapter."""
        if self._bumble is not None:
            return {"backend": self._bumble.client}
        return {"bluez": {"adapter": self.adapter}} if self.adapter else {}

    def _scanner_options(self) -> dict[str, Any]:
        if self._bumble is not None:
            return {"backend": self._bumble.scanner}
        return {"bluez": {"adapter": self.adapter}} if self.adapter else {}

    def start(self) -> BleakBlePeer:
        if self.transport_spec is not None:
            from servers.ble_bleak_bumble import open_adapter

            self._bumble = self._loop.run(open_adapter(self.transport_spec, self.address))
        return self

    def stop(self) -> None:
        async def run() -> None:
            if self._client is not None:
                try:
                    await self._client.disconnect()
                finally:
                    self._client = None
            if self._bumble is not None:
                await self._bumble.close()
                self._bumble = None

        try:
            self._loop.run(run())
        finally:
            self._loop.close()

    # scanner

    def scan(self, seconds: float, active: bool = True) -> list[Seen]:
        """Every advertising report heard in ``seconds`` (BleakScanner with a detection callback)."""
        from bleak import BleakScanner

        async def run() -> list[Any]:
            heard: list[tuple[str, Any]] = []
            scanner = BleakScanner(
                lambda device, adv: heard.append((device.address, adv)),
                scanning_mode="active" if active else "passive",
                **self._scanner_options(),
            )
            async with scanner:
                await asyncio.sleep(seconds)
            return heard

        return [seen_from(address, adv) for address, adv in self._loop.run(run(), timeout=seconds + 10)]

    # central

    def connect(self, address: str, address_type: int = 0, timeout: float = 10.0) -> None:
        """Connect to the advertising ``address``: found by a scan (BleakScanner.find_device_by_address,
        which learns its address type, so ``address_type`` is not needed), then BleakClient.connect, which
        also discovers the services."""
        from bleak import BleakClient, BleakScanner

        def on_disconnect(_client: Any) -> None:
            self.events.put(LinkEvent("disconnection", address.lower(), "central"))

        async def run() -> None:
            device = await BleakScanner.find_device_by_address(
                address.upper(), timeout=timeout, **self._scanner_options()
            )
            if device is None:
                raise AssertionError(f"the BLE peer heard no advertising from {address} in {timeout:g} s")
            client = BleakClient(device, on_disconnect, timeout=timeout, **self._backends())
            await client.connect()
            self._client = client
            self.events.put(LinkEvent("connection", address.lower(), "central"))

        self._loop.run(run(), timeout=2 * timeout + 5)

    def disconnect(self) -> None:
        async def run() -> None:
            if self._client is not None:
                await self._client.disconnect()

        self._loop.run(run())

    def wait_event(self, kind: str, timeout: float = 10.0) -> LinkEvent:
        """The next link event of ``kind`` (bleak gives no HCI reason: ``reason`` is 0)."""
        try:
            while True:
                ev = self.events.get(timeout=timeout)
                if ev.kind == kind:
                    return ev
        except queue.Empty:
            raise AssertionError(f"the BLE peer saw no {kind} within {timeout:g} s") from None

    def mtu(self) -> int:
        """BleakClient.mtu_size (bleak's BlueZ backend always says 23)."""
        return int(self._connected().mtu_size)

    # GATT client

    def _connected(self) -> Any:
        if self._client is None:
            raise AssertionError("the BLE peer has no connection")
        return self._client

    def discover(self, timeout: float = 10.0) -> list[RemoteService]:
        """The services BleakClient discovered on connecting, in handle order, in the guide's UUID form."""
        services = sorted(self._connected().services, key=lambda s: s.handle)
        self.discovered = [
            RemoteService(
                guide_uuid(s.uuid),
                tuple(
                    RemoteChar(
                        guide_uuid(c.uuid),
                        property_bits(list(c.properties)),
                        tuple(guide_uuid(d.uuid) for d in sorted(c.descriptors, key=lambda d: d.handle)),
                    )
                    for c in sorted(s.characteristics, key=lambda c: c.handle)
                ),
            )
            for s in services
        ]
        return self.discovered

    def _characteristic(self, uuid: str, index: int = 0) -> Any:
        """The ``index``-th characteristic ``uuid`` in handle (discovery) order."""
        found = sorted(
            (
                c
                for s in self._connected().services
                for c in s.characteristics
                if guide_uuid(c.uuid) == _norm(uuid)
            ),
            key=lambda c: c.handle,
        )
        if len(found) <= index:
            raise AssertionError(f"the board serves no characteristic {uuid} #{index}")
        return found[index]

    def _descriptor(self, char: Any, uuid: str, descriptor: str) -> Any:
        desc = next((d for d in char.descriptors if guide_uuid(d.uuid) == _norm(descriptor)), None)
        if desc is None:
            raise AssertionError(f"characteristic {uuid} has no descriptor {descriptor}")
        return desc

    def read(self, uuid: str, timeout: float = 10.0) -> bytes:
        """BleakClient.read_gatt_char of ``uuid`` (``0xC300``)."""
        char = self._characteristic(uuid)
        return bytes(self._loop.run(self._connected().read_gatt_char(char), timeout=timeout))

    def write(self, uuid: str, value: bytes, descriptor: str | None = None, timeout: float = 10.0) -> None:
        """BleakClient.write_gatt_char with response, or write_gatt_descriptor for ``descriptor``."""
        char = self._characteristic(uuid)
        client = self._connected()
        if descriptor is None:
            self._loop.run(client.write_gatt_char(char, value, response=True), timeout=timeout)
            return
        desc = self._descriptor(char, uuid, descriptor)
        self._loop.run(client.write_gatt_descriptor(desc, value), timeout=timeout)

    def read_descriptor(self, uuid: str, descriptor: str, index: int = 0, timeout: float = 10.0) -> bytes:
        """BleakClient.read_gatt_descriptor of ``descriptor`` of the ``index``-th characteristic ``uuid``."""
        desc = self._descriptor(self._characteristic(uuid, index), uuid, descriptor)
        return bytes(self._loop.run(self._connected().read_gatt_descriptor(desc.handle), timeout=timeout))

    def subscribe(self, uuid: str, timeout: float = 10.0, index: int = 0) -> None:
        """BleakClient.start_notify of the ``index``-th characteristic ``uuid`` (notifications, or
        indications for an indicate-only one); what arrives goes to ``received``."""
        char = self._characteristic(uuid, index)

        def on_value(_char: Any, value: bytearray) -> None:
            self.received.put(Received(_norm(uuid), bytes(value), index))

        self._loop.run(self._connected().start_notify(char, on_value), timeout=timeout)

    def wait_received(self, timeout: float = 10.0) -> Received:
        return next_received(self.received, timeout)
