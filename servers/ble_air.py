"""The virtual air: the Bluetooth LE radio that every simulated board and BLE peer of a run shares.

One bumble ``LocalLink`` (the air) and, for every device that attaches, one bumble ``Controller`` on it,
served as HCI over TCP: a device attaches with bumble's ``tcp-client:HOST:PORT`` transport, exactly as it
would to a ``tcp-server:`` controller (issue 17's measured design), except that one listening port hands
each new client a controller of its own, so any number of boards and peers join the same air.

The air is one per pytest worker (a session peer of fixtures.servers, started before the worker's board so
that the board's air file can name it): boards and peers of one worker see each other, two workers never do
(``-n 2`` safe). bumble is imported only when the first device attaches, so a run that never uses BLE does
not pay its import.

A device that goes away without disconnecting (its process killed, its socket closed) would leave its peers
"connected" on a plain LocalLink; here its controller leaves the air: its advertising stops and every peer
connected to it gets a disconnection with reason 0x08 (connection timeout: what a real peer sees when the
other side vanishes, Core spec Vol 6 Part B 4.5.2 supervision timeout).

Run on its own for a bench-less experiment: ``python -m servers.ble_air`` prints one JSON line with the
``tcp-client:`` transport to use.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from servers.base import DEFAULT_HOST, Endpoint, Peer

logger = logging.getLogger(__name__)

#: HCI error code 0x08, Connection Timeout: the reason a peer's link ends when the other device vanishes.
CONNECTION_TIMEOUT = 0x08
#: The vendor command (Zephyr's Write BD_ADDR) that sets an attached controller's public address.
WRITE_BD_ADDR = 0xFC06
#: The RSSI every report carries (the air has no distances); the guide's example shows -50-ish values.
AIR_RSSI = -50


def _controller_class() -> type:
    """The air's controller: bumble's, with scan responses that carry the advertiser's scan response data
    (bumble 0.0.236 repeats the advertising data there) and only for an active scan (Core spec Vol 6 Part B
    4.4.3.2: a passive scanner sends no SCAN_REQ, so it never gets a SCAN_RSP)."""
    from bumble import hci
    from bumble.controller import Controller

    from servers.bt_air import classic_controller_mixin

    legacy_report = hci.HCI_LE_Advertising_Report_Event
    ext_report = hci.HCI_LE_Extended_Advertising_Report_Event

    class AirController(classic_controller_mixin(), Controller):  # type: ignore[misc]
        def on_hci_command(self, command: Any) -> Any:
            # Zephyr's vendor Write BD_ADDR (0xFC06, 6 bytes little-endian): how a device on the air sets
            # its public address (an ESP32's is its base MAC + 2), which a real controller has in eFuse.
            if command.op_code == WRITE_BD_ADDR and len(command.parameters) == 6:
                self.public_address = hci.Address(
                    bytes(command.parameters), hci.Address.PUBLIC_DEVICE_ADDRESS
                )
                self.send_hci_packet(
                    hci.HCI_Command_Complete_Event(
                        num_hci_command_packets=1,
                        command_opcode=command.op_code,
                        return_parameters=hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS),
                    )
                )
                return None
            return super().on_hci_command(command)

        def on_hci_le_create_connection_cancel_command(self, command: Any) -> Any:
            # bumble 0.0.236 answers SUCCESS but keeps initiating and never ends the attempt, so a host's
            # connect(timeout=...) waits forever. Core spec Vol 4 Part E 7.8.13: with no attempt pending the
            # command is disallowed (0x0C); otherwise, after its Command Complete, the controller sends an
            # LE Connection Complete with status Unknown Connection Identifier (0x02).
            pending = self.pending_le_connection
            if pending is None:
                return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
            self.pending_le_connection = None
            failed = hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=0,
                role=hci.Role.CENTRAL,
                peer_address_type=pending.peer_address.address_type,
                peer_address=pending.peer_address,
                connection_interval=0,
                peripheral_latency=0,
                supervision_timeout=0,
                central_clock_accuracy=0,
            )
            # send_hci_packet delivers on the next loop turn: scheduling it now puts it after the
            # Command Complete that the caller sends when this returns
            asyncio.get_running_loop().call_soon(self.send_hci_packet, failed)
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

        def on_hci_le_set_data_length_command(self, command: Any) -> Any:
            # bumble 0.0.236 has no LE Set Data Length: here the link takes the new transmit length at once
            # and both hosts get an LE Data Length Change (Core spec Vol 4 Part E 7.8.33, 7.7.65.7), the
            # sender with the new maximum transmit, the other side with it as its maximum receive.
            mine = self.find_connection_by_handle(command.connection_handle)
            if mine is None:
                return hci.HCI_StatusAndConnectionHandleReturnParameters(
                    hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR, command.connection_handle
                )
            octets, time = int(command.tx_octets), int(command.tx_time)
            lengths = getattr(mine, "air_data_length", [27, 328, 27, 328])
            lengths[:2] = [octets, time]
            mine.air_data_length = lengths
            loop = asyncio.get_running_loop()
            loop.call_soon(self.send_hci_packet, _length_event(mine.handle, lengths))
            other = self.link.find_le_controller(mine.peer_address) if self.link else None
            theirs = other.le_connections.get(mine.self_address) if other is not None else None
            if theirs is not None:
                back = getattr(theirs, "air_data_length", [27, 328, 27, 328])
                back[2:] = [octets, time]
                theirs.air_data_length = back
                loop.call_soon(other.send_hci_packet, _length_event(theirs.handle, back))
            return hci.HCI_StatusAndConnectionHandleReturnParameters(hci.HCI_ErrorCode.SUCCESS, mine.handle)

        def on_hci_le_set_extended_scan_parameters_command(self, command: Any) -> Any:
            # bumble 0.0.236 forgets the scan type of the extended form (active or passive)
            if getattr(command, "scan_types", None):
                self.le_scan_type = int(command.scan_types[0])
            return super().on_hci_le_set_extended_scan_parameters_command(command)

        def on_advertising_pdu(self, pdu: Any) -> None:
            # bumble's own handling keeps the periodic-advertising sync part; its reports are replaced
            scanning = self.le_scan_enable
            self.le_scan_enable = False
            try:
                super().on_advertising_pdu(pdu)
            finally:
                self.le_scan_enable = scanning
            if not scanning:
                return
            pairs = [
                (legacy_report.EventType.ADV_IND, ext_report.EventType.CONNECTABLE_ADVERTISING, pdu.data)
            ]
            scan_rsp = _scan_response(self.link, pdu.advertiser_address)
            if self.le_scan_type == 1 and scan_rsp is not None:  # active scan of a scannable advertiser
                pairs.append((legacy_report.EventType.SCAN_RSP, ext_report.EventType.SCAN_RESPONSE, scan_rsp))
            for legacy_type, ext_type, data in pairs:
                if self.le_features & hci.LeFeatureMask.LE_EXTENDED_ADVERTISING:
                    report = ext_report.Report(
                        event_type=ext_type,
                        address_type=pdu.advertiser_address.address_type,
                        address=pdu.advertiser_address,
                        primary_phy=hci.Phy.LE_1M,
                        secondary_phy=hci.Phy.LE_1M,
                        advertising_sid=0,
                        tx_power=0,
                        rssi=AIR_RSSI,
                        periodic_advertising_interval=0,
                        direct_address_type=0,
                        direct_address=hci.Address.ANY,
                        data=data,
                    )
                    self.send_hci_packet(ext_report([report]))
                else:
                    report = legacy_report.Report(
                        event_type=legacy_type,
                        address_type=pdu.advertiser_address.address_type,
                        address=pdu.advertiser_address,
                        data=data,
                        rssi=AIR_RSSI,
                    )
                    self.send_hci_packet(legacy_report([report]))

    def _length_event(handle: int, lengths: list[int]) -> Any:
        tx_octets, tx_time, rx_octets, rx_time = lengths
        return hci.HCI_LE_Data_Length_Change_Event(
            connection_handle=handle,
            max_tx_octets=tx_octets,
            max_tx_time=tx_time,
            max_rx_octets=rx_octets,
            max_rx_time=rx_time,
        )

    def _scan_response(link: Any, address: Any) -> bytes | None:
        """The scan response data of whoever advertises from ``address``; None when not scannable."""
        for c in link.controllers:
            legacy = c.le_legacy_advertiser
            if legacy.enabled and legacy.address == address:
                scannable = legacy.advertising_type in (0, 2)  # ADV_IND, ADV_SCAN_IND
                return bytes(legacy.scan_response_data or b"") if scannable else None
            for adv in c.advertising_sets.values():
                if adv.enabled and adv.address == address:
                    props = adv.parameters.advertising_event_properties if adv.parameters else 0
                    scannable = bool(int(props) & 0x02)
                    return bytes(adv.scan_response_data) if scannable else None
        return None

    return AirController


def _link_class() -> type:
    """The air's LocalLink: bumble 0.0.236 sends LE ACL data as from the sender's random address whatever
    address the connection was made with, so a device connected by its public address (a board's, 3.4.3
    AT+BLEADDR <addr_type> 0) never reaches its peer (the receiver finds no connection from that address and
    drops the data: GATT requests go unanswered). Here the data comes from the address the sender's side of
    the connection uses."""
    from bumble import core
    from bumble.link import LocalLink

    from servers.bt_air import classic_link_mixin

    class AirLink(classic_link_mixin(), LocalLink):  # type: ignore[misc]
        def send_acl_data(
            self, sender_controller: Any, destination_address: Any, transport: Any, data: bytes
        ) -> None:
            connection = sender_controller.le_connections.get(destination_address)
            if transport != core.PhysicalTransport.LE or connection is None:
                super().send_acl_data(sender_controller, destination_address, transport, data)
                return
            destination = self.find_le_controller(destination_address)
            if destination is not None:
                source = connection.self_address
                asyncio.get_running_loop().call_soon(
                    lambda: destination.on_link_acl_data(source, transport, data)
                )

    return AirLink


class _Attached(asyncio.Protocol):
    """One attached device: its TCP stream carries HCI packets (H4 framing) to and from its controller."""

    def __init__(self, air: BleAir) -> None:
        self.air = air
        self.controller: Any = None
        self.source: Any = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        from bumble.transport.common import StreamPacketSource

        self.transport = transport  # type: ignore[assignment]
        self.source = StreamPacketSource()
        link = self.air.link()
        self.air.attached += 1
        name = f"air-{self.air.attached}"
        self.controller = self.air.controller_class(name, host_source=self.source, host_sink=self, link=link)
        logger.debug("%s attached from %s", name, transport.get_extra_info("peername"))

    def on_packet(self, packet: bytes) -> None:  # the controller's host sink
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(packet)

    def data_received(self, data: bytes) -> None:
        self.source.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.controller is not None:
            self.air.detach(self.controller)
            self.controller = None


class BleAir(Peer):
    """The air as a peer: ``transport`` is what a device gives bumble to attach (``tcp-client:H:P``)."""

    kind = "ble-air"

    def __init__(self, host: str = DEFAULT_HOST) -> None:
        super().__init__(host)
        self._server: asyncio.Server | None = None
        self._link: Any = None
        self._controller_class: type | None = None
        self._protocols: set[_Attached] = set()
        self.attached = 0  # devices attached so far (names their controllers)

    @property
    def transport(self) -> str:
        host, port = self.address
        return f"tcp-client:{host}:{port}"

    @property
    def controller_class(self) -> type:
        if self._controller_class is None:
            self._controller_class = _controller_class()
        return self._controller_class

    def link(self) -> Any:
        """The LocalLink, made when the first device attaches (the bumble import happens here)."""
        if self._link is None:
            self._link = _link_class()()
        return self._link

    def controllers(self) -> list[Any]:
        return list(self._link.controllers) if self._link is not None else []

    async def astart(self) -> None:
        loop = asyncio.get_running_loop()

        def factory() -> _Attached:
            p = _Attached(self)
            self._protocols.add(p)
            return p

        self._server = await loop.create_server(factory, self.host, 0)
        port = self._server.sockets[0].getsockname()[1]
        self.endpoints["hci"] = Endpoint("hci", self.host, port)

    async def astop(self) -> None:
        if self._server is not None:
            self._server.close()
            for p in list(self._protocols):
                if p.transport is not None:
                    p.transport.close()
            await self._server.wait_closed()
            self._server = None

    def detach(self, controller: Any) -> None:
        """``controller``'s device is gone: it stops advertising and leaves the air; every peer connected
        to it sees the link end by timeout."""
        link = self._link
        controller.le_legacy_advertiser.stop()
        for adv in list(controller.advertising_sets.values()):
            adv.stop()
        controller.le_scan_enable = False
        gone = {c.self_address for c in controller.le_connections.values()}
        gone |= {controller.public_address, controller.random_address}
        for other in list(link.controllers):
            if other is controller:
                continue
            for peer_address, connection in list(other.le_connections.items()):
                if peer_address in gone:
                    other.on_le_disconnected(connection, CONNECTION_TIMEOUT)
        controller.le_connections.clear()
        if controller in link.controllers:
            link.remove_controller(controller)
        self._protocols = {p for p in self._protocols if p.controller is not None}

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["transport"] = self.transport
        return out


async def _main() -> None:
    air = BleAir()
    async with air:
        print(json.dumps({"event": "ready", "transport": air.transport}), flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover - a manual tool
    try:
        asyncio.run(_main())
    except KeyboardInterrupt:
        pass
