"""The Classic Bluetooth peer: the phone or PC of the 3.5 tests and the 4.10 examples, on the run's air.

A bumble Device with BR/EDR on (servers/ble_air.py with servers/bt_air.py's Classic additions). It is
discoverable under its name and Class of Device (what the board's AT+BTSTARTDISC finds), inquires (what a
phone's scan finds of the board), pairs with the IO capability a test gives it (the passkey it displays is
kept for the test to type into AT+BTKEYREPLY, 4.10.3), offers an SPP service or connects to the board's,
and records every byte it receives. A synchronous face over its own event loop thread, like every peer of
servers/; on a bench the same class runs on a USB dongle (``usb:0`` as the transport).
"""

from __future__ import annotations

import asyncio
import queue
import time
from dataclasses import dataclass
from typing import Any

from servers.base import LoopThread

#: SPP (Assigned Numbers, Service Class 0x1101 Serial Port) and the SDP record handle of the peer's service.
SPP_UUID16 = 0x1101
SPP_RECORD_HANDLE = 0x00010001
#: A smartphone's Class of Device: major service classes 0x2d0, major class 0x2 (phone), minor 0x3
#: (smartphone): the "realme V11 5G" line of 4.10.4 (+BTSTARTDISC:...,0x2,0x3,0x2d0,...).
PHONE_COD = (0x2D0 << 13) | (0x2 << 8) | (0x3 << 2)
#: IO capabilities by 3.5.16's <io_cap> numbering, as bumble names them.
IO_CAPS = {
    0: "DISPLAY_OUTPUT_ONLY",
    1: "DISPLAY_OUTPUT_AND_YES_NO_INPUT",
    2: "KEYBOARD_INPUT_ONLY",
    3: "NO_OUTPUT_NO_INPUT",
}


@dataclass(frozen=True)
class Inquired:
    """One device the peer's inquiry found: address, Class of Device, the name its EIR carries."""

    address: str
    class_of_device: int
    name: str


@dataclass(frozen=True)
class PairingOutcome:
    """How a pairing of the peer ended: ``ok``, and the HCI status when it failed."""

    ok: bool
    status: int = 0


def _address(connection: Any) -> str:
    return str(connection.peer_address).split("/")[0].lower()


