"""The air file loader (sim/README.md schema), scans (3.2.9, 3.2.10) and soft-AP pool rules (3.2.16)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from sim.wifi.addr import AddressError, Ipv4Config, check_settable_mac
from sim.wifi.air import AirFileError, load_air, parse_air
from sim.wifi.environment import Environment
from sim.wifi.scan import ScanFilter, ScanOptions, scan
from sim.wifi.softap import DhcpPool, check_pool, default_ap_ipv4


def test_readme_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "air.yaml"
    path.write_text(
        """
access_points:
  - ssid: esp-at-lab
    password: "sim-only-pass"
    ecn: 3
    channel: 6
    rssi: -45
    bssid: "24:0a:c4:00:01:10"
    network:
      gateway: 127.0.0.1
      netmask: 255.0.0.0
      pool_start: 127.64.0.10
      dns: [127.0.0.1]
stations:
  - mac: "02:00:00:00:10:01"
    join_after_s: 0.2
events:
  - {after_s: 30, action: ap_down, ssid: esp-at-lab}
"""
    )
    air = load_air(path)
    assert air.access_points[0].network.pool_start == ipaddress.IPv4Address("127.64.0.10")
    assert air.events[0].action == "ap_down"


def test_empty_file_is_an_empty_air(tmp_path: Path) -> None:
    path = tmp_path / "air.yaml"
    path.write_text("")
    assert load_air(path).access_points == []


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"access_points": [{"ssid": "a", "channel": 20}]}, "access_points[0].channel", "14"),
        ({"access_points": [{"ssid": "a", "password": "short"}]}, "access_points[0].password", "8..63"),
        ({"access_points": [{"ssid": "a", "bssid": "nope"}]}, "access_points[0].bssid", "MAC"),
        (
            {"access_points": [{"ssid": "a", "network": {"pool_start": "10.0.0.1"}}]},
            "access_points[0].network.pool_start",
            "127.0.0.0/8",
        ),
        ({"access_points": [{}]}, "access_points[0].ssid", "required"),
        (
            {"events": [{"after_s": 1, "action": "ap_down", "ssid": "ghost"}]},
            "events[0].ssid",
            "access_points",
        ),
        ({"events": [{"after_s": 1, "action": "fly"}]}, "events[0].action", "ap_down"),
        ({"stations": [{"mac": "01:00:00:00:00:01", "join_after_s": -1}]}, "stations[0].join_after_s", "0"),
        ({"surprise": 1}, "surprise", "unknown field"),
        ([1, 2], "(top level)", "mapping"),
    ],
)
def test_bad_air_names_field_and_expectation(data: object, field: str, expected: str) -> None:
    with pytest.raises(AirFileError) as info:
        parse_air(data, "air.yaml")
    assert info.value.field == field
    assert expected in info.value.message
    assert str(info.value).startswith(f"air.yaml: {field}: ")


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "air.yaml"
    path.write_text("access_points:\n  - ssid: [unclosed\n")
    with pytest.raises(AirFileError) as info:
        load_air(path)
    assert info.value.field.startswith("line ")


AIR = parse_air(
    {
        "access_points": [
            {
                "ssid": "strong",
                "password": "12345678",
                "channel": 6,
                "rssi": -30,
                "bssid": "02:00:00:00:00:01",
            },
            {"ssid": "weak", "channel": 11, "rssi": -90, "bssid": "02:00:00:00:00:02"},
            {
                "ssid": "hidden",
                "password": "12345678",
                "hidden": True,
                "channel": 1,
                "rssi": -50,
                "bssid": "02:00:00:00:00:03",
            },
        ]
    }
)


def test_rssi_jitter_is_deterministic_per_seed_and_bounded() -> None:
    a = [Environment(AIR, seed=7, instance=0).sample_rssi() for _ in range(2)]
    assert a[0] == a[1]
    env = Environment(AIR, seed=7, instance=0)
    samples = [env.sample_rssi()["02:00:00:00:00:01"] for _ in range(50)]
    assert all(-33 <= s <= -27 for s in samples) and len(set(samples)) > 1


def test_scan_sorts_by_rssi_and_hides_hidden_ssids() -> None:
    rssi = {ap.effective_bssid: ap.rssi for ap in AIR.access_points}
    found = scan(AIR.access_points, rssi, ScanFilter(), ScanOptions())
    assert [r.ssid for r in found] == ["strong", "", "weak"]
    assert [r.ssid for r in scan(AIR.access_points, rssi, ScanFilter(ssid="hidden"), ScanOptions())] == [
        "hidden"
    ]


def test_scan_filters_and_country_channels() -> None:
    rssi = {ap.effective_bssid: ap.rssi for ap in AIR.access_points}
    opts = ScanOptions(rssi_filter=-60, authmode_mask=1 << 3)
    assert [r.ssid for r in scan(AIR.access_points, rssi, ScanFilter(), opts)] == ["strong", ""]
    assert [r.ssid for r in scan(AIR.access_points, rssi, ScanFilter(channel=11), ScanOptions())] == ["weak"]
    bitmap = ScanFilter(channel_bitmap=1 << 6)
    assert [r.ssid for r in scan(AIR.access_points, rssi, bitmap, ScanOptions())] == ["strong"]
    assert [r.ssid for r in scan(AIR.access_points, rssi, ScanFilter(), ScanOptions(), channel_count=10)] == [
        "strong",
        "",
    ]


def test_print_mask_drops_fields_in_order() -> None:
    rssi = {ap.effective_bssid: ap.rssi for ap in AIR.access_points}
    result = scan(AIR.access_points, rssi, ScanFilter(ssid="strong"), ScanOptions())[0]
    assert result.cwlap_line(0x7FF) == '+CWLAP:(3,"strong",-30,"02:00:00:00:00:01",6,-1,-1,4,4,7,0)'
    assert result.cwlap_line(0b10101) == "+CWLAP:(3,-30,6)"


def test_softap_defaults_per_instance_and_pool_checks() -> None:
    ap = default_ap_ipv4(3)
    assert (str(ap.ip), str(ap.netmask)) == ("127.4.3.1", "255.255.255.0")
    pool = DhcpPool.default_for(ap)
    assert pool.cwdhcps_line() == "+CWDHCPS:120,127.4.3.2,127.4.3.101"
    ip = ipaddress.IPv4Address
    assert check_pool(ap, ip("127.4.3.10"), ip("127.4.3.15")) is None
    assert check_pool(ap, ip("127.4.3.15"), ip("127.4.3.10")) is not None
    assert check_pool(ap, ip("127.4.3.1"), ip("127.4.3.15")) is not None
    assert check_pool(ap, ip("127.4.4.10"), ip("127.4.4.15")) is not None
    assert (
        check_pool(
            Ipv4Config(ip("127.8.0.1"), ip("127.8.0.1"), ip("255.255.0.0")), ip("127.8.0.2"), ip("127.8.1.0")
        )
        is not None
    )  # more than 100 addresses


def test_settable_macs() -> None:
    assert check_settable_mac("1a:fe:35:98:d3:7b") == bytes.fromhex("1afe3598d37b")
    for bad in ("15:fe:35:98:d3:7b", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "1a:fe:35:98:d3"):
        with pytest.raises(AddressError):
            check_settable_mac(bad)
