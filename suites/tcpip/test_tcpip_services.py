"""3.3 network services: AT+CIPDOMAIN and AT+CIPDNS against the rig's DNS peer, AT+CIPSNTPCFG /
AT+CIPSNTPTIME against an SNTP peer with a known clock (checked to the second in the configured time
zone), AT+PING of the host, AT+MDNS, and AT+CIUPDATE / AT+CIPFWVER where the rig has an OTA server.

The DNS and SNTP peers are the session's (fixtures.servers); the rig tells a simulated board which ports
they listen on (the air file's services block), a bench runs them where its boards look for them. A peer
the rig declares ``external`` (the bench's own server) records nothing: the tests then check what the board
says, and their report names what was left out (fixtures.servers.has_records).
"""

from __future__ import annotations

import calendar
import os
import re
import time

import pytest

from fixtures.background import RunningCommand
from fixtures.servers import has_records
from rigs.at.events import Busy
from suites.tcpip.links import back_to_factory, host

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]

ASCTIME = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d \d{4}")


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


@pytest.fixture
def dns_peer(esp_rig, esp_dns_server):
    names = {name: [str(addr)] for name, addr in esp_rig.network.dns_names.items()}
    if not names:
        pytest.skip(f"rig {esp_rig.name} names no network.dns_names to resolve")
    return esp_dns_server, names


@pytest.fixture
def sntp_peer(esp_sntp_server):
    return esp_sntp_server


@pytest.mark.form("AT+CIPDOMAIN", "set")
@pytest.mark.form("AT+CIPDNS", "set")
@pytest.mark.form("AT+CIPDNS", "query")
@pytest.mark.parametrize("args", ["", ",1", ",1,5000"], ids=["plain", "ipv4", "ipv4-timeout"])
def test_cipdomain_resolves(dut, expect, esp_rig, dns_peer, args) -> None:
    """AT+CIPDOMAIN/set: the rig's name resolves to the rig's address through the DNS peer AT+CIPDNS set."""
    peer, names = dns_peer
    expect.ok(dut.cmd(f'AT+CIPDNS=1,"{peer.host}"'), "AT+CIPDNS", "set")
    m = expect.ok(dut.cmd("AT+CIPDNS?"), "AT+CIPDNS", "query")
    assert m["enable"] == 1 and m.get("DNS IP1") == peer.host, m.values
    name, addresses = next(iter(names.items()))
    r = dut.cmd(f'AT+CIPDOMAIN="{name}"{args}', esp_rig.targets.timeouts.connect)
    m = expect.ok(r, "AT+CIPDOMAIN", "set")
    assert m["IP address"] == addresses[0], (
        f"{name} resolved to {m['IP address']}, the rig says {addresses[0]}"
    )
    if has_records(peer, f"the DNS query for {name} at the server"):
        assert any(name in str(q) for q in peer.queries), (
            f"the DNS peer at {peer.address} saw no query for {name}: {peer.queries}"
        )


@pytest.mark.form("AT+CIPDOMAIN", "set")
def test_cipdomain_unknown_name(dut, expect, esp_rig, dns_peer) -> None:
    """A name the DNS server does not know: ERROR (3.3.4)."""
    peer, _ = dns_peer
    dut.cmd(f'AT+CIPDNS=1,"{peer.host}"').assert_ok()
    r = dut.cmd('AT+CIPDOMAIN="no-such-host.lab.test"', esp_rig.targets.timeouts.connect)
    assert r.final == "ERROR", r.text
    expect.error(r)


