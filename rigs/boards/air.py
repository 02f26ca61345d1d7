"""The simulator's air file, generated from the rig's network section so the two always agree.

Schema: sim/README.md, "The air file". The access points a simulated board sees are exactly the rig's
``network.access_points``; their DHCP hands out addresses in 127.0.0.0/8 with the rig's ``host_address``
as gateway and DNS server, which is where the fixtures' servers listen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rigs.model import Rig, SimOptions


@dataclass(frozen=True, slots=True)
class SimServices:
    """Where the host-side servers a board reaches by well-known port really listen (the air file's
    ``services`` block): a real network has DNS on 53 and SNTP on 123, the fixtures use free ports."""

    dns_port: int | None = None
    sntp_port: int | None = None
    #: The OTA server AT+CIUPDATE reaches instead of Espressif's (``http://host:port``) and its token.
    ota_url: str | None = None
    ota_ssl_url: str | None = None
    ota_token: str | None = None
    #: The virtual BLE air (servers.ble_air) a simulated board's controller attaches to: ``tcp-client:H:P``.
    ble_air: str | None = None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if self.dns_port is not None:
            doc["dns_port"] = self.dns_port
        if self.sntp_port is not None:
            doc["sntp_port"] = self.sntp_port
        if self.ota_url is not None:
            ota: dict[str, Any] = {"url": self.ota_url}
            if self.ota_ssl_url is not None:
                ota["ssl_url"] = self.ota_ssl_url
            if self.ota_token is not None:
                ota["token"] = self.ota_token
            doc["ota"] = ota
        if self.ble_air is not None:
            doc["ble_air"] = self.ble_air
        return doc


def air_document(
    rig: Rig,
    sim: SimOptions,
    services: SimServices | None = None,
    peripherals: dict[str, Any] | None = None,
    ethernet: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The air file's content (plain data for YAML; the schema is owned by sim/README.md); ``peripherals``:
    the board's devices as rigs/boards/periph.py's sim_air_section gives them; ``ethernet``: the cable and
    LAN as rigs/boards/ethernet.py's sim_air_section gives them."""
    host = str(rig.network.host_address)
    access_points = []
    for index, ap in enumerate(rig.network.access_points):
        access_points.append(
            {
                "ssid": ap.ssid,
                "password": ap.resolve_password(),
                "ecn": ap.ecn,
                "channel": ap.channel,
                "rssi": ap.rssi,
                # A fixed Espressif-OUI BSSID per AP when the rig gives none, so runs are repeatable.
                "bssid": ap.bssid or f"24:0a:c4:00:{index + 1:02x}:10",
                "network": {
                    "gateway": host,
                    "netmask": str(rig.network.sim_dhcp.netmask),
                    "pool_start": str(rig.network.sim_dhcp.pool_start),
                    "dns": [host],
                },
                **ap.sim,
            }
        )
        if ap.enterprise is not None:
            # sim/README.md: the RADIUS answer to AT+CWJEAP; the rig's one method is the one it accepts.
            access_points[-1]["enterprise"] = {
                "methods": [ap.enterprise.method],
                "identity": ap.enterprise.identity,
                "username": ap.enterprise.username or "",
                "password": ap.enterprise.resolve_password(ap.ssid),
            }
    doc: dict[str, Any] = {"access_points": access_points, **sim.air}
    if services is not None and services.document():
        doc["services"] = services.document()
    if peripherals is not None:
        doc["peripherals"] = peripherals
    if ethernet is not None:
        doc["ethernet"] = ethernet
    return doc


def write_air_file(
    rig: Rig,
    sim: SimOptions,
    path: Path,
    services: SimServices | None = None,
    peripherals: dict[str, Any] | None = None,
    ethernet: dict[str, Any] | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = air_document(rig, sim, services, peripherals, ethernet)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path
