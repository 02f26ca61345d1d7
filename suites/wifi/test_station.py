"""3.2 Wi-Fi AT commands, station side: mode, driver, state, joining and leaving the rig's access points,
reconnection and scanning (3.2.2, 3.2.3, 3.2.5, 3.2.7-3.2.11; the station's settings are in
test_station_config.py)."""

from __future__ import annotations

import pytest

from fixtures.suite import assert_order
from spec.params import escape

pytestmark = [pytest.mark.wifi, pytest.mark.usefixtures("fresh_board")]

#: 3.2.10 <rssi> is a signal strength in dBm; a received signal is negative and above the noise floor.
RSSI_RANGE = range(-100, 1)


def join_line(ssid: str, pwd: str, *extra: str) -> str:
    return ",".join([f'AT+CWJAP="{escape(ssid)}","{escape(pwd)}"', *extra])


def report_kinds(resp) -> list[str]:
    return [getattr(u, "kind", "") for u in resp.urcs]


@pytest.fixture
def station(dut):
    """Station mode, not connected."""
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.cmd("AT+CWQAP").assert_ok()
    dut.drain_urcs()
    return dut


@pytest.mark.form("AT+CWINIT", "query")
@pytest.mark.form("AT+CWINIT", "set")
def test_cwinit(dut, expect) -> None:
    """3.2.2: the driver is initialised by default (1); deinitialised it reads 0; initialised again 1."""
    assert expect.ok(dut.cmd("AT+CWINIT?"), "AT+CWINIT", "query")["init"] == 1
    expect.ok(dut.cmd("AT+CWINIT=0"), "AT+CWINIT", "set")
    assert expect.ok(dut.cmd("AT+CWINIT?"), "AT+CWINIT", "query")["init"] == 0
    expect.ok(dut.cmd("AT+CWINIT=1"), "AT+CWINIT", "set")
    assert expect.ok(dut.cmd("AT+CWINIT?"), "AT+CWINIT", "query")["init"] == 1


@pytest.mark.form("AT+CWMODE", "query")
@pytest.mark.form("AT+CWMODE", "set")
@pytest.mark.parametrize(
    "args",
    [
        pytest.param("0", id="null"),
        pytest.param("1", id="station"),
        pytest.param("2", id="softap"),
        pytest.param("3", id="station+softap"),
        pytest.param("1,0", id="auto_connect-0"),
        pytest.param("3,1", id="auto_connect-1"),
    ],
)
def test_cwmode_reads_back(dut, expect, args: str) -> None:
    """3.2.3: every mode reads back, with and without <auto_connect>."""
    expect.ok(dut.cmd(f"AT+CWMODE={args}"), "AT+CWMODE", "set")
    assert expect.ok(dut.cmd("AT+CWMODE?"), "AT+CWMODE", "query")["mode"] == int(args.split(",")[0])
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


@pytest.mark.form("AT+CWSTATE", "query")
@pytest.mark.requires("wifi-sta")
def test_cwstate_follows_the_connection(station, expect, esp_ap, esp_rig) -> None:
    """3.2.5: 2 with the AP's SSID once connected with an IPv4 address; 4 after AT+CWQAP."""
    first = expect.ok(station.cmd("AT+CWSTATE?"), "AT+CWSTATE", "query")
    assert first["state"] in (0, 4), first.values
    station.cmd(join_line(esp_ap.ssid, esp_ap.password), esp_rig.targets.timeouts.join).assert_ok()
    up = expect.ok(station.cmd("AT+CWSTATE?"), "AT+CWSTATE", "query")
    assert (up["state"], up["ssid"]) == (2, esp_ap.ssid), up.values
    station.cmd("AT+CWQAP").assert_ok()
    assert expect.ok(station.cmd("AT+CWSTATE?"), "AT+CWSTATE", "query")["state"] == 4


@pytest.mark.form("AT+CWJAP", "set")
@pytest.mark.form("AT+CWJAP", "query")
@pytest.mark.requires("wifi-sta")
def test_cwjap_joins_the_rig_ap(station, expect, esp_ap, esp_rig) -> None:
    """3.2.7: WIFI CONNECTED then WIFI GOT IP then OK, nothing else between; AT+CWJAP? names the rig's
    AP (SSID, BSSID, channel) with a plausible RSSI and the documented defaults of the omitted
    parameters (<reconn_interval> 1, <listen_interval> 3, <pmf> 1)."""
    resp = station.cmd(join_line(esp_ap.ssid, esp_ap.password), esp_rig.targets.timeouts.join)
    expect.ok(resp, "AT+CWJAP", "set")
    assert_order(report_kinds(resp), ["WIFI CONNECTED", "WIFI GOT IP"])
    m = expect.ok(station.cmd("AT+CWJAP?"), "AT+CWJAP", "query")
    assert m["ssid"] == esp_ap.ssid
    if esp_ap.bssid:
        assert m["bssid"] == esp_ap.bssid
    assert m["channel"] == esp_ap.channel
    assert m["rssi"] in RSSI_RANGE, m["rssi"]
    params = expect.spec.command("AT+CWJAP")
    for name in ("reconn_interval", "listen_interval", "pmf"):
        assert m[name] == params.param(name).default, (name, m.values)


