"""The TCP/IP services of 3.3 on a simulated board process, driven through the project's AtSession, with the
servers/ peers (DNS, SNTP, OTA) on loopback: AT+CIPV6, AT+CIPDNS, AT+CIPDOMAIN, AT+PING, AT+CIPSNTPCFG,
AT+CIPSNTPTIME, AT+CIPSNTPINTV (+TIME_UPDATED), AT+CIPFWVER, AT+CIUPDATE, AT+MDNS."""

from __future__ import annotations

import calendar
import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from rigs.at.attribution import event_text
from rigs.at.session import AtSession
from servers.dns import DnsServer
from servers.ota import OtaServer
from servers.ota import make_app_image as plain_app_image
from servers.sntp import SntpServer
from sim.net.ota_image import make_app_image
from tests.sim.simproc import SimProcess

SSID, PASSWORD = "esp-at-lab", "sim-only-pass"
LAB_NAME = "esp-at-lab.test"
SNTP_EPOCH = calendar.timegm((2024, 1, 1, 0, 0, 0))
OTA_TOKEN = "services-test-token"
ASCTIME = re.compile(
    r"\+CIPSNTPTIME:(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}"
)


@dataclass
class Lab:
    dns: DnsServer
    sntp: SntpServer
    ota: OtaServer
    air: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    dns = DnsServer({LAB_NAME: ["127.0.0.1", "::1"], "ntp.lab.test": ["127.0.0.1"]}).start()
    sntp = SntpServer(epoch=SNTP_EPOCH).start()
    ota = OtaServer(token=OTA_TOKEN).start()
    ota.add_firmware("v5.0.0.0", plain_app_image(3000), latest=False)
    ota.add_firmware("v5.1.0.0", make_app_image("v5.1.0.0", 20000))
    air = tmp_path_factory.mktemp("air") / "air.yaml"
    air.write_text(
        yaml.safe_dump(
            {
                "access_points": [{"ssid": SSID, "password": PASSWORD, "network": {"dns": ["127.0.0.1"]}}],
                "services": {
                    "dns_port": dns.endpoints["udp"].port,
                    "sntp_port": sntp.endpoints["sntp"].port,
                    "ota": {"url": ota.url("/").rstrip("/"), "token": OTA_TOKEN},
                },
            }
        )
    )
    try:
        yield Lab(dns, sntp, ota, air)
    finally:
        for peer in (ota, sntp, dns):
            peer.stop()


@pytest.fixture
def board(lab: Lab, tmp_path: Path) -> Iterator[tuple[SimProcess, AtSession]]:
    with (
        SimProcess("--air", str(lab.air), state_dir=tmp_path / "flash") as sim,
        AtSession.open(sim.url) as dut,
    ):
        dut.expect_urc("ready", timeout=10)
        dut.cmd("AT+SYSLOG=1").assert_ok()
        yield sim, dut


def join(dut: AtSession) -> None:
    dut.cmd(f'AT+CWJAP="{SSID}","{PASSWORD}"', timeout=10).assert_ok()


def info(dut: AtSession, line: str, timeout: float = 5.0) -> list[str]:
    """The non-empty information lines of a command that must answer OK."""
    return [x for x in dut.cmd(line, timeout=timeout).assert_ok().lines if x]


def fails(dut: AtSession, line: str, timeout: float = 5.0) -> list[str]:
    r = dut.cmd(line, timeout=timeout)
    assert r.final == "ERROR", r.text
    return [x for x in r.lines if x]