@pytest.mark.form("AT+CIPSNTPCFG", "set")
@pytest.mark.form("AT+CIPSNTPTIME", "query")
@pytest.mark.parametrize(("timezone", "offset_s"), [(8, 8 * 3600), (-5, -5 * 3600), (530, 5 * 3600 + 1800)])
def test_sntp_time(dut, expect, esp_rig, sntp_peer, timezone, offset_s) -> None:
    """AT+CIPSNTPCFG=1,<timezone>,<server>: +TIME_UPDATED (3.17), then AT+CIPSNTPTIME? gives the peer's
    clock in that time zone, asctime style, to the second (3.3.20, 3.3.21; 530 is UTC+05:30)."""
    expect.ok(dut.cmd(f'AT+CIPSNTPCFG=1,{timezone},"{sntp_peer.host}"'), "AT+CIPSNTPCFG", "set")
    dut.expect_urc("+TIME_UPDATED", esp_rig.targets.timeouts.connect)
    # the peer's clock is known only for the host's own peer; an external server's time is its own
    recorded = has_records(sntp_peer, "the board's time against the SNTP server's clock, and its request")
    before = sntp_peer.clock.now() if recorded else None
    r = dut.cmd("AT+CIPSNTPTIME?")
    after = sntp_peer.clock.now() if recorded else None
    m = expect.ok(r, "AT+CIPSNTPTIME", "query")
    text = str(m["asctime style time"]) if "asctime style time" in m.values else r.lines[0].split(":", 1)[1]
    assert ASCTIME.fullmatch(text), f"{text!r} is not asctime style (e.g. 'Tue Oct 19 17:47:56 2021')"
    board = calendar.timegm(time.strptime(text, "%a %b %d %H:%M:%S %Y")) - offset_s
    if before is None or after is None:
        return
    assert int(before) - 1 <= board <= int(after) + 1, (
        f"board time {text!r} (UTC {time.asctime(time.gmtime(board))}) vs the SNTP peer's "
        f"{time.asctime(time.gmtime(before))} .. {time.asctime(time.gmtime(after))}"
    )
    assert sntp_peer.queries, "the SNTP peer saw no request"


@pytest.mark.form("AT+PING", "set")
def test_ping_host(dut, expect, esp_rig) -> None:
    """AT+PING/set of the host's address: +PING:<time> in milliseconds, OK (3.3.37)."""
    r = dut.cmd(f'AT+PING="{host(esp_rig)}"', esp_rig.targets.timeouts.connect)
    m = expect.ok(r, "AT+PING", "set")
    assert 0 <= int(m["time"]) <= esp_rig.targets.timeouts.connect * 1000, m.values


@pytest.mark.form("AT+PING", "set")
def test_ping_unresolvable(dut, expect, esp_rig, dns_peer) -> None:
    """A name that does not resolve: +PING:TIMEOUT, ERROR (3.3.37)."""
    peer, _ = dns_peer
    dut.cmd(f'AT+CIPDNS=1,"{peer.host}"').assert_ok()
    r = dut.cmd('AT+PING="no-such-host.lab.test"', esp_rig.targets.timeouts.connect * 2)
    assert r.final == "ERROR" and "+PING:TIMEOUT" in r.lines, r.text
    expect.fails(r, "AT+PING", "set")


@pytest.mark.form("AT+MDNS", "set", "cmd-mdns-service")
@pytest.mark.requires("mdns")
def test_mdns_service(dut, expect, esp_rig) -> None:
    """AT+MDNS/set/service: start a service (the example of 3.3.39), then stop it."""
    r = dut.cmd('AT+MDNS=1,"espressif","_iot",8080')
    expect.ok(r, "AT+MDNS", "set", "cmd-mdns-service")
    expect.ok(dut.cmd("AT+MDNS=0"), "AT+MDNS", "set", "cmd-mdns-service")


