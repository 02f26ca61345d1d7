"""The station side: its saved AP configuration, its connection states and how a join attempt ends.

3.2.5 (AT+CWSTATE), 3.2.7 (AT+CWJAP), 3.2.8 (AT+CWRECONNCFG). The timing of a join lives in
:mod:`sim.wifi.model`; this module decides *what* happens, given the APs on the air.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum

from sim.wifi.air import AccessPoint, JoinBehaviour

#: AT+CWJAP defaults (3.2.7).
DEFAULT_RECONN_INTERVAL = 1
DEFAULT_LISTEN_INTERVAL = 3
DEFAULT_SCAN_MODE = 0
DEFAULT_JAP_TIMEOUT = 15
DEFAULT_PMF = 1
MAX_RECONN_INTERVAL = 7200
MAX_REPEAT_COUNT = 1000

#: Simulated time a scan that finds nothing takes before AT+CWJAP gives up with +CWJAP:3.
SCAN_S = 0.1
#: Extra time a failed 4-way handshake takes after association (wrong password, +CWJAP:2).
HANDSHAKE_FAIL_S = 0.1


class WifiState(IntEnum):
    """<state> of AT+CWSTATE? (3.2.5)."""

    IDLE = 0
    CONNECTED_NO_IP = 1
    GOT_IP = 2
    CONNECTING = 3
    DISCONNECTED = 4


class JoinError(IntEnum):
    """<error code> of ``+CWJAP:<error code>`` (3.2.7)."""

    TIMEOUT = 1
    WRONG_PASSWORD = 2
    NO_AP = 3
    FAILED = 4


@dataclass(frozen=True, slots=True)
class StationConfig:
    """The station's AP configuration: the "last Wi-Fi configuration" AT+CWJAP without arguments uses."""

    ssid: str
    password: str = ""
    bssid: str | None = None
    pci_en: int = 0
    reconn_interval: int = DEFAULT_RECONN_INTERVAL
    listen_interval: int = DEFAULT_LISTEN_INTERVAL
    scan_mode: int = DEFAULT_SCAN_MODE
    jap_timeout: int = DEFAULT_JAP_TIMEOUT
    pmf: int = DEFAULT_PMF

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> StationConfig:
        return cls(**data)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ReconnectConfig:
    """AT+CWRECONNCFG (3.2.8): 0,0 (no reconnection) until set, or until AT+CWJAP sets the interval."""

    interval_second: int = 0
    repeat_count: int = 0


@dataclass(frozen=True, slots=True)
class JoinPlan:
    """How a join attempt ends: the AP it reaches, or the error and when it is reported."""

    ap: AccessPoint | None
    error: JoinError | None
    #: Seconds from the request to the error (for a failure) or to WIFI CONNECTED (for a success).
    delay_s: float


def candidates(aps: list[AccessPoint], config: StationConfig) -> list[AccessPoint]:
    """The APs on the air that match the configuration's SSID, BSSID and PCI setting."""
    found = []
    for ap in aps:
        if ap.ssid != config.ssid:
            continue
        if config.bssid is not None and ap.effective_bssid != config.bssid.lower():
            continue
        # pci_en=1 refuses OPEN and WEP networks, so the scan treats them as not there.
        if config.pci_en == 1 and ap.effective_ecn in (0, 1):
            continue
        found.append(ap)
    return found


def pick(found: list[AccessPoint], scan_mode: int, rssi_of: dict[str, int]) -> AccessPoint:
    """scan_mode 0 stops at the first AP met in channel order; 1 scans all and takes the strongest."""
    if scan_mode == 1:
        return max(found, key=lambda ap: rssi_of[ap.effective_bssid])
    return min(found, key=lambda ap: ap.channel)


def pmf_compatible(ap_pmf: int, sta_pmf: int) -> bool:
    """AP pmf: 0 none, 1 capable, 2 required. Station <pmf>: bit0 capable, bit1 required."""
    if ap_pmf == 2 and not sta_pmf & 0b11:
        return False
    if sta_pmf & 0b10 and ap_pmf == 0:
        return False
    return True


def plan_join(
    aps: list[AccessPoint], config: StationConfig, rssi_of: dict[str, int], password_of: dict[str, str]
) -> JoinPlan:
    """Decide the outcome of joining ``config`` with the given APs up (``password_of``: current passwords)."""
    found = candidates(aps, config)
    if not found:
        return JoinPlan(None, JoinError.NO_AP, SCAN_S)
    ap = pick(found, config.scan_mode, rssi_of)
    timeout = float(config.jap_timeout)
    if ap.join is JoinBehaviour.timeout:
        return JoinPlan(ap, JoinError.TIMEOUT, timeout)
    # Enterprise networks need AT+CWJEAP; WAPI is not supported for joining (3.2.7 notes).
    refused = ap.join is JoinBehaviour.fail or ap.effective_ecn in (5, 8)
    if refused or not pmf_compatible(ap.pmf, config.pmf):
        return JoinPlan(ap, JoinError.FAILED, min(ap.connect_s, timeout))
    if ap.effective_ecn != 0 and config.password != password_of[ap.effective_bssid]:
        return JoinPlan(ap, JoinError.WRONG_PASSWORD, min(ap.connect_s + HANDSHAKE_FAIL_S, timeout))
    if ap.connect_s + ap.dhcp_s > timeout:
        return JoinPlan(ap, JoinError.TIMEOUT, timeout)
    return JoinPlan(ap, None, ap.connect_s)
