"""The rig's BLE peer (issue 17): which implementation of the peer interface plays the other device of the
3.4 tests, and where its radio is.

``ble_peer: {kind: bumble}`` (the default): a bumble Device (servers/ble_peer.py), every role; on a sim rig
on the run's virtual air, on a bench on the HCI dongle of ``transport`` (``usb:0``).

``ble_peer: {kind: bleak}``: bleak (servers/ble_peer_bleak.py), the client role only (scan, connect, GATT
client): tests that need the peer to advertise, serve or pair are skipped with the reason. On a sim rig
bleak runs over the backend of servers/ble_bleak_bumble.py on the virtual air; on a bench it uses bleak's
native backend on ``adapter`` (BlueZ: ``hci0``), and ``address`` says the adapter's address as the board
sees it (bleak cannot read it; the tests compare the board's +BLECONN with it).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import StrictModel

#: A Bluetooth device address as the guide prints it (3.4.3): six colon-separated hex octets.
BD_ADDR = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")

#: The peer's random static address on the virtual air (servers/ble_peer.py's default).
SIM_PEER_ADDRESS = "C0:FF:EE:00:00:01"


class BlePeer(StrictModel):
    """The rig's ``ble_peer`` entry."""

    kind: Literal["bumble", "bleak"] = "bumble"
    #: bleak on a bench: the host adapter bleak's native backend uses (BlueZ ``hci0``).
    adapter: str | None = None
    #: bumble on a bench: the HCI transport of its dongle (``usb:0``, ``serial:/dev/ttyACM0``).
    transport: str | None = None
    #: The peer's address as the board sees it; on a sim rig the peer's random static address.
    address: str | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        if value not in ("bumble", "bleak"):
            raise PydanticCustomError(
                "ble_peer_kind",
                "expected bumble (every role, servers/ble_peer.py) or bleak (the client role, "
                "servers/ble_peer_bleak.py), got {value!r}",
                {"value": value},
            )
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not BD_ADDR.match(value):
            raise PydanticCustomError(
                "ble_peer_address",
                "expected an address like C0:FF:EE:00:00:01, got {value!r}",
                {"value": value},
            )
        return value

    def check_for(self, all_sim: bool) -> None:
        """The fields that contradict where the boards are; PydanticCustomError naming the field."""
        if all_sim:
            for name in ("adapter", "transport"):
                if getattr(self, name) is not None:
                    raise PydanticCustomError(
                        "rig",
                        "ble_peer.{name} is for a bench: on a sim rig the peer is on the run's virtual air "
                        "(servers/ble_air.py)",
                        {"name": name, "at": f"ble_peer.{name}"},
                    )
            return
        if self.kind == "bleak" and self.transport is not None:
            raise PydanticCustomError(
                "rig",
                "ble_peer.transport is bumble's HCI transport; bleak uses the host's adapter "
                "(ble_peer.adapter)",
                {"at": "ble_peer.transport"},
            )
        if self.kind == "bumble" and self.adapter is not None:
            raise PydanticCustomError(
                "rig",
                "ble_peer.adapter is bleak's host adapter; bumble needs its HCI transport "
                "(ble_peer.transport, e.g. usb:0)",
                {"at": "ble_peer.adapter"},
            )
        if self.kind == "bleak" and self.address is None:
            raise PydanticCustomError(
                "rig",
                "ble_peer.address is needed for bleak on a bench: the adapter's address as the board sees it "
                "(bleak cannot read it; bluetoothctl show prints it)",
                {"at": "ble_peer.address"},
            )

    @property
    def peer_address(self) -> str:
        return self.address or SIM_PEER_ADDRESS