# No AT+MDNS/set/cmd-mdns-query marker: spec/'s template of 3.3.39's query response makes every line of
# the guide's example required, AAAA=<ip6> included, which an IPv4-only answer does not print; the lines
# are checked one by one below until spec/ says which are optional.
@pytest.mark.requires("mdns")
def test_mdns_query_ptr(dut, esp_rig) -> None:
    """AT+MDNS/set/query: a PTR query finds a service the host announces (3.3.39's example, avahi-publish
    there, with 4.2.13's service type): +MDNS:<data_len>, then IF=, IP=0, PTR=<instance>,
    SRV=<hostname>:<port>, TXT=, A= ... OK."""
    from fixtures.mdns_browser import MdnsAnnouncer, MdnsError

    # The guide's names, made unique per process, the service type too: with <max_results> 1 (its default,
    # 3.3.39) the board returns the first answer, and another xdist worker, another run on this host, a
    # board running example 4.2.13 or a real printer on a bench's network may announce a "_printer._tcp"
    # of its own at the same time.
    pid = os.getpid()
    service, instance, hostname = f"_pr{pid}"[:15], f"my_instance-{pid}", f"esp-host-{pid}"
    try:
        announcer = MdnsAnnouncer(
            host(esp_rig), f"{service}._tcp", instance, hostname, 35, {"version": "v4.1.0.0"}
        )
    except MdnsError as exc:
        pytest.skip(str(exc))
    try:
        r = dut.cmd(f'AT+MDNS=2,0,"{service}","_tcp",5000', esp_rig.targets.timeouts.connect)
    finally:
        announcer.close()
    assert r.ok, r.text
    lines = [ln for ln in r.text.replace("\r\n", "\n").split("\n") if ln]
    assert re.fullmatch(r"\+MDNS:\d+,", lines[0]), f"expected +MDNS:<data_len>, first: {lines}"
    for want in (
        "IP=0",
        f"PTR={instance}",
        f"SRV={hostname}.local:35",
        "TXT=version=v4.1.0.0",
        f"A={host(esp_rig)}",
    ):
        assert want in lines, f"expected the line {want!r} in {lines}"
    assert re.fullmatch(r"IF=[123]", lines[1]), lines


def offer(server, image, version: str, size: int, seed: int) -> tuple[str | None, int | None]:
    """Offer ``image(size, seed)`` (fixtures.servers' ``esp_ota_image``) as ``version`` on the host's OTA
    peer: (version, image size). An external OTA server offers its own firmware, which the test cannot
    choose: (None, None), and the report says so."""
    if not has_records(server, f"the version and image the test offers ({version}), and their download"):
        return None, None
    data = image(size, seed)
    server.add_firmware(version, data)
    return version, len(data)


@pytest.mark.form("AT+CIPFWVER", "query")
@pytest.mark.form("AT+CIUPDATE", "set")
@pytest.mark.requires("ota")
@pytest.mark.bench_risk
def test_ota_versions_and_update(dut, expect, esp_rig, esp_ota_server, esp_ota_image) -> None:
    """AT+CIPFWVER? names the OTA server's newest version; AT+CIUPDATE=0,<"version"> downloads it with
    +CIPUPDATE:1..4 then OK (3.3.24, blocking mode); the server sees the whole image fetched once."""
    version, size = offer(esp_ota_server, esp_ota_image, "v9.9.9.9", 64 * 1024, 7)
    m = expect.ok(dut.cmd("AT+CIPFWVER?", esp_rig.targets.timeouts.connect), "AT+CIPFWVER", "query")
    if version is not None:
        assert m["version"] == version, m.values
    before = len(esp_ota_server.downloads) if size is not None else 0
    r = dut.cmd(f'AT+CIUPDATE=0,"{version or m["version"]}"', 120.0)
    lines = [ln for ln in response_lines_all(r) if ln]
    assert lines == ["+CIPUPDATE:1", "+CIPUPDATE:2", "+CIPUPDATE:3", "+CIPUPDATE:4", "OK"], r.text
    expect.ok(r, "AT+CIUPDATE", "set")
    if size is not None:
        got = esp_ota_server.downloads[before:]
        assert len(got) == 1 and got[0].size == size, got
    wait_for_restart(dut, esp_rig)


