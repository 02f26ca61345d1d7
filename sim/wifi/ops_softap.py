"""Soft-AP and address commands: AT+CWSAP (3.2.12), AT+CWLIF (3.2.13), AT+CWQIF (3.2.14), AT+CWDHCP (3.2.15),
AT+CWDHCPS (3.2.16), AT+CIPSTA (3.2.22), AT+CIPAP (3.2.23)."""

from __future__ import annotations

import ipaddress

from sim.wifi.addr import (
    AddressError,
    Ipv4Config,
    format_mac,
    link_local_ipv6,
    parse_ipv4,
    parse_mac,
    parse_netmask,
)
from sim.wifi.model import WifiModel, has_softap, has_station
from sim.wifi.outputs import ERROR, OK, Done
from sim.wifi.persist import ipv4_to_json
from sim.wifi.softap import DhcpPool, SoftApConfig, check_pool

#: AT+CWSAP lengths (3.2.12): SSID 1..32 bytes, password 8..63 bytes unless the network is open.
SOFTAP_SSID_MAX = 32
SOFTAP_PASSWORD_RANGE = (8, 63)


def softap_ready(m: WifiModel) -> bool:
    return m.initialized and has_softap(m.settings.mode)


# ---------------------------------------------------------------- AT+CWSAP


def cwsap_query(m: WifiModel) -> Done:
    if not softap_ready(m):
        return ERROR
    return Done((m.settings.softap.cwsap_line(),))


def cwsap_set(
    m: WifiModel,
    now: float,
    *,
    ssid: str,
    password: str,
    channel: int,
    ecn: int,
    max_conn: int | None = None,
    ssid_hidden: int | None = None,
) -> Done:
    if not softap_ready(m):
        return ERROR
    if not 1 <= len(ssid.encode()) <= SOFTAP_SSID_MAX:
        return ERROR
    if ecn == 0:
        password = ""  # an open network has no password to keep
    elif not SOFTAP_PASSWORD_RANGE[0] <= len(password.encode()) <= SOFTAP_PASSWORD_RANGE[1]:
        return ERROR
    country = m.settings.country
    if not country.start_channel <= channel < country.start_channel + country.channel_count:
        return ERROR
    old = m.settings.softap
    m.settings.softap = SoftApConfig(
        ssid=ssid,
        password=password,
        channel=channel,
        ecn=ecn,
        max_conn=old.max_conn if max_conn is None else max_conn,
        ssid_hidden=0 if ssid_hidden is None else ssid_hidden,
    )
    m.save("softap", m.settings.softap.to_json())
    m.softap.restart(now)
    return OK


# ---------------------------------------------------------------- AT+CWLIF / AT+CWQIF


def cwlif(m: WifiModel) -> Done:
    """Stations that got their address from the DHCP server; static ones are not listed (3.2.13 note)."""
    if not softap_ready(m):
        return ERROR
    return Done(tuple(f"+CWLIF:{s.ip},{s.mac}" for s in m.ap_stations.values() if s.ip is not None))


def cwqif(m: WifiModel, now: float, mac: str | None = None) -> Done:
    """Kick one station (by MAC) or all; each leaves with +STA_DISCONNECTED after OK."""
    if not softap_ready(m):
        return ERROR
    if mac is None:
        targets = list(m.ap_stations)
    else:
        try:
            wanted = format_mac(parse_mac(mac))
        except AddressError:
            return ERROR
        if wanted not in m.ap_stations:
            return ERROR
        targets = [wanted]
    m.softap.kick(now, targets)
    return OK


# ---------------------------------------------------------------- AT+CWDHCP


def cwdhcp_query(m: WifiModel) -> Done:
    return Done((f"+CWDHCP:{m.settings.dhcp}",))


def cwdhcp_set(m: WifiModel, operate: int, mode: int) -> Done:
    """Enable or disable the DHCP client (bit0) and server (bit1); enabling the client drops a static
    station address, and the lease takes over at once when connected (3.2.15 notes)."""
    if not m.initialized:
        return ERROR
    if operate:
        m.settings.dhcp |= mode
        if mode & 0b01 and m.settings.sta_static is not None:
            m.settings.sta_static = None
            m.save("sta_static", None)
            m.renew_lease()
    else:
        m.settings.dhcp &= ~mode & 0b11
        if mode & 0b01 and m.sta_ipv4.is_set:
            # The address in use stays, now as a static one.
            m.settings.sta_static = m.sta_ipv4
            m.save("sta_static", ipv4_to_json(m.sta_ipv4))
    m.save("dhcp", m.settings.dhcp)
    return OK


# ---------------------------------------------------------------- AT+CWDHCPS


