"""The board's Bluetooth LE controller and host: a bumble Device attached to the run's virtual air.

The air file's ``services.ble_air`` (``tcp-client:HOST:PORT``) says where the air is; a board without one
has no radio and AT+BLEINIT fails. bumble is imported here, when AT+BLEINIT first needs it, so a board that
never initializes Bluetooth LE does not pay its ~1 s import.
"""

from __future__ import annotations

from typing import Any


class NoAirError(RuntimeError):
    """The air file names no BLE air (services.ble_air)."""


class BleRadio:
    """One initialized Bluetooth LE stack (3.4.2 AT+BLEINIT): the device, its transport, its role."""

    def __init__(self, transport_spec: str, public_address: str, name: str) -> None:
        self.transport_spec = transport_spec
        self.public_address = public_address
        self.name = name
        self.device: Any = None
        self._transport: Any = None

    async def power_on(self) -> None:
        from bumble.device import Device, DeviceConfiguration
        from bumble.hci import Address
        from bumble.host import Host
        from bumble.transport import open_transport

        self._transport = await open_transport(self.transport_spec)
        address = Address(self.public_address, Address.PUBLIC_DEVICE_ADDRESS)
        config = DeviceConfiguration(
            name=self.name, address=address, gap_service_enabled=False, gatt_service_enabled=False
        )
        host = Host(controller_source=self._transport.source, controller_sink=self._transport.sink)
        self.device = Device(config=config, host=host)
        # The firmware's own services in its handle order: 0x1801 (GATT) before 0x1800 (GAP), as every
        # AT+BLEGATTCPRIMSRV=0 transcript of 4.3 lists them (bluetooth_le_at_examples.rst:266, :746,
        # :1111); bumble would put GAP first
        self.device.add_default_services(add_gap_service=False, add_gatt_service=True)
        self.device.add_default_services(add_gap_service=True, add_gatt_service=False)
        await self.device.power_on()
        await set_public_address(self.device, self.public_address)

    async def power_off(self) -> None:
        transport, self._transport = self._transport, None
        self.device = None
        if transport is not None:
            await transport.close()


#: servers.ble_air's vendor command (Zephyr's Write BD_ADDR) that gives the air's controller this board's
#: public address, which a real ESP32 has in eFuse.
WRITE_BD_ADDR = 0xFC06


async def set_public_address(device: Any, address: str) -> None:
    from bumble.hci import Address, HCI_Command

    addr = Address(address, Address.PUBLIC_DEVICE_ADDRESS)
    await device.host.send_command(HCI_Command(op_code=WRITE_BD_ADDR, parameters=bytes(addr)))
    device.public_address = addr
