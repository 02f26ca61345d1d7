"""The Wi-Fi commands (3.2) through the real command engine, in-process (tests/sim/wifiboard.py).

Expected texts come from the guide: response formats of 3.2.x, the +CWJAP error codes of 3.2.7, the
URCs of 3.17, defaults (AT+CWLAPOPT 0x7FF, AT+CWRECONNCFG 0,0, AT+CWCONFIG 300,6,3, AT+CWDHCPS lease 120).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sim.profile import Commands, Profile, load_profile
from tests.sim.wifiboard import WifiBoard, wifi_board

LAB = {
    "ssid": "lab",
    "password": "sim-only-pass",
    "ecn": 3,
    "channel": 6,
    "rssi": -45,
    "bssid": "24:0a:c4:00:01:10",
    "network": {
        "gateway": "127.0.0.1",
        "netmask": "255.0.0.0",
        "pool_start": "127.64.0.10",
        "dns": ["127.0.0.1"],
    },
}
AIR: dict[str, Any] = {
    "access_points": [
        LAB,
        {"ssid": "cafe", "channel": 1, "rssi": -80, "bssid": "24:0a:c4:00:02:20"},
        {
            "ssid": "corp",
            "ecn": 5,
            "channel": 11,
            "rssi": -60,
            "bssid": "24:0a:c4:00:03:30",
            "enterprise": {"identity": "alice@example.com", "username": "alice", "password": "secret"},
        },
    ],
    "stations": [{"mac": "02:00:00:00:10:01", "join_after_s": 0.1}],
    "smartconfig": {"ssid": "lab", "password": "sim-only-pass", "type": "ESPTOUCH", "after_s": 0.1},
    "wps": {"ssid": "lab", "after_s": 0.1},
}
OK = "\r\nOK\r\n"
ERROR = "\r\nERROR\r\n"


def run(body: Callable[[WifiBoard], Awaitable[None]], air: dict[str, Any] | None = AIR, **kw: Any) -> None:
    async def main() -> None:
        async with wifi_board(air, **kw) as board:
            await body(board)

    asyncio.run(main())


async def join_lab(b: WifiBoard) -> None:
    assert await b.cmd('AT+CWJAP="lab","sim-only-pass"') == "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK


# ---------------------------------------------------------------- 3.2.3 AT+CWMODE, 3.2.2 AT+CWINIT


def test_cwmode_default_set_and_range() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWMODE?") == "+CWMODE:1\r\n" + OK
        assert await b.cmd("AT+CWMODE=3") == OK
        assert await b.cmd("AT+CWMODE?") == "+CWMODE:3\r\n" + OK
        assert await b.cmd("AT+CWMODE=4") == ERROR
        assert await b.cmd("AT+CWMODE=1,2") == ERROR
        assert await b.cmd("AT+CWMODE=0,0") == OK

    run(body)


def test_cwinit_off_makes_wifi_commands_fail() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWINIT?") == "+CWINIT:1\r\n" + OK
        assert await b.cmd("AT+CWINIT=0") == OK
        assert await b.cmd("AT+CWINIT?") == "+CWINIT:0\r\n" + OK
        assert await b.cmd("AT+CWLAP") == ERROR
        assert await b.cmd("AT+CWINIT=1") == OK
        assert (await b.cmd("AT+CWLAP")).endswith(OK)

    run(body)


# ---------------------------------------------------------------- 3.2.7 AT+CWJAP and its URCs


def test_cwjap_forms_and_error_codes() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWJAP?") == "No AP\r\n" + OK
        assert await b.cmd("AT+CWJAP") == ERROR  # no configuration yet
        assert await b.cmd('AT+CWJAP="lab","wrong-password"') == "+CWJAP:2\r\n" + ERROR
        assert await b.cmd('AT+CWJAP="nowhere","12345678"') == "+CWJAP:3\r\n" + ERROR
        assert await b.cmd('AT+CWJAP="lab","sim-only-pass","24:0a:c4:00:09:99"') == "+CWJAP:3\r\n" + ERROR
        assert await b.cmd('AT+CWJAP="corp","whatever1"') == "+CWJAP:4\r\n" + ERROR
        await join_lab(b)
        query = await b.cmd("AT+CWJAP?")
        assert re.fullmatch(r'\+CWJAP:"lab","24:0a:c4:00:01:10",6,-4\d,0,1,3,0,1\r\n' + re.escape(OK), query)
        # Already connected: the old link goes first.
        assert await b.cmd("AT+CWJAP") == "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK
        assert (
            await b.cmd('AT+CWJAP="lab","sim-only-pass","24:0A:C4:00:01:10",1,5,10,1,5,3')
            == "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK
        )
        query = await b.cmd("AT+CWJAP?")
        assert query.split(",", 4)[4] == "1,5,10,1,3\r\n" + OK
        assert await b.cmd("AT+CWRECONNCFG?") == "+CWRECONNCFG:5,0\r\n" + OK

    run(body)


@pytest.mark.parametrize(
    "args",
    [
        '"lab","sim-only-pass","zz"',  # bssid not a MAC
        '"lab","sim-only-pass",,2',  # pci_en 0..1
        '"lab","sim-only-pass",,,7201',  # reconn_interval 0..7200
        '"lab","sim-only-pass",,,,0',  # listen_interval 1..100
        '"lab","sim-only-pass",,,,,2',  # scan_mode 0..1
        '"lab","sim-only-pass",,,,,,2',  # jap_timeout 3..600
        '"lab","sim-only-pass",,,,,,,4',  # pmf 0..3
        '"123456789012345678901234567890123","sim-only-pass"',  # ssid over 32 bytes
        "1,2",  # numbers where strings belong
    ],
)
def test_cwjap_rejects_out_of_range_parameters(args: str) -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd(f"AT+CWJAP={args}") == ERROR

    run(body)


def test_cwjap_needs_station_mode() -> None:
    async def body(b: WifiBoard) -> None:
        await b.cmd("AT+CWMODE=2")
        assert await b.cmd('AT+CWJAP="lab","sim-only-pass"') == ERROR
        assert await b.cmd("AT+CWLAP") == ERROR

    run(body)


def test_cwstate_and_cwqap() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWSTATE?") == '+CWSTATE:0,""\r\n' + OK
        await join_lab(b)
        assert await b.cmd("AT+CWSTATE?") == '+CWSTATE:2,"lab"\r\n' + OK
        assert await b.cmd("AT+CWQAP") == "WIFI DISCONNECT\r\n" + OK
        assert await b.cmd("AT+CWSTATE?") == '+CWSTATE:4,"lab"\r\n' + OK
        assert await b.cmd("AT+CWQAP") == OK

    run(body)


def test_ap_down_reconnects_per_cwreconncfg() -> None:
    air = dict(
        AIR,
        events=[
            {"after_s": 0.3, "trigger": "connected", "action": "ap_down", "ssid": "lab"},
            {"after_s": 1.0, "trigger": "connected", "action": "ap_up", "ssid": "lab"},
        ],
    )

    async def body(b: WifiBoard) -> None:
        await join_lab(b)  # reconn_interval defaults to 1 s
        assert await b.wait_for(b"WIFI DISCONNECT\r\n", timeout=5)
        assert await b.cmd("AT+CWSTATE?") == '+CWSTATE:3,"lab"\r\n' + OK
        assert await b.wait_for(b"WIFI CONNECTED\r\nWIFI GOT IP\r\n", timeout=10)

    run(body, air)


# ---------------------------------------------------------------- 3.2.8 / 3.2.17 persistence across restart


def test_saved_config_autoconnects_after_restart(tmp_path: Path) -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWRECONNCFG?") == "+CWRECONNCFG:0,0\r\n" + OK
        assert await b.cmd("AT+CWAUTOCONN?") == "+CWAUTOCONN:1\r\n" + OK
        await join_lab(b)
        assert await b.cmd("AT+CWRECONNCFG=2,10") == OK
        await b.reboot()
        assert await b.wait_for(b"WIFI CONNECTED\r\nWIFI GOT IP\r\n", timeout=5)
        assert await b.cmd("AT+CWRECONNCFG?") == "+CWRECONNCFG:2,10\r\n" + OK
        assert await b.cmd("AT+CWAUTOCONN=0") == OK
        await b.reboot()
        assert "WIFI CONNECTED" not in await b.idle(0.5)
        assert await b.cmd("AT+CWSTATE?") == '+CWSTATE:0,""\r\n' + OK
        assert await b.cmd("AT+CWAUTOCONN?") == "+CWAUTOCONN:0\r\n" + OK
        assert await b.cmd("AT+CWAUTOCONN=2") == ERROR

    run(body, state_dir=tmp_path)


def test_sysstore_0_keeps_settings_in_ram_only(tmp_path: Path) -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+SYSSTORE=0") == OK
        assert await b.cmd("AT+CWMODE=3") == OK
        assert await b.cmd('AT+CWSAP="mine","12345678",5,3') == OK
        await b.reboot()
        assert await b.cmd("AT+CWMODE?") == "+CWMODE:1\r\n" + OK
        assert await b.cmd("AT+SYSSTORE=1") == OK
        assert await b.cmd("AT+CWMODE=3") == OK
        assert await b.cmd('AT+CWSAP="mine","12345678",5,3,2,1') == OK
        assert await b.cmd('AT+CWHOSTNAME="board7"') == OK
        await b.reboot()
        assert await b.cmd("AT+CWMODE?") == "+CWMODE:3\r\n" + OK
        assert await b.cmd("AT+CWSAP?") == '+CWSAP:"mine","12345678",5,3,2,1\r\n' + OK
        assert await b.cmd("AT+CWHOSTNAME?") == "+CWHOSTNAME:espressif\r\n" + OK  # never saved

    run(body, state_dir=tmp_path)


# ---------------------------------------------------------------- 3.2.9 / 3.2.10 scanning


def test_cwlap_filters_and_print_mask() -> None:
    async def body(b: WifiBoard) -> None:
        lines = (await b.cmd("AT+CWLAP")).split("\r\n")
        assert [line.split(",")[1] for line in lines if line.startswith("+CWLAP")] == [
            '"lab"',
            '"corp"',
            '"cafe"',
        ]
        assert (await b.cmd('AT+CWLAP="cafe"')).startswith('+CWLAP:(0,"cafe",')
        assert (await b.cmd('AT+CWLAP=,"24:0a:c4:00:03:30"')).startswith('+CWLAP:(5,"corp",')
        assert (await b.cmd("AT+CWLAP=,,1")).startswith('+CWLAP:(0,"cafe",')
        assert await b.cmd('AT+CWLAP="nothing"') == OK
        assert await b.cmd("AT+CWLAPOPT=,3") == OK  # ecn and ssid only
        assert (await b.cmd("AT+CWLAP")).startswith(
            '+CWLAP:(3,"lab")\r\n+CWLAP:(5,"corp")\r\n+CWLAP:(0,"cafe")\r\n'
        )
        assert await b.cmd("AT+CWLAPOPT=1,2,-70,1") == OK  # ssid only, RSSI >= -70, OPEN only
        assert await b.cmd("AT+CWLAP") == OK  # cafe is open but at -80 dBm
        assert await b.cmd("AT+CWLAPOPT=0,2,-100,0x21") == OK
        assert await b.cmd("AT+CWLAP") == '+CWLAP:("corp")\r\n+CWLAP:("cafe")\r\n' + OK
        assert await b.cmd("AT+CWLAPOPT=0,2048") == ERROR
        assert await b.cmd("AT+CWLAPOPT=0,2,41") == ERROR

    run(body)


# ---------------------------------------------------------------- soft-AP 3.2.12-3.2.16, 3.2.23


def test_softap_stations_join_and_are_listed_and_kicked() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWSAP?") == ERROR  # station mode only
        assert await b.cmd("AT+CWMODE=2") == OK
        got = await b.wait_for(b'+DIST_STA_IP:"02:00:00:00:10:01","127.4.0.2"\r\n', timeout=5)
        assert got.endswith(
            b'+STA_CONNECTED:"02:00:00:00:10:01"\r\n+DIST_STA_IP:"02:00:00:00:10:01","127.4.0.2"\r\n'
        )
        assert await b.cmd("AT+CWLIF") == "+CWLIF:127.4.0.2,02:00:00:00:10:01\r\n" + OK
        assert await b.cmd('AT+CWQIF="02:00:00:00:99:99"') == ERROR
        assert await b.cmd('AT+CWQIF="02:00:00:00:10:01"') == OK
        assert await b.wait_for(b'+STA_DISCONNECTED:"02:00:00:00:10:01"\r\n', timeout=5)
        assert await b.cmd("AT+CWLIF") == OK

    run(body)


def test_cwsap_ranges() -> None:
    async def body(b: WifiBoard) -> None:
        await b.cmd("AT+CWMODE=3")
        assert re.fullmatch(
            r'\+CWSAP:"ESP_[0-9A-F]{6}","",1,0,4,0\r\n' + re.escape(OK), await b.cmd("AT+CWSAP?")
        )
        assert await b.cmd('AT+CWSAP="ESP","1234567890",5,3') == OK
        assert await b.cmd("AT+CWSAP?") == '+CWSAP:"ESP","1234567890",5,3,4,0\r\n' + OK
        assert await b.cmd('AT+CWSAP="ESP","1234567",5,3') == ERROR  # password under 8 bytes
        assert await b.cmd('AT+CWSAP="ESP","1234567890",5,1') == ERROR  # WEP
        assert await b.cmd('AT+CWSAP="ESP","1234567890",14,3') == ERROR  # channel outside CN 1..13
        assert await b.cmd('AT+CWSAP="ESP","1234567890",5,3,11') == ERROR
        assert await b.cmd('AT+CWSAP="","1234567890",5,3') == ERROR

    run(body)


def test_dhcp_bits_and_static_addresses() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWDHCP?") == "+CWDHCP:3\r\n" + OK
        assert await b.cmd('AT+CIPSTA="127.70.0.5"') == OK
        assert await b.cmd("AT+CWDHCP?") == "+CWDHCP:2\r\n" + OK  # a static address turns the client off
        assert await b.cmd("AT+CIPSTA?") == (
            '+CIPSTA:ip:"127.70.0.5"\r\n+CIPSTA:gateway:"127.70.0.1"\r\n+CIPSTA:netmask:"255.255.255.0"\r\n'
            + OK
        )
        await join_lab(b)
        assert (await b.cmd("AT+CIPSTA?")).startswith('+CIPSTA:ip:"127.70.0.5"')
        assert await b.cmd("AT+CWDHCP=1,1") == OK
        assert await b.cmd("AT+CWDHCP?") == "+CWDHCP:3\r\n" + OK
        assert await b.cmd("AT+CIPSTA?") == (
            '+CIPSTA:ip:"127.64.0.10"\r\n+CIPSTA:gateway:"127.0.0.1"\r\n+CIPSTA:netmask:"255.0.0.0"\r\n' + OK
        )
        assert await b.cmd('AT+CIPSTA="127.70.0.5","127.70.0.1"') == ERROR
        assert await b.cmd('AT+CIPSTA="300.1.1.1"') == ERROR
        await b.cmd("AT+CWMODE=3")
        assert await b.cmd('AT+CWDHCPS=1,3,"127.4.0.10","127.4.0.15"') == OK
        assert await b.cmd("AT+CWDHCPS?") == "+CWDHCPS:3,127.4.0.10,127.4.0.15\r\n" + OK
        assert await b.cmd('AT+CWDHCPS=1,3,"127.5.0.10","127.5.0.15"') == ERROR  # not the soft-AP's subnet
        assert await b.cmd('AT+CWDHCPS=1,2881,"127.4.0.10","127.4.0.15"') == ERROR
        assert await b.cmd("AT+CWDHCPS=0") == OK
        assert await b.cmd("AT+CWDHCPS?") == "+CWDHCPS:120,127.4.0.2,127.4.0.101\r\n" + OK
        assert await b.cmd('AT+CIPAP="127.9.0.1","127.9.0.1","255.255.255.0"') == OK
        assert await b.cmd("AT+CIPAP?") == (
            '+CIPAP:ip:"127.9.0.1"\r\n+CIPAP:gateway:"127.9.0.1"\r\n+CIPAP:netmask:"255.255.255.0"\r\n' + OK
        )
        assert await b.cmd("AT+CWDHCP?") == "+CWDHCP:1\r\n" + OK  # the soft-AP's static address
        assert await b.cmd("AT+CWDHCPS?") == ERROR  # needs the DHCP server on
        assert await b.cmd("AT+CWDHCP=1,2") == OK
        assert await b.cmd("AT+CWDHCPS?") == "+CWDHCPS:120,127.9.0.2,127.9.0.101\r\n" + OK
        assert await b.cmd("AT+CWDHCP=1,4") == ERROR

    run(body)


def test_softap_subnet_follows_instance() -> None:
    async def body(b: WifiBoard) -> None:
        await b.cmd("AT+CWMODE=2")
        assert (await b.cmd("AT+CIPAP?")).startswith('+CIPAP:ip:"127.4.5.1"')
        await b.cmd("AT+CWMODE=1")
        await join_lab(b)
        assert (await b.cmd("AT+CIPSTA?")).startswith('+CIPSTA:ip:"127.64.0.15"')

    run(body, instance=5)


# ---------------------------------------------------------------- MACs, protocols, settings


def test_macs_differ_and_are_settable() -> None:
    async def body(b: WifiBoard) -> None:
        await b.cmd("AT+CWMODE=3")
        sta = re.fullmatch(r'\+CIPSTAMAC:"([0-9a-f:]{17})"\r\n' + re.escape(OK), await b.cmd("AT+CIPSTAMAC?"))
        ap = re.fullmatch(r'\+CIPAPMAC:"([0-9a-f:]{17})"\r\n' + re.escape(OK), await b.cmd("AT+CIPAPMAC?"))
        assert sta and ap and sta.group(1) != ap.group(1)
        assert await b.cmd('AT+CIPSTAMAC="1a:fe:35:98:d3:7b"') == OK
        assert await b.cmd("AT+CIPSTAMAC?") == '+CIPSTAMAC:"1a:fe:35:98:d3:7b"\r\n' + OK
        assert await b.cmd('AT+CIPSTAMAC="15:fe:35:98:d3:7b"') == ERROR  # multicast bit
        assert await b.cmd('AT+CIPSTAMAC="ff:ff:ff:ff:ff:ff"') == ERROR
        assert await b.cmd('AT+CIPAPMAC="00:00:00:00:00:00"') == ERROR
        assert await b.cmd('AT+CIPAPMAC="1a:fe:35:98:d3:7b"') == ERROR  # the station's MAC
        assert await b.cmd('AT+CIPAPMAC="18:fe:35:98:d3:7b"') == OK

    run(body)


def test_protocols_bandwidth_config_hostname_country() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWSTAPROTO?") == "+CWSTAPROTO:7\r\n" + OK
        assert await b.cmd("AT+CWAPPROTO?") == "+CWAPPROTO:7\r\n" + OK
        assert await b.cmd("AT+CWSTAPROTO=3") == OK
        assert await b.cmd("AT+CWSTAPROTO?") == "+CWSTAPROTO:3\r\n" + OK
        assert await b.cmd("AT+CWAPPROTO=16") == ERROR
        assert await b.cmd("AT+CWBANDWIDTH=1,1") == OK
        assert await b.cmd("AT+CWBANDWIDTH?") == "+CWBANDWIDTH:0,2,0\r\n+CWBANDWIDTH:1,1,0\r\n" + OK
        assert await b.cmd("AT+CWBANDWIDTH=0,3") == ERROR
        assert await b.cmd("AT+CWCONFIG?") == "+CWCONFIG:300,6,3\r\n" + OK
        assert await b.cmd("AT+CWCONFIG=,10") == OK
        assert await b.cmd("AT+CWCONFIG?") == "+CWCONFIG:300,10,3\r\n" + OK
        assert await b.cmd("AT+CWCONFIG=9") == ERROR
        assert await b.cmd("AT+CWCONFIG=,,101") == ERROR
        assert await b.cmd("AT+CWHOSTNAME?") == "+CWHOSTNAME:espressif\r\n" + OK
        assert await b.cmd('AT+CWHOSTNAME="my_test"') == OK
        assert await b.cmd("AT+CWHOSTNAME?") == "+CWHOSTNAME:my_test\r\n" + OK
        assert await b.cmd('AT+CWHOSTNAME="123456789012345678901234567890123"') == ERROR
        assert await b.cmd("AT+CWCOUNTRY?") == '+CWCOUNTRY:0,"CN",1,13\r\n' + OK
        assert await b.cmd('AT+CWCOUNTRY=1,"US",1,11') == OK
        assert await b.cmd("AT+CWCOUNTRY?") == '+CWCOUNTRY:1,"US",1,11\r\n' + OK
        assert await b.cmd('AT+CWCOUNTRY=1,"JP",5,11') == ERROR  # past channel 14
        assert await b.cmd('AT+CWCOUNTRY=1,"ABCD",1,13') == ERROR
        await b.cmd("AT+CWMODE=2")
        assert await b.cmd('AT+CWHOSTNAME="x"') == ERROR  # station interface off

    run(body)


# ---------------------------------------------------------------- provisioning and enterprise 3.2.24-3.2.27


def test_smartconfig_reports_and_joins() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWSTARTSMART=2") == OK  # AirKiss only: the ESP-Touch phone is not heard
        assert await b.idle(0.4) == ""
        assert await b.cmd("AT+CWSTOPSMART") == OK
        assert await b.cmd("AT+CWSTARTSMART") == OK
        got = await b.wait_for(b"smartconfig connected wifi\r\n", timeout=5)
        assert got.decode() == (
            "smartconfig type:ESPTOUCH\r\nSmart get wifi info\r\nssid:lab\r\npassword:sim-only-pass\r\n"
            "WIFI CONNECTED\r\nWIFI GOT IP\r\nsmartconfig connected wifi\r\n"
        )
        assert await b.cmd("AT+CWSTOPSMART") == OK
        assert await b.cmd("AT+CWSTARTSMART=4") == ERROR  # ESP-Touch v2 needs its 16-byte key
        assert await b.cmd("AT+CWSTARTSMART=5") == ERROR

    run(body)


def test_wps_joins_the_pressed_ap() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+WPS=1") == OK
        assert await b.wait_for(b"WIFI CONNECTED\r\nWIFI GOT IP\r\n", timeout=5)
        assert await b.cmd("AT+CWSTATE?") == '+CWSTATE:2,"lab"\r\n' + OK
        assert await b.cmd("AT+WPS=0") == OK
        assert await b.cmd("AT+WPS=2") == ERROR

    run(body)


def enterprise_profile() -> Profile:
    """The default profile of a build with "AT WPA2 Enterprise command support" switched on (3.2 notes)."""
    base = load_profile()
    return dataclasses.replace(base, commands=Commands(disabled=[]))


def test_cwjeap_absent_from_the_default_firmware() -> None:
    # 3.2: the default firmware has every Wi-Fi command except AT+CWJEAP; an absent command is
    # "unsupported" (ERR CODE 0x01090000, 3.16) and AT+CMD? does not list it.
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+SYSLOG=1") == OK
        for line in (
            "AT+CWJEAP?",
            'AT+CWJEAP="corp",1,"alice@example.com","alice","secret",0',
            "AT+CWJEAP=?",
        ):
            assert await b.cmd(line) == "ERR CODE:0x01090000\r\n" + ERROR
        listing = await b.cmd("AT+CMD?")
        assert '"AT+CWJEAP"' not in listing and '"AT+WPS"' in listing
        indexes = [int(i) for i in re.findall(r"\+CMD:(\d+),", listing)]
        assert indexes == list(range(len(indexes)))

    run(body)


def test_cwjeap_listed_when_the_profile_enables_it() -> None:
    async def body(b: WifiBoard) -> None:
        assert '"AT+CWJEAP",0,1,1,0' in await b.cmd("AT+CMD?")

    run(body, profile=enterprise_profile())


def test_cwjeap_against_the_air_radius() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd("AT+CWJEAP?") == ERROR
        assert await b.cmd('AT+CWJEAP="corp",1,"alice@example.com","alice","wrong",0') == ERROR
        assert await b.cmd('AT+CWJEAP="corp",1,"alice@example.com",,,0') == ERROR  # PEAP needs credentials
        assert (
            await b.cmd('AT+CWJEAP="corp",1,"alice@example.com","alice","secret",0')
            == "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK
        )
        assert await b.cmd("AT+CWJEAP?") == '+CWJEAP:"corp",1,"alice@example.com","alice","secret",0\r\n' + OK
        assert await b.cmd('AT+CWJEAP="corp",3,"a","b","c",0') == ERROR

    run(body, profile=enterprise_profile())


def test_cwjeap_timeout_when_the_ap_is_absent() -> None:
    async def body(b: WifiBoard) -> None:
        assert await b.cmd('AT+CWJEAP="nowhere",0,"id",,,3,3') == "+CWJEAP:Timeout\r\n" + ERROR

    run(body, profile=enterprise_profile())


def test_cwjap_escaped_ssid_and_password_from_the_guide() -> None:
    # 3.2.7 example: SSID ab\,c and password 0123456789"\ written with escapes.
    air = {"access_points": [{"ssid": "ab\\,c", "password": '0123456789"\\', "bssid": "24:0a:c4:00:05:50"}]}

    async def body(b: WifiBoard) -> None:
        assert (
            await b.cmd('AT+CWJAP="ab\\\\\\,c","0123456789\\"\\\\"')
            == "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK
        )
        assert (await b.cmd("AT+CWJAP?")).startswith('+CWJAP:"ab\\,c","24:0a:c4:00:05:50",')

    run(body, air)


def test_guide_examples_of_cwjap_and_cwlap_forms() -> None:
    async def body(b: WifiBoard) -> None:
        assert (await b.cmd('AT+CWJAP="lab","sim-only-pass",,,,,,,3')).endswith(OK)  # PMF capable+required
        assert (await b.cmd("AT+CWJAP?")).split("\r\n")[0].endswith(",3")
        got = await b.cmd('AT+CWLAP="lab","24:0a:c4:00:01:10",6,0,400,1000')
        assert got.startswith('+CWLAP:(3,"lab",') and got.count("+CWLAP:") == 1
        assert await b.cmd('AT+CWLAP="lab","24:0a:c4:00:01:10",6,0,400,1501') == ERROR
        assert await b.cmd('AT+CWLAP="lab",,6,2') == ERROR  # scan_type 0..1

    run(body)
