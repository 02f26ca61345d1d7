"""Scanning: AT+CWLAPOPT (3.2.9) and AT+CWLAP (3.2.10).

Pure functions over the APs currently on the air: which ones a scan finds, in what order, and how each
result line is printed under the print mask.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sim.wifi.air import AccessPoint

#: AT+CWLAPOPT defaults (3.2.9): every field printed, no RSSI floor, every authmode shown.
DEFAULT_PRINT_MASK = 0x7FF
DEFAULT_RSSI_FILTER = -100
DEFAULT_AUTHMODE_MASK = 0xFFFF

#: How far a scanned RSSI strays from the air file's value, in dB either way.
RSSI_JITTER_DB = 3


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """The AT+CWLAPOPT settings (not saved in flash)."""

    reserved: int = 0
    print_mask: int = DEFAULT_PRINT_MASK
    rssi_filter: int = DEFAULT_RSSI_FILTER
    authmode_mask: int = DEFAULT_AUTHMODE_MASK


@dataclass(frozen=True, slots=True)
class ScanFilter:
    """The AT+CWLAP set form's arguments; ``None`` means omitted."""

    ssid: str | None = None
    mac: str | None = None
    channel: int | None = None
    scan_type: int = 0
    scan_time_min: int | None = None
    scan_time_max: int | None = None
    channel_bitmap: int | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    ecn: int
    ssid: str
    rssi: int
    mac: str
    channel: int
    freq_offset: int
    freqcal_val: int
    pairwise_cipher: int
    group_cipher: int
    wifi_protocol: int
    wps: int

    def cwlap_line(self, print_mask: int) -> str:
        """``+CWLAP:(...)`` with only the fields whose print-mask bit is set, in the guide's order."""
        fields = (
            str(self.ecn),
            f'"{self.ssid}"',
            str(self.rssi),
            f'"{self.mac}"',
            str(self.channel),
            str(self.freq_offset),
            str(self.freqcal_val),
            str(self.pairwise_cipher),
            str(self.group_cipher),
            str(self.wifi_protocol),
            str(self.wps),
        )
        shown = [text for bit, text in enumerate(fields) if print_mask & (1 << bit)]
        return f"+CWLAP:({','.join(shown)})"


def jittered_rssi(ap: AccessPoint, rng: random.Random) -> int:
    """The RSSI one scan measures: the air file's value plus a little noise, never above 0 dBm."""
    return max(-100, min(0, ap.rssi + rng.randint(-RSSI_JITTER_DB, RSSI_JITTER_DB)))


def channel_allowed(channel: int, start_channel: int, channel_count: int) -> bool:
    """Whether the country setting (AT+CWCOUNTRY) lets the board use ``channel``."""
    return start_channel <= channel < start_channel + channel_count


def scan(
    aps: list[AccessPoint],
    rssi_of: dict[str, int],
    flt: ScanFilter,
    options: ScanOptions,
    *,
    start_channel: int = 1,
    channel_count: int = 13,
) -> list[ScanResult]:
    """The APs a scan reports, strongest first (the order ESP-IDF's scan records come in).

    ``rssi_of`` maps a BSSID to this scan's measured RSSI (see :func:`jittered_rssi`).
    """
    found: list[ScanResult] = []
    for ap in aps:
        bssid = ap.effective_bssid
        if not channel_allowed(ap.channel, start_channel, channel_count):
            continue
        if flt.channel:
            if ap.channel != flt.channel:
                continue
        elif flt.channel_bitmap and not flt.channel_bitmap & (1 << ap.channel):
            continue
        # A hidden AP answers a probe for its own name only; a broadcast scan sees it without a name.
        if flt.ssid is not None and flt.ssid != ap.ssid:
            continue
        if flt.mac is not None and flt.mac.lower() != bssid:
            continue
        rssi = rssi_of[bssid]
        if rssi < options.rssi_filter:
            continue
        if not options.authmode_mask & (1 << ap.effective_ecn):
            continue
        shown_ssid = "" if ap.hidden and flt.ssid is None else ap.ssid
        found.append(
            ScanResult(
                ecn=ap.effective_ecn,
                ssid=shown_ssid,
                rssi=rssi,
                mac=bssid,
                channel=ap.channel,
                freq_offset=ap.freq_offset,
                freqcal_val=ap.freqcal_val,
                pairwise_cipher=ap.effective_pairwise,
                group_cipher=ap.effective_group,
                wifi_protocol=ap.protocol,
                wps=int(ap.wps),
            )
        )
    found.sort(key=lambda result: result.rssi, reverse=True)
    return found
