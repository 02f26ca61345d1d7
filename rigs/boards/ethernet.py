"""The test's side of a board's Ethernet cable (3.10): plugging it in and pulling it out.

A test depends on :class:`EthernetCable` only. On a simulated board it is :class:`SimCable`, the
simulator's side channel: a file the air file names (``ethernet.cable_file``, sim/wifi/air.py) holding
``{"plugged": true|false}``, which the simulator watches. A bench's cable is plugged in for good (a switched
PoE port or a relay would implement the same interface): :func:`cable_of` gives None, and a test that needs
to pull the cable skips, saying so.

The LAN behind the cable is the rig's (``network.ethernet``, rigs/model/network.py); the air file gets the
same values from it (:func:`sim_air_section`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rigs.model import Rig


@runtime_checkable
class EthernetCable(Protocol):
    def plug(self) -> None:
        """Plug the cable in: the board reports ``+ETH_CONNECTED``, then its address."""
        ...

    def unplug(self) -> None:
        """Pull the cable: ``+ETH_DISCONNECTED``."""
        ...


def cable_of(board: object) -> EthernetCable | None:
    """The board's switchable Ethernet cable, None where the cable stays plugged in (a bench)."""
    cable = getattr(board, "ethernet_cable", None)
    return cable if isinstance(cable, EthernetCable) else None


def sim_air_section(rig: Rig, cable_file: Path) -> dict[str, Any]:
    """The air file's ``ethernet:`` section for the rig's LAN, the cable following ``cable_file``."""
    lan = rig.network.ethernet
    host = rig.network.host_address
    return {
        "network": {
            "gateway": str(lan.gateway_of(host)),
            "netmask": str(lan.netmask),
            "pool_start": str(lan.sim_pool_start),
            "dns": [str(host)],
        },
        "cable_file": str(cable_file),
    }


class SimCable:
    """:class:`EthernetCable` over the simulator's cable file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, plugged: bool) -> None:
        # atomically: the simulator polls the file and must never read half of it
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"plugged": plugged}), encoding="utf-8")
        os.replace(tmp, self.path)

    def plug(self) -> None:
        self._write(True)

    def unplug(self) -> None:
        self._write(False)

    def clear(self) -> None:
        """Before the simulator starts: the cable of an earlier process is not this one's (unplugged)."""
        self.path.unlink(missing_ok=True)