def test_cipv6_default_set_and_saved(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    assert info(dut, "AT+CIPV6?") == ["+CIPV6:0"]  # 3.3.2 default 0
    dut.cmd("AT+CIPV6=1").assert_ok()
    assert info(dut, "AT+CIPV6?") == ["+CIPV6:1"]
    fails(dut, "AT+CIPV6=2")
    fails(dut, "AT+CIPV6")
    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc("ready", timeout=10)
    assert info(dut, "AT+CIPV6?") == ["+CIPV6:1"]  # saved while AT+SYSSTORE=1
    dut.cmd("AT+SYSSTORE=0").assert_ok()
    dut.cmd("AT+CIPV6=0").assert_ok()
    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc("ready", timeout=10)
    assert info(dut, "AT+CIPV6?") == ["+CIPV6:1"]  # not saved while AT+SYSSTORE=0


def test_cipdns_automatic_manual_and_saved(board: tuple[SimProcess, AtSession], lab: Lab) -> None:
    _, dut = board
    defaults = '"208.67.222.222","114.114.114.114","8.8.8.8"'
    assert info(dut, "AT+CIPDNS?") == [f"+CIPDNS:0,{defaults}"]
    join(dut)
    assert info(dut, "AT+CIPDNS?") == ['+CIPDNS:0,"127.0.0.1"']  # from the AP's DHCP
    dut.cmd("AT+CIPDNS=1").assert_ok()
    assert info(dut, "AT+CIPDNS?") == [f"+CIPDNS:1,{defaults}"]
    dut.cmd('AT+CIPDNS=1,"127.0.0.1","::1"').assert_ok()
    assert info(dut, "AT+CIPDNS?") == ['+CIPDNS:1,"127.0.0.1","::1"']
    fails(dut, 'AT+CIPDNS=1,"127.0.0.1","127.0.0.1"')  # 3.3.38: not the same server twice
    fails(dut, 'AT+CIPDNS=1,"not-an-address"')
    fails(dut, "AT+CIPDNS=2")
    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc("ready", timeout=10)
    assert info(dut, "AT+CIPDNS?") == ['+CIPDNS:1,"127.0.0.1","::1"']
    dut.cmd("AT+CIPDNS=0").assert_ok()
    dut.check_violations()


def test_cipdomain_resolves_through_the_lab_dns(board: tuple[SimProcess, AtSession], lab: Lab) -> None:
    _, dut = board
    join(dut)
    before = len(lab.dns.queries)
    assert info(dut, f'AT+CIPDOMAIN="{LAB_NAME}"', timeout=15) == ['+CIPDOMAIN:"127.0.0.1"']
    assert lab.dns.queries[before].name == LAB_NAME and lab.dns.queries[before].qtype == "A"
    assert lab.dns.queries[before].remote[0] == "127.64.0.10"  # sent from the station's address
    assert info(dut, f'AT+CIPDOMAIN="{LAB_NAME}",2', timeout=15) == ['+CIPDOMAIN:"127.0.0.1"']
    fails(dut, f'AT+CIPDOMAIN="{LAB_NAME}",3', timeout=15)  # IPv6 needs AT+CIPV6=1
    dut.cmd("AT+CIPV6=1").assert_ok()
    assert info(dut, f'AT+CIPDOMAIN="{LAB_NAME}",3,5000', timeout=15) == ['+CIPDOMAIN:"::1"']
    fails(dut, 'AT+CIPDOMAIN="no-such-name.test"', timeout=15)
    fails(dut, f'AT+CIPDOMAIN="{LAB_NAME}",4')
    fails(dut, f'AT+CIPDOMAIN="{LAB_NAME}",1,60001')
    fails(dut, "AT+CIPDOMAIN=1")
    dut.check_violations()


def test_cipdomain_without_network_fails(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    fails(dut, f'AT+CIPDOMAIN="{LAB_NAME}"', timeout=15)


def test_ping(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    join(dut)
    for host in ("127.0.0.1", LAB_NAME):
        lines = info(dut, f'AT+PING="{host}"', timeout=15)
        assert len(lines) == 1 and re.fullmatch(r"\+PING:\d+", lines[0]), lines
    assert fails(dut, 'AT+PING="no-such-name.test"', timeout=15) == ["+PING:TIMEOUT"]
    assert fails(dut, 'AT+PING="192.0.2.1"', timeout=15) == ["+PING:TIMEOUT"]  # no route off this host
    dut.cmd("AT+CIPV6=1").assert_ok()
    lines = info(dut, 'AT+PING="::1"', timeout=15)
    assert re.fullmatch(r"\+PING:\d+", lines[0])
    dut.check_violations()


def test_sntp_sets_the_clock_and_reports_time_updated(board: tuple[SimProcess, AtSession], lab: Lab) -> None:
    _, dut = board
    # 3.3.21: before any sync the clock counts from the epoch
    assert info(dut, "AT+CIPSNTPTIME?")[0].startswith("+CIPSNTPTIME:Thu Jan  1 00:00:")
    assert info(dut, "AT+CIPSNTPINTV?") == ["+CIPSNTPINTV:3600"]
    join(dut)
    dut.cmd('AT+CIPSNTPCFG=1,800,"ntp.lab.test"').assert_ok()
    dut.expect_urc("+TIME_UPDATED", timeout=15)
    assert info(dut, "AT+CIPSNTPCFG?") == ['+CIPSNTPCFG:1,8,"ntp.lab.test"']
    line = info(dut, "AT+CIPSNTPTIME?")[0]
    assert ASCTIME.fullmatch(line), line
    # the lab clock started at 2024-01-01 00:00 UTC when the server started; UTC+08:00
    assert line.startswith("+CIPSNTPTIME:Mon Jan  1 08:") and line.endswith(" 2024")
    # 3.1.25: the time stamp "will be the same as SNTP time when the SNTP time is updated" (Unix seconds,
    # so without the time zone): 2024-01-01 00:00 UTC is 1704067200.
    stamp = int(info(dut, "AT+SYSTIMESTAMP?")[0].removeprefix("+SYSTIMESTAMP:"))
    assert 1704067200 <= stamp < 1704067200 + 3600, stamp
    # ... and setting it moves the one clock AT+CIPSNTPTIME? reads too (2019-08-15 07:18:29 UTC, UTC+08:00)
    dut.cmd("AT+SYSTIMESTAMP=1565853509").assert_ok()
    assert info(dut, "AT+CIPSNTPTIME?")[0].startswith("+CIPSNTPTIME:Thu Aug 15 15:18:")
    dut.cmd('AT+CIPSNTPCFG=1,8,"ntp.lab.test"').assert_ok()
    dut.expect_urc("+TIME_UPDATED", timeout=15)
    dut.cmd('AT+CIPSNTPCFG=1,-530,"127.0.0.1"').assert_ok()
    dut.expect_urc("+TIME_UPDATED", timeout=15)
    assert info(dut, "AT+CIPSNTPTIME?")[0].startswith("+CIPSNTPTIME:Sun Dec 31 18:")
    dut.cmd("AT+CIPSNTPINTV=15").assert_ok()
    assert info(dut, "AT+CIPSNTPINTV?") == ["+CIPSNTPINTV:15"]
    fails(dut, "AT+CIPSNTPINTV=14")
    fails(dut, "AT+CIPSNTPINTV=4294968")
    fails(dut, 'AT+CIPSNTPCFG=1,1260,"127.0.0.1"')
    fails(dut, 'AT+CIPSNTPCFG=1,15,"127.0.0.1","b","c","d"')
    # the time survives a software restart (3.3.21, ESP32); the SNTP settings do not
    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc("ready", timeout=10)
    line = info(dut, "AT+CIPSNTPTIME?")[0]
    assert line.startswith("+CIPSNTPTIME:Mon Jan  1 00:") and line.endswith(" 2024"), line
    assert info(dut, "AT+CIPSNTPCFG?")[0].startswith("+CIPSNTPCFG:0,0")
    dut.check_violations()


def test_sntp_default_servers_are_unreachable(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    join(dut)
    dut.cmd("AT+CIPSNTPCFG=1,8").assert_ok()
    assert info(dut, "AT+CIPSNTPCFG?") == [
        '+CIPSNTPCFG:1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn","us.pool.ntp.org"'
    ]
    time.sleep(2)
    assert "+TIME_UPDATED" not in [event_text(e) for e in dut.drain_urcs()]
    assert info(dut, "AT+CIPSNTPTIME?")[0].startswith("+CIPSNTPTIME:Thu Jan  1 08:00:")


def test_cipfwver_and_ciupdate(board: tuple[SimProcess, AtSession], lab: Lab) -> None:
    _, dut = board
    fails(dut, "AT+CIPFWVER?", timeout=15)  # no network yet
    assert info(dut, "AT+CIUPDATE?") == ["+CIPUPDATE:0"]
    join(dut)
    assert info(dut, "AT+CIPFWVER?", timeout=15) == ['+CIPFWVER:"v5.1.0.0"']
    assert fails(dut, 'AT+CIUPDATE=0,"v9.9.9.9"', timeout=30) == [
        "+CIPUPDATE:1",
        "+CIPUPDATE:2",
        "+CIPUPDATE:3",
    ]
    assert info(dut, "AT+CIUPDATE?") == ["+CIPUPDATE:-1"]
    fails(dut, "AT+CIUPDATE=2")
    fails(dut, "AT+CIUPDATE=0,,,2")
    r = dut.cmd("AT+CIUPDATE=0,,,1", timeout=10).assert_ok()
    states = [event_text(e) for e in r.urcs]
    deadline = time.monotonic() + 30
    while "+CIPUPDATE:4" not in states and time.monotonic() < deadline:
        states.append(event_text(dut.expect_urc(re.compile(r"\+CIPUPDATE:"), timeout=30)))
    assert states == ["+CIPUPDATE:1", "+CIPUPDATE:2", "+CIPUPDATE:3", "+CIPUPDATE:4"]
    assert lab.ota.downloads[-1].version == "v5.1.0.0" and lab.ota.downloads[-1].filename == "ota"
    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc("ready", timeout=10)
    gmr = info(dut, "AT+GMR")
    assert gmr[0].startswith("AT version:5.1.0.0(") and gmr[3].startswith("Bin version:v5.1.0.0(")
    dut.check_violations()


def test_blocking_ciupdate_restarts_into_the_new_image(board: tuple[SimProcess, AtSession], lab: Lab) -> None:
    _, dut = board
    join(dut)
    r = dut.cmd('AT+CIUPDATE=0,"v5.1.0.0","ota"', timeout=30).assert_ok()
    assert [x for x in r.lines if x] == ["+CIPUPDATE:1", "+CIPUPDATE:2", "+CIPUPDATE:3", "+CIPUPDATE:4"]
    dut.expect_urc("ready", timeout=10)
    assert info(dut, "AT+GMR")[3].startswith("Bin version:v5.1.0.0(")


def test_mdns_announces_a_service_the_host_discovers(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    join(dut)
    kind = f"_sim{os.getpid() % 10000}"  # distinct per xdist worker: the LAN (loopback) is shared
    dut.cmd(
        f'AT+MDNS=1,"espressif","{kind}",35,"my_instance","_tcp",2,'
        '"product","my_printer","firmware_version","AT-V3.4.1.0"'
    ).assert_ok()
    # The PC's side of 4.x "mDNS": browse the LAN and resolve the board's service.
    zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    try:
        info = ServiceInfo(f"{kind}._tcp.local.", f"my_instance.{kind}._tcp.local.")
        assert info.request(zc, 10000), "the board's service was not found on the LAN"
        assert info.port == 35 and info.server == "espressif.local."
        assert info.parsed_addresses() == ["127.64.0.10"]
        assert info.properties == {b"product": b"my_printer", b"firmware_version": b"AT-V3.4.1.0"}
    finally:
        zc.close()
    r = dut.cmd(f'AT+MDNS=2,0,"{kind}","_tcp",5000', timeout=15).assert_ok()
    header = re.search(r"\+MDNS:(\d+),\r\n", r.text)
    assert header is not None, r.text
    body = r.text[header.end() :].removesuffix("\r\nOK\r\n")
    assert len(body.encode()) == int(header.group(1))
    assert body.split("\r\n")[:-1] == [
        "IF=1",
        "IP=0",
        "PTR=my_instance",
        "SRV=espressif.local:35",
        "TXT=product=my_printer",
        "TXT=firmware_version=AT-V3.4.1.0",
        "A=127.64.0.10",
    ]
    dut.cmd("AT+MDNS=0").assert_ok()
    dut.check_violations()


def test_mdns_queries_services_published_by_the_host(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    join(dut)
    kind = f"_pub{os.getpid() % 10000}"
    host = f"pc{os.getpid() % 10000}"
    zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    try:
        # 3.3.39's example: avahi-publish -s my_instance _my_printer._tcp 35 "version=v4.1.0.0"
        zc.register_service(
            ServiceInfo(
                f"{kind}._tcp.local.",
                f"my_instance.{kind}._tcp.local.",
                addresses=[socket.inet_aton("127.0.0.1")],
                port=35,
                properties={"version": "v4.1.0.0"},
                server=f"{host}.local.",
            )
        )
        r = dut.cmd(f'AT+MDNS=2,0,"{kind}","_tcp"', timeout=15).assert_ok()
        assert "PTR=my_instance\r\n" in r.text and f"SRV={host}.local:35\r\n" in r.text
        assert "TXT=version=v4.1.0.0\r\n" in r.text and "A=127.0.0.1\r\n" in r.text
        r = dut.cmd(f'AT+MDNS=2,2,"my_instance","{kind}","_tcp",3000', timeout=15).assert_ok()
        assert [x for x in r.text.split("\r\n") if "=" in x] == ["IF=1", "IP=0", f"SRV={host}.local:35"]
        r = dut.cmd(f'AT+MDNS=2,4,"{host}",3000', timeout=15).assert_ok()
        assert "A=127.0.0.1\r\n" in r.text
        # nothing found within <timeout>: OK without a report
        r = dut.cmd(f'AT+MDNS=2,0,"_none{os.getpid() % 10000}","_udp",1000', timeout=15).assert_ok()
        assert "+MDNS:" not in r.text
    finally:
        zc.unregister_all_services()
        zc.close()


def test_mdns_parameters(board: tuple[SimProcess, AtSession]) -> None:
    _, dut = board
    dut.cmd('AT+MDNS=1,"espressif","_iot",8080').assert_ok()  # 3.3.39 example
    fails(dut, 'AT+MDNS=1,"espressif","_iot"')
    fails(dut, 'AT+MDNS=1,"espressif","_iot",80,,,21')  # txt_number in [1,20]
    fails(dut, 'AT+MDNS=1,"espressif","_iot",80,,,1,"k"')  # one pair announced, half given
    fails(dut, 'AT+MDNS=1,"espressif","_iot",80,,,1,"k","v","x"')
    fails(dut, 'AT+MDNS=2,0,"_printer","_tcp",999')  # timeout in [1000,180000]
    fails(dut, 'AT+MDNS=2,0,"_printer","_tcp",180001')
    fails(dut, 'AT+MDNS=2,0,"_printer","_tcp",1000,256')  # max_results in [1,255]
    fails(dut, 'AT+MDNS=2,7,"host"')
    fails(dut, 'AT+MDNS=2,1,"inst","_printer"')  # TXT query needs instance, service and proto
    fails(dut, "AT+MDNS=3")
    fails(dut, "AT+MDNS=0,1")
    dut.cmd("AT+MDNS=0").assert_ok()
