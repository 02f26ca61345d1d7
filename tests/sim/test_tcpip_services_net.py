"""TCP/IP services of 3.3 against a lab with silent and IPv6 peers: DNS server fallback and timeouts
(AT+CIPDNS, AT+CIPDOMAIN), AT+CIPSTART by name, AT+RESTORE, SNTP waiting for the network and resyncing
(AT+CIPSNTPINTV), AT+PING without a network. The lab's two DNS (and SNTP) servers share one port number
on two loopback addresses, as real ones share port 53 (123)."""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from rigs.at.attribution import event_text
from rigs.at.session import AtSession
from servers.behaviours import Echo
from servers.dns import DnsServer
from servers.sntp import SntpServer
from servers.tcp import TcpServer
from tests.sim.simproc import SimProcess

SSID, PASSWORD = "esp-at-lab", "sim-only-pass"
NAME = "svc.lab.test"
SILENT = "127.0.0.2"
SNTP_EPOCH = calendar.timegm((2030, 6, 15, 12, 0, 0))


@dataclass
class Lab:
    dns: DnsServer
    dns_silent: DnsServer
    dns6: DnsServer | None
    sntp: SntpServer
    sntp_silent: SntpServer
    echo: TcpServer
    air: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    names = {NAME: ["127.0.0.1", "::1"]}
    dns = DnsServer(names).start()
    port = dns.endpoints["udp"].port
    dns_silent = DnsServer(names, host=SILENT, port=port, tcp=False, silent=True).start()
    try:
        dns6: DnsServer | None = DnsServer(names, host="::1", port=port, tcp=False).start()
    except Exception:  # no IPv6 loopback here, or the port is taken there: the IPv6 test skips
        dns6 = None
    sntp = SntpServer(epoch=SNTP_EPOCH).start()
    sntp_port = sntp.endpoints["sntp"].port
    sntp_silent = SntpServer(host=SILENT, port=sntp_port, silent=True).start()
    echo = TcpServer(Echo()).start()
    air = tmp_path_factory.mktemp("air") / "air.yaml"
    air.write_text(
        yaml.safe_dump(
            {
                "access_points": [{"ssid": SSID, "password": PASSWORD, "network": {"dns": ["127.0.0.1"]}}],
                "services": {"dns_port": port, "sntp_port": sntp_port},
            }
        )
    )
    try:
        yield Lab(dns, dns_silent, dns6, sntp, sntp_silent, echo, air)
    finally:
        for peer in (echo, sntp_silent, sntp, dns6, dns_silent, dns):
            if peer is not None:
                peer.stop()


@pytest.fixture
def dut(lab: Lab, tmp_path: Path) -> Iterator[AtSession]:
    with (
        SimProcess("--air", str(lab.air), state_dir=tmp_path / "flash") as sim,
        AtSession.open(sim.url) as session,
    ):
        session.expect_urc("ready", timeout=10)
        session.cmd("AT+SYSLOG=1").assert_ok()
        yield session


def join(dut: AtSession) -> None:
    dut.cmd(f'AT+CWJAP="{SSID}","{PASSWORD}"', timeout=10).assert_ok()


def info(dut: AtSession, line: str, timeout: float = 15.0) -> list[str]:
    return [x for x in dut.cmd(line, timeout=timeout).assert_ok().lines if x]


def fails(dut: AtSession, line: str, timeout: float = 15.0) -> list[str]:
    r = dut.cmd(line, timeout=timeout)
    assert r.final == "ERROR", r.text
    return [x for x in r.lines if x]


def test_a_silent_dns_server_is_skipped_for_the_next(dut: AtSession, lab: Lab) -> None:
    join(dut)
    dut.cmd(f'AT+CIPDNS=1,"{SILENT}","127.0.0.1"').assert_ok()
    silent_before, good_before = len(lab.dns_silent.queries), len(lab.dns.queries)
    assert info(dut, f'AT+CIPDOMAIN="{NAME}"') == ['+CIPDOMAIN:"127.0.0.1"']
    assert len(lab.dns_silent.queries) > silent_before  # asked first, never answered
    assert len(lab.dns.queries) > good_before


def test_cipdomain_timeout_with_only_a_silent_server(dut: AtSession, lab: Lab) -> None:
    join(dut)
    dut.cmd(f'AT+CIPDNS=1,"{SILENT}"').assert_ok()
    before = len(lab.dns_silent.queries)
    fails(dut, f'AT+CIPDOMAIN="{NAME}",1,1000')
    assert len(lab.dns_silent.queries) > before
    assert fails(dut, f'AT+PING="{NAME}"') == ["+PING:TIMEOUT"]


