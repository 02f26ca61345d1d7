"""The simulator's Wi-Fi output read through the project's AT session (rigs/at/session.py) and codec:
the reports of 3.17 must decode as reports and the command responses as responses, over socket://."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from rigs.at.attribution import event_text
from rigs.at.session import AtSession
from tests.sim.simproc import SimProcess

AIR = {
    "access_points": [
        {"ssid": "esp-at-lab", "password": "sim-only-pass", "channel": 6, "bssid": "24:0a:c4:00:01:10"},
    ],
    "stations": [{"mac": "02:00:00:00:10:01", "join_after_s": 0.2}],
    "smartconfig": {"ssid": "esp-at-lab", "password": "sim-only-pass", "type": "ESPTOUCH_V2", "after_s": 0.2},
}


def test_wifi_reports_decode_through_the_session(tmp_path: Path) -> None:
    air = tmp_path / "air.yaml"
    air.write_text(yaml.safe_dump(AIR))
    with SimProcess("--air", str(air)) as sim, AtSession.open(sim.url) as dut:
        dut.expect_urc("ready", timeout=10)
        r = dut.cmd('AT+CWJAP="esp-at-lab","sim-only-pass"', timeout=10).assert_ok()
        assert [event_text(e) for e in r.urcs] == ["WIFI CONNECTED", "WIFI GOT IP"]
        assert r.lines == [""]
        r = dut.cmd('AT+CWJAP="esp-at-lab","wrong-password"', timeout=10)
        assert r.final == "ERROR"
        assert "+CWJAP:2" in r.lines
        assert [event_text(e) for e in r.urcs] == ["WIFI DISCONNECT"]
        r = dut.cmd("AT+CWMODE=3").assert_ok()
        sta = dut.expect_urc(re.compile(r"\+DIST_STA_IP:"), timeout=10)
        assert event_text(sta) == '+DIST_STA_IP:"02:00:00:00:10:01","127.4.0.2"'
        assert dut.cmd("AT+CWLIF").assert_ok().lines[0] == "+CWLIF:127.4.0.2,02:00:00:00:10:01"
        dut.drain_urcs()
        dut.cmd('AT+CWSTARTSMART=4,0,"1234567890123456"').assert_ok()
        dut.expect_urc("smartconfig type", timeout=10)
        dut.expect_urc("Smart get wifi info", timeout=10)
        dut.expect_urc("WIFI GOT IP", timeout=10)
        dut.expect_urc("smartconfig connected wifi", timeout=10)
        dut.cmd("AT+CWSTOPSMART").assert_ok()
        assert dut.cmd("AT+CWSTATE?").assert_ok().lines[0] == '+CWSTATE:2,"esp-at-lab"'
        dut.cmd("AT+CWQAP").assert_ok()
        dut.expect_urc("WIFI DISCONNECT", timeout=10)
        dut.check_violations()
