"""A bleak backend over bumble: bleak's ``BleakScanner`` and ``BleakClient`` on the run's virtual air.

bleak takes a ``backend=`` class (``BleakScanner(..., backend=S)``, ``BleakClient(..., backend=C)``,
bleak >= 0.18); :func:`open_adapter` attaches a bumble Device to the air (servers/ble_air.py, transport
``tcp-client:H:P``) and returns a :class:`BumbleAdapter` whose ``scanner`` and ``client`` are such classes,
bound to that Device. Code written against bleak's public API then runs unchanged in CI, where this kernel
has no Bluetooth for BlueZ (issue 17), and on a bench with bleak's native backend (``backend=None``).

What the backend does as bleak's own backends do: a scan reports every advertising report to the detection
callbacks with an ``AdvertisementData`` parsed from the AD structures (Core spec Supplement Part A 1);
``connect`` connects as central and discovers every service, characteristic and descriptor (bleak's
``services``); ``start_notify`` prefers notifications to indications (bleak's documented rule); the
disconnected callback runs on every end of the link. ``AdvertisementData.platform_data`` is
``(bumble Advertisement, raw AD bytes, is_scan_response)``: not a stable bleak API, but what the peer reads
when it needs the bytes as they went over the air (servers/ble_peer_bleak.py).
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError

#: bleak's names of the characteristic property bits (Core spec Vol 3 Part G 3.3.1.1).
PROPERTY_NAMES = {
    0x01: "broadcast",
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
    0x40: "authenticated-signed-writes",
    0x80: "extended-properties",
}

#: The Bluetooth Base UUID's tail (Core spec Vol 3 Part B 2.5.1): a 16-bit UUID xxxx is 0000xxxx-<this>.
BASE_UUID_TAIL = "-0000-1000-8000-00805f9b34fb"


def bleak_uuid(hex_digits: str) -> str:
    """bleak's form of a UUID (lower case, 128-bit with dashes) from bumble's hex digits (``C300``)."""
    digits = hex_digits.replace("-", "").lower()
    if len(digits) <= 8:
        return f"{int(digits, 16):08x}{BASE_UUID_TAIL}"
    return str(uuidlib.UUID(hex=digits))


def property_names(bits: int) -> list[str]:
    """bleak's property names of the properties byte ``bits``, in bit order."""
    return [name for bit, name in PROPERTY_NAMES.items() if bits & bit]


@dataclass
class ParsedAdvertising:
    """The fields of bleak's AdvertisementData found in one report's AD structures."""

    local_name: str | None = None
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[str, bytes] = field(default_factory=dict)
    service_uuids: list[str] = field(default_factory=list)
    tx_power: int | None = None


def ad_structures(data: bytes) -> list[tuple[int, bytes]]:
    """(AD type, value) of each length-type-value structure (Core spec Supplement Part A 1); a
    structure that runs past the end, or a zero length (the significant part's end), ends the list."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        length = data[i]
        if length == 0 or i + 1 + length > len(data):
            break
        out.append((data[i + 1], bytes(data[i + 2 : i + 1 + length])))
        i += 1 + length
    return out


def parse_advertising(data: bytes) -> ParsedAdvertising:
    """bleak's fields of ``data``: names 0x08/0x09 (complete wins), service UUID lists 0x02-0x07, 16-bit
    service data 0x16, manufacturer data 0xFF (company identifier little-endian first), TX power 0x0A."""
    parsed = ParsedAdvertising()
    for kind, value in ad_structures(data):
        if kind in (0x08, 0x09) and (kind == 0x09 or parsed.local_name is None):
            parsed.local_name = value.decode("utf-8", "replace")
        elif kind in (0x02, 0x03, 0x04, 0x05, 0x06, 0x07):
            width = {0x02: 2, 0x03: 2, 0x04: 4, 0x05: 4}.get(kind, 16)
            for j in range(0, len(value) - width + 1, width):
                parsed.service_uuids.append(bleak_uuid(value[j : j + width][::-1].hex()))
        elif kind == 0x16 and len(value) >= 2:
            parsed.service_data[bleak_uuid(value[1::-1].hex())] = value[2:]
        elif kind == 0xFF and len(value) >= 2:
            parsed.manufacturer_data[int.from_bytes(value[:2], "little")] = value[2:]
        elif kind == 0x0A and len(value) == 1:
            parsed.tx_power = int.from_bytes(value, "little", signed=True)
    return parsed


def _address_text(address: Any) -> str:
    """A bumble Address as bleak's BlueZ backend prints one: upper case, no ``/P`` type suffix."""
    return str(address).split("/")[0].upper()