# No AT+CIUPDATE/set marker: in non-blocking mode the set form answers a bare OK first, which none of
# 3.3.24's response blocks shows alone (the +CIPUPDATE reports follow as they happen).
@pytest.mark.form("AT+CIUPDATE", "query")
@pytest.mark.requires("ota")
@pytest.mark.bench_risk
def test_ota_nonblocking(dut, expect, esp_rig, esp_ota_server, esp_ota_image) -> None:
    """AT+CIUPDATE=0,<"version">,"ota",1: OK at once, then +CIPUPDATE:1..4 as they happen (3.3.24,
    non-blocking mode); AT+CIUPDATE? then reports state 4 (upgrade done, restart pending)."""
    version, _ = offer(esp_ota_server, esp_ota_image, "v9.9.9.7", 32 * 1024, 9)
    if version is None:
        m = expect.ok(dut.cmd("AT+CIPFWVER?", esp_rig.targets.timeouts.connect), "AT+CIPFWVER", "query")
        version = str(m["version"])
    r = dut.cmd(f'AT+CIUPDATE=0,"{version}","ota",1', esp_rig.targets.timeouts.connect)
    assert r.ok, r.text
    for state in (1, 2, 3, 4):
        dut.expect_urc(f"\\+CIPUPDATE:{state}", 60.0)
    q = expect.ok(dut.cmd("AT+CIUPDATE?"), "AT+CIUPDATE", "query")
    assert q["state"] == 4, q.values


@pytest.mark.form("AT+CIUPDATE", "execute")
@pytest.mark.requires("ota")
@pytest.mark.bench_risk
def test_ota_execute_latest(dut, expect, esp_rig, esp_ota_server, esp_ota_image) -> None:
    """AT+CIUPDATE (execute) fetches the newest version: +CIPUPDATE:1..4, OK (3.3.24)."""
    offer(esp_ota_server, esp_ota_image, "v9.9.9.8", 16 * 1024, 8)
    r = dut.cmd("AT+CIUPDATE", 120.0)
    lines = [ln for ln in response_lines_all(r) if ln]
    assert lines == ["+CIPUPDATE:1", "+CIPUPDATE:2", "+CIPUPDATE:3", "+CIPUPDATE:4", "OK"], r.text
    expect.ok(r, "AT+CIUPDATE", "execute")
    wait_for_restart(dut, esp_rig)


def wait_for_restart(dut, esp_rig) -> None:
    """3.3.24: only the non-blocking mode leaves the restart to the host ("You need to manually restart
    after upgrade done"), so a blocking upgrade restarts the board by itself after its OK: wait for that
    ``ready`` here, or it lands in the middle of the next test."""
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)


def response_lines_all(r) -> list[str]:
    """Every line of the response, reports included (+CIPUPDATE lines may be either)."""
    from fixtures.suite import response_lines

    return response_lines(r, reports=lambda text: True)


# No AT+PING/set marker: the response holds the busy p... line (3.17) as well, which the form's template
# does not; test_ping_unresolvable checks the failure response.
def test_busy_while_ping_runs(dut, esp_rig) -> None:
    """A command line sent while AT+PING still waits for its reply is refused with ``busy p...`` (3.17);
    the ping then ends as it would have (an unroutable TEST-NET-1 address: +PING:TIMEOUT, ERROR)."""
    timeout = esp_rig.targets.timeouts.connect * 3
    # the echo of AT+PING says the board runs it: a fixed wait could let AT arrive first on a slow host
    running = RunningCommand(dut, 'AT+PING="192.0.2.1"', timeout)
    dut.write_raw(b"AT\r\n")
    r = running.result(timeout + 5)
    assert any(isinstance(e, Busy) for e in r.events), (
        f"expected busy p... for the AT sent meanwhile: {r.text!r}"
    )
    assert r.final == "ERROR" and "+PING:TIMEOUT" in r.lines, r.text
