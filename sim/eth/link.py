"""The Ethernet interface's state (3.10, 3.17), sans-IO: the cable, the link, the address, and the reports
each change prints.

- The link comes up when the cable is plugged: ``+ETH_CONNECTED``; the address follows, from the LAN's DHCP
  server or the static one of AT+CIPETH: ``+ETH_GOT_IP:<ip>`` (unquoted, as a real board printed it:
  espressif/esp-at issue #366, ``+ETH_GOT_IP:10.1.168.224``). Unplugging: ``+ETH_DISCONNECTED``, and a
  DHCP lease is gone (AT+CIPETH? shows 0.0.0.0 again); a static address stays configured.
- AT+CIPETH turns DHCP off (3.10.4 notes: "If static IP is enabled, DHCP will be disabled"); the new address
  is used at once, without a new report (the simulator's choice, as for AT+CIPSTA: the guide names none).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.wifi.addr import Ipv4Config


@dataclass
class EthLink:
    mac: bytes
    static: Ipv4Config | None = None
    plugged: bool = False
    connected: bool = False
    lease: Ipv4Config | None = None
    #: the address the interface carried when its link last went down (its links are closed then)
    last_ip: str | None = None

    @property
    def dhcp(self) -> bool:
        return self.static is None

    @property
    def ipv4(self) -> Ipv4Config:
        """What AT+CIPETH? prints: the static address, else the lease, else 0.0.0.0."""
        if self.static is not None:
            return self.static
        return self.lease if self.lease is not None else Ipv4Config.unset()

    @property
    def has_ip(self) -> bool:
        """The interface carries traffic: link up and an address."""
        return self.connected and self.ipv4.is_set

    def link_up(self) -> list[str]:
        """The PHY reports the link; a static address is in use at once."""
        if self.connected or not self.plugged:
            return []
        self.connected = True
        lines = ["+ETH_CONNECTED"]
        if self.static is not None:
            lines.append(f"+ETH_GOT_IP:{self.static.ip}")
        return lines

    def leased(self, cfg: Ipv4Config) -> list[str]:
        """The LAN's DHCP server answered (ignored when the link went down meanwhile or DHCP is off)."""
        if not self.connected or not self.dhcp:
            return []
        self.lease = cfg
        return [f"+ETH_GOT_IP:{cfg.ip}"]

    def link_down(self) -> list[str]:
        self.plugged = False
        if not self.connected:
            return []
        self.connected = False
        self.last_ip = str(self.ipv4.ip)
        self.lease = None
        return ["+ETH_DISCONNECTED"]
