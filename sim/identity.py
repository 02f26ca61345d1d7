"""A board's identity: which simulated board of several this is, and its MAC addresses.

ESP32 derives its interface MACs from one base MAC (ESP-IDF's "universal MAC addresses", four per chip):
the station uses the base, the soft-AP the base + 1, Bluetooth + 2, Ethernet + 3. All are unicast (bit 0 of
the first octet clear), as AT+CIPSTAMAC / AT+CIPAPMAC (3.2.20, 3.2.21) require of a MAC. The base is
Espressif's OUI 24:0a:c4, then one byte from the seed and two from the instance (times four, so that + 1..3
never carry into another board's addresses): boards with different ``--instance`` never share a MAC.

This is the only place the factory MACs come from; the Wi-Fi model takes them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.wifi.addr import ESPRESSIF_OUI, format_mac


@dataclass(frozen=True)
class Identity:
    instance: int = 0
    seed: int = 0

    def _mac(self, offset: int) -> bytes:
        low = (((self.seed & 0xFF) << 16) | ((self.instance * 4) & 0xFFFF)) + offset
        return ESPRESSIF_OUI + (low & 0xFFFFFF).to_bytes(3, "big")

    @property
    def sta_mac_bytes(self) -> bytes:
        return self._mac(0)

    @property
    def ap_mac_bytes(self) -> bytes:
        return self._mac(1)

    @property
    def sta_mac(self) -> str:
        return format_mac(self._mac(0))

    @property
    def ap_mac(self) -> str:
        return format_mac(self._mac(1))

    @property
    def bt_mac(self) -> str:
        return format_mac(self._mac(2))

    @property
    def eth_mac_bytes(self) -> bytes:
        return self._mac(3)

    @property
    def eth_mac(self) -> str:
        return format_mac(self._mac(3))
