"""Settings commands: AT+CWINIT (3.2.2), AT+CWBANDWIDTH (3.2.4), AT+CWCONFIG (3.2.6), AT+CWAPPROTO (3.2.18),
AT+CWSTAPROTO (3.2.19), AT+CIPSTAMAC (3.2.20), AT+CIPAPMAC (3.2.21), AT+CWHOSTNAME (3.2.28),
AT+CWCOUNTRY (3.2.29)."""

from __future__ import annotations

from dataclasses import replace

from sim.wifi.addr import AddressError, check_settable_mac
from sim.wifi.model import REASON_ASSOC_LEAVE, WifiModel, has_softap, has_station
from sim.wifi.outputs import ERROR, OK, Done
from sim.wifi.settings import Country

#: Protocol bitmask an ESP32 accepts (3.2.18/3.2.19): bit0 b, bit1 g, bit2 n, bit3 LR.
PROTOCOL_RANGE = (1, 0b1111)
#: AT+CWHOSTNAME (3.2.28): at most 32 bytes.
HOSTNAME_MAX = 32
#: AT+CWCOUNTRY (3.2.29): code up to 3 characters, channels 1..14.
COUNTRY_CODE_MAX = 3
CHANNEL_RANGE = (1, 14)


# ---------------------------------------------------------------- AT+CWINIT


def cwinit_query(m: WifiModel) -> Done:
    return Done((f"+CWINIT:{int(m.initialized)}",))


def cwinit_set(m: WifiModel, now: float, init: int) -> Done:
    """Deinit drops the station link and stops the soft-AP; init brings the saved mode's interfaces back."""
    if init == int(m.initialized):
        return OK
    if init == 0:
        if has_station(m.settings.mode):
            m.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
        m.stop_softap()
        m.initialized = False
    else:
        m.initialized = True
        if has_softap(m.settings.mode):
            m.start_softap(now)
    return OK


# ---------------------------------------------------------------- AT+CWBANDWIDTH


def cwbandwidth_query(m: WifiModel) -> Done:
    """One line per interface; an ESP32 has no 5 GHz radio, so <bandwidth_5ghz> is 0 (not supported)."""
    if not m.initialized:
        return ERROR
    return Done(
        (f"+CWBANDWIDTH:0,{m.settings.sta_bandwidth},0", f"+CWBANDWIDTH:1,{m.settings.ap_bandwidth},0")
    )


def cwbandwidth_set(m: WifiModel, netif: int, bandwidth_2ghz: int) -> Done:
    if not m.initialized:
        return ERROR
    key = "sta_bandwidth" if netif == 0 else "ap_bandwidth"
    setattr(m.settings, key, bandwidth_2ghz)
    m.save(key, bandwidth_2ghz)
    return OK


# ---------------------------------------------------------------- AT+CWCONFIG


def cwconfig_query(m: WifiModel) -> Done:
    return Done((m.settings.inactive.cwconfig_line(),))


def cwconfig_set(
    m: WifiModel, ap_inactive_time: int | None, sta_inactive_time: int | None, listen_interval: int | None
) -> Done:
    if ap_inactive_time is None and sta_inactive_time is None and listen_interval is None:
        return ERROR
    cur = m.settings.inactive
    m.settings.inactive = replace(
        cur,
        ap_inactive_time=cur.ap_inactive_time if ap_inactive_time is None else ap_inactive_time,
        sta_inactive_time=cur.sta_inactive_time if sta_inactive_time is None else sta_inactive_time,
        listen_interval=cur.listen_interval if listen_interval is None else listen_interval,
    )
    v = m.settings.inactive
    m.save("inactive", [v.ap_inactive_time, v.sta_inactive_time, v.listen_interval])
    return OK


# ---------------------------------------------------------------- AT+CWAPPROTO / AT+CWSTAPROTO


def proto_query(m: WifiModel, *, softap: bool) -> Done:
    value = m.settings.ap_proto if softap else m.settings.sta_proto
    return Done((f"+{'CWAPPROTO' if softap else 'CWSTAPROTO'}:{value}",))


def proto_set(m: WifiModel, protocol: int, *, softap: bool) -> Done:
    if not m.initialized:
        return ERROR
    key = "ap_proto" if softap else "sta_proto"
    setattr(m.settings, key, protocol)
    m.save(key, protocol)
    return OK


# ---------------------------------------------------------------- AT+CIPSTAMAC / AT+CIPAPMAC


def mac_query(m: WifiModel, *, softap: bool) -> Done:
    """The interface must be enabled by the current mode."""
    if not m.initialized or not (has_softap if softap else has_station)(m.settings.mode):
        return ERROR
    name = "CIPAPMAC" if softap else "CIPSTAMAC"
    return Done((f'+{name}:"{m.ap_mac if softap else m.sta_mac}"',))


def mac_set(m: WifiModel, mac: str, *, softap: bool) -> Done:
    """Unicast, not all-zero/all-one, and not the other interface's MAC (3.2.20, 3.2.21 notes)."""
    if not m.initialized or not (has_softap if softap else has_station)(m.settings.mode):
        return ERROR
    try:
        value = check_settable_mac(mac)
    except AddressError:
        return ERROR
    other = m.settings.sta_mac if softap else m.settings.ap_mac
    if value == other:
        return ERROR
    key = "ap_mac" if softap else "sta_mac"
    setattr(m.settings, key, value)
    m.save(key, value.hex())
    return OK


# ---------------------------------------------------------------- AT+CWHOSTNAME


def cwhostname_query(m: WifiModel) -> Done:
    if not m.initialized or not has_station(m.settings.mode):
        return ERROR
    return Done((f"+CWHOSTNAME:{m.hostname}",))


def cwhostname_set(m: WifiModel, hostname: str) -> Done:
    """Not saved; ERROR when the station interface is off (3.2.28)."""
    if not m.initialized or not has_station(m.settings.mode):
        return ERROR
    if not 1 <= len(hostname.encode()) <= HOSTNAME_MAX:
        return ERROR
    m.hostname = hostname
    return OK


# ---------------------------------------------------------------- AT+CWCOUNTRY


def cwcountry_query(m: WifiModel) -> Done:
    if not m.initialized:
        return ERROR
    return Done((m.settings.country.cwcountry_line(),))


def cwcountry_set(m: WifiModel, policy: int, code: str, start_channel: int, channel_count: int) -> Done:
    """Not saved. The channel plan must stay within 1..14."""
    if not m.initialized:
        return ERROR
    if not 1 <= len(code) <= COUNTRY_CODE_MAX or not code.isalnum():
        return ERROR
    if channel_count < 1 or start_channel + channel_count - 1 > CHANNEL_RANGE[1]:
        return ERROR
    m.settings.country = Country(policy, code, start_channel, channel_count)
    return OK
