"""The BLE peer: the other device of the 3.4 tests, on the run's virtual air (servers/ble_air.py).

This is the bumble implementation of the peer interface issue 17 asks for; so far it scans (what a
phone's scanner would see of the board's advertising), advertises (what the board's AT+BLESCAN
hears), connects and disconnects, reports its link events, and is a GATT client of the board's server.
A synchronous face over its own event loop thread, like every peer of servers/.
"""

from __future__ import annotations

import asyncio
import queue
import time
from dataclasses import dataclass, field
from typing import Any

from servers.base import LoopThread
from servers.ble_peer_pairing import PeerPairing, start_pairing


@dataclass(frozen=True)
class Seen:
    """One advertising report: address, its type (0 public, 1 random), the data, scan response or not."""

    address: str
    address_type: int
    data: bytes
    scan_response: bool


@dataclass(frozen=True)
class RemoteChar:
    """A characteristic the peer discovered: UUID as the guide prints it (``0xC300``), properties, and the
    UUIDs of its descriptors in handle order."""

    uuid: str
    properties: int
    descriptors: tuple[str, ...]


@dataclass(frozen=True)
class RemoteService:
    uuid: str
    characteristics: tuple[RemoteChar, ...]


@dataclass(frozen=True)
class Received:
    """A notification or indication the peer received: the characteristic's UUID and the value; ``index``
    tells characteristics of one UUID apart (the HID service's Reports), in discovery order; ``t``: when it
    arrived (``time.monotonic``, the clock throughput is timed with)."""

    uuid: str
    value: bytes
    index: int = 0
    t: float = field(default_factory=time.monotonic)


def next_received(received: queue.Queue[Received], timeout: float) -> Received:
    """The next notification or indication a peer's ``received`` queue holds, waiting ``timeout`` seconds;
    both peer implementations (bumble and bleak) take their values through here."""
    try:
        return received.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(
            f"the BLE peer received no notification or indication in {timeout:g} s"
        ) from None


def uuid_text(uuid: Any) -> str:
    """``0x`` and the UUID's hex digits, as AT+BLEGATTSCHAR? prints them."""
    return "0x" + uuid.to_hex_str().upper()


