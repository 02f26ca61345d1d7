"""The Wi-Fi settings a board holds, with the guide's defaults, and which of them flash keeps.

Saved only while AT+SYSSTORE=1 (3.1): mode, station AP config, reconnect config, DHCP flags and pool,
static addresses, soft-AP config, protocols, MACs, bandwidth, CWCONFIG, CWJEAP config. Always saved:
AT+CWAUTOCONN (3.2.17). Never saved: AT+CWINIT, AT+CWLAPOPT, AT+CWHOSTNAME, AT+CWCOUNTRY.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sim.wifi.addr import Ipv4Config
from sim.wifi.softap import DhcpPool, SoftApConfig
from sim.wifi.station import ReconnectConfig, StationConfig

#: AT+CWCONFIG (3.2.6): ranges and defaults.
AP_INACTIVE_RANGE = (10, 3600)
STA_INACTIVE_RANGE = (3, 600)
LISTEN_INTERVAL_RANGE = (1, 100)


@dataclass(frozen=True, slots=True)
class InactiveConfig:
    ap_inactive_time: int = 300
    sta_inactive_time: int = 6
    listen_interval: int = 3

    def cwconfig_line(self) -> str:
        return f"+CWCONFIG:{self.ap_inactive_time},{self.sta_inactive_time},{self.listen_interval}"


@dataclass(frozen=True, slots=True)
class Country:
    """AT+CWCOUNTRY (3.2.29). ESP-AT starts with policy 0 (follow the AP), China's 13 channels."""

    policy: int = 0
    code: str = "CN"
    start_channel: int = 1
    channel_count: int = 13

    def cwcountry_line(self) -> str:
        return f'+CWCOUNTRY:{self.policy},"{self.code}",{self.start_channel},{self.channel_count}'

    def adopt(self, code: str) -> Country:
        """Policy 0: take the connected AP's country code (channel plan kept)."""
        return replace(self, code=code)


@dataclass(frozen=True, slots=True)
class JeapConfig:
    """AT+CWJEAP's parameters (3.2.27), as its query prints them."""

    ssid: str
    method: int
    identity: str
    username: str
    password: str
    security: int
    jeap_timeout: int = 15

    def cwjeap_line(self) -> str:
        return (
            f'+CWJEAP:"{self.ssid}",{self.method},"{self.identity}","{self.username}","{self.password}",'
            f"{self.security}"
        )


@dataclass(slots=True)
class WifiSettings:
    sta_mac: bytes
    ap_mac: bytes
    ap_ip: Ipv4Config
    softap: SoftApConfig
    dhcps: DhcpPool
    #: Whether AT+CWDHCPS=1 set the pool (AT+CWDHCPS=0 goes back to the default range).
    dhcps_custom: bool = False
    mode: int = 1
    autoconn: int = 1
    reconnect: ReconnectConfig = field(default_factory=ReconnectConfig)
    sta_config: StationConfig | None = None
    #: AT+CWDHCP <state>: bit0 station DHCP client, bit1 soft-AP DHCP server.
    dhcp: int = 0b11
    sta_static: Ipv4Config | None = None
    sta_proto: int = 0b111
    ap_proto: int = 0b111
    #: AT+CWBANDWIDTH <bandwidth_2ghz> per interface: 1 = 20 MHz, 2 = 40 MHz (ESP32 default 40 MHz).
    sta_bandwidth: int = 2
    ap_bandwidth: int = 2
    inactive: InactiveConfig = field(default_factory=InactiveConfig)
    country: Country = field(default_factory=Country)
    jeap: JeapConfig | None = None