@pytest.mark.form("AT+CWJAP", "set")
@pytest.mark.form("AT+CWJAP", "query")
@pytest.mark.requires("wifi-sta")
def test_cwjap_all_parameters(station, expect, esp_ap, esp_rig) -> None:
    """3.2.7: every optional parameter given (BSSID from the rig or a scan), boundary values of the ranged
    ones; the query reads them back."""
    bssid = esp_ap.bssid or _scan_bssid(station, esp_ap.ssid)
    line = join_line(esp_ap.ssid, esp_ap.password, f'"{bssid}"', "1", "7200", "100", "1", "600", "1")
    expect.ok(station.cmd(line, esp_rig.targets.timeouts.join), "AT+CWJAP", "set")
    m = expect.ok(station.cmd("AT+CWJAP?"), "AT+CWJAP", "query")
    got = (m["bssid"], m["pci_en"], m["reconn_interval"], m["listen_interval"], m["scan_mode"], m["pmf"])
    assert got == (bssid, 1, 7200, 100, 1, 1), m.values


def _scan_bssid(dut, ssid: str) -> str:
    lines = dut.cmd(f'AT+CWLAP="{escape(ssid)}"', timeout=15).assert_ok().lines
    row = next(line for line in lines if line.startswith("+CWLAP:"))
    return row.split('"')[3]


@pytest.mark.form("AT+CWJAP", "set")
@pytest.mark.requires("wifi-sta")
def test_cwjap_wrong_password(station, expect, esp_ap, esp_rig) -> None:
    """3.2.7: a wrong password fails with +CWJAP:2 then ERROR."""
    if esp_ap.ecn == 0:
        pytest.skip("the rig's AP is open: no password to get wrong")
    resp = station.cmd(join_line(esp_ap.ssid, esp_ap.password + "x"), esp_rig.targets.timeouts.join)
    assert expect.fails(resp, "AT+CWJAP", "set")["error code"] == 2


@pytest.mark.form("AT+CWJAP", "set")
@pytest.mark.requires("wifi-sta")
def test_cwjap_no_such_ap(station, expect, esp_rig) -> None:
    """3.2.7: an SSID no AP has fails with +CWJAP:3 (cannot find the target AP); <jap_timeout> at its
    minimum, 3 s."""
    resp = station.cmd(
        join_line("esp-at-no-such-ap", "12345678", "", "", "", "", "", "3"), esp_rig.targets.timeouts.join
    )
    assert expect.fails(resp, "AT+CWJAP", "set")["error code"] == 3


@pytest.mark.form("AT+CWJAP", "execute")
@pytest.mark.form("AT+CWQAP", "execute")
@pytest.mark.requires("wifi-sta")
def test_cwjap_execute_uses_last_configuration(station, expect, esp_ap, esp_rig) -> None:
    """3.2.7 execute: after a join and AT+CWQAP, AT+CWJAP joins the same AP again; 3.2.11: AT+CWQAP
    answers OK and the station reports WIFI DISCONNECT."""
    station.cmd(join_line(esp_ap.ssid, esp_ap.password), esp_rig.targets.timeouts.join).assert_ok()
    station.drain_urcs()
    left = station.cmd("AT+CWQAP")
    expect.ok(left, "AT+CWQAP", "execute")
    station.expect_urc("WIFI DISCONNECT", esp_rig.targets.timeouts.command)
    again = station.cmd("AT+CWJAP", esp_rig.targets.timeouts.join)
    expect.ok(again, "AT+CWJAP", "execute")
    assert_order(report_kinds(again), ["WIFI CONNECTED", "WIFI GOT IP"])
    assert expect.ok(station.cmd("AT+CWJAP?"), "AT+CWJAP", "query")["ssid"] == esp_ap.ssid


