"""The Wi-Fi commands on a real ``python -m sim --air FILE`` process over its socket:// AT port."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import yaml

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
OK = b"\r\nOK\r\n"


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
    with SimProcess("--air", str(air_file(tmp_path, AIR)), "--instance", "2") as sim:
        port = sim.open()
        try:
            out = port.command('AT+CWJAP="esp-at-lab","sim-only-pass"')
            assert out.endswith(b"WIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK)
            out = port.command("AT+CIPSTA?")
            assert b'+CIPSTA:ip:"127.64.0.12"\r\n' in out
            # The station's address is a loopback address the host can really use.
            with socket.socket() as s:
                s.bind(("127.64.0.12", 0))
            out = port.command('AT+CWJAP="esp-at-lab","wrong-password"')
            assert out.endswith(b"WIFI DISCONNECT\r\n+CWJAP:2\r\n\r\nERROR\r\n")
        finally:
            port.close()


def test_settings_survive_at_rst_and_autoconnect(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with SimProcess("--air", str(air_file(tmp_path, AIR)), state_dir=state) as sim:
        port = sim.open()
        try:
            assert port.command("AT+CWMODE=3").endswith(OK)
            assert port.command('AT+CWSAP="sim-ap","12345678",3,3').endswith(OK)
            assert port.command('AT+CWJAP="esp-at-lab","sim-only-pass"').endswith(OK)
            port.command("AT+RST")
            after = port.read_until(b"WIFI GOT IP\r\n", timeout=15)
            assert b"ready\r\n" in after and after.index(b"ready") < after.index(b"WIFI CONNECTED")
            assert port.command("AT+CWMODE?").endswith(b"+CWMODE:3\r\n" + OK)
            assert b'+CWSAP:"sim-ap","12345678",3,3,4,0\r\n' in port.command("AT+CWSAP?")
        finally:
            port.close()


def test_softap_station_urcs(tmp_path: Path) -> None:
    with SimProcess("--air", str(air_file(tmp_path, AIR))) as sim:
        port = sim.open()
        try:
            assert port.command("AT+CWMODE=2").endswith(OK)
            got = port.read_until(b'+DIST_STA_IP:"02:00:00:00:10:01","127.4.0.2"\r\n', timeout=10)
            assert b'+STA_CONNECTED:"02:00:00:00:10:01"\r\n' in got
            assert port.command("AT+CWLIF").endswith(b"+CWLIF:127.4.0.2,02:00:00:00:10:01\r\n" + OK)
        finally:
            port.close()