class BumbleBtPeer:
    """A Classic Bluetooth device attached to the air with ``transport`` (``tcp-client:H:P``)."""

    kind = "bt-peer"
    NAME = "peer-phone"

    def __init__(self, transport: str, address: str = "e0:24:81:47:90:bc", io_cap: int = 3) -> None:
        self.transport_spec = transport
        self.address = address.lower()
        self.io_cap = io_cap
        self._loop = LoopThread("peer-bt")
        self._device: Any = None
        self._transport: Any = None
        self._connection: Any = None
        self._dlc: Any = None
        self.received = bytearray()
        self.arrivals: list[tuple[float, int]] = []  # (time.monotonic, bytes) of each piece received
        self.displayed: queue.Queue[int] = queue.Queue()  # passkeys / numbers the peer showed its user
        self.pairings: queue.Queue[PairingOutcome] = queue.Queue()
        self.dlc_events: queue.Queue[str] = queue.Queue()  # "open" / "close" of the SPP channel

    @property
    def device(self) -> Any:
        """The bumble Device (for a profile of its own module, servers/bt_a2dp.py); use it on :attr:`loop`."""
        return self._device

    @property
    def loop(self) -> LoopThread:
        return self._loop

    # --- lifetime ---

    def start(self) -> BumbleBtPeer:
        self._loop.run(self._open())
        return self

    async def _open(self) -> None:
        from bumble.device import Device, DeviceConfiguration
        from bumble.hci import Address, HCI_Command
        from bumble.keys import MemoryKeyStore

        from servers.ble_air import WRITE_BD_ADDR

        self._transport = await open_transport(self.transport_spec)
        config = DeviceConfiguration(
            name=self.NAME,
            address=Address(self.address),
            classic_enabled=True,
            le_enabled=False,
            class_of_device=PHONE_COD,
        )
        self._device = Device.from_config_with_hci(config, self._transport.source, self._transport.sink)
        self._device.pairing_config_factory = self._pairing_config
        self._device.on("classic_pairing", lambda _c: self.pairings.put(PairingOutcome(True)))
        self._device.on(
            "classic_pairing_failure",
            lambda _c, status: self.pairings.put(PairingOutcome(False, int(status))),
        )
        await self._device.power_on()
        public = Address(self.address, Address.PUBLIC_DEVICE_ADDRESS)
        await self._device.host.send_command(HCI_Command(op_code=WRITE_BD_ADDR, parameters=bytes(public)))
        self._device.public_address = public
        self._device.keystore = MemoryKeyStore()

    def stop(self) -> None:
        if self._transport is not None:
            self._loop.run(self._transport.close())
            self._transport = None
        self._loop.close()

    # --- pairing ---

    def _pairing_config(self, _connection: Any) -> Any:
        from bumble.pairing import PairingConfig, PairingDelegate

        peer = self
        capability = getattr(PairingDelegate.IoCapability, IO_CAPS[self.io_cap])

        class PeerDelegate(PairingDelegate):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__(io_capability=capability)

            async def display_number(self, number: int, digits: int = 6) -> None:
                peer.displayed.put(int(number))

            async def compare_numbers(self, number: int, digits: int = 6) -> bool:
                peer.displayed.put(int(number))
                return True

            async def confirm(self, auto: bool = False) -> bool:
                return True

        return PairingConfig(sc=True, mitm=self.io_cap != 3, bonding=True, delegate=PeerDelegate())

    def show_passkey(self, passkey: int) -> None:
        """The passkey the peer's next Passkey Entry pairing displays (servers/bt_air.py SET_NEXT_PASSKEY),
        instead of one drawn at random: a replay types the guide's."""
        from bumble.hci import HCI_Command

        from servers.bt_air import SET_NEXT_PASSKEY

        async def run() -> None:
            command = HCI_Command(op_code=SET_NEXT_PASSKEY, parameters=passkey.to_bytes(4, "little"))
            await self._device.host.send_command(command)

        self._loop.run(run())

    def wait_displayed(self, timeout: float = 10.0) -> int:
        """The passkey (or comparison number) the peer shows its user during a pairing."""
        try:
            return self.displayed.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the BT peer displayed no passkey in {timeout:g} s") from None

    def wait_pairing(self, timeout: float = 10.0) -> PairingOutcome:
        try:
            return self.pairings.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no pairing of the BT peer ended in {timeout:g} s") from None

    def forget_bonds(self) -> None:
        """Drop every link key the peer keeps, so the next connection pairs afresh."""
        from bumble.keys import MemoryKeyStore

        async def run() -> None:
            self._device.keystore = MemoryKeyStore()

        self._loop.run(run())

    def encrypted(self) -> bool:
        """Whether the peer's current link is encrypted."""

        async def run() -> bool:
            return bool(self._connection is not None and self._connection.is_encrypted)

        return self._loop.run(run())

    # --- GAP ---

    def set_discoverable(self, discoverable: bool = True, connectable: bool = True) -> None:
        async def run() -> None:
            self._device.connectable = connectable
            await self._device.set_discoverable(discoverable)

        self._loop.run(run())

    def inquire(self, seconds: float = 1.28) -> list[Inquired]:
        """Every device that answers an inquiry of ``seconds`` (rounded up to 1.28 s units)."""
        from bumble import hci
        from bumble.core import AdvertisingData

        length = max(1, int(-(-seconds // 1.28)))

        async def run() -> list[Inquired]:
            found: list[Inquired] = []
            done = asyncio.get_running_loop().create_future()

            def result(address: Any, cod: int, data: Any, _rssi: int) -> None:
                name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or ""
                if isinstance(name, bytes):
                    name = name.decode("utf-8", "replace")
                found.append(Inquired(str(address).split("/")[0].lower(), int(cod), name))

            def complete() -> None:
                if not done.done():
                    done.set_result(None)

            device = self._device
            device.on("inquiry_result", result)
            device.on("inquiry_complete", complete)
            try:
                device.auto_restart_inquiry = False
                await device.send_command(hci.HCI_Write_Inquiry_Mode_Command(inquiry_mode=2))
                await device.send_async_command(
                    hci.HCI_Inquiry_Command(
                        lap=hci.HCI_GENERAL_INQUIRY_LAP, inquiry_length=length, num_responses=0
                    )
                )
                await done
            finally:
                device.remove_listener("inquiry_result", result)
                device.remove_listener("inquiry_complete", complete)
            return found

        return self._loop.run(run(), timeout=length * 1.28 + 10)

    # --- SPP ---

    def _adopt(self, dlc: Any) -> None:
        self._dlc = dlc
        dlc.sink = self._on_data
        dlc.on("close", lambda: self.dlc_events.put("close"))
        self.dlc_events.put("open")

    def _on_data(self, data: bytes) -> None:
        self.received.extend(data)
        self.arrivals.append((time.monotonic(), len(data)))  # when and how much: throughput is timed on it

    def serve_spp(self) -> None:
        """Offer an SPP service (the PC of 4.10: the board's master connects to it)."""
        from bumble import core, rfcomm

        async def run() -> None:
            server = rfcomm.Server(self._device)

            def accept(dlc: Any) -> None:
                self._connection = dlc.multiplexer.l2cap_channel.connection
                self._adopt(dlc)

            channel = server.listen(accept)
            self._device.sdp_service_records = {
                SPP_RECORD_HANDLE: rfcomm.make_service_sdp_records(
                    SPP_RECORD_HANDLE, channel, core.UUID.from_16_bits(SPP_UUID16)
                )
            }

        self._loop.run(run())

    def connect_spp(self, address: str, *, pair: bool = False, timeout: float = 15.0) -> None:
        """Connect to ``address``'s SPP service (the phone of 4.10.1: it connects to the board's slave);
        ``pair``: authenticate and encrypt the link first."""
        from bumble import core, rfcomm

        async def run() -> None:
            connection = await self._device.connect(address, transport=core.PhysicalTransport.BR_EDR)
            self._connection = connection
            if pair:
                await connection.authenticate()
                await connection.encrypt()
            channel = await rfcomm.find_rfcomm_channel_with_uuid(
                connection, core.UUID.from_16_bits(SPP_UUID16)
            )
            if not channel:
                raise AssertionError(f"{address} offers no Serial Port service (SDP)")
            mux = await rfcomm.Client(connection).start()
            self._adopt(await mux.open_dlc(channel))

        self._loop.run(run(), timeout=timeout)

    def connect_only(self, address: str, timeout: float = 15.0) -> None:
        """A baseband connection to ``address`` and nothing more (a page the board must answer)."""
        from bumble import core

        async def run() -> None:
            self._connection = await self._device.connect(address, transport=core.PhysicalTransport.BR_EDR)

        self._loop.run(run(), timeout=timeout)

    def send(self, data: bytes) -> None:
        async def run() -> None:
            if self._dlc is None:
                raise AssertionError("the BT peer has no SPP channel")
            self._dlc.write(data)
            await self._dlc.drain()

        self._loop.run(run())

    def wait_received(self, n: int, timeout: float = 10.0) -> bytes:
        """The first ``n`` bytes received over SPP (all of them kept in ``received``)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < n:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the BT peer received {len(self.received)} of {n} bytes in {timeout:g} s: "
                    f"{bytes(self.received[:64])!r}"
                )
            time.sleep(0.01)
        return bytes(self.received[:n])

    def wait_dlc(self, event: str, timeout: float = 10.0) -> None:
        """The SPP channel's next ``event`` ("open" / "close"); earlier ones of the other kind are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                if self.dlc_events.get(timeout=max(left, 0.001)) == event:
                    return
            except queue.Empty:
                raise AssertionError(f"the BT peer's SPP channel saw no {event} in {timeout:g} s") from None

    def disconnect(self) -> None:
        async def run() -> None:
            if self._connection is not None:
                await self._connection.disconnect()

        self._loop.run(run())


async def open_transport(spec: str) -> Any:
    from bumble.transport import open_transport as _open

    return await _open(spec)
