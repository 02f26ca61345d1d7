"""servers.ble_bleak_bumble, the bleak backend over bumble: plain bleak client code (BleakScanner,
BleakClient with ``backend=``) against a bumble GATT server on the virtual air (servers/ble_air.py), and the
pure pieces (AD structures, UUID and property forms). servers.ble_peer_bleak's interface on top of it."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("bleak")
pytest.importorskip("bumble")

from bleak import BleakClient, BleakScanner  # noqa: E402

from servers.ble_air import BleAir  # noqa: E402
from servers.ble_bleak_bumble import (  # noqa: E402
    ad_structures,
    bleak_uuid,
    open_adapter,
    parse_advertising,
    property_names,
)
from servers.ble_peer import BumbleBlePeer  # noqa: E402
from servers.ble_peer_bleak import BleakBlePeer, PeerRoleUnsupported, guide_uuid, property_bits  # noqa: E402

SERVER = "C0:FF:EE:00:00:12"
ADV = bytes.fromhex("020106") + b"\x07\x09server" + bytes.fromhex("03030F18") + bytes.fromhex("05FF3412AABB")


def test_ad_structures_and_bleak_fields() -> None:
    """Core spec Supplement Part A 1: length-type-value; bleak's fields of Flags, a name, a 16-bit UUID list
    (0x180F), manufacturer data (company 0x1234, little-endian) and TX power."""
    data = ADV + b"\x02\x0a\xf4"
    assert ad_structures(data)[:2] == [(0x01, b"\x06"), (0x09, b"server")]
    parsed = parse_advertising(data)
    assert parsed.local_name == "server"
    assert parsed.service_uuids == ["0000180f-0000-1000-8000-00805f9b34fb"]
    assert parsed.manufacturer_data == {0x1234: b"\xaa\xbb"}
    assert parsed.tx_power == -12
    assert ad_structures(b"\x05\x09ab") == []  # runs past the end
    assert parse_advertising(b"\x03\x08ab\x03\x09cd").local_name == "cd"  # the complete name wins


def test_uuid_and_property_forms() -> None:
    assert bleak_uuid("C300") == "0000c300-0000-1000-8000-00805f9b34fb"
    full = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
    assert bleak_uuid(full) == full.lower()
    assert guide_uuid("0000c300-0000-1000-8000-00805f9b34fb") == "0xC300"
    assert guide_uuid(full.lower()) == "0x" + full.replace("-", "")
    assert property_names(0x1A) == ["read", "write", "notify"]
    assert property_bits(["read", "write", "notify", "reliable-write"]) == 0x1A


def _with_server(body) -> None:
    """``body(air, server)`` with a bumble peer serving servers.ble_peer's service and advertising ADV."""
    air = BleAir().start()
    server = BumbleBlePeer(air.transport, address=SERVER).start()
    try:
        server.serve()
        server.advertise(ADV, b"\x04\x09rsp")
        body(air, server)
    finally:
        server.stop()
        air.stop()


def test_unchanged_bleak_code_over_the_air() -> None:
    """bleak's own calls: find the server by name, connect, the services, read, write, notify and indicate,
    and the disconnected callback when the client disconnects."""

    def body(air: BleAir, server: BumbleBlePeer) -> None:
        async def client_code() -> dict:
            adapter = await open_adapter(air.transport, "C0:FF:EE:00:00:21")
            got: dict = {"values": [], "disconnected": asyncio.Event()}
            try:
                device = await BleakScanner.find_device_by_name("server", timeout=5, backend=adapter.scanner)
                assert device is not None and device.address == SERVER
                client = BleakClient(
                    device, lambda _c: got["disconnected"].set(), timeout=5, backend=adapter.client
                )
                async with client:
                    got["uuids"] = [s.uuid for s in client.services]
                    got["read"] = await client.read_gatt_char("0000ff02-0000-1000-8000-00805f9b34fb")
                    await client.write_gatt_char(
                        "0000ff02-0000-1000-8000-00805f9b34fb", b"new", response=True
                    )
                    got["mtu"] = client.mtu_size
                    for uuid in (
                        "0000ff03-0000-1000-8000-00805f9b34fb",
                        "0000ff04-0000-1000-8000-00805f9b34fb",
                    ):
                        await client.start_notify(uuid, lambda _ch, data: got["values"].append(bytes(data)))
                    await asyncio.get_running_loop().run_in_executor(None, server.notify, "0xFF03", b"n")
                    await asyncio.get_running_loop().run_in_executor(
                        None, server.notify, "0xFF04", b"i", True
                    )
                    for _ in range(200):
                        if len(got["values"]) == 2:
                            break
                        await asyncio.sleep(0.01)
                await asyncio.wait_for(got["disconnected"].wait(), 5)
            finally:
                await adapter.close()
            return got

        got = asyncio.run(client_code())
        assert "0000ff01-0000-1000-8000-00805f9b34fb" in got["uuids"]
        assert got["read"] == bytearray(b"peer") and got["mtu"] == 23
        assert server.wait_written(5).value == b"new"
        assert got["values"] == [b"n", b"i"]

    _with_server(body)


