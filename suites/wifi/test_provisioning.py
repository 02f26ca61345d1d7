"""3.2 Wi-Fi AT commands that provision credentials: SmartConfig (3.2.24, 3.2.25), WPS (3.2.26) and
WPA2-Enterprise (3.2.27).

Starting and stopping needs no phone or WPS button: these tests check that the board accepts the
documented forms in station mode and refuses them where the guide says they are unavailable. Completing
a provisioning needs the rig's ``smartconfig`` / ``wps`` / ``wpa2-enterprise`` capabilities.
"""

from __future__ import annotations

import pytest

from rigs.model import AccessPoint, MissingSecretError, Rig
from spec.params import escape

pytestmark = [pytest.mark.wifi, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture
def station(dut):
    dut.cmd("AT+CWMODE=1").assert_ok()
    return dut


@pytest.mark.form("AT+CWSTARTSMART", "execute")
@pytest.mark.form("AT+CWSTOPSMART", "execute")
def test_smartconfig_start_stop(station, expect) -> None:
    """3.2.24 / 3.2.25: the guide's example (station mode, AT+CWSTARTSMART), then AT+CWSTOPSMART."""
    expect.ok(station.cmd("AT+CWSTARTSMART"), "AT+CWSTARTSMART", "execute")
    expect.ok(station.cmd("AT+CWSTOPSMART"), "AT+CWSTOPSMART", "execute")


@pytest.mark.form("AT+CWSTARTSMART", "set")
@pytest.mark.form("AT+CWSTOPSMART", "execute")
@pytest.mark.parametrize(
    "args",
    [
        pytest.param("1", id="esp-touch"),
        pytest.param("2", id="airkiss"),
        pytest.param("3,15", id="esp-touch+airkiss-auth-floor-max"),
        pytest.param('4,0,"1234567890123456"', id="esp-touch-v2-key"),
    ],
)
def test_smartconfig_types(station, expect, args: str) -> None:
    """3.2.24: each <type>, with <auth floor> and the 16-byte ESP-TOUCH v2 key; always stopped after."""
    try:
        expect.ok(station.cmd(f"AT+CWSTARTSMART={args}"), "AT+CWSTARTSMART", "set")
    finally:
        expect.ok(station.cmd("AT+CWSTOPSMART"), "AT+CWSTOPSMART", "execute")


@pytest.mark.form("AT+CWSTARTSMART", "execute")
def test_smartconfig_needs_station_mode(dut, expect) -> None:
    """3.2.24 note: SmartConfig is only available in station mode."""
    dut.cmd("AT+CWMODE=2").assert_ok()
    try:
        expect.error(dut.cmd("AT+CWSTARTSMART"))
    finally:
        dut.cmd("AT+CWSTOPSMART")
        dut.cmd("AT+CWMODE=1").assert_ok()
        dut.drain_urcs()


@pytest.mark.form("AT+WPS", "set")
@pytest.mark.parametrize("args", [pytest.param("1", id="pbc"), pytest.param("1,3", id="pbc-auth-floor")])
def test_wps_start_stop(station, expect, args: str) -> None:
    """3.2.26: WPS (PBC) starts in station mode and stops with AT+WPS=0."""
    try:
        expect.ok(station.cmd(f"AT+WPS={args}"), "AT+WPS", "set")
    finally:
        expect.ok(station.cmd("AT+WPS=0"), "AT+WPS", "set")


@pytest.mark.form("AT+WPS", "set")
def test_wps_needs_station(dut, expect) -> None:
    """3.2.26 note: WPS can only be used when the station is enabled."""
    dut.cmd("AT+CWMODE=2").assert_ok()
    try:
        expect.error(dut.cmd("AT+WPS=1"))
    finally:
        dut.cmd("AT+WPS=0")
        dut.cmd("AT+CWMODE=1").assert_ok()
        dut.drain_urcs()


def _require_cwjeap(dut) -> None:
    if '"AT+CWJEAP"' not in dut.cmd("AT+CMD?", timeout=10).assert_ok().text:
        pytest.skip("AT+CWJEAP is not in this firmware (3.2.27: the default firmware leaves it out)")


@pytest.mark.form("AT+CWJEAP", "set")
def test_cwjeap_timeout_without_enterprise_ap(station, expect) -> None:
    """3.2.27: joining an enterprise AP that does not answer ends, after <jeap_timeout> (3 s, its minimum),
    with +CWJEAP:Timeout then ERROR."""
    _require_cwjeap(station)
    resp = station.cmd('AT+CWJEAP="esp-at-no-such-eap",1,"identity","user","password",0,3', timeout=30)
    expect.fails(resp, "AT+CWJEAP", "set")
    assert "+CWJEAP:Timeout" in resp.lines


def _enterprise_ap(rig: Rig) -> AccessPoint:
    for ap in rig.network.access_points:
        if ap.enterprise is not None:
            return ap
    pytest.skip(f"rig {rig.name} lists no access point with an 'enterprise' block (rigs/README.md)")


@pytest.mark.form("AT+CWJEAP", "set")
@pytest.mark.form("AT+CWJEAP", "query")
@pytest.mark.requires("wpa2-enterprise")
def test_cwjeap_query_while_connected(station, expect, esp_rig: Rig) -> None:
    """3.2.27: after joining the rig's WPA2-Enterprise AP with AT+CWJEAP, the query answers
    +CWJEAP:<"ssid">,<method>,<"identity">,<"username">,<"password">,<security> with the values it joined
    with, then OK."""
    _require_cwjeap(station)
    ap = _enterprise_ap(esp_rig)
    eap = ap.enterprise
    assert eap is not None
    try:
        password = eap.resolve_password(ap.ssid)
    except MissingSecretError as exc:
        pytest.fail(f"rig {esp_rig.name}: {exc}", pytrace=False)
    username = eap.username or ""
    fields = [f'"{escape(ap.ssid)}"', str(eap.method), f'"{escape(eap.identity)}"']
    # EAP-TLS has no phase 2: the guide's example leaves <"username"> and <"password"> empty.
    fields += [f'"{escape(username)}"' if username else "", f'"{escape(password)}"' if password else ""]
    fields.append(str(eap.security))
    timeout = esp_rig.targets.timeouts.join
    try:
        expect.ok(station.cmd("AT+CWJEAP=" + ",".join(fields), timeout), "AT+CWJEAP", "set")
        found = expect.ok(station.cmd("AT+CWJEAP?"), "AT+CWJEAP", "query")
        got = {
            name: found[name] for name in ("ssid", "method", "identity", "username", "password", "security")
        }
        assert got == {
            "ssid": ap.ssid,
            "method": eap.method,
            "identity": eap.identity,
            "username": username,
            "password": password,
            "security": eap.security,
        }
    finally:
        station.cmd("AT+CWQAP")
        station.drain_urcs()
