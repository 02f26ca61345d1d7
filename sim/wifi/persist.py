"""Reading the Wi-Fi settings back from NVS at boot, and the keys they are written under.

Each setting has one key in the ``wifi`` namespace; :meth:`sim.wifi.model.WifiModel.save` writes them
(honouring AT+SYSSTORE), this module reads them and falls back to factory defaults for missing keys.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from sim.wifi.addr import Ipv4Config
from sim.wifi.settings import InactiveConfig, JeapConfig, WifiSettings
from sim.wifi.softap import DhcpPool, SoftApConfig, default_ap_ipv4
from sim.wifi.station import ReconnectConfig, StationConfig
from sim.wifi.store import Store


def ipv4_to_json(cfg: Ipv4Config) -> list[str]:
    return [str(cfg.ip), str(cfg.gateway), str(cfg.netmask)]


def ipv4_from_json(data: list[str]) -> Ipv4Config:
    ip, gw, mask = (ipaddress.IPv4Address(x) for x in data)
    return Ipv4Config(ip=ip, gateway=gw, netmask=mask)


def load(store: Store, *, instance: int, factory_sta_mac: bytes, factory_ap_mac: bytes) -> WifiSettings:
    def get(key: str) -> Any:
        return store.get(key)

    sta_mac = bytes.fromhex(get("sta_mac")) if get("sta_mac") else factory_sta_mac
    ap_mac = bytes.fromhex(get("ap_mac")) if get("ap_mac") else factory_ap_mac
    ap_ip = ipv4_from_json(get("ap_ip")) if get("ap_ip") else default_ap_ipv4(instance)
    # The factory SSID follows the factory soft-AP MAC, as on a real board.
    softap = SoftApConfig.from_json(get("softap")) if get("softap") else SoftApConfig.factory(factory_ap_mac)
    dhcps = DhcpPool.from_json(get("dhcps")) if get("dhcps") else DhcpPool.default_for(ap_ip)
    settings = WifiSettings(
        sta_mac=sta_mac,
        ap_mac=ap_mac,
        ap_ip=ap_ip,
        softap=softap,
        dhcps=dhcps,
        dhcps_custom=bool(get("dhcps")),
    )
    if get("mode") is not None:
        settings.mode = int(get("mode"))
    if get("autoconn") is not None:
        settings.autoconn = int(get("autoconn"))
    if get("reconnect") is not None:
        settings.reconnect = ReconnectConfig(*get("reconnect"))
    if get("sta_config"):
        settings.sta_config = StationConfig.from_json(get("sta_config"))
    if get("dhcp") is not None:
        settings.dhcp = int(get("dhcp"))
    if get("sta_static"):
        settings.sta_static = ipv4_from_json(get("sta_static"))
    for key in ("sta_proto", "ap_proto", "sta_bandwidth", "ap_bandwidth"):
        if get(key) is not None:
            setattr(settings, key, int(get(key)))
    if get("inactive") is not None:
        settings.inactive = InactiveConfig(*get("inactive"))
    if get("jeap"):
        settings.jeap = JeapConfig(**get("jeap"))
    return settings