def test_an_ipv6_dns_server(dut: AtSession, lab: Lab) -> None:
    if lab.dns6 is None:
        pytest.skip("no DNS server on ::1 (IPv6 loopback missing or port taken)")
    join(dut)
    dut.cmd("AT+CIPV6=1").assert_ok()
    dut.cmd('AT+CIPDNS=1,"::1"').assert_ok()  # 3.3.38 example: IPv6 DNS servers
    before = len(lab.dns6.queries)
    assert info(dut, f'AT+CIPDOMAIN="{NAME}",3') == ['+CIPDOMAIN:"::1"']
    assert info(dut, f'AT+CIPDOMAIN="{NAME}",1') == ['+CIPDOMAIN:"127.0.0.1"']  # IPv4 preferred
    assert len(lab.dns6.queries) >= before + 2


def test_cipstart_by_domain_name(dut: AtSession, lab: Lab) -> None:
    join(dut)
    port = lab.echo.endpoints["tcp"].port
    r = dut.cmd(f'AT+CIPSTART="TCP","{NAME}",{port}', timeout=15).assert_ok()
    assert "CONNECT" in [event_text(e) for e in r.urcs] + [x for x in r.lines if x]
    dut.cmd("AT+CIPCLOSE", timeout=10).assert_ok()
    fails(dut, f'AT+CIPSTART="TCP","missing.lab.test",{port}')


def test_restore_forgets_cipv6_and_cipdns(dut: AtSession) -> None:
    dut.cmd("AT+CIPV6=1").assert_ok()
    dut.cmd('AT+CIPDNS=1,"127.0.0.1"').assert_ok()
    dut.cmd("AT+RESTORE").assert_ok()
    dut.expect_urc("ready", timeout=10)
    assert info(dut, "AT+CIPV6?") == ["+CIPV6:0"]
    assert info(dut, "AT+CIPDNS?") == ['+CIPDNS:0,"208.67.222.222","114.114.114.114","8.8.8.8"']


def test_ping_without_a_network(dut: AtSession) -> None:
    assert fails(dut, 'AT+PING="127.0.0.1"') == ["+PING:TIMEOUT"]


def test_sntp_waits_for_the_network(dut: AtSession, lab: Lab) -> None:
    dut.cmd('AT+CIPSNTPCFG=1,0,"127.0.0.1"').assert_ok()
    time.sleep(1)
    assert "+TIME_UPDATED" not in [event_text(e) for e in dut.drain_urcs()]
    join(dut)
    dut.expect_urc("+TIME_UPDATED", timeout=15)
    line = info(dut, "AT+CIPSNTPTIME?")[0]
    assert line.startswith("+CIPSNTPTIME:Sat Jun 15 12:") and line.endswith(" 2030"), line


def test_sntp_silent_server_then_the_next(dut: AtSession, lab: Lab) -> None:
    join(dut)
    before = len(lab.sntp_silent.queries)
    dut.cmd(f'AT+CIPSNTPCFG=1,0,"{SILENT}"').assert_ok()
    lab.sntp_silent.wait_queries(before + 1, timeout=15)
    time.sleep(1)
    assert "+TIME_UPDATED" not in [event_text(e) for e in dut.drain_urcs()]
    assert info(dut, "AT+CIPSNTPTIME?")[0].endswith(" 1970")
    dut.cmd(f'AT+CIPSNTPCFG=1,0,"{SILENT}","127.0.0.1"').assert_ok()  # the second server answers
    dut.expect_urc("+TIME_UPDATED", timeout=20)
    assert info(dut, "AT+CIPSNTPTIME?")[0].endswith(" 2030")


@pytest.mark.slow
def test_sntp_resyncs_every_interval_without_reporting(dut: AtSession, lab: Lab) -> None:
    join(dut)
    dut.cmd("AT+CIPSNTPINTV=15").assert_ok()  # the smallest interval of 3.3.22
    start = len(lab.sntp.queries)
    dut.cmd('AT+CIPSNTPCFG=1,8,"127.0.0.1"').assert_ok()
    dut.expect_urc("+TIME_UPDATED", timeout=15)
    lab.sntp.wait_queries(start + 2, timeout=40)  # the resync
    time.sleep(0.5)
    assert "+TIME_UPDATED" not in [event_text(e) for e in dut.drain_urcs()]  # 3.17: only after the command