@pytest.mark.form("AT+CWQAP", "execute")
@pytest.mark.requires("wifi-sta")
def test_cwqap_reports_one_disconnect(station, expect, esp_ap, esp_rig) -> None:
    """3.2.11, 3.17: one AT+CWQAP is one disconnection (WIFI DISCONNECT: the station left its AP), so it is
    reported once, not twice."""
    station.cmd(join_line(esp_ap.ssid, esp_ap.password), esp_rig.targets.timeouts.join).assert_ok()
    station.drain_urcs()
    seen = len(station.urcs)
    expect.ok(station.cmd("AT+CWQAP"), "AT+CWQAP", "execute")
    station.expect_urc("WIFI DISCONNECT", esp_rig.targets.timeouts.command)
    station.cmd("AT").assert_ok()  # anything the board printed with the report has arrived by now
    kinds = [getattr(u, "kind", "") for u in station.urcs[seen:]]
    assert kinds.count("WIFI DISCONNECT") == 1, f"reports after one AT+CWQAP: {kinds}"


@pytest.mark.form("AT+CWJAP", "set")
@pytest.mark.requires("wifi-sta", "second-ap")
def test_cwjap_switches_to_second_ap(station, expect, esp_rig) -> None:
    """3.2.7: joining another AP while connected leaves the first (WIFI DISCONNECT) and joins the second."""
    first, second = esp_rig.ap(0), esp_rig.ap(1)
    timeout = esp_rig.targets.timeouts.join
    station.cmd(join_line(first.ssid, first.resolve_password()), timeout).assert_ok()
    station.drain_urcs()
    resp = station.cmd(join_line(second.ssid, second.resolve_password()), timeout)
    expect.ok(resp, "AT+CWJAP", "set")
    kinds = [k for k in report_kinds(resp) if k.startswith("WIFI")] + [
        getattr(u, "kind", "") for u in station.drain_urcs()
    ]
    assert "WIFI DISCONNECT" in kinds and kinds.index("WIFI DISCONNECT") < kinds.index("WIFI GOT IP"), kinds
    m = expect.ok(station.cmd("AT+CWJAP?"), "AT+CWJAP", "query")
    assert (m["ssid"], m["channel"]) == (second.ssid, second.channel), m.values


@pytest.mark.form("AT+CWRECONNCFG", "query")
@pytest.mark.form("AT+CWRECONNCFG", "set")
@pytest.mark.parametrize(
    "args",
    [
        pytest.param("0,0", id="off"),
        pytest.param("1,1", id="boundary-min"),
        pytest.param("7200,1000", id="boundary-max"),
    ],
)
def test_cwreconncfg_reads_back(dut, expect, args: str) -> None:
    """3.2.8: <interval_second> 0 or [1,7200], <repeat_count> 0 or [1,1000], read back as set."""
    expect.ok(dut.cmd(f"AT+CWRECONNCFG={args}"), "AT+CWRECONNCFG", "set")
    m = expect.ok(dut.cmd("AT+CWRECONNCFG?"), "AT+CWRECONNCFG", "query")
    assert f"{m['interval_second']},{m['repeat_count']}" == args
    dut.cmd("AT+CWRECONNCFG=0,0").assert_ok()


def _scan(dut, line: str = "AT+CWLAP") -> list[str]:
    return [row for row in dut.cmd(line, timeout=15).assert_ok().lines if row.startswith("+CWLAP:")]


@pytest.mark.form("AT+CWLAP", "execute")
@pytest.mark.requires("wifi-sta")
def test_cwlap_lists_the_rig_aps(station, expect, esp_rig) -> None:
    """3.2.10: every AP of the rig is listed with its SSID, encryption, channel and (when the rig gives it)
    BSSID, and an RSSI in range."""
    m = expect.ok(station.cmd("AT+CWLAP", timeout=15), "AT+CWLAP", "execute")
    rows = {str(r["ssid"]): r for r in m.rows("+CWLAP:")}
    for ap in esp_rig.network.access_points:
        assert ap.ssid in rows, f"{ap.ssid} not listed: {sorted(rows)}"
        r = rows[ap.ssid]
        assert (r["ecn"], r["channel"]) == (ap.ecn, ap.channel), r
        if ap.bssid:
            assert r["mac"] == ap.bssid, r
        assert r["rssi"] in RSSI_RANGE, r


@pytest.mark.form("AT+CWLAP", "set")
@pytest.mark.requires("wifi-sta")
def test_cwlap_filters(station, expect, esp_rig) -> None:
    """3.2.10 set: by SSID, by MAC, by channel only the matching APs; passive scan with times in range."""
    ap = esp_rig.ap(0)
    by_ssid = expect.ok(station.cmd(f'AT+CWLAP="{escape(ap.ssid)}"', timeout=15), "AT+CWLAP", "set")
    assert {str(r["ssid"]) for r in by_ssid.rows("+CWLAP:")} == {ap.ssid}
    bssid = ap.bssid or str(by_ssid.rows("+CWLAP:")[0]["mac"])
    by_mac = expect.ok(station.cmd(f'AT+CWLAP=,"{bssid}"', timeout=15), "AT+CWLAP", "set")
    assert {str(r["mac"]) for r in by_mac.rows("+CWLAP:")} == {bssid}
    by_channel = expect.ok(station.cmd(f"AT+CWLAP=,,{ap.channel}", timeout=15), "AT+CWLAP", "set")
    assert {r["channel"] for r in by_channel.rows("+CWLAP:")} == {ap.channel}
    passive = expect.ok(station.cmd("AT+CWLAP=,,,1,0,1500", timeout=30), "AT+CWLAP", "set")
    assert ap.ssid in {str(r["ssid"]) for r in passive.rows("+CWLAP:")}


