"""Provisioning and enterprise joins: AT+CWSTARTSMART (3.2.24), AT+CWSTOPSMART (3.2.25), AT+WPS (3.2.26),
AT+CWJEAP (3.2.27).

The phone running ESP-Touch and the router's WPS button are scripted in the air file (``smartconfig:``,
``wps:``); what the board reports follows the guide's messages (3.17): ``smartconfig type:<type>``,
``Smart get wifi info``, ``smartconfig connected wifi``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.wifi.model import EAP_CONN_FAILED, REASON_ASSOC_LEAVE, WifiModel, has_station
from sim.wifi.outputs import ERROR, OK, Done, Pending, Reply, Urc
from sim.wifi.settings import JeapConfig
from sim.wifi.station import JoinError, JoinPlan, StationConfig

#: <type> of AT+CWSTARTSMART and the phone protocols each one listens for.
SMART_TYPES: dict[int, tuple[str, ...]] = {
    1: ("ESPTOUCH",),
    2: ("AIRKISS",),
    3: ("ESPTOUCH", "AIRKISS"),
    4: ("ESPTOUCH_V2",),
}
DEFAULT_SMART_TYPE = 3
#: Reported when the credentials SmartConfig received do not get the station connected (older guides
#: list it beside ``smartconfig connected wifi``).
SMART_FAIL = "smartconfig connect fail"
#: ESP-Touch v2 key length (3.2.24).
ESPTOUCH_V2_KEY_LEN = 16
#: <method> of AT+CWJEAP: 0 EAP-TLS, 1 EAP-PEAP, 2 EAP-TTLS; PEAP and TTLS need a username and password.
EAP_TLS = 0
JEAP_FIELD_RANGE = (1, 32)
#: AT_EAP_* error codes used here (3.2.27 table).
EAP_WIFI_MODE_NOT_STA = 0x8022
EAP_METHOD_SECURITY_UNMATCHED = 0x801F


@dataclass(slots=True)
class Provisioning:
    """Which provisioning process runs (``smartconfig`` or ``wps``) and its cancel token."""

    kind: str
    gen: int


def _state(m: WifiModel) -> Provisioning | None:
    return m.provisioning if isinstance(m.provisioning, Provisioning) else None


def _begin(m: WifiModel, kind: str) -> int:
    prev = _state(m)
    gen = (prev.gen if prev else 0) + 1
    m.provisioning = Provisioning(kind, gen)
    return gen


def _active(m: WifiModel, kind: str, gen: int) -> bool:
    state = _state(m)
    return state is not None and state.kind == kind and state.gen == gen


def _adopt(
    m: WifiModel, now: float, config: StationConfig, on_connected: Urc | None, on_failed: Urc | None
) -> None:
    """Join with credentials learnt from the air, keeping them as the station configuration."""
    m.settings.sta_config = config
    m.save("sta_config", config.to_json())
    m.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
    m.start_join(now, config, for_command=False, on_connected=on_connected, on_failed=on_failed)


# ---------------------------------------------------------------- SmartConfig


def cwstartsmart(
    m: WifiModel,
    now: float,
    smart_type: int = DEFAULT_SMART_TYPE,
    auth_floor: int = 0,
    key: str | None = None,
) -> Done:
    if not m.initialized or not has_station(m.settings.mode) or _state(m) is not None:
        return ERROR
    if smart_type == 4 and (key is None or len(key.encode()) != ESPTOUCH_V2_KEY_LEN):
        return ERROR
    gen = _begin(m, "smartconfig")
    phone = m.air.smartconfig
    if phone is None or phone.type not in SMART_TYPES[smart_type]:
        return OK  # nobody is sending credentials: SmartConfig just listens

    def received(t: float) -> None:
        if not _active(m, "smartconfig", gen):
            return
        m.emit(Urc(f"smartconfig type:{phone.type}"))
        m.emit(Urc("Smart get wifi info"))
        m.emit(Urc(f"ssid:{phone.ssid}"))
        m.emit(Urc(f"password:{phone.password}"))
        if phone.type == "ESPTOUCH_V2" and phone.reserved_data is not None:
            m.emit(Urc(f"+SCRD:{len(phone.reserved_data.encode())},{phone.reserved_data}"))
        target = [ap for ap in m.env.aps_up() if ap.ssid == phone.ssid]
        if target and all(ap.effective_ecn < auth_floor for ap in target):
            m.emit(Urc(SMART_FAIL))  # below the authentication floor: the board does not join
            return
        config = StationConfig(ssid=phone.ssid, password=phone.password, bssid=phone.bssid)
        _adopt(m, t, config, Urc("smartconfig connected wifi"), Urc(SMART_FAIL))

    m.sched.at(now + phone.after_s, received)
    return OK


def cwstopsmart(m: WifiModel) -> Done:
    state = _state(m)
    if state is not None and state.kind == "smartconfig":
        m.provisioning = None
    return OK if m.initialized else ERROR


# ---------------------------------------------------------------- Web server (3.13)


def web_join(m: WifiModel, now: float, ssid: str, password: str) -> bool:
    """The web server's /setstainfo: join with the credentials a browser posted (the firmware needs the
    station and the soft-AP both up, AT+CWMODE=3: at_web_server_cmd.c refuses other modes)."""
    if not m.initialized or m.settings.mode != 3:
        return False
    _adopt(m, now, StationConfig(ssid=ssid, password=password), None, None)
    return True


# ---------------------------------------------------------------- BluFi (3.4.45)


def blufi_join(m: WifiModel, now: float, ssid: str, password: str, auth_floor: int = 0) -> bool:
    """BluFi's "connect to the AP" control frame: join with the SSID and password the phone sent, unless
    every AP of that SSID is weaker than AT+BLUFI's <auth floor> ("ESP-AT will not connect to the AP whose
    authmode is lower than this floor")."""
    if not m.initialized or not has_station(m.settings.mode):
        return False
    target = [ap for ap in m.env.aps_up() if ap.ssid == ssid]
    if target and all(ap.effective_ecn < auth_floor for ap in target):
        return False
    _adopt(m, now, StationConfig(ssid=ssid, password=password), None, None)
    return True


