"""The running soft-AP (3.2.12-3.2.14, 3.17): simulated stations from the air file joining, getting leases
from the DHCP server, leaving or being kicked, with their +STA_CONNECTED / +DIST_STA_IP /
+STA_DISCONNECTED reports. Sans-IO, driven by the model's scheduler."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sim.wifi.air import SoftApStation
from sim.wifi.outputs import Output, Urc
from sim.wifi.scheduler import Scheduler
from sim.wifi.settings import WifiSettings
from sim.wifi.softap import JoinedStation, allocate

#: A kicked station's +STA_DISCONNECTED follows AT+CWQIF's OK by this long (the deauth is asynchronous).
KICK_S = 0.01


class SoftApRuntime:
    """Whether the soft-AP runs and who is associated; a generation number cancels stale timers."""

    def __init__(
        self,
        settings: WifiSettings,
        sched: Scheduler,
        emit: Callable[[Output], None],
        air_stations: list[SoftApStation],
    ) -> None:
        self.settings = settings
        self.sched = sched
        self.emit = emit
        self.air_stations = air_stations
        self.running = False
        self.stations: dict[str, JoinedStation] = {}
        self._gen = 0

    def start(self, now: float) -> None:
        self._gen += 1
        self.running = True
        self.stations = {}
        for station in self.air_stations:
            self.sched.at(now + station.join_after_s, functools.partial(self._join_at, self._gen, station))

    def stop(self) -> None:
        self._gen += 1
        self.running = False
        self.stations = {}

    def restart(self, now: float) -> None:
        """A new soft-AP configuration restarts the AP: stations drop and join afresh."""
        if self.running:
            self.stop()
            self.start(now)

    def _join_at(self, gen: int, station: SoftApStation, now: float) -> None:
        if gen == self._gen:
            self.join(now, station)

    def join(self, now: float, station: SoftApStation) -> None:
        """A station associates: refused when the AP is down, full, or the password is wrong."""
        sap = self.settings.softap
        if not self.running or station.mac in self.stations:
            return
        if sap.ecn != 0 and station.password is not None and station.password != sap.password:
            return
        if len(self.stations) >= sap.max_conn:
            return
        joined = JoinedStation(mac=station.mac, ip=None)
        self.stations[station.mac] = joined
        self.emit(Urc(f'+STA_CONNECTED:"{station.mac}"'))
        if station.dhcp and self.settings.dhcp & 0b10:
            taken = {s.ip for s in self.stations.values() if s.ip is not None}
            ip = allocate(self.settings.dhcps, taken)
            if ip is not None:
                joined.ip = ip
                self.emit(Urc(f'+DIST_STA_IP:"{station.mac}","{ip}"'))
        if station.leave_after_s is not None:
            self.sched.at(
                now + station.leave_after_s, functools.partial(self._leave_at, self._gen, station.mac)
            )

    def kick(self, now: float, macs: list[str]) -> None:
        """Deauthenticate stations; their +STA_DISCONNECTED reports follow the command's OK."""
        for mac in macs:
            self.sched.at(now + KICK_S, functools.partial(self._leave_at, self._gen, mac))

    def _leave_at(self, gen: int, mac: str, now: float) -> None:
        if gen == self._gen:
            self.leave(mac)

    def leave(self, mac: str) -> bool:
        if self.stations.pop(mac, None) is None:
            return False
        self.emit(Urc(f'+STA_DISCONNECTED:"{mac}"'))
        return True
