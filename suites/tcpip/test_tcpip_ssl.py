"""3.3.5 SSL links with certificates: the rig's PKI is written into the board through AT+SYSMFG (3.1.18),
then AT+CIPSSLCCONF (3.3.26) chooses what the board presents and verifies; the board as SSL server with
client authentication (3.3.16 <CA enable>). A server certificate from the wrong CA is refused, with
+ERRNO (3.17) under AT+SYSLOG=1."""

from __future__ import annotations

import time

import pytest

from rigs.at.events import Urc
from servers.behaviours import Echo, Sink
from servers.tcp import TcpClient, TcpServer
from suites.tcpip.links import (
    PEER_WAIT,
    assert_arrived,
    back_to_factory,
    host,
    ok_with_reports,
    provision,
    send,
    start_tcp,
)

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-ssl")
@pytest.mark.form("AT+CIPSSLCCONF", "set")
def test_cipstart_ssl_mutual_auth(dut, expect, esp_rig, esp_pki, esp_ssl_mtls_echo) -> None:
    """AT+CIPSTART/set/ssl/mutual-auth: with the rig's CA, certificate and key provisioned and
    AT+CIPSSLCCONF=3,0,0 the board verifies the server and presents its certificate; the server sees the
    client certificate's subject; data goes both ways."""
    provision(dut, esp_rig, esp_pki.sysmfg_items("client"), expect)
    expect.ok(dut.cmd("AT+CIPSSLCCONF=3,0,0"), "AT+CIPSSLCCONF", "set")
    r, record = start_tcp(dut, esp_rig, esp_ssl_mtls_echo, kind="SSL")
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-ssl")
    # the server side records the subject when its end of the handshake completes, which may be a moment
    # after the board's CONNECT
    deadline = time.monotonic() + PEER_WAIT
    while record.tls_peer_cert_subject is None and not record.closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert record.tls_peer_cert_subject and esp_pki.client.subject_cn in record.tls_peer_cert_subject, (
        f"the server saw client certificate {record.tls_peer_cert_subject!r}, "
        f"expected CN {esp_pki.client.subject_cn}"
    )
    assert send(dut, esp_rig, b"mutual").final == "SEND OK"
    ipd = dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    assert getattr(ipd, "payload", None) == b"mutual"


@pytest.mark.form("AT+CIPSTART", "set")  # a refusal names no variant
def test_cipstart_ssl_wrong_ca_refused(dut, expect, esp_rig, esp_pki, esp_peer_factory) -> None:
    """AT+CIPSTART/set/ssl/wrong-ca: a server certificate from another CA fails verification: ERROR, no
    CONNECT, and +ERRNO:<error_code> (non-zero) with AT+SYSLOG=1 (3.3.5 notes, 3.17)."""
    server = esp_peer_factory(
        TcpServer(Echo(), host(esp_rig), ssl_context=esp_pki.server_context(wrong=True))
    )
    provision(dut, esp_rig, esp_pki.sysmfg_items("client"), expect)
    dut.cmd("AT+SYSLOG=1").assert_ok()
    dut.cmd("AT+CIPSSLCCONF=2,0,0").assert_ok()
    r = dut.cmd(f'AT+CIPSTART="SSL","{host(esp_rig)}",{server.port}', esp_rig.targets.timeouts.connect)
    reports = [u for u in r.urcs if isinstance(u, Urc)]
    assert r.final == "ERROR", f"expected ERROR for an untrusted server, got {r.final!r}: {r.text!r}"
    assert not any(u.kind == "CONNECT" for u in reports), r.text
    expect.error(r)
    errno = [u for u in reports if u.kind == "+ERRNO"] or [dut.expect_urc("+ERRNO", 2.0)]
    value = errno[0].fields[0] if isinstance(errno[0], Urc) else ""
    assert value.strip() not in ("", "0", "0x0", "0x00000000"), (
        f"+ERRNO should carry the failure code: {errno}"
    )


@pytest.mark.form("AT+CIPSSLCCONF", "set")
def test_cipstart_ssl_without_client_cert_refused(dut, expect, esp_rig, esp_ssl_mtls_echo) -> None:
    """AT+CIPSSLCCONF=0 (no client certificate) against a server that requires one: the handshake fails."""
    expect.ok(dut.cmd("AT+CIPSSLCCONF=0"), "AT+CIPSSLCCONF", "set")
    before = len(esp_ssl_mtls_echo.records)
    r = dut.cmd(
        f'AT+CIPSTART="SSL","{host(esp_rig)}",{esp_ssl_mtls_echo.port}', esp_rig.targets.timeouts.connect
    )
    assert r.final == "ERROR", r.text
    record = esp_ssl_mtls_echo.records.wait_for(before + 1, PEER_WAIT)[before]
    record.wait_closed(PEER_WAIT)
    assert record.tls_peer_cert_subject is None


@pytest.mark.form("AT+CIPSERVER", "set")
def test_ssl_server_with_client_auth(dut, expect, esp_rig, esp_pki, esp_peer_factory, joined) -> None:
    """AT+CIPSERVER=1,<port>,"SSL",1: a host client with the rig's client certificate is accepted and
    exchanges data; one without a certificate is refused (3.3.16 <CA enable>, 4.2.8)."""
    provision(dut, esp_rig, esp_pki.sysmfg_items("server"), expect)
    dut.cmd("AT+CIPMUX=1").assert_ok()
    port = 40000 + esp_ssl_port_offset(joined.ip)
    expect.ok(dut.cmd(f'AT+CIPSERVER=1,{port},"SSL",1'), "AT+CIPSERVER", "set")
    client = esp_peer_factory(TcpClient())
    context = esp_pki.client_context(esp_pki.client)
    context.check_hostname = False  # the board's certificate names the rig's host, not the board
    record = client.connect(joined.ip, port, Sink(), context)
    dut.expect_urc("0,CONNECT", esp_rig.targets.timeouts.connect)
    assert send(dut, esp_rig, b"tls server", link_id=0).final == "SEND OK"
    assert_arrived(record, b"tls server")
    anonymous = esp_pki.client_context(None)
    anonymous.check_hostname = False
    try:
        second = client.connect(joined.ip, port, Sink(), anonymous)
    except ConnectionError:
        return
    second.wait_closed(PEER_WAIT)
    assert second.bytes_in == 0


def esp_ssl_port_offset(ip: str) -> int:
    return sum(int(x) for x in ip.split(".")) % 1000
