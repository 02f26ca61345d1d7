"""Station commands: AT+CWMODE (3.2.3), AT+CWSTATE (3.2.5), AT+CWJAP (3.2.7), AT+CWRECONNCFG (3.2.8),
AT+CWLAPOPT (3.2.9), AT+CWLAP (3.2.10), AT+CWQAP (3.2.11), AT+CWAUTOCONN (3.2.17).

Each function takes values already parsed and range-checked by the command layer (the ranges are the
constants in :mod:`sim.wifi.station`, :mod:`sim.wifi.scan`), applies the command's state rules and returns
its reply.
"""

from __future__ import annotations

from dataclasses import replace

from sim.wifi.addr import AddressError, format_mac, parse_mac
from sim.wifi.model import REASON_ASSOC_LEAVE, WifiModel, has_station
from sim.wifi.outputs import ERROR, OK, Done, Pending, Reply
from sim.wifi.scan import ScanFilter, ScanOptions, scan
from sim.wifi.station import DEFAULT_RECONN_INTERVAL, ReconnectConfig, StationConfig, WifiState

#: Byte lengths the station accepts (3.2.7): SSID up to 32, password up to 63.
SSID_MAX = 32
PASSWORD_MAX = 63


def station_ready(m: WifiModel) -> bool:
    return m.initialized and has_station(m.settings.mode)


# ---------------------------------------------------------------- AT+CWMODE


def cwmode_query(m: WifiModel) -> Done:
    return Done((f"+CWMODE:{m.settings.mode}",))


def cwmode_set(m: WifiModel, now: float, mode: int, auto_connect: int = 1) -> Done:
    m.set_mode(now, mode, bool(auto_connect))
    return OK


# ---------------------------------------------------------------- AT+CWSTATE


def cwstate_query(m: WifiModel) -> Done:
    config = m.settings.sta_config
    ssid = config.ssid if config is not None and m.sta_state is not WifiState.IDLE else ""
    return Done((f'+CWSTATE:{int(m.sta_state)},"{ssid}"',))


# ---------------------------------------------------------------- AT+CWJAP


def cwjap_query(m: WifiModel) -> Done:
    if not station_ready(m):
        return ERROR
    ap, config = m.sta_ap, m.settings.sta_config
    if ap is None or config is None:
        return Done(("No AP",))
    line = (
        f'+CWJAP:"{ap.ssid}","{ap.effective_bssid}",{ap.channel},{m.sta_rssi},{config.pci_en},'
        f"{config.reconn_interval},{config.listen_interval},{config.scan_mode},{config.pmf}"
    )
    return Done((line,))


def cwjap_set(
    m: WifiModel,
    now: float,
    *,
    ssid: str | None,
    password: str | None,
    bssid: str | None = None,
    pci_en: int | None = None,
    reconn_interval: int | None = None,
    listen_interval: int | None = None,
    scan_mode: int | None = None,
    jap_timeout: int | None = None,
    pmf: int | None = None,
) -> Reply:
    """Join an AP. Omitted SSID or password come from the last configuration (3.2.7 notes); the other
    omitted parameters take their defaults, so <reconn_interval> goes back to 1."""
    if not station_ready(m):
        return ERROR
    last = m.settings.sta_config
    if ssid is None:
        if last is None:
            return ERROR
        ssid = last.ssid
        if password is None:
            password = last.password
    if password is None:
        password = ""
    if not 1 <= len(ssid.encode()) <= SSID_MAX or len(password.encode()) > PASSWORD_MAX:
        return ERROR
    if bssid is not None:
        try:
            bssid = format_mac(parse_mac(bssid))
        except AddressError:
            return ERROR
    defaults = StationConfig(ssid=ssid)
    config = StationConfig(
        ssid=ssid,
        password=password,
        bssid=bssid,
        pci_en=defaults.pci_en if pci_en is None else pci_en,
        reconn_interval=DEFAULT_RECONN_INTERVAL if reconn_interval is None else reconn_interval,
        listen_interval=defaults.listen_interval if listen_interval is None else listen_interval,
        scan_mode=defaults.scan_mode if scan_mode is None else scan_mode,
        jap_timeout=defaults.jap_timeout if jap_timeout is None else jap_timeout,
        pmf=defaults.pmf if pmf is None else pmf,
    )
    return _join(m, now, config)