def cwdhcps_query(m: WifiModel) -> Done:
    if not softap_ready(m) or not m.settings.dhcp & 0b10:
        return ERROR
    return Done((m.settings.dhcps.cwdhcps_line(),))


def cwdhcps_set(
    m: WifiModel, enable: int, lease_min: int | None = None, start: str | None = None, end: str | None = None
) -> Done:
    if not softap_ready(m) or not m.settings.dhcp & 0b10:
        return ERROR
    if enable == 0:
        m.settings.dhcps = DhcpPool.default_for(m.settings.ap_ip)
        m.settings.dhcps_custom = False
        m.save("dhcps", None)
        return OK
    if lease_min is None or start is None or end is None:
        return ERROR
    try:
        first, last = parse_ipv4(start), parse_ipv4(end)
    except AddressError:
        return ERROR
    if check_pool(m.settings.ap_ip, first, last) is not None:
        return ERROR
    m.settings.dhcps = DhcpPool(lease_min, first, last)
    m.settings.dhcps_custom = True
    m.save("dhcps", m.settings.dhcps.to_json())
    return OK


# ---------------------------------------------------------------- AT+CIPSTA / AT+CIPAP


def parse_static(ip: str, gateway: str | None, netmask: str | None) -> Ipv4Config | None:
    """The address triple of a set command; gateway and netmask go together (both or neither).

    Without them the netmask is 255.255.255.0 and the gateway the subnet's .1 address.
    """
    if (gateway is None) != (netmask is None):
        return None
    try:
        addr = parse_ipv4(ip)
        if gateway is None or netmask is None:
            mask = ipaddress.IPv4Address("255.255.255.0")
            gw = ipaddress.IPv4Address((int(addr) & int(mask)) + 1)
        else:
            gw, mask = parse_ipv4(gateway), parse_netmask(netmask)
    except AddressError:
        return None
    if int(addr) == 0:
        return None
    return Ipv4Config(ip=addr, gateway=gw, netmask=mask)


def _address_lines(prefix: str, cfg: Ipv4Config) -> list[str]:
    return [
        f'+{prefix}:ip:"{cfg.ip}"',
        f'+{prefix}:gateway:"{cfg.gateway}"',
        f'+{prefix}:netmask:"{cfg.netmask}"',
    ]


def cipsta_query(m: WifiModel) -> Done:
    if not m.initialized or not has_station(m.settings.mode):
        return ERROR
    lines = _address_lines("CIPSTA", m.sta_ipv4)
    if m.ipv6_enabled():
        if m.sta_ip6ll is not None:
            lines.append(f'+CIPSTA:ip6ll:"{m.sta_ip6ll}"')
        if m.sta_ip6gl is not None:
            lines.append(f'+CIPSTA:ip6gl:"{m.sta_ip6gl}"')
    return Done(tuple(lines))


def cipsta_set(m: WifiModel, ip: str, gateway: str | None = None, netmask: str | None = None) -> Done:
    """A static station address; it turns the DHCP client off (3.2.22 notes)."""
    if not m.initialized or not has_station(m.settings.mode):
        return ERROR
    cfg = parse_static(ip, gateway, netmask)
    if cfg is None:
        return ERROR
    m.settings.sta_static = cfg
    m.settings.dhcp &= ~0b01
    m.save("sta_static", ipv4_to_json(cfg))
    m.save("dhcp", m.settings.dhcp)
    return OK


def cipap_query(m: WifiModel) -> Done:
    if not softap_ready(m):
        return ERROR
    lines = _address_lines("CIPAP", m.settings.ap_ip)
    if m.ipv6_enabled():
        lines.append(f'+CIPAP:ip6ll:"{link_local_ipv6(m.settings.ap_mac)}"')
    return Done(tuple(lines))


def cipap_set(m: WifiModel, ip: str, gateway: str | None = None, netmask: str | None = None) -> Done:
    """A new soft-AP address; the guide has it turn the soft-AP DHCP server off (3.2.23 notes). The pool
    follows the new subnet unless a custom pool still fits in it."""
    if not softap_ready(m):
        return ERROR
    cfg = parse_static(ip, gateway, netmask)
    if cfg is None:
        return ERROR
    m.settings.ap_ip = cfg
    pool = m.settings.dhcps
    if not m.settings.dhcps_custom or check_pool(cfg, pool.start, pool.end) is not None:
        m.settings.dhcps = DhcpPool.default_for(cfg).with_lease(pool.lease_min)
        m.settings.dhcps_custom = False
        m.save("dhcps", None)
    m.settings.dhcp &= ~0b10
    m.save("ap_ip", ipv4_to_json(cfg))
    m.save("dhcp", m.settings.dhcp)
    return OK
