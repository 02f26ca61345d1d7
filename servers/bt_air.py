"""Classic Bluetooth (BR/EDR) on the virtual air of servers/ble_air.py: what bumble 0.0.236's virtual
controller lacks for 3.5, modelled in the air's controller from the devices really attached to it.

- **Inquiry** (Core spec Vol 4 Part E 7.1.1, Vol 2 Part B 8.4): bumble answers HCI_Inquiry as unknown. Here
  it is answered from the air's controllers whose host has turned inquiry scan on (HCI_Write_Scan_Enable bit
  0, what AT+BTSCANMODE 2/3 and a discoverable peer do): one Extended Inquiry Result per such device with its
  public address, the Class of Device its host wrote (bumble's controller forgets it) and the EIR its host
  wrote (the name), then Inquiry Complete when ``num_responses`` devices answered or when the inquiry length
  (x 1.28 s) is over. A limited inquiry (the LIAC 0x9E8B00) finds only devices whose Class of Device has the
  Limited Discoverable Mode bit (bit 13). Every result carries the air's RSSI.
- **Page scan** (Vol 2 Part B 8.3): a connection request to a device whose host has page scan off (scan
  modes 0 and 3 of AT+BTSCANMODE) ends with Page Timeout (0x04), as a real device that never answers a page.
- **A failed DHKey check** (a mistyped passkey) fails the pairing on both sides (Vol 2 Part C 4.2.7.5:
  LMP_not_accepted); bumble fails only the side that checked.
- **Encryption** (Vol 4 Part E 7.1.16): HCI_Set_Connection_Encryption on an authenticated link turns
  encryption on for both sides (Encryption Change on each); on a link with no link key it fails with
  PIN or Key Missing (0x06).
- **Which controller is the Classic one** of an address: a board's BLE and Classic stacks are two devices on
  this air with one public address (an ESP32's BT MAC serves both); Classic traffic goes to the device whose
  host turned BR/EDR on (it wrote Simple Pairing Mode), LE traffic to the other.

:func:`classic_controller_mixin` and :func:`classic_link_mixin` build the mixins when bumble is imported
(servers/ble_air.py's controller and link classes put them first in their bases).
"""

from __future__ import annotations

import asyncio
from typing import Any

#: General and limited inquiry access codes (Assigned Numbers, Baseband: GIAC 0x9E8B33, LIAC 0x9E8B00).
GIAC = 0x9E8B33
LIAC = 0x9E8B00
#: Class of Device bit 13: Limited Discoverable Mode (Assigned Numbers 2.8.1).
LIMITED_DISCOVERABLE_BIT = 1 << 13
#: One inquiry length unit (Vol 4 Part E 7.1.1: N x 1.28 s).
INQUIRY_UNIT_S = 1.28
#: The air's vendor command that fixes the passkey the next Passkey Entry pairing of a displaying device
#: shows (4 bytes little-endian): a test's phone shows the passkey the guide printed (4.10.3's 676572) where
#: a real phone would draw one at random. Not a Bluetooth command; only this air has it.
SET_NEXT_PASSKEY = 0xFC07
#: The default page timeout (Vol 4 Part E 7.3.16: 0x2000 slots of 0.625 ms).
PAGE_TIMEOUT_S = 5.12
#: The RSSI every inquiry result carries (the air has no distances; the guide's 4.10.4 shows -23 .. -72).
AIR_RSSI = -50