class _BumbleScanner(BaseBleakScanner):
    """bleak scanner backend: the bound Device scans (active or passive, no duplicate filter)."""

    device: Any = None  # set by BumbleAdapter's subclass

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        if scanning_mode not in ("active", "passive"):
            raise BleakError(f"scanning_mode must be 'active' or 'passive', got {scanning_mode!r}")
        self._active = scanning_mode == "active"

    async def start(self) -> None:
        self.seen_devices = {}
        self.device.on("advertisement", self._on_advertisement)
        await self.device.start_scanning(active=self._active, filter_duplicates=False)

    async def stop(self) -> None:
        try:
            await self.device.stop_scanning()
        finally:
            self.device.remove_listener("advertisement", self._on_advertisement)

    def _on_advertisement(self, adv: Any) -> None:
        raw = bytes(adv.data_bytes)
        parsed = parse_advertising(raw)
        if not self.is_allowed_uuid(parsed.service_uuids):
            return
        data = AdvertisementData(
            local_name=parsed.local_name,
            manufacturer_data=parsed.manufacturer_data,
            service_data=parsed.service_data,
            service_uuids=parsed.service_uuids,
            tx_power=parsed.tx_power,
            rssi=int(adv.rssi),
            platform_data=(adv, raw, bool(adv.is_scan_response)),
        )
        address = _address_text(adv.address)
        device = self.create_or_update_device(
            address, address, parsed.local_name, {"address": adv.address}, data
        )
        self.call_detection_callbacks(device, data)


class _BumbleClient(BaseBleakClient):
    """bleak client backend: the bound Device as central and GATT client of one connection."""

    device: Any = None  # set by BumbleAdapter's subclass
    scanner: type[BaseBleakScanner] | None = None

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=kwargs.get("timeout", 30.0),
        )
        self._ble_device = address_or_ble_device if isinstance(address_or_ble_device, BLEDevice) else None
        self._connection: Any = None
        self._gatt: Any = None

    @property
    def name(self) -> str:
        device = self._ble_device
        return device.name if device is not None and device.name else self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        if self._connection is None:
            raise BleakError("Not connected")
        return int(self._connection.att_mtu)

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def _target(self) -> Any:
        """The bumble Address to connect to: the scanned device's, or found by a scan as bleak does for an
        address string."""
        if self._ble_device is None:
            from bleak import BleakScanner

            found = await BleakScanner.find_device_by_address(
                self.address, timeout=self._timeout, backend=self.scanner or _BumbleScanner
            )
            if found is None:
                raise BleakError(f"Device with address {self.address} was not found.")
            self._ble_device = found
        return self._ble_device.details["address"]

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        from bumble.device import Peer
        from bumble.hci import OwnAddressType

        target = await self._target()
        connection = await self.device.connect(
            target, own_address_type=OwnAddressType.RANDOM, timeout=self._timeout
        )
        self._connection = connection
        connection.on("disconnection", self._on_disconnection)
        if pair:
            await connection.pair()
        gatt = Peer(connection)
        await gatt.discover_all()
        self._gatt = gatt
        self.services = self._collection(gatt)

    def _on_disconnection(self, _reason: int) -> None:
        self._connection = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    def _collection(self, gatt: Any) -> BleakGATTServiceCollection:
        out = BleakGATTServiceCollection()
        for s in gatt.services:
            service = BleakGATTService(s, s.handle, bleak_uuid(s.uuid.to_hex_str()))
            out.add_service(service)
            for c in s.characteristics:
                char = BleakGATTCharacteristic(
                    c,
                    c.handle,
                    bleak_uuid(c.uuid.to_hex_str()),
                    property_names(int(c.properties)),  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,  # ATT_MTU minus the Write Command header
                    service,
                )
                out.add_characteristic(char)
                for d in c.descriptors:
                    out.add_descriptor(
                        BleakGATTDescriptor(d, d.handle, bleak_uuid(d.type.to_hex_str()), char)
                    )
        return out

    def _client(self) -> Any:
        if self._gatt is None or self._connection is None:
            raise BleakError("Not connected")
        return self._gatt

    async def disconnect(self) -> None:
        if self._connection is not None:
            await self._connection.disconnect()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        if self._connection is None:
            raise BleakError("Not connected")
        await self._connection.pair()

    async def unpair(self) -> None:
        raise BleakError("the bumble backend keeps no bonds to remove")

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, **kwargs: Any) -> bytearray:
        return bytearray(await self._client().read_value(characteristic.obj))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, **kwargs: Any) -> bytearray:
        return bytearray(await self._client().read_value(descriptor.obj))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        await self._client().write_value(characteristic.obj, bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._client().write_value(descriptor.obj, bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        await self._client().subscribe(characteristic.obj, on_value, prefer_notify=True)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        await self._client().unsubscribe(characteristic.obj)


class BumbleAdapter:
    """One bumble Device on the air and the bleak backend classes bound to it (``scanner``, ``client``)."""

    def __init__(self, device: Any, transport: Any) -> None:
        self.device = device
        self._transport = transport
        self.scanner: type[BaseBleakScanner] = type("BumbleScanner", (_BumbleScanner,), {"device": device})
        self.client: type[BaseBleakClient] = type(
            "BumbleClient", (_BumbleClient,), {"device": device, "scanner": self.scanner}
        )

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.close()
            self._transport = None


async def open_adapter(transport: str, address: str) -> BumbleAdapter:
    """Attach a bumble Device with the random static ``address`` through ``transport`` (the air's
    ``tcp-client:H:P``, or ``usb:0`` for a dongle) and power it on."""
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.transport import open_transport

    hci = await open_transport(transport)
    device = Device.with_hci("bleak-peer", Address(address), hci.source, hci.sink)
    await device.power_on()
    return BumbleAdapter(device, hci)
