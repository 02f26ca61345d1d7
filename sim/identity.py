"""A board's identity: which simulated board of several this is, and its MAC addresses.

ESP32 derives its interface MACs from one base MAC: the station uses the base, the soft-AP the base + 1
(Bluetooth + 2, Ethernet + 3). Both are unicast (bit 0 of the first byte clear), as AT+CIPSTAMAC /
AT+CIPAPMAC require. The base is Espressif's OUI 24:0a:c4, then one byte from the seed and two from the
instance, so boards with different ``--instance`` never share a MAC.
"""

from __future__ import annotations

from dataclasses import dataclass


def format_mac(value: int) -> str:
    return ":".join(f"{(value >> (8 * i)) & 0xFF:02x}" for i in range(5, -1, -1))


def parse_mac(text: str) -> int:
    parts = text.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError(f"expected a MAC like 24:0a:c4:00:00:01, got {text!r}")
    return int("".join(parts), 16)


@dataclass(frozen=True)
class Identity:
    instance: int = 0
    seed: int = 0

    @property
    def base_mac(self) -> int:
        return (0x240AC4 << 24) | ((self.seed & 0xFF) << 16) | ((self.instance * 4) & 0xFFFF)

    @property
    def sta_mac(self) -> str:
        return format_mac(self.base_mac)

    @property
    def ap_mac(self) -> str:
        return format_mac(self.base_mac + 1)

    @property
    def bt_mac(self) -> str:
        return format_mac(self.base_mac + 2)

    @property
    def eth_mac(self) -> str:
        return format_mac(self.base_mac + 3)