def classic_controller_mixin() -> type:
    from bumble import hci, lmp

    class ClassicAir:
        """Inquiry, Class of Device and EIR storage, page scan and encryption for an air controller."""

        classic_host = False  # the host turned BR/EDR on (Write Simple Pairing Mode)
        class_of_device = 0
        eir_data = b""
        _inquiry: asyncio.Task | None = None

        def on_hci_write_class_of_device_command(self, command: Any) -> Any:
            self.class_of_device = int(command.class_of_device)
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

        def on_hci_read_class_of_device_command(self, _command: Any) -> Any:
            return hci.HCI_Read_Class_Of_Device_ReturnParameters(
                status=hci.HCI_ErrorCode.SUCCESS, class_of_device=self.class_of_device
            )

        def on_hci_write_extended_inquiry_response_command(self, command: Any) -> Any:
            self.eir_data = bytes(command.extended_inquiry_response).rstrip(b"\x00")
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

        def on_hci_write_simple_pairing_mode_command(self, command: Any) -> Any:
            self.classic_host = True
            return super().on_hci_write_simple_pairing_mode_command(command)  # type: ignore[misc]

        next_passkey: int | None = None

        def on_hci_command(self, command: Any) -> Any:
            if command.op_code == SET_NEXT_PASSKEY and len(command.parameters) == 4:
                self.next_passkey = int.from_bytes(bytes(command.parameters), "little")
                self.send_hci_packet(  # type: ignore[attr-defined]
                    hci.HCI_Command_Complete_Event(
                        num_hci_command_packets=1,
                        command_opcode=command.op_code,
                        return_parameters=hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS),
                    )
                )
                return None
            return super().on_hci_command(command)  # type: ignore[misc]

        def _on_ssp_confirm_or_nonce_received(self, connection: Any) -> None:
            forced = self.next_passkey
            if forced is None:
                super()._on_ssp_confirm_or_nonce_received(connection)  # type: ignore[misc]
                return
            from bumble import controller as bumble_controller

            drawn = bumble_controller.secrets

            class _Fixed:
                @staticmethod
                def randbelow(_n: int) -> int:
                    return forced

            bumble_controller.secrets = _Fixed  # type: ignore[assignment]
            try:
                super()._on_ssp_confirm_or_nonce_received(connection)  # type: ignore[misc]
            finally:
                bumble_controller.secrets = drawn
                if connection.ssp_state.passkey == forced:
                    self.next_passkey = None

        def on_hci_write_inquiry_mode_command(self, _command: Any) -> Any:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

        def on_hci_write_secure_connections_host_support_command(self, _command: Any) -> Any:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

        def on_hci_inquiry_command(self, command: Any) -> None:
            if self._inquiry is not None and not self._inquiry.done():
                self._send_hci_command_status(  # type: ignore[attr-defined]
                    hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR, command.op_code
                )
                return
            self._send_hci_command_status(hci.HCI_COMMAND_STATUS_PENDING, command.op_code)  # type: ignore[attr-defined]
            self._inquiry = asyncio.get_running_loop().create_task(
                self._run_inquiry(int(command.lap), int(command.inquiry_length), int(command.num_responses))
            )

        def on_hci_inquiry_cancel_command(self, _command: Any) -> Any:
            task, self._inquiry = self._inquiry, None
            if task is None or task.done():
                return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
            task.cancel()
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

        def discoverable_devices(self, lap: int) -> list[Any]:
            """The other controllers of the air an inquiry with ``lap`` finds now."""
            link = self.link  # type: ignore[attr-defined]
            found = []
            for other in list(link.controllers) if link is not None else []:
                if other is self or not getattr(other, "classic_host", False):
                    continue
                if not other.classic_scan_enable & 0x01:  # inquiry scan off
                    continue
                if lap == LIAC and not other.class_of_device & LIMITED_DISCOVERABLE_BIT:
                    continue
                found.append(other)
            return found

        async def _run_inquiry(self, lap: int, length: int, limit: int) -> None:
            answered = 0
            for other in self.discoverable_devices(lap):
                self.send_hci_packet(  # type: ignore[attr-defined]
                    hci.HCI_Extended_Inquiry_Result_Event(
                        num_responses=1,
                        bd_addr=other.public_address,
                        page_scan_repetition_mode=1,
                        reserved=0,
                        class_of_device=other.class_of_device,
                        clock_offset=0,
                        rssi=AIR_RSSI,
                        extended_inquiry_response=other.eir_data.ljust(240, b"\x00"),
                    )
                )
                answered += 1
                if limit and answered >= limit:
                    break
            if not (limit and answered >= limit):
                await asyncio.sleep(length * INQUIRY_UNIT_S)
            self.send_hci_packet(hci.HCI_Inquiry_Complete_Event(status=hci.HCI_ErrorCode.SUCCESS))  # type: ignore[attr-defined]

        def on_hci_create_connection_command(self, command: Any) -> None:
            # bumble raises inside the air when no device has the address; a real page just goes
            # unanswered until the page timeout (Vol 4 Part E 7.3.16, default 5.12 s)
            if self.link is not None and self.link.find_classic_controller(command.bd_addr) is None:  # type: ignore[attr-defined]
                self._send_hci_command_status(hci.HCI_COMMAND_STATUS_PENDING, command.op_code)  # type: ignore[attr-defined]
                failed = hci.HCI_Connection_Complete_Event(
                    status=hci.HCI_ErrorCode.PAGE_TIMEOUT_ERROR,
                    connection_handle=0,
                    bd_addr=command.bd_addr,
                    link_type=hci.HCI_Connection_Complete_Event.LinkType.ACL,
                    encryption_enabled=0,
                )
                asyncio.get_running_loop().call_later(PAGE_TIMEOUT_S, self.send_hci_packet, failed)  # type: ignore[attr-defined]
                return
            super().on_hci_create_connection_command(command)  # type: ignore[misc]

        def on_lmp_packet(self, sender_address: Any, packet: Any) -> None:
            if isinstance(packet, lmp.LmpHostConnectionReq) and not self.classic_scan_enable & 0x02:  # type: ignore[attr-defined]
                # page scan off: the page is never answered; the pager's attempt ends in Page Timeout
                self.send_lmp_packet(  # type: ignore[attr-defined]
                    sender_address,
                    lmp.LmpNotAccepted(
                        response_opcode=lmp.Opcode.LMP_HOST_CONNECTION_REQ,
                        error_code=hci.HCI_ErrorCode.PAGE_TIMEOUT_ERROR,
                    ),
                )
                return
            super().on_lmp_packet(sender_address, packet)  # type: ignore[misc]
            if (
                isinstance(packet, lmp.LmpNotAccepted)
                and packet.response_opcode == lmp.Opcode.LMP_DHKEY_CHECK
            ):
                connection = self.classic_connections.get(sender_address)  # type: ignore[attr-defined]
                if connection is not None:
                    self._on_ssp_failed(connection, packet.error_code)  # type: ignore[attr-defined]

        def _verify_peer_dhkey_check(self, connection: Any, check_value: bytes) -> None:
            # bumble fails only the side that finds the DHKey check wrong (a mistyped passkey); the Core
            # spec has it answer LMP_not_accepted (Vol 2 Part C 4.2.7.5), so the other side fails too
            self._checking_dhkey = connection
            try:
                super()._verify_peer_dhkey_check(connection, check_value)  # type: ignore[misc]
            finally:
                self._checking_dhkey = None

        def _on_ssp_failed(self, connection: Any, error_code: int) -> None:
            if getattr(self, "_checking_dhkey", None) is connection:
                self.send_lmp_packet(  # type: ignore[attr-defined]
                    connection.peer_address,
                    lmp.LmpNotAccepted(response_opcode=lmp.Opcode.LMP_DHKEY_CHECK, error_code=error_code),
                )
            super()._on_ssp_failed(connection, error_code)  # type: ignore[misc]

        def on_hci_set_connection_encryption_command(self, command: Any) -> None:
            mine = self.find_classic_connection_by_handle(command.connection_handle)  # type: ignore[attr-defined]
            if mine is None:
                self._send_hci_command_status(  # type: ignore[attr-defined]
                    hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR, command.op_code
                )
                return
            self._send_hci_command_status(hci.HCI_COMMAND_STATUS_PENDING, command.op_code)  # type: ignore[attr-defined]
            keyed = bool(getattr(mine.ssp_state, "link_key", None)) or bool(
                getattr(mine.ssp_state, "authenticated", False)
            )
            enable = int(command.encryption_enable) if keyed else 0
            status = hci.HCI_ErrorCode.SUCCESS if keyed else hci.HCI_ErrorCode.PIN_OR_KEY_MISSING_ERROR
            loop = asyncio.get_running_loop()
            loop.call_soon(self.send_hci_packet, _encryption_change(status, mine.handle, enable))  # type: ignore[attr-defined]
            other = self.link.find_classic_controller(mine.peer_address) if self.link else None  # type: ignore[attr-defined]
            theirs = other.classic_connections.get(mine.self_address) if other is not None else None
            if keyed and theirs is not None:
                loop.call_soon(other.send_hci_packet, _encryption_change(status, theirs.handle, enable))

    def _encryption_change(status: int, handle: int, enable: int) -> Any:
        return hci.HCI_Encryption_Change_Event(
            status=status, connection_handle=handle, encryption_enabled=enable
        )

    return ClassicAir


def classic_link_mixin() -> type:
    class ClassicLink:
        """A board's two stacks share a public address: Classic goes to the one whose host is BR/EDR."""

        def find_classic_controller(self, address: Any) -> Any:
            matches = [c for c in self.controllers if c.public_address == address]  # type: ignore[attr-defined]
            classic = [c for c in matches if getattr(c, "classic_host", False)]
            return (classic or matches or [None])[0]

        def find_le_controller(self, address: Any) -> Any:
            for c in self.controllers:  # type: ignore[attr-defined]
                if any(conn.self_address == address for conn in c.le_connections.values()):
                    return c
            matches = [c for c in self.controllers if address in (c.random_address, c.public_address)]  # type: ignore[attr-defined]
            le = [c for c in matches if not getattr(c, "classic_host", False)]
            return (le or matches or [None])[0]

    return ClassicLink