def _norm(text: str) -> str:
    """A UUID the caller wrote (``0xc300``, ``C300``) as :func:`uuid_text` prints it."""
    digits = text[2:] if text[:2].lower() == "0x" else text
    return "0x" + digits.upper()


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
        self.received: queue.Queue[Received] = queue.Queue()
        self._gatt: Any = None  # bumble Peer of the first connection, once discovered
        self.discovered: list[RemoteService] = []  # what the last discover() found
        self.written: queue.Queue[Received] = queue.Queue()  # what a client wrote to the peer's server
        self._served: dict[str, Any] = {}  # UUID text -> bumble Characteristic of serve()
        self.pairing = PeerPairing()  # how the peer pairs and what it saw (servers/ble_peer_pairing.py)

    async def _open(self) -> None:
        from bumble.device import Device
        from bumble.hci import Address
        from bumble.transport import open_transport

        self._transport = await open_transport(self.transport_spec)
        self._device = Device.with_hci(
            "peer", Address(self.address), self._transport.source, self._transport.sink
        )
        self._device.on("connection", self._on_connection)
        self._device.pairing_config_factory = lambda _connection: self.pairing.config()
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
        self.pairing.watch(self._device, connection)
        self.events.put(LinkEvent("connection", address, role))

    def configure_pairing(
        self,
        io_capability: str,
        *,
        sc: bool = True,
        mitm: bool = False,
        bonding: bool = True,
        confirm: bool = True,
    ) -> PeerPairing:
        """How the peer pairs from now on (its record, ``self.pairing``, is kept)."""
        p = self.pairing
        p.io_capability, p.sc, p.mitm, p.bonding, p.confirm = io_capability, sc, mitm, bonding, confirm
        p.__post_init__()
        return p

    def start_pairing(self) -> None:
        """Send a Pairing Request over the first connection (the peer as central) and return at once: the
        outcome is recorded in ``self.pairing``."""

        async def run() -> None:
            if not self._connections:
                raise AssertionError("the BLE peer has no connection to pair over")
            start_pairing(self._device, self._connections[0])

        self._loop.run(run())

    def mtu(self) -> int:
        """The ATT MTU of the peer's first connection."""

        async def run() -> int:
            if not self._connections:
                raise AssertionError("the BLE peer has no connection")
            return int(self._connections[0].att_mtu)

        return self._loop.run(run())

    def exchange_mtu(self, mtu: int, timeout: float = 10.0) -> int:
        """As a phone's stack does when it connects: the ATT MTU exchange (Core spec Vol 3 Part F 3.4.2) as
        the client of the first connection, asking for ``mtu``; returns the MTU the link now uses."""

        async def run() -> int:
            return int(await self._client().request_mtu(mtu))

        return self._loop.run(run(), timeout=timeout)

    def max_rx_octets(self) -> int:
        """The longest payload the other side of the first connection may now send the peer."""

        async def run() -> int:
            if not self._connections:
                raise AssertionError("the BLE peer has no connection")
            return int(self._connections[0].data_length.max_rx_octets)

        return self._loop.run(run())

    def update_parameters(self, interval: int, latency: int, supervision: int, timeout: float = 10.0) -> None:
        """Update the first connection to ``interval`` (1.25 ms units, as min and max), ``latency`` and the
        ``supervision`` timeout (10 ms units), as a phone's stack does after it connects (4.11.5); returns
        once the link applied them."""

        async def run() -> None:
            if not self._connections:
                raise AssertionError("the BLE peer has no connection to update")
            c = self._connections[0]
            await c.update_parameters(interval * 1.25, interval * 1.25, latency, supervision * 10.0)

        self._loop.run(run(), timeout=timeout)

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

    # GATT client (the board as server, 3.4.18-3.4.25): what a phone's app would do over the link.

    def _client(self) -> Any:
        if self._gatt is None:
            raise AssertionError("the BLE peer has not discovered the board's services (discover() first)")
        return self._gatt

    def discover(self, timeout: float = 10.0) -> list[RemoteService]:
        """Discover every service, characteristic and descriptor of the first connection's other side."""
        from bumble.device import Peer

        async def run() -> list[RemoteService]:
            if not self._connections:
                raise AssertionError("the BLE peer has no connection to discover over")
            peer = Peer(self._connections[0])
            await peer.discover_all()
            self._gatt = peer
            self.discovered = [
                RemoteService(
                    uuid_text(s.uuid),
                    tuple(
                        RemoteChar(
                            uuid_text(c.uuid),
                            int(c.properties),
                            tuple(uuid_text(d.type) for d in c.descriptors),
                        )
                        for c in s.characteristics
                    ),
                )
                for s in peer.services
            ]
            return self.discovered

        return self._loop.run(run(), timeout=timeout)

    def _characteristic(self, uuid: str, index: int = 0) -> Any:
        found = [
            c for s in self._client().services for c in s.characteristics if uuid_text(c.uuid) == _norm(uuid)
        ]
        if len(found) <= index:
            raise AssertionError(f"the board serves no characteristic {uuid}")
        return found[index]

    def read(self, uuid: str, timeout: float = 10.0) -> bytes:
        """Read the characteristic ``uuid`` (``0xC300``); the ATT error is raised as it came."""
        char = self._characteristic(uuid)
        return bytes(self._loop.run(self._client().read_value(char), timeout=timeout))

    def write(self, uuid: str, value: bytes, descriptor: str | None = None, timeout: float = 10.0) -> None:
        """Write (with response) the characteristic ``uuid`` or, with ``descriptor``, its descriptor."""
        char = self._characteristic(uuid)
        target = char
        if descriptor is not None:
            target = next((d for d in char.descriptors if uuid_text(d.type) == _norm(descriptor)), None)
            if target is None:
                raise AssertionError(f"characteristic {uuid} has no descriptor {descriptor}")
        self._loop.run(self._client().write_value(target, value, with_response=True), timeout=timeout)

    def read_descriptor(self, uuid: str, descriptor: str, index: int = 0, timeout: float = 10.0) -> bytes:
        """Read the descriptor ``descriptor`` of the ``index``-th characteristic ``uuid``."""
        char = self._characteristic(uuid, index)
        target = next((d for d in char.descriptors if uuid_text(d.type) == _norm(descriptor)), None)
        if target is None:
            raise AssertionError(f"characteristic {uuid} #{index} has no descriptor {descriptor}")
        return bytes(self._loop.run(self._client().read_value(target), timeout=timeout))

    def subscribe(self, uuid: str, timeout: float = 10.0, index: int = 0) -> None:
        """Enable notifications (or indications, for an indicate-only characteristic) of the ``index``-th
        characteristic ``uuid``; what arrives goes to ``received``."""
        char = self._characteristic(uuid, index)

        def on_value(value: bytes) -> None:
            self.received.put(Received(_norm(uuid), bytes(value), index))

        self._loop.run(self._client().subscribe(char, on_value), timeout=timeout)

    def wait_received(self, timeout: float = 10.0) -> Received:
        return next_received(self.received, timeout)

    # GATT server (the board as client, 3.4.26-3.4.30): a sensor a phone would read.

    #: serve()'s service: one UUID, then (characteristic UUID, properties) in handle order. bumble adds the
    #: GAP (0x1800) and GATT (0x1801) services before it and a 0x2902 descriptor to the notify and indicate
    #: characteristics.
    SERVICE = "0xFF01"
    CHARACTERISTICS = (("0xFF02", 0x0A), ("0xFF03", 0x10), ("0xFF04", 0x20))
    #: A second primary service, with no characteristics, that includes SERVICE (Core spec Vol 3 Part G 3.2).
    INCLUDING = "0xFF10"
    #: The value of 0xFF02 before any write.
    INITIAL_VALUE = b"peer"

    def serve(self) -> None:
        """Put SERVICE on the peer's GATT server (before advertising): 0xFF02 read/write holding
        INITIAL_VALUE, 0xFF03 notify, 0xFF04 indicate; writes go to ``written``; then INCLUDING."""
        from bumble.att import Attribute
        from bumble.core import UUID
        from bumble.gatt import Characteristic, CharacteristicValue, Service

        store = {"0xFF02": bytearray(self.INITIAL_VALUE)}

        def value(uuid: str) -> Any:
            def read(_connection: Any) -> bytes:
                return bytes(store.get(uuid, b""))

            def write(_connection: Any, data: bytes) -> None:
                store[uuid] = bytearray(data)
                self.written.put(Received(uuid, bytes(data)))

            return CharacteristicValue(read=read, write=write)

        chars = []
        for uuid, props in self.CHARACTERISTICS:
            char = Characteristic(
                UUID.from_16_bits(int(uuid, 16)),
                Characteristic.Properties(props),
                Attribute.READABLE | Attribute.WRITEABLE,
                value(uuid),
            )
            self._served[uuid] = char
            chars.append(char)
        service = Service(UUID.from_16_bits(int(self.SERVICE, 16)), chars)
        including = Service(UUID.from_16_bits(int(self.INCLUDING, 16)), [], included_services=[service])

        async def run() -> None:
            self._device.add_service(service)
            self._device.add_service(including)

        self._loop.run(run())

    def served_services(self) -> list[str]:
        """The UUIDs of the peer's own services in handle order (what a client discovers)."""

        async def run() -> list[str]:
            return [uuid_text(s.uuid) for s in self._device.gatt_server.services]

        return self._loop.run(run())

    def notify(self, uuid: str, data: bytes, indicate: bool = False, timeout: float = 10.0) -> None:
        """Notify (or indicate) ``data`` of the served characteristic ``uuid`` to every subscribed client."""
        char = self._served[_norm(uuid)]
        send = self._device.indicate_subscribers if indicate else self._device.notify_subscribers
        self._loop.run(send(char, data), timeout=timeout)

    def wait_written(self, timeout: float = 10.0) -> Received:
        try:
            return self.written.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no client wrote to the BLE peer's server in {timeout:g} s") from None

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
