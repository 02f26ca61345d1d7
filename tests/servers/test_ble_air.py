"""servers.ble_air: two bumble devices attached over tcp-client: see each other's advertising and scan
response, connect, and a device that vanishes without disconnecting ends its peer's link by timeout."""

from __future__ import annotations

import asyncio

import pytest

from servers.ble_air import CONNECTION_TIMEOUT, BleAir

bumble = pytest.importorskip("bumble")


async def _device(air: BleAir, name: str, address: str):
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.transport import open_transport

    transport = await open_transport(air.transport)
    device = Device.with_hci(name, Address(address), transport.source, transport.sink)
    await device.power_on()
    return device, transport


def _name(text: bytes) -> bytes:
    return bytes([len(text) + 1, 0x09]) + text  # AD type 0x09, Complete Local Name


async def _advertiser_and_scanner(air: BleAir):
    """Device a advertising "adv" with scan response "rsp" every 20 ms; device b idle."""
    a, ta = await _device(air, "a", "F0:F1:F2:F3:F4:F5")
    b, tb = await _device(air, "b", "F0:F1:F2:F3:F4:F6")
    await a.start_advertising(
        advertising_data=_name(b"adv"),
        scan_response_data=_name(b"rsp"),
        advertising_interval_min=20,
        advertising_interval_max=20,
    )
    return b, ta, tb


def _on_air(body) -> None:
    """Run ``body(air, b, ta, tb)`` on a fresh air with device a advertising, then stop the air."""

    async def scenario() -> None:
        air = BleAir()
        await air.astart()
        try:
            await body(air, *await _advertiser_and_scanner(air))
        finally:
            await air.astop()

    asyncio.run(scenario())


def test_scan_response_connect_and_vanished_peer() -> None:
    async def body(air, b, ta, tb) -> None:
        seen: asyncio.Queue = asyncio.Queue()
        b.on("advertisement", lambda adv: seen.put_nowait((adv.is_scan_response, adv.data_bytes)))
        await b.start_scanning(active=True)
        got = {await asyncio.wait_for(seen.get(), 5) for _ in range(2)}
        await b.stop_scanning()
        assert got == {(False, _name(b"adv")), (True, _name(b"rsp"))}
        connection = await b.connect("F0:F1:F2:F3:F4:F5")
        ended = asyncio.get_running_loop().create_future()
        connection.on("disconnection", ended.set_result)
        await ta.close()  # a dies without disconnecting
        assert await asyncio.wait_for(ended, 5) == CONNECTION_TIMEOUT
        assert len(air.controllers()) == 1
        await tb.close()

    _on_air(body)


def test_passive_scan_gets_no_scan_response() -> None:
    async def body(air, b, ta, tb) -> None:
        seen: asyncio.Queue = asyncio.Queue()
        b.on("advertisement", lambda adv: seen.put_nowait(adv.is_scan_response))
        await b.start_scanning(active=False)
        kinds = {await asyncio.wait_for(seen.get(), 5) for _ in range(3)}
        assert kinds == {False}
        await ta.close()
        await tb.close()

    _on_air(body)


def test_connect_to_an_absent_address_ends_at_its_timeout() -> None:
    """Nobody advertises from the address: connect(timeout=...) cancels the attempt, and the air ends it
    with LE Connection Complete, Unknown Connection Identifier (Core spec Vol 4 Part E 7.8.13), so the
    host's connect raises instead of waiting forever; a second attempt is allowed after it."""
    from bumble.core import TimeoutError as BumbleTimeout

    async def body(air, b, ta, tb) -> None:
        for _ in range(2):
            with pytest.raises(BumbleTimeout):
                await asyncio.wait_for(b.connect("F0:F1:F2:F3:F4:99", timeout=0.2), 10)
        connection = await asyncio.wait_for(b.connect("F0:F1:F2:F3:F4:F5"), 10)
        assert connection is not None
        await ta.close()
        await tb.close()

    _on_air(body)


def test_gatt_over_a_connection_made_with_a_public_address() -> None:
    """The advertiser connects by its public address (as a board does, AT+BLEADDR <addr_type> 0): its GATT
    answers reach the central (bumble's own LocalLink sent them from the random address and they were
    dropped)."""
    from bumble.core import UUID
    from bumble.device import Peer
    from bumble.gatt import Characteristic, Service
    from bumble.hci import Address, HCI_Command, OwnAddressType

    from servers.ble_air import WRITE_BD_ADDR

    PUBLIC = Address.PUBLIC_DEVICE_ADDRESS

    async def scenario() -> None:
        air = BleAir()
        await air.astart()
        try:
            a, ta = await _device(air, "a", "F0:F1:F2:F3:F4:F7")
            b, tb = await _device(air, "b", "F0:F1:F2:F3:F4:F8")
            await a.host.send_command(
                HCI_Command(op_code=WRITE_BD_ADDR, parameters=bytes(Address("24:0A:C4:00:00:07", PUBLIC)))
            )
            a.add_service(
                Service(
                    UUID.from_16_bits(0xA002),
                    [
                        Characteristic(
                            UUID.from_16_bits(0xC300),
                            Characteristic.Properties.READ,
                            Characteristic.READABLE,
                            b"0",
                        )
                    ],
                )
            )
            await a.start_advertising(
                own_address_type=OwnAddressType.PUBLIC,
                advertising_interval_min=20,
                advertising_interval_max=20,
            )
            connection = await asyncio.wait_for(b.connect(Address("24:0A:C4:00:00:07", PUBLIC)), 10)
            peer = Peer(connection)
            await asyncio.wait_for(peer.discover_all(), 10)
            assert UUID.from_16_bits(0xA002) in [s.uuid for s in peer.services]
            await ta.close()
            await tb.close()
        finally:
            await air.astop()

    asyncio.run(scenario())