def blufi_leave(m: WifiModel, now: float) -> None:
    """BluFi's "disconnect from the AP" control frame."""
    m.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)


# ---------------------------------------------------------------- WPS


def wps_set(m: WifiModel, now: float, enable: int, auth_floor: int = 0) -> Done:
    """WPS push-button: the air's ``wps:`` AP hands over its credentials ``after_s`` later."""
    if not m.initialized or not has_station(m.settings.mode):
        return ERROR
    state = _state(m)
    if enable == 0:
        if state is not None and state.kind == "wps":
            m.provisioning = None
        return OK
    if state is not None:
        return ERROR
    gen = _begin(m, "wps")
    button = m.air.wps
    if button is None:
        return OK

    def pressed(t: float) -> None:
        if not _active(m, "wps", gen):
            return
        m.provisioning = None
        aps = [ap for ap in m.env.aps_up() if ap.ssid == button.ssid]
        # WPS hands over no WEP keys (3.2.26), and the floor excludes weaker networks.
        usable = [ap for ap in aps if ap.effective_ecn != 1 and ap.effective_ecn >= auth_floor]
        if not usable:
            return
        ap = usable[0]
        _adopt(m, t, StationConfig(ssid=ap.ssid, password=ap.password, bssid=ap.effective_bssid), None, None)

    m.sched.at(now + button.after_s, pressed)
    return OK


# ---------------------------------------------------------------- AT+CWJEAP


def cwjeap_query(m: WifiModel) -> Done:
    jeap = m.settings.jeap
    if not m.initialized or jeap is None or m.sta_ap is None or m.sta_ap.ssid != jeap.ssid:
        return ERROR
    return Done((jeap.cwjeap_line(),))


def cwjeap_set(m: WifiModel, now: float, config: JeapConfig) -> Reply:
    """Join a WPA2-Enterprise AP with the air file's ``enterprise:`` credentials as the RADIUS server."""
    if not m.initialized:
        return ERROR
    if not has_station(m.settings.mode):
        return Done(ok=False, err_code=EAP_WIFI_MODE_NOT_STA)
    if config.method != EAP_TLS and not (config.username and config.password):
        return Done(ok=False, err_code=EAP_METHOD_SECURITY_UNMATCHED)
    m.settings.jeap = config
    m.save("jeap", {k: getattr(config, k) for k in config.__dataclass_fields__})
    m.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
    rssi = m.env.sample_rssi()
    targets = [ap for ap in m.aps_in_country() if ap.ssid == config.ssid and ap.effective_ecn == 5]
    if not targets:
        plan = JoinPlan(None, JoinError.TIMEOUT, float(config.jeap_timeout))
    else:
        ap = max(targets, key=lambda a: rssi[a.effective_bssid])
        creds = ap.enterprise
        accepted = creds is not None and config.method in creds.methods and config.identity == creds.identity
        if accepted and config.method != EAP_TLS:
            accepted = creds is not None and (config.username, config.password) == (
                creds.username,
                creds.password,
            )
        plan = JoinPlan(ap, None if accepted else JoinError.FAILED, ap.connect_s)
    m.new_station_generation()
    m.begin_command("CWJEAP")
    m.start_plan(now, plan, rssi, for_command=True, timeout_s=config.jeap_timeout)
    return Pending()


__all__ = [
    "EAP_CONN_FAILED",
    "blufi_join",
    "blufi_leave",
    "cwjeap_query",
    "cwjeap_set",
    "cwstartsmart",
    "cwstopsmart",
    "web_join",
    "wps_set",
]
