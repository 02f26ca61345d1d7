"""The board's Classic Bluetooth (BR/EDR) controller and host: a bumble Device on the run's virtual air.

The same air as Bluetooth LE (the air file's ``services.ble_air``; servers/ble_air.py with the Classic
additions of servers/bt_air.py: inquiry, Class of Device, page scan, encryption). The board's Classic stack is
a device of its own on the air with the board's BT address (an ESP32's one BT MAC serves LE and BR/EDR);
the air sends Classic traffic to it and LE traffic to the LE stack.

Pairing (Secure Simple Pairing with the four IO capabilities of 3.5.16 AT+BTSECPARAM) runs over bumble's
controller; what needs the host (a passkey to enter, a number to confirm) waits for AT+BTKEYREPLY /
AT+BTSECCFM through :class:`PairingPrompts`. bumble is imported when AT+BTINIT first needs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.radio.ble import set_public_address

#: The SPP service class (Assigned Numbers, Service Class UUID 0x1101 Serial Port).
SPP_UUID16 = 0x1101
#: The SDP record handle of the board's SPP service.
SPP_RECORD_HANDLE = 0x00010001
#: Inquiry access codes (Assigned Numbers, Baseband): general and limited.
GIAC = 0x9E8B33
LIAC = 0x9E8B00


@dataclass
class PairingPrompts:
    """What the board's host is waiting for from the AT port during a pairing, and the IO capability
    AT+BTSECPARAM set (3.5.16 <io_cap>: 0 DisplayOnly, 1 DisplayYesNo, 2 KeyboardOnly, 3 NoInputNoOutput)."""

    io_cap: int = 3
    passkey: asyncio.Future[int | None] | None = None
    confirm: asyncio.Future[bool] | None = None
    #: a reply typed before the stack asked (the user answers what the phone shows at once): kept for the
    #: pairing's request
    early_key: int | None = None
    early_confirm: bool | None = None

    def reply_key(self, key: int) -> None:
        if self.passkey is not None and not self.passkey.done():
            self.passkey.set_result(key)
        else:
            self.early_key = key

    def reply_confirm(self, accept: bool) -> None:
        if self.confirm is not None and not self.confirm.done():
            self.confirm.set_result(accept)
        else:
            self.early_confirm = accept

    def ask_key(self) -> asyncio.Future[int | None]:
        self.passkey = asyncio.get_running_loop().create_future()
        if self.early_key is not None:
            self.passkey.set_result(self.early_key)
            self.early_key = None
        return self.passkey

    def ask_confirm(self) -> asyncio.Future[bool]:
        self.confirm = asyncio.get_running_loop().create_future()
        if self.early_confirm is not None:
            self.confirm.set_result(self.early_confirm)
            self.early_confirm = None
        return self.confirm

    def forget(self) -> None:
        """A pairing ended: replies typed for it do not carry over to the next one."""
        self.early_key = self.early_confirm = None


#: 3.5.16 <io_cap> -> bumble's PairingDelegate IO capability names.
_IO_CAPS = {
    0: "DISPLAY_OUTPUT_ONLY",
    1: "DISPLAY_OUTPUT_AND_YES_NO_INPUT",
    2: "KEYBOARD_INPUT_ONLY",
    3: "NO_OUTPUT_NO_INPUT",
}


@dataclass
class Found:
    """One inquiry result: address, Class of Device, the name from its EIR ("" if none), RSSI."""

    address: str
    class_of_device: int
    name: str
    rssi: int


@dataclass
class BtRadio:
    """One initialized Classic Bluetooth stack (3.5.2 AT+BTINIT=1)."""

    transport_spec: str
    public_address: str
    name: str
    prompts: PairingPrompts = field(default_factory=PairingPrompts)
    device: Any = None
    _transport: Any = None
    #: called with the peer address when a pairing with it completed (the bond AT+BTENCDEV lists)
    on_bonded: Callable[[str], None] | None = None

    async def power_on(self) -> None:
        from bumble.device import Device, DeviceConfiguration
        from bumble.hci import Address
        from bumble.transport import open_transport

        self._transport = await open_transport(self.transport_spec)
        config = DeviceConfiguration(
            name=self.name,
            address=Address(self.public_address),
            classic_enabled=True,
            le_enabled=False,
        )
        self.device = Device.from_config_with_hci(config, self._transport.source, self._transport.sink)
        self.device.pairing_config_factory = self._pairing_config
        self.device.on("classic_pairing", self._on_paired)
        self.device.on("classic_pairing_failure", lambda *_args: self.prompts.forget())
        await self.device.power_on()
        await set_public_address(self.device, self.public_address)
        await self.set_scan_mode(0)

    async def power_off(self) -> None:
        transport, self._transport = self._transport, None
        self.device = None
        if transport is not None:
            await transport.close()

    # --- GAP ---

    async def set_name(self, name: str) -> None:
        self.name = name
        if self.device is not None:
            from bumble import hci

            self.device.name = name
            self.device.inquiry_response = None  # rebuilt with the new name by set_discoverable
            await self.device.send_command(hci.HCI_Write_Local_Name_Command(local_name=name.encode()))
            await self.device.set_discoverable(self.device.discoverable)

    async def set_scan_mode(self, mode: int) -> None:
        """3.5.4 <scan_mode>: 0 neither, 1 connectable, 2 both, 3 discoverable only."""
        self.device.connectable = mode in (1, 2)
        await self.device.set_discoverable(mode in (2, 3))

    async def set_class_of_device(self, cod: int) -> None:
        from bumble import hci

        self.device.class_of_device = cod
        await self.device.send_command(hci.HCI_Write_Class_Of_Device_Command(class_of_device=cod))

    async def inquire(
        self, limited: bool, length: int, limit: int, on_found: Callable[[Found], None]
    ) -> None:
        """An inquiry (3.5.5): every device that answers goes to ``on_found`` as it answers; returns when
        the inquiry is complete."""
        from bumble import hci
        from bumble.core import AdvertisingData

        device = self.device
        done = asyncio.get_running_loop().create_future()

        def result(address: Any, cod: int, data: Any, rssi: int) -> None:
            name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
                AdvertisingData.SHORTENED_LOCAL_NAME
            )
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            on_found(Found(str(address).split("/")[0].lower(), int(cod), name or "", int(rssi)))

        def complete() -> None:
            if not done.done():
                done.set_result(None)

        device.on("inquiry_result", result)
        device.on("inquiry_complete", complete)
        try:
            device.auto_restart_inquiry = False
            await device.send_command(
                hci.HCI_Write_Inquiry_Mode_Command(inquiry_mode=hci.HCI_EXTENDED_INQUIRY_MODE)
            )
            await device.send_async_command(
                hci.HCI_Inquiry_Command(
                    lap=LIAC if limited else GIAC, inquiry_length=length, num_responses=limit
                )
            )
            await done
        finally:
            device.remove_listener("inquiry_result", result)
            device.remove_listener("inquiry_complete", complete)

    # --- security (3.5.16-3.5.19) ---

    def _pairing_config(self, _connection: Any) -> Any:
        from bumble.pairing import PairingConfig, PairingDelegate

        prompts = self.prompts
        capability = getattr(PairingDelegate.IoCapability, _IO_CAPS[prompts.io_cap])

        class BoardDelegate(PairingDelegate):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__(io_capability=capability)

            async def get_number(self) -> int | None:  # KeyboardOnly: AT+BTKEYREPLY gives the key
                return await prompts.ask_key()

            async def compare_numbers(self, number: int, digits: int) -> bool:  # DisplayYesNo: AT+BTSECCFM
                return await prompts.ask_confirm()

            async def confirm(self, auto: bool = False) -> bool:
                return True

        return PairingConfig(sc=True, mitm=prompts.io_cap != 3, bonding=True, delegate=BoardDelegate())

    def _on_paired(self, connection: Any) -> None:
        self.prompts.forget()
        if self.on_bonded is not None:
            self.on_bonded(str(connection.peer_address).split("/")[0].lower())
