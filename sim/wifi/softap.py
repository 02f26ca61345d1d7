"""The board's soft-AP: its configuration (3.2.12), its DHCP server's pool (3.2.16) and its stations.

The guide's soft-AP lives at 192.168.4.1/24; the simulator puts each board's soft-AP on its own loopback
/24 instead (:func:`default_ap_ipv4`), so that many boards run side by side and every address is real.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, replace

from sim.wifi.addr import Ipv4Config

#: <max conn> range for an ESP32 soft-AP; the firmware's default is 4.
MAX_CONN_RANGE = (1, 10)
DEFAULT_MAX_CONN = 4
#: AT+CWSAP <ecn>: WEP (1) and the WPA3/enterprise modes are not offered by the soft-AP (3.2.12).
SOFTAP_ECNS = (0, 2, 3, 4)
#: AT+CWDHCPS <lease time> range in minutes, and the ESP-IDF DHCP server's default lease.
LEASE_RANGE = (1, 2880)
DEFAULT_LEASE_MIN = 120
#: The default pool is .2 to .101 of the soft-AP's /24 (100 addresses).
POOL_SIZE = 100


def default_ap_ipv4(instance: int) -> Ipv4Config:
    """127.<4 + instance // 256>.<instance % 256>.1/24, the soft-AP's subnet in place of 192.168.4.0/24."""
    ip = ipaddress.IPv4Address(f"127.{4 + instance // 256}.{instance % 256}.1")
    return Ipv4Config(ip=ip, gateway=ip, netmask=ipaddress.IPv4Address("255.255.255.0"))


@dataclass(frozen=True, slots=True)
class SoftApConfig:
    ssid: str
    password: str = ""
    channel: int = 1
    ecn: int = 0
    max_conn: int = DEFAULT_MAX_CONN
    ssid_hidden: int = 0

    @classmethod
    def factory(cls, ap_mac: bytes) -> SoftApConfig:
        """ESP_ followed by the last three octets of the soft-AP MAC, open, channel 1."""
        return cls(ssid="ESP_" + ap_mac[3:].hex().upper())

    def cwsap_line(self) -> str:
        return (
            f'+CWSAP:"{self.ssid}","{self.password}",{self.channel},{self.ecn},'
            f"{self.max_conn},{self.ssid_hidden}"
        )

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SoftApConfig:
        return cls(**data)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DhcpPool:
    """What AT+CWDHCPS? prints: lease time in minutes and the address range."""

    lease_min: int
    start: ipaddress.IPv4Address
    end: ipaddress.IPv4Address

    @classmethod
    def default_for(cls, ap: Ipv4Config) -> DhcpPool:
        base = int(ap.ip) & int(ap.netmask)
        return cls(
            DEFAULT_LEASE_MIN, ipaddress.IPv4Address(base + 2), ipaddress.IPv4Address(base + 1 + POOL_SIZE)
        )

    def cwdhcps_line(self) -> str:
        """3.2.16: the query prints both addresses bare (only the set command quotes them)."""
        return f"+CWDHCPS:{self.lease_min},{self.start},{self.end}"

    def with_lease(self, lease_min: int) -> DhcpPool:
        return replace(self, lease_min=lease_min)

    def to_json(self) -> list[object]:
        return [self.lease_min, str(self.start), str(self.end)]

    @classmethod
    def from_json(cls, data: list[object]) -> DhcpPool:
        lease, start, end = data
        return cls(int(lease), ipaddress.IPv4Address(str(start)), ipaddress.IPv4Address(str(end)))  # type: ignore[call-overload]


def check_pool(ap: Ipv4Config, start: ipaddress.IPv4Address, end: ipaddress.IPv4Address) -> str | None:
    """Why a CWDHCPS range is refused, or None: same subnet as the soft-AP, ordered, not the AP's own
    address, at most :data:`POOL_SIZE` addresses."""
    mask = int(ap.netmask)
    subnet = int(ap.ip) & mask
    if (int(start) & mask) != subnet or (int(end) & mask) != subnet:
        network = ipaddress.IPv4Network((subnet, bin(mask).count("1")))
        return f"the range must lie in the soft-AP's subnet {network}"
    if int(end) < int(start):
        return "the end IP is below the start IP"
    if int(start) <= int(ap.ip) <= int(end):
        return "the range contains the soft-AP's own address"
    if int(end) - int(start) + 1 > POOL_SIZE:
        return f"the range holds more than {POOL_SIZE} addresses"
    return None


@dataclass(slots=True)
class JoinedStation:
    """A simulated station currently associated with the soft-AP."""

    mac: str
    ip: ipaddress.IPv4Address | None


def allocate(pool: DhcpPool, taken: set[ipaddress.IPv4Address]) -> ipaddress.IPv4Address | None:
    """The lowest free address of the pool, or None when it is exhausted."""
    for value in range(int(pool.start), int(pool.end) + 1):
        candidate = ipaddress.IPv4Address(value)
        if candidate not in taken:
            return candidate
    return None