def cwjap_execute(m: WifiModel, now: float) -> Reply:
    """Join with the last configuration, same timeout rules as the set form."""
    if not station_ready(m) or m.settings.sta_config is None:
        return ERROR
    return _join(m, now, m.settings.sta_config)


def _join(m: WifiModel, now: float, config: StationConfig) -> Reply:
    m.settings.sta_config = config
    m.settings.reconnect = replace(m.settings.reconnect, interval_second=config.reconn_interval)
    m.save("sta_config", config.to_json())
    m.save("reconnect", [m.settings.reconnect.interval_second, m.settings.reconnect.repeat_count])
    m.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
    m.start_join(now, config, for_command=True)
    return Pending()


# ---------------------------------------------------------------- AT+CWRECONNCFG


def cwreconncfg_query(m: WifiModel) -> Done:
    cfg = m.settings.reconnect
    return Done((f"+CWRECONNCFG:{cfg.interval_second},{cfg.repeat_count}",))


def cwreconncfg_set(m: WifiModel, interval_second: int, repeat_count: int) -> Done:
    m.settings.reconnect = ReconnectConfig(interval_second, repeat_count)
    if m.settings.sta_config is not None:
        m.settings.sta_config = replace(m.settings.sta_config, reconn_interval=interval_second)
        m.save("sta_config", m.settings.sta_config.to_json())
    m.save("reconnect", [interval_second, repeat_count])
    return OK


# ---------------------------------------------------------------- AT+CWLAPOPT / AT+CWLAP


def cwlapopt_set(
    m: WifiModel, reserved: int | None, print_mask: int, rssi_filter: int | None, authmode_mask: int | None
) -> Done:
    defaults = ScanOptions()
    m.scan_options = ScanOptions(
        reserved=0 if reserved is None else reserved,
        print_mask=print_mask,
        rssi_filter=defaults.rssi_filter if rssi_filter is None else rssi_filter,
        authmode_mask=defaults.authmode_mask if authmode_mask is None else authmode_mask,
    )
    return OK


def cwlap(m: WifiModel, flt: ScanFilter | None = None) -> Done:
    if not station_ready(m):
        return ERROR
    if flt is not None and flt.mac is not None:
        try:
            flt = replace(flt, mac=format_mac(parse_mac(flt.mac)))
        except AddressError:
            return ERROR
    country = m.settings.country
    results = scan(
        m.env.aps_up(),
        m.env.sample_rssi(),
        flt or ScanFilter(),
        m.scan_options,
        start_channel=country.start_channel,
        channel_count=country.channel_count,
    )
    return Done(tuple(r.cwlap_line(m.scan_options.print_mask) for r in results))


# ---------------------------------------------------------------- AT+CWQAP


def cwqap(m: WifiModel, now: float) -> Done:
    """Leave the AP and stop reconnecting; WIFI DISCONNECT comes before OK when a link was up."""
    if not m.initialized:
        return ERROR
    if has_station(m.settings.mode):
        m.drop_station(now, reason=REASON_ASSOC_LEAVE, reconnect=False)
    return OK


# ---------------------------------------------------------------- AT+CWAUTOCONN


def cwautoconn_query(m: WifiModel) -> Done:
    return Done((f"+CWAUTOCONN:{m.settings.autoconn}",))


def cwautoconn_set(m: WifiModel, enable: int) -> Done:
    m.settings.autoconn = enable
    m.save("autoconn", enable, always=True)
    return OK
