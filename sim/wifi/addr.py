"""MAC and IPv4 address helpers shared by the Wi-Fi model (3.2.20-3.2.23).

Every address the simulated board owns or hands out is a real loopback address (127.0.0.0/8 reaches ``lo``
on Linux), so the network side of the simulator can bind and connect to it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")

#: Espressif's OUI, the first three octets of a simulated board's MACs (sim/identity.py).
ESPRESSIF_OUI = bytes.fromhex("240ac4")


class AddressError(ValueError):
    """A MAC or IPv4 address that is malformed or not allowed where it was given."""


def parse_mac(text: str) -> bytes:
    """Parse ``aa:bb:cc:dd:ee:ff`` into six bytes."""
    if not _MAC_RE.match(text):
        raise AddressError(f"expected a MAC address like 1a:fe:35:98:d3:7b, got {text!r}")
    return bytes(int(part, 16) for part in text.split(":"))


def format_mac(mac: bytes) -> str:
    """Lower-case colon form, the way ESP-AT prints MACs."""
    return ":".join(f"{b:02x}" for b in mac)


def check_settable_mac(text: str) -> bytes:
    """A MAC the board accepts for AT+CIPSTAMAC / AT+CIPAPMAC (3.2.20, 3.2.21).

    Bit 0 of the first octet (the multicast bit) must be 0, and the all-zero and all-ones addresses are
    refused.
    """
    mac = parse_mac(text)
    if mac[0] & 0x01:
        raise AddressError(f"bit 0 of the first octet must be 0 (a unicast MAC), got {text!r}")
    if mac in (b"\x00" * 6, b"\xff" * 6):
        raise AddressError(f"{text!r} is not a usable MAC address")
    return mac


def parse_ipv4(text: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError as exc:
        raise AddressError(f"expected a dotted IPv4 address, got {text!r}") from exc


def parse_netmask(text: str) -> ipaddress.IPv4Address:
    """A netmask: contiguous ones followed by zeros."""
    mask = parse_ipv4(text)
    value = int(mask)
    inverted = ~value & 0xFFFFFFFF
    if inverted & (inverted + 1):
        raise AddressError(f"expected a netmask (contiguous one bits), got {text!r}")
    return mask


def same_subnet(a: ipaddress.IPv4Address, b: ipaddress.IPv4Address, mask: ipaddress.IPv4Address) -> bool:
    return (int(a) & int(mask)) == (int(b) & int(mask))


@dataclass(frozen=True, slots=True)
class Ipv4Config:
    """An interface's IPv4 settings: what AT+CIPSTA? / AT+CIPAP? print (3.2.22, 3.2.23)."""

    ip: ipaddress.IPv4Address
    gateway: ipaddress.IPv4Address
    netmask: ipaddress.IPv4Address

    @classmethod
    def unset(cls) -> Ipv4Config:
        zero = ipaddress.IPv4Address(0)
        return cls(zero, zero, zero)

    @property
    def is_set(self) -> bool:
        return int(self.ip) != 0


def link_local_ipv6(mac: bytes) -> ipaddress.IPv6Address:
    """The EUI-64 link-local address the station computes on its own from its MAC."""
    eui = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:6]
    return ipaddress.IPv6Address(b"\xfe\x80" + b"\x00" * 6 + eui)


def global_ipv6(prefix: ipaddress.IPv6Network, mac: bytes) -> ipaddress.IPv6Address:
    """A SLAAC global address: the AP's /64 prefix plus the EUI-64 suffix."""
    suffix = link_local_ipv6(mac).packed[8:]
    return ipaddress.IPv6Address(prefix.network_address.packed[:8] + suffix)
