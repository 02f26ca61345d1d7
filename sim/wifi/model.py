"""The simulated ESP32's Wi-Fi: settings, station and soft-AP state machines, driven by simulated time.

Sans-IO: nothing here reads a port, sleeps or looks at a clock. The command engine calls the operations in
:mod:`sim.wifi.ops_station`, :mod:`sim.wifi.ops_softap` and :mod:`sim.wifi.ops_config` with ``now`` (seconds,
any monotonic origin), then ``poll(now)`` at ``next_due()`` to collect what happened meanwhile: URCs,
log lines, and the ``Done`` of a command that answered ``Pending``.

Addresses other parts of the simulator use (the TCP/IP commands bind sockets to them) are the properties
:attr:`WifiModel.sta_ipv4`, :attr:`WifiModel.ap_ipv4` and :attr:`WifiModel.sta_dns`.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from typing import Any

from sim.identity import Identity
from sim.wifi import persist
from sim.wifi.addr import Ipv4Config, format_mac, global_ipv6, link_local_ipv6
from sim.wifi.air import AccessPoint, Air, AirEvent, SoftApStation, Trigger
from sim.wifi.environment import Environment
from sim.wifi.outputs import Done, Log, Output, Urc
from sim.wifi.scan import ScanOptions
from sim.wifi.scheduler import Scheduler
from sim.wifi.softap import JoinedStation
from sim.wifi.softap_runtime import SoftApRuntime
from sim.wifi.station import JoinError, JoinPlan, StationConfig, WifiState, plan_join
from sim.wifi.store import Store

#: ESP-IDF disconnect reason codes printed on the log port (``at-wifi: wifi disconnected, rc:<n>``).
REASON_ASSOC_LEAVE = 8
REASON_BEACON_TIMEOUT = 200
REASON_DEAUTH_LEAVING = 3
REASON_HANDSHAKE_TIMEOUT = 15
#: AT_EAP_CONN_FAILED (3.2.27's error code table).
EAP_CONN_FAILED = 0x8003


def has_station(mode: int) -> bool:
    return mode in (1, 3)


def has_softap(mode: int) -> bool:
    return mode in (2, 3)


class WifiModel:
    """One board's Wi-Fi. Build a fresh one at every boot (AT+RST, power-on) on the same :class:`Store`."""

    def __init__(
        self,
        air: Air,
        store: Store,
        *,
        instance: int = 0,
        seed: int | None = None,
        factory_macs: tuple[bytes, bytes] | None = None,
        sysstore: Callable[[], bool] = lambda: True,
        ipv6_enabled: Callable[[], bool] = lambda: False,
    ) -> None:
        self.air = air
        self.store = store
        self.instance = instance
        self.sysstore = sysstore
        self.ipv6_enabled = ipv6_enabled
        self.env = Environment(air, seed=seed, instance=instance)
        self.sched = Scheduler()
        self._out: list[Output] = []
        # The board's identity owns the factory MACs (station = base, soft-AP = base + 1).
        if factory_macs is None:
            ident = Identity(instance, seed or 0)
            factory_macs = (ident.sta_mac_bytes, ident.ap_mac_bytes)
        factory_sta, factory_ap = factory_macs
        self.settings = persist.load(
            store, instance=instance, factory_sta_mac=factory_sta, factory_ap_mac=factory_ap
        )
        #: AT+CWINIT (3.2.2): not saved, 1 after every boot.
        self.initialized = True
        self.scan_options = ScanOptions()
        self.hostname = "espressif"
        # Station runtime.
        self.sta_state = WifiState.IDLE
        self.sta_ap: AccessPoint | None = None
        self.sta_rssi = 0
        self._dhcp_ip: Ipv4Config | None = None
        self.sta_dns: list[ipaddress.IPv4Address] = []
        self.sta_ip6ll: ipaddress.IPv6Address | None = None
        self.sta_ip6gl: ipaddress.IPv6Address | None = None
        self._sta_gen = 0
        self._reconnect_attempts = 0
        #: The command waiting for the station (CWJAP or CWJEAP), whose Done is still to come.
        self._pending: str | None = None
        self._on_connected: Urc | None = None
        self._on_failed: Urc | None = None
        self._join_deadline = 0.0
        self._fired: set[Trigger] = set()
        self.softap = SoftApRuntime(self.settings, self.sched, self.emit, air.stations)
        # Provisioning (sim.wifi.provisioning keeps its state here).
        self.provisioning: Any = None

    # ------------------------------------------------------------------ engine interface

    def boot(self, now: float) -> None:
        """Power-on: start the interfaces the saved mode has, auto-connect (3.2.17), arm boot air events."""
        self._arm_events(now, Trigger.boot)
        self._apply_mode(now, None, self.settings.mode, auto_connect=bool(self.settings.autoconn))

    def poll(self, now: float) -> list[Output]:
        """Run what is due and hand back the outputs produced since the last call, in order."""
        self.sched.run_due(now)
        out, self._out = self._out, []
        return out

    def next_due(self) -> float | None:
        return self.sched.next_due()

    def emit(self, item: Output) -> None:
        self._out.append(item)

    def save(self, key: str, value: Any, *, always: bool = False) -> None:
        """Write a setting to NVS if it is always saved, or if AT+SYSSTORE=1."""
        if always or self.sysstore():
            self.store.set(key, value)

    def begin_command(self, name: str) -> None:
        """A command (CWJAP, CWJEAP) now waits for the station; its Done comes from poll()."""
        self._pending = name
        self._reconnect_attempts = 0

    @property
    def command_pending(self) -> bool:
        return self._pending is not None

    # ------------------------------------------------------------------ addresses others use

    @property
    def sta_mac(self) -> str:
        return format_mac(self.settings.sta_mac)

    @property
    def ap_mac(self) -> str:
        return format_mac(self.settings.ap_mac)

    @property
    def sta_ipv4(self) -> Ipv4Config:
        """The station's current address: static (AT+CIPSTA) or leased; 0.0.0.0 when it has none."""
        if self.settings.sta_static is not None:
            return self.settings.sta_static
        return self._dhcp_ip if self._dhcp_ip is not None else Ipv4Config.unset()

    @property
    def ap_ipv4(self) -> Ipv4Config:
        return self.settings.ap_ip

    @property
    def sta_has_ip(self) -> bool:
        return self.sta_state is WifiState.GOT_IP

    # ------------------------------------------------------------------ mode

    def _apply_mode(self, now: float, old: int | None, new: int, *, auto_connect: bool) -> None:
        old_sta = old is not None and has_station(old)
        if old_sta and not has_station(new):
            self.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
            self.sta_state = WifiState.IDLE
        if not old_sta and has_station(new) and auto_connect and self.settings.sta_config is not None:
            self.start_join(now, self.settings.sta_config, for_command=False)
        old_ap = old is not None and has_softap(old)
        if old_ap and not has_softap(new):
            self.stop_softap()
        if not old_ap and has_softap(new):
            self.start_softap(now)

    def set_mode(self, now: float, mode: int, auto_connect: bool) -> None:
        old = self.settings.mode
        self.settings.mode = mode
        self.save("mode", mode)
        self._apply_mode(now, old, mode, auto_connect=auto_connect)

    # ------------------------------------------------------------------ station

    def new_station_generation(self) -> int:
        """Cancel whatever the station was doing (a join, a reconnect timer)."""
        self._sta_gen += 1
        return self._sta_gen

    def start_join(
        self,
        now: float,
        config: StationConfig,
        *,
        for_command: bool,
        on_connected: Urc | None = None,
        on_failed: Urc | None = None,
    ) -> None:
        """Begin joining; a command join ends with a Done (OK or +CWJAP:<code> ERROR).

        ``on_connected`` / ``on_failed``: a URC to report once the station has its address, or when this
        attempt fails (SmartConfig's ``smartconfig connected wifi`` / ``smartconfig connect fail``).
        """
        self.new_station_generation()
        if for_command:
            self.begin_command("CWJAP")
        self._on_connected = on_connected
        self._on_failed = on_failed
        rssi = self.env.sample_rssi()
        plan = plan_join(self.aps_in_country(), config, rssi, self.env.passwords())
        self.start_plan(now, plan, rssi, for_command=for_command, timeout_s=config.jap_timeout)

    def start_plan(
        self, now: float, plan: JoinPlan, rssi: dict[str, int], *, for_command: bool, timeout_s: float
    ) -> None:
        """Carry out a decided join: failure after its delay, or association, DHCP, got-IP."""
        gen = self._sta_gen
        self.sta_state = WifiState.CONNECTING
        self._join_deadline = now + timeout_s
        if plan.error is not None:
            error = plan.error
            self.sched.at(now + plan.delay_s, lambda t: self._join_failed(t, gen, error, for_command))
            return
        ap = plan.ap
        assert ap is not None
        self.sched.at(
            now + plan.delay_s, lambda t: self._associated(t, gen, ap, rssi[ap.effective_bssid], for_command)
        )

    def aps_in_country(self) -> list[AccessPoint]:
        """The APs up now on channels the country setting allows."""
        c = self.settings.country
        return [
            ap
            for ap in self.env.aps_up()
            if c.start_channel <= ap.channel < c.start_channel + c.channel_count
        ]

    def _join_failed(self, now: float, gen: int, error: JoinError, for_command: bool) -> None:
        if gen != self._sta_gen:
            return
        if for_command:
            command, self._pending = self._pending, None
            self.sta_state = WifiState.DISCONNECTED
            if command == "CWJEAP":
                lines = ("+CWJEAP:Timeout",) if error is JoinError.TIMEOUT else ()
                self.emit(Done(lines, ok=False, err_code=None if lines else EAP_CONN_FAILED))
            else:
                self.emit(Done((f"+CWJAP:{int(error)}",), ok=False))
            return
        if self._on_failed is not None:
            self.emit(self._on_failed)
            self._on_connected = self._on_failed = None
        self._schedule_reconnect(now)

    def _associated(self, now: float, gen: int, ap: AccessPoint, rssi: int, for_command: bool) -> None:
        if gen != self._sta_gen:
            return
        if not self.env.is_up(ap.effective_bssid):
            self._join_failed(now, gen, JoinError.NO_AP, for_command)
            return
        self.sta_ap = ap
        self.sta_rssi = rssi
        self.sta_state = WifiState.CONNECTED_NO_IP
        self._reconnect_attempts = 0
        self.emit(Urc("WIFI CONNECTED"))
        self.emit(Log(f"at-wifi: negotiated phy mode: {self._phy_mode(ap)}"))
        if self.settings.country.policy == 0 and ap.country:
            self.settings.country = self.settings.country.adopt(ap.country)
        if self.settings.sta_static is None and not self.settings.dhcp & 0b01:
            # Neither a static address nor a DHCP client: the link is up but no address ever comes, so a
            # command join runs into its timeout.
            if for_command:
                self.sched.at(max(now, self._join_deadline), lambda t: self._address_timeout(t, gen))
            return
        delay = 0.0 if self.settings.sta_static is not None else ap.dhcp_s
        self.sched.at(now + delay, lambda t: self._got_ip(t, gen, ap, for_command))

    def _address_timeout(self, now: float, gen: int) -> None:
        if gen != self._sta_gen:
            return
        pending = self._pending
        self._pending = None  # so that dropping the link does not answer for the command
        self.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
        self._pending = pending
        self._join_failed(now, self._sta_gen, JoinError.TIMEOUT, True)

    def _phy_mode(self, ap: AccessPoint) -> int:
        """3.17's <phy_mode>: HT40 (5) or HT20 (4) when both sides do 802.11n, else 11g (2) or 11b (1)."""
        common = ap.protocol & self.settings.sta_proto
        if common & 0b100:
            return 5 if self.settings.sta_bandwidth == 2 else 4
        return 2 if common & 0b010 else 1

    def _got_ip(self, now: float, gen: int, ap: AccessPoint, for_command: bool) -> None:
        if gen != self._sta_gen:
            return
        net = ap.network
        self.sta_state = WifiState.GOT_IP
        if self.settings.sta_static is None:
            self.renew_lease()
        self.emit(Urc("WIFI GOT IP"))
        if for_command:
            self._pending = None
            self.emit(Done())
        if self._on_connected is not None:
            self.emit(self._on_connected)
        self._on_connected = self._on_failed = None
        if self.ipv6_enabled():
            self.sta_ip6ll = link_local_ipv6(self.settings.sta_mac)
            self.emit(Urc("WIFI GOT IPv6 LL"))
            if net.ipv6_prefix is not None:
                self.sta_ip6gl = global_ipv6(net.ipv6_prefix, self.settings.sta_mac)
                self.emit(Urc("WIFI GOT IPv6 GL"))
        self._fire(now, Trigger.connected)

    def renew_lease(self) -> None:
        """The DHCP client was turned back on while connected: take the AP's lease now."""
        if self.sta_ap is not None and self.sta_state is WifiState.GOT_IP:
            net = self.sta_ap.network
            ip = net.lease_for(self.instance)
            self._dhcp_ip = Ipv4Config(ip=ip, gateway=net.gateway, netmask=net.netmask)
            self.sta_dns = list(net.dns)

    def _schedule_reconnect(self, now: float) -> None:
        """After a lost connection or a failed automatic attempt: try again per AT+CWRECONNCFG (3.2.8)."""
        cfg = self.settings.reconnect
        config = self.settings.sta_config
        exhausted = cfg.repeat_count and self._reconnect_attempts >= cfg.repeat_count
        if cfg.interval_second == 0 or config is None or exhausted or not has_station(self.settings.mode):
            self.sta_state = WifiState.DISCONNECTED
            return
        self.sta_state = WifiState.CONNECTING
        gen = self.new_station_generation()

        def attempt(t: float) -> None:
            if gen != self._sta_gen:
                return
            self._reconnect_attempts += 1
            self.emit(Log(f"at-wifi: wifi reconnect..({self._reconnect_attempts}/{cfg.repeat_count})"))
            self.start_join(t, config, for_command=False)

        self.sched.at(now + cfg.interval_second, attempt)

    def drop_station(self, now: float, *, reason: int, reconnect: bool) -> bool:
        """Leave the AP (or stop trying to reach it). Returns whether a connection was actually lost."""
        self.new_station_generation()
        if self._pending is not None:
            # A join in progress that is cut short answers like a join that failed.
            self._pending = None
            self.emit(Done((f"+CWJAP:{int(JoinError.FAILED)}",), ok=False))
        was_connected = self.sta_state in (WifiState.CONNECTED_NO_IP, WifiState.GOT_IP)
        self.sta_ap = None
        self._dhcp_ip = None
        self.sta_dns = []
        self.sta_ip6ll = self.sta_ip6gl = None
        if was_connected:
            self.emit(Urc("WIFI DISCONNECT"))
            self.emit(Log(f"at-wifi: wifi disconnected, rc:{reason}"))
        if reconnect and was_connected:
            self._reconnect_attempts = 0
            self._schedule_reconnect(now)
        elif self.sta_state is not WifiState.IDLE:
            self.sta_state = WifiState.DISCONNECTED
        return was_connected

    # ------------------------------------------------------------------ soft-AP

    def start_softap(self, now: float) -> None:
        self.softap.start(now)
        self._fire(now, Trigger.softap_up)

    def stop_softap(self) -> None:
        self.softap.stop()

    @property
    def ap_running(self) -> bool:
        return self.softap.running

    @property
    def ap_stations(self) -> dict[str, JoinedStation]:
        """Stations associated with the soft-AP, by MAC (``ip`` None for static ones)."""
        return self.softap.stations

    # ------------------------------------------------------------------ air events

    def _arm_events(self, now: float, trigger: Trigger) -> None:
        for event in self.air.events:
            if event.trigger is trigger:
                self.sched.at(now + event.after_s, functools.partial(self._air_event_at, event))

    def _fire(self, now: float, trigger: Trigger) -> None:
        if trigger not in self._fired:
            self._fired.add(trigger)
            self._arm_events(now, trigger)

    def _beacon_timeout(self, gen: int, now: float) -> None:
        if (
            gen == self._sta_gen
            and self.sta_ap is not None
            and not self.env.is_up(self.sta_ap.effective_bssid)
        ):
            self.drop_station(now, reason=REASON_BEACON_TIMEOUT, reconnect=True)

    def _air_event_at(self, event: AirEvent, now: float) -> None:
        self._air_event(now, event)

    def _air_event(self, now: float, event: AirEvent) -> None:
        connected_bssid = self.sta_ap.effective_bssid if self.sta_ap is not None else None
        if event.action == "ap_down":
            assert event.ssid is not None
            if connected_bssid in self.env.set_up(event.ssid, False):
                if event.graceful:
                    self.drop_station(now, reason=REASON_DEAUTH_LEAVING, reconnect=True)
                else:
                    gen = self._sta_gen
                    due = now + self.settings.inactive.sta_inactive_time
                    self.sched.at(due, functools.partial(self._beacon_timeout, gen))
        elif event.action == "ap_up":
            assert event.ssid is not None
            self.env.set_up(event.ssid, True)
        elif event.action == "set_password":
            assert event.ssid is not None and event.password is not None
            if connected_bssid in self.env.set_password(event.ssid, event.password):
                self.drop_station(now, reason=REASON_HANDSHAKE_TIMEOUT, reconnect=True)
        elif event.action == "set_rssi":
            assert event.ssid is not None and event.rssi is not None
            self.env.set_rssi(event.ssid, event.rssi)
        elif event.action == "station_join":
            assert event.mac is not None
            known = {s.mac: s for s in self.air.stations}
            self.softap.join(now, known.get(event.mac, SoftApStation(mac=event.mac)))
        elif event.action == "station_leave":
            assert event.mac is not None
            self.softap.leave(event.mac)