def test_bleak_peer_interface_and_what_it_cannot_do() -> None:
    """servers.ble_peer_bleak: a scan gives the raw bytes with the scan-response flag; connect, discover,
    read, write, subscribe, the link events; the server role raises PeerRoleUnsupported."""

    def body(air: BleAir, server: BumbleBlePeer) -> None:
        peer = BleakBlePeer(air.transport, address="C0:FF:EE:00:00:22").start()
        try:
            heard = {
                (s.scan_response, s.data, s.address_type)
                for s in peer.scan(0.3)
                if s.address == SERVER.lower()
            }
            assert heard == {(False, ADV, 1), (True, b"\x04\x09rsp", 1)}
            assert not [s for s in peer.scan(0.2, active=False) if s.scan_response]
            peer.connect(SERVER, 1)
            assert peer.wait_event("connection").address == SERVER.lower()
            assert server.wait_event("connection").address == "c0:ff:ee:00:00:22"
            found = {s.uuid: s for s in peer.discover()}
            assert [(c.uuid, c.properties, c.descriptors) for c in found["0xFF01"].characteristics] == [
                ("0xFF02", 0x0A, ()), ("0xFF03", 0x10, ("0x2902",)), ("0xFF04", 0x20, ("0x2902",))
            ]  # fmt: skip
            peer.write("0xff02", b"xy")
            assert server.wait_written(5).value == b"xy" and peer.read("0xFF02") == b"xy"
            assert peer.read_descriptor("0xFF03", "0x2902") == b"\x00\x00"  # not subscribed yet
            peer.subscribe("0xFF04")
            server.notify("0xFF04", b"ind", indicate=True)
            assert peer.wait_received(5).value == b"ind"
            for call in (lambda: peer.advertise(b""), peer.serve, peer.start_pairing, peer.max_rx_octets):
                with pytest.raises(PeerRoleUnsupported, match="ble_peer kind bumble"):
                    call()
            with pytest.raises(PeerRoleUnsupported, match="cannot INITIAL VALUE"):
                peer.INITIAL_VALUE  # noqa: B018 - the rest of the bumble peer's interface
            with pytest.raises(AttributeError):
                peer.no_such_part  # noqa: B018
            peer.disconnect()
            assert peer.wait_event("disconnection").kind == "disconnection"
        finally:
            peer.stop()

    _with_server(body)


def test_server_vanishing_calls_the_disconnected_callback() -> None:
    """A server that leaves the air without disconnecting (servers/ble_air.py: reason 0x08): bleak's
    disconnected callback runs and the peer reports the link's end."""

    def body(air: BleAir, server: BumbleBlePeer) -> None:
        peer = BleakBlePeer(air.transport, address="C0:FF:EE:00:00:23").start()
        try:
            peer.connect(SERVER, 1)
            peer.wait_event("connection")
            server.stop()
            assert peer.wait_event("disconnection").address == SERVER.lower()
        finally:
            peer.stop()

    _with_server(body)


def test_pair_on_connect() -> None:
    """BleakClient(..., pair=True): the backend pairs before discovery; the server's record shows a
    successful pairing, encrypted, with the Just Works model (both sides without input or output)."""

    def body(air: BleAir, server: BumbleBlePeer) -> None:
        server.configure_pairing("no_input_no_output")

        async def client_code() -> None:
            adapter = await open_adapter(air.transport, "C0:FF:EE:00:00:24")
            try:
                device = await BleakScanner.find_device_by_address(SERVER, timeout=5, backend=adapter.scanner)
                assert device is not None
                async with BleakClient(device, pair=True, timeout=10, backend=adapter.client) as client:
                    assert client.is_connected
            finally:
                await adapter.close()

        asyncio.run(client_code())
        outcome = server.pairing.wait_outcome(10)
        assert (outcome.ok, outcome.encrypted, outcome.method) == (True, True, "just_works"), outcome

    _with_server(body)
