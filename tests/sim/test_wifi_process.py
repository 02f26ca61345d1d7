"""The Wi-Fi commands on a real ``python -m sim --air FILE`` process, through the AT session (socket://)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from rigs.at.attribution import event_text
from tests.sim.simproc import ROOT, SimProcess

AIR = {
    "access_points": [
        {
            "ssid": "esp-at-lab",
            "password": "sim-only-pass",
            "ecn": 3,
            "channel": 6,
            "rssi": -45,
            "bssid": "24:0a:c4:00:01:10",
            "network": {"gateway": "127.0.0.1", "netmask": "255.0.0.0", "pool_start": "127.64.0.10"},
        }
    ],
    "stations": [{"mac": "02:00:00:00:10:01", "join_after_s": 0.2}],
}


def air_file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "air.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bad_air_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    bad = {"access_points": [{"ssid": "x", "channel": 20}]}
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--air", str(air_file(tmp_path, bad))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "access_points[0].channel" in lines[0] and "14" in lines[0]


def test_join_over_the_port_and_the_address_is_real(tmp_path: Path) -> None:
    with SimProcess("--air", str(air_file(tmp_path, AIR)), "--instance", "2") as sim, sim.session() as dut:
        # The ready line announces the addresses the board will have (sim/README.md).
        assert sim.ready["sta_ip"] == "127.64.0.12" and sim.ready["ap_ip"] == "127.4.2.1"
        r = dut.cmd('AT+CWJAP="esp-at-lab","sim-only-pass"', timeout=15).assert_ok()
        assert [event_text(e) for e in r.urcs] == ["WIFI CONNECTED", "WIFI GOT IP"]
        assert '+CIPSTA:ip:"127.64.0.12"' in dut.cmd("AT+CIPSTA?").assert_ok().lines
        # The station's address is a loopback address the host can really use.
        with socket.socket() as s:
            s.bind(("127.64.0.12", 0))
        r = dut.cmd('AT+CWJAP="esp-at-lab","wrong-password"', timeout=15)
        assert r.final == "ERROR" and "+CWJAP:2" in r.lines  # 3.2.7: 2 = wrong password
        assert [event_text(e) for e in r.urcs] == ["WIFI DISCONNECT"]


def test_settings_survive_at_rst_and_a_process_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    air = str(air_file(tmp_path, AIR))
    with SimProcess("--air", air, state_dir=state) as sim, sim.session() as dut:
        dut.cmd("AT+CWMODE=3").assert_ok()
        dut.cmd('AT+CWSAP="sim-ap","12345678",3,3').assert_ok()
        dut.cmd('AT+CWJAP="esp-at-lab","sim-only-pass"', timeout=15).assert_ok()
        dut.cmd('AT+CWHOSTNAME="sim-host"').assert_ok()
        dut.reset()
        # Auto-connect (AT+CWAUTOCONN default 1) joins the saved AP after ready.
        dut.expect_urc("WIFI GOT IP", timeout=15)
        assert dut.cmd("AT+CWMODE?").assert_ok().lines[0] == "+CWMODE:3"
        assert dut.cmd("AT+CWSAP?").assert_ok().lines[0] == '+CWSAP:"sim-ap","12345678",3,3,4,0'
    with SimProcess("--air", air, state_dir=state) as sim, sim.session() as dut:
        dut.expect_urc("WIFI GOT IP", timeout=15)
        assert dut.cmd("AT+CWMODE?").assert_ok().lines[0] == "+CWMODE:3"
        assert (
            dut.cmd("AT+CWJAP?").assert_ok().lines[0].startswith('+CWJAP:"esp-at-lab","24:0a:c4:00:01:10",6,')
        )
        assert dut.cmd("AT+CWSAP?").assert_ok().lines[0] == '+CWSAP:"sim-ap","12345678",3,3,4,0'


def test_softap_station_urcs(tmp_path: Path) -> None:
    with SimProcess("--air", str(air_file(tmp_path, AIR))) as sim, sim.session() as dut:
        dut.cmd("AT+CWMODE=2").assert_ok()
        sta = dut.expect_urc(re.compile(r"\+DIST_STA_IP:"), timeout=15)
        assert event_text(sta) == '+DIST_STA_IP:"02:00:00:00:10:01","127.4.0.2"'
        assert dut.cmd("AT+CWLIF").assert_ok().lines[0] == "+CWLIF:127.4.0.2,02:00:00:00:10:01"
