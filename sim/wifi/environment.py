"""The live radio environment: the air file's APs as they are now (up or down, current password, RSSI).

Scripted air events change this; scans sample RSSI from it with a seeded RNG, so two runs with the same
``--seed`` and ``--instance`` see the same numbers.
"""

from __future__ import annotations

import dataclasses
import random

from sim.wifi.air import AccessPoint, Air
from sim.wifi.scan import jittered_rssi


class Environment:
    def __init__(self, air: Air, *, seed: int | None, instance: int) -> None:
        self.air = air
        self._rng = random.Random(f"air:{seed}:{instance}")
        self._aps: dict[str, AccessPoint] = {ap.effective_bssid: ap for ap in air.access_points}
        self._up: dict[str, bool] = dict.fromkeys(self._aps, True)

    def aps_up(self) -> list[AccessPoint]:
        """The APs on the air now, in the air file's order."""
        return [ap for bssid, ap in self._aps.items() if self._up[bssid]]

    def is_up(self, bssid: str) -> bool:
        return self._up.get(bssid, False)

    def current(self, bssid: str) -> AccessPoint:
        return self._aps[bssid]

    def passwords(self) -> dict[str, str]:
        return {bssid: ap.password for bssid, ap in self._aps.items()}

    def sample_rssi(self) -> dict[str, int]:
        """One scan's RSSI reading for every AP (jitter drawn in a fixed order, for determinism)."""
        return {bssid: jittered_rssi(ap, self._rng) for bssid, ap in self._aps.items()}

    def _by_ssid(self, ssid: str) -> list[str]:
        return [bssid for bssid, ap in self._aps.items() if ap.ssid == ssid]

    def set_up(self, ssid: str, up: bool) -> list[str]:
        """Bring every AP with this SSID up or down; returns their BSSIDs."""
        changed = self._by_ssid(ssid)
        for bssid in changed:
            self._up[bssid] = up
        return changed

    def set_password(self, ssid: str, password: str) -> list[str]:
        changed = self._by_ssid(ssid)
        for bssid in changed:
            self._aps[bssid] = dataclasses.replace(self._aps[bssid], password=password)
        return changed

    def set_rssi(self, ssid: str, rssi: int) -> None:
        for bssid in self._by_ssid(ssid):
            self._aps[bssid] = dataclasses.replace(self._aps[bssid], rssi=rssi)