@pytest.mark.form("AT+CWLAPOPT", "set")
@pytest.mark.requires("wifi-sta")
def test_cwlapopt_print_mask(station, expect) -> None:
    """3.2.9: print mask 0x6 (bit1 ssid, bit2 rssi) leaves only those fields in each +CWLAP row."""
    expect.ok(station.cmd("AT+CWLAPOPT=0,6"), "AT+CWLAPOPT", "set")
    try:
        expect.matches(station.cmd("AT+CWLAP", timeout=15), '+CWLAP:(<"ssid">,<rssi>){+}\n\nOK', "AT+CWLAP")
    finally:
        station.cmd("AT+CWLAPOPT=0,2047").assert_ok()


@pytest.mark.form("AT+CWLAPOPT", "set")
@pytest.mark.requires("wifi-sta", "second-ap")
def test_cwlapopt_rssi_and_authmode_filters(station, expect, esp_rig) -> None:
    """3.2.9: an RSSI filter between the rig's two APs' declared strengths hides the weaker; an authmode
    mask with only the second AP's encryption bit shows only it."""
    strong, weak = sorted(esp_rig.network.access_points[:2], key=lambda a: a.rssi, reverse=True)
    threshold = (strong.rssi + weak.rssi) // 2
    try:
        expect.ok(station.cmd(f"AT+CWLAPOPT=0,2047,{threshold}"), "AT+CWLAPOPT", "set")
        ssids = {row.split('"')[1] for row in _scan(station)}
        assert strong.ssid in ssids and weak.ssid not in ssids, (threshold, ssids)
        only = esp_rig.ap(1)
        expect.ok(station.cmd(f"AT+CWLAPOPT=0,2047,-100,{1 << only.ecn:#x}"), "AT+CWLAPOPT", "set")
        ecns = {int(row.split("(")[1].split(",")[0]) for row in _scan(station)}
        assert ecns == {only.ecn}, ecns
    finally:
        station.cmd("AT+CWLAPOPT=0,2047").assert_ok()


@pytest.mark.form("AT+CWMODE", "set")
@pytest.mark.requires("wifi-sta")
def test_cwmode_auto_connect_joins_saved_ap(station, expect, esp_ap, esp_rig) -> None:
    """3.2.3 <auto_connect>: going from null mode to station mode with 1 joins the AP saved in flash
    (WIFI CONNECTED, WIFI GOT IP), without an AT+CWJAP."""
    timeout = esp_rig.targets.timeouts.join
    station.cmd("AT+SYSSTORE=1").assert_ok()
    station.cmd(join_line(esp_ap.ssid, esp_ap.password), timeout).assert_ok()
    station.cmd("AT+CWMODE=0").assert_ok()
    station.drain_urcs()
    expect.ok(station.cmd("AT+CWMODE=1,1"), "AT+CWMODE", "set")
    station.expect_urc("WIFI CONNECTED", timeout)
    station.expect_urc("WIFI GOT IP", timeout)
    assert expect.ok(station.cmd("AT+CWJAP?"), "AT+CWJAP", "query")["ssid"] == esp_ap.ssid
    station.cmd("AT+CWQAP").assert_ok()
    station.drain_urcs()


@pytest.mark.form("AT+CWJAP", "set")
@pytest.mark.requires("wifi-sta")
def test_cwjap_pmf_example(station, expect, esp_ap, esp_rig) -> None:
    """3.2.7 example: <pmf> given alone after six empty parameters. The example's 3 also sets "PMF
    required", which an AP without PMF refuses; the rig does not say whether its AP has PMF, so the
    suite gives 1 (capable) in the example's syntax and reads it back."""
    line = join_line(esp_ap.ssid, esp_ap.password, "", "", "", "", "", "", "1")
    expect.ok(station.cmd(line, esp_rig.targets.timeouts.join), "AT+CWJAP", "set")
    assert expect.ok(station.cmd("AT+CWJAP?"), "AT+CWJAP", "query")["pmf"] == 1
