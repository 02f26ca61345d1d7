"""3.3 client links: AT+CIPSTART (TCP, UDP modes 0/1/2, SSL, keep-alive, link IDs 0..4), the AT+CIPSEND
family with byte-exact checks at the peer, +IPD in its active forms, AT+CIPCLOSE, AT+CIPSTATE, AT+CIFSR,
and +LINK_CONN under AT+SYSMSG (3.1.15).

The board joins the rig's AP (``joined``); peers are servers/ peers on the rig's host address. Local
ports the board picks are checked by range only.
"""

from __future__ import annotations

import hashlib

import pytest

from rigs.at.events import Ipd, Urc
from servers.behaviours import Echo, Sink
from servers.tcp import TcpServer
from servers.udp import UdpMode, UdpPeer
from suites.tcpip.links import (
    PEER_WAIT,
    assert_arrived,
    back_to_factory,
    host,
    ipd_after_final,
    ok_with_reports,
    send,
    start_tcp,
)

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    """Factory settings, then the station joined; links the test left open are gone with the restore."""
    yield
    back_to_factory(dut, esp_rig)


@pytest.fixture
def sink(esp_peer_factory, esp_rig):
    return esp_peer_factory(TcpServer(Sink(), host(esp_rig)))


@pytest.fixture
def echo(esp_peer_factory, esp_rig):
    return esp_peer_factory(TcpServer(Echo(), host(esp_rig)))


# --- AT+CIPSTART ------------------------------------------------------------------------------------


@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-tcp")
@pytest.mark.parametrize(
    "extra", ["", ",0", ",7200", ",60,,5000"], ids=["plain", "keep-alive-0", "keep-alive-7200", "timeout"]
)
def test_cipstart_tcp(dut, expect, esp_rig, sink, extra) -> None:
    """AT+CIPSTART/set/tcp: CONNECT then OK; the peer sees the connection from the board."""
    r, record = start_tcp(dut, esp_rig, sink, extra=extra)
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-tcp")
    assert [u.text for u in r.urcs if isinstance(u, Urc)] == ["CONNECT"]
    state = dut.cmd("AT+CIPSTATE?")
    rows = expect.ok(state, "AT+CIPSTATE", "query").rows("+CIPSTATE:")
    assert len(rows) == 1, f"AT+CIPSTATE?: expected one link, got {state.lines}"
    row = rows[0]
    assert (row["type"], row["remote IP"], row["remote port"], row["tetype"]) == (
        "TCP",
        host(esp_rig),
        sink.port,
        0,
    )
    assert row["local port"] == record.remote[1], (
        f"local port {row['local port']} vs the peer's view {record.remote}"
    )


@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-tcp")
@pytest.mark.form("AT+CIPSTATE", "query")
def test_cipstart_link_ids_0_to_4(dut, expect, esp_rig, sink) -> None:
    """AT+CIPSTART/set/link-ids: under AT+CIPMUX=1 links 0..4 open; AT+CIPCLOSE=5 closes them all."""
    dut.cmd("AT+CIPMUX=1").assert_ok()
    for link in range(5):
        r, _ = start_tcp(dut, esp_rig, sink, link_id=link)
        ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-tcp")
        assert [u.text for u in r.urcs if isinstance(u, Urc)] == [f"{link},CONNECT"]
    rows = expect.ok(dut.cmd("AT+CIPSTATE?"), "AT+CIPSTATE", "query").rows("+CIPSTATE:")
    assert sorted(row["link ID"] for row in rows) == [0, 1, 2, 3, 4]
    r = dut.cmd("AT+CIPCLOSE=5")
    assert r.ok, f"AT+CIPCLOSE=5: {r.text!r}"
    dut.drain_urcs()
    assert [ln for ln in dut.cmd("AT+CIPSTATE?").assert_ok().lines if ln] == []


@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-udp")
@pytest.mark.parametrize("mode", [0, 1, 2])
def test_cipstart_udp_modes(dut, expect, esp_rig, esp_peer_factory, mode) -> None:
    """AT+CIPSTART/set/udp: modes 0/1/2 with a local port; a datagram from a second endpoint is taken by
    mode 1 (once) and 2 as the new remote end, not by mode 0 (3.3.5)."""
    first = esp_peer_factory(UdpPeer(UdpMode.SINK, host(esp_rig)))
    second = esp_peer_factory(UdpPeer(UdpMode.SINK, host(esp_rig)))
    dut.cmd("AT+CIPMUX=1").assert_ok()
    local = 20000 + mode + (first.port % 1000) * 3
    r = dut.cmd(
        f'AT+CIPSTART=4,"UDP","{host(esp_rig)}",{first.port},{local},{mode}', esp_rig.targets.timeouts.connect
    )
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-udp")
    send(dut, esp_rig, b"first", link_id=4).assert_ok()
    board = first.wait_datagrams(1, PEER_WAIT)[0].remote
    assert board[1] == local and first.received()[0].data == b"first"
    second.send_to(board, b"from-second")
    ipd = dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.payload) == (4, b"from-second")
    send(dut, esp_rig, b"reply", link_id=4).assert_ok()
    target = second if mode in (1, 2) else first
    got = target.wait_datagrams(2 if target is first else 1, PEER_WAIT)[-1]
    assert got.data == b"reply", f"mode {mode}: the reply went to the wrong endpoint: {got}"


@pytest.mark.form("AT+CIPSTART", "set", "esp-at-cipstart-ssl")
def test_cipstart_ssl(dut, expect, esp_rig, esp_ssl_echo) -> None:
    """AT+CIPSTART/set/ssl: CONNECT, OK; data goes through TLS and comes back as +IPD."""
    r, record = start_tcp(dut, esp_rig, esp_ssl_echo, kind="SSL")
    ok_with_reports(expect, r, "AT+CIPSTART", "set", "esp-at-cipstart-ssl")
    send(dut, esp_rig, b"over tls").assert_ok()
    ipd = dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    assert isinstance(ipd, Ipd) and ipd.payload == b"over tls"
    assert record.received() == b"over tls"


@pytest.mark.form("AT+CIPSTART", "set")  # a refusal names no variant
def test_cipstart_refused(dut, expect, err_code, esp_rig) -> None:
    """A port nobody listens on: ERROR (3.3.5), no CONNECT; with AT+SYSLOG=1 the detailed
    ``+ERRNO:<error_code>`` the 3.3.5 notes promise for a failed TCP connection (3.17: SO_ERROR first)."""
    from servers.base import reserve_port

    port = reserve_port(host(esp_rig))
    r = dut.cmd(f'AT+CIPSTART="TCP","{host(esp_rig)}",{port}', esp_rig.targets.timeouts.connect)
    # the guide documents +ERRNO here, not which ERR CODE the refusal carries: only ERROR is checked of it
    expect.error(r)
    reports = [u for u in r.urcs if isinstance(u, Urc)]
    assert not any(u.kind == "CONNECT" for u in reports), r.text
    errno = [u for u in reports if u.kind == "+ERRNO"] or [dut.expect_urc("+ERRNO", 2.0)]
    value = errno[0].fields[0] if isinstance(errno[0], Urc) else ""
    assert value.strip() not in ("", "0", "0x0", "0x00000000"), f"+ERRNO should carry the failure: {errno}"


# --- AT+CIPSEND family ------------------------------------------------------------------------------


@pytest.mark.form("AT+CIPSEND", "set")
@pytest.mark.parametrize("size", [1, 2048, 8192])
def test_cipsend_exact_bytes(dut, expect, esp_rig, sink, size) -> None:
    """AT+CIPSEND/set: OK, ``>``, then ``Recv N bytes`` and SEND OK; the peer gets exactly the bytes
    (length and SHA-256), including CR LF, ``+++`` and ``>`` inside the data. A size over the judged
    guide's <length> maximum skips, naming it (v2.2.0.0_esp32: 2048 bytes; issue 19)."""
    length = expect.spec.command("AT+CIPSEND").param("length")
    top = max(r.max for r in length.range) if length is not None and length.range else None
    if top is not None and size > top:
        pytest.skip(f"AT+CIPSEND <length> {size}: over the {expect.release} guide's maximum {top}")
    _, record = start_tcp(dut, esp_rig, sink)
    unit = hashlib.sha256(str(size).encode()).digest() + b"\r\nOK\r\n+++>"
    data = (unit * (size // len(unit) + 1))[:size]
    assert len(data) == size
    r = send(dut, esp_rig, data)
    assert r.final == "SEND OK", f"expected SEND OK, got {r.final!r}: {r.text!r}"
    assert_arrived(record, data)
    # spec/ holds "Recv <length> bytes" before SEND OK (corrections.yaml, 3.3.8 after the chapter-4 examples)
    taken = expect.ok(r, "AT+CIPSEND", "set")["length"]
    assert taken == size, f"Recv {taken} bytes, expected {size} (3.3.8: the data taken): {r.text!r}"


@pytest.mark.form("AT+CIPSEND", "set")
def test_cipsend_over_maximum(dut, err_code, esp_rig, sink) -> None:
    """AT+CIPSEND/set/8193: beyond 8192 bytes (3.3.8) is ERROR without a prompt."""
    start_tcp(dut, esp_rig, sink)
    r = dut.cmd("AT+CIPSEND=8193", expect_prompt=True)
    assert not r.prompt, r.text
    # <length> (parameter 0 of the single-connection line) is beyond its maximum: 3.1.26's invalid parameter
    err_code(r, "ESP_AT_SUB_PARA_INVALID", 0)


@pytest.mark.form("AT+CIPSEND", "set")
def test_cipsend_without_link(dut, expect, esp_rig) -> None:
    """AT+CIPSEND/set with no connection: ERROR (3.3.8)."""
    r = dut.cmd("AT+CIPSEND=4", expect_prompt=True)
    assert r.final == "ERROR" and not r.prompt, r.text
    expect.error(r)


@pytest.mark.form("AT+CIPSEND", "set")
def test_cipsend_udp_remote(dut, expect, esp_rig, esp_peer_factory) -> None:
    """AT+CIPSEND/set/udp-remote: <"remote host">,<remote port> send one datagram elsewhere (4.2.4)."""
    first = esp_peer_factory(UdpPeer(UdpMode.SINK, host(esp_rig)))
    other = esp_peer_factory(UdpPeer(UdpMode.SINK, host(esp_rig)))
    dut.cmd(f'AT+CIPSTART="UDP","{host(esp_rig)}",{first.port},{first.port % 1000 + 30000},2').assert_ok()
    sent = send(dut, esp_rig, b"elsewhere", extra=f',"{host(esp_rig)}",{other.port}')
    assert expect.ok(sent, "AT+CIPSEND", "set")["length"] == len(b"elsewhere")
    assert other.wait_datagrams(1, PEER_WAIT)[0].data == b"elsewhere"
    assert first.received() == []


@pytest.mark.form("AT+CIPSENDEX", "set")
def test_cipsendex_backslash_zero(dut, expect, esp_rig, sink) -> None:
    """AT+CIPSENDEX/set: ``\\0`` in the data ends it early (3.3.11); the peer gets what came before."""
    _, record = start_tcp(dut, esp_rig, sink)
    prompt = dut.cmd("AT+CIPSENDEX=10")
    expect.ok(prompt, "AT+CIPSENDEX", "set")
    r = dut.send_data(b"abc\\0")
    assert r.final == "SEND OK", r.text
    assert_arrived(record, b"abc")
    # "Recv <xxx> bytes" counts what the board took from the command port (3.17) before the early end; the
    # guide does not say whether the two bytes of \0 count, so the count lies between the 3 data bytes and
    # the 5 bytes written, and never reaches the announced 10 (spec/corrections.yaml, 3.3.11).
    taken = expect.ok(r, "AT+CIPSENDEX", "set")["length"]
    assert 3 <= taken <= 5, f"Recv {taken} bytes after abc and \\\\0 (3 data bytes, 5 written): {r.text!r}"


@pytest.mark.form("AT+CIPSENDEX", "set")
def test_cipsendex_full_length(dut, expect, esp_rig, sink) -> None:
    """AT+CIPSENDEX/set: <length> bytes without ``\\0``: ``Recv <length> bytes``, SEND OK (3.3.11, 3.17)."""
    _, record = start_tcp(dut, esp_rig, sink)
    prompt = dut.cmd("AT+CIPSENDEX=10")
    assert prompt.prompt, prompt.text
    # The first phase of the form's response (OK and '>'); the data phase's "Recv 10 bytes" is not in
    # spec/'s AT+CIPSENDEX template yet, so SEND OK is checked alone below.
    expect.ok(prompt, "AT+CIPSENDEX", "set")
    r = dut.send_data(b"0123456789", esp_rig.targets.timeouts.connect)
    assert r.final == "SEND OK", r.text
    assert_arrived(record, b"0123456789")
    taken = expect.ok(r, "AT+CIPSENDEX", "set")["length"]
    assert taken == 10, f"Recv {taken} bytes, expected 10 (the bytes sent, 3.17): {r.text!r}"


@pytest.mark.form("AT+CIPSENDL", "set")
@pytest.mark.form("AT+CIPSENDLCFG", "set")
@pytest.mark.parametrize("size", [4096, 2500], ids=["report-multiple", "report-remainder"])
def test_cipsendl_reports(dut, expect, esp_rig, sink, size) -> None:
    """AT+CIPSENDL/set: data sent in parallel; +CIPSENDL:<had sent len>,<port recv len> reports every
    <report size> bytes (3.3.10: 1024, 2048, ...), the final report equal to the data length sent, then
    SEND OK (3.3.9); the peer gets every byte."""
    expect.ok(dut.cmd("AT+CIPSENDLCFG=1024,1000"), "AT+CIPSENDLCFG", "set")
    _, record = start_tcp(dut, esp_rig, sink)
    data = (hashlib.sha256(b"sendl").digest() * 128)[:size]
    prompt = dut.cmd(f"AT+CIPSENDL={len(data)}")
    expect.ok(prompt, "AT+CIPSENDL", "set")
    r = dut.send_data(data, esp_rig.targets.timeouts.connect)
    assert r.final == "SEND OK", r.text
    rows = expect.ok(r, "AT+CIPSENDL", "set").rows("+CIPSENDL:")
    sent = [row["had sent len"] for row in rows]
    # 3.3.10: the sequence is the multiples of <report size>, and the final report equals the length sent
    # (all of it, since SEND OK says all went to the protocol stack). Where the length is itself a multiple,
    # the guide leaves open whether that report is printed once or again as the final one: both pass.
    want = list(range(1024, size, 1024)) + [size]
    allowed = [want, [*want, size]] if size % 1024 == 0 else [want]
    assert sent in allowed, f"+CIPSENDL <had sent len> sequence {sent}, expected {want} (3.3.10): {r.text!r}"
    assert rows[-1]["port recv len"] == size, f"final report {rows[-1]}: the port received {size} bytes"
    assert all(row["had sent len"] <= row["port recv len"] <= size for row in rows), r.text
    assert_arrived(record, data)


# --- +IPD active forms (3.17) -------------------------------------------------------------------------


@pytest.mark.form("AT+CIPDINFO", "set")
@pytest.mark.parametrize(
    ("mux", "dinfo"), [(0, 0), (1, 0), (0, 1), (1, 1)], ids=["mux0", "mux1", "mux0-dinfo", "mux1-dinfo"]
)
def test_ipd_active_forms(dut, expect, esp_rig, echo, spec, mux, dinfo) -> None:
    """+IPD in the form AT+CIPMUX and AT+CIPDINFO select (3.17), after SEND OK of the send that caused it."""
    from spec.messages import ipd_form

    form = ipd_form(mux, 0, dinfo)
    dut.cmd(f"AT+CIPMUX={mux}").assert_ok()
    expect.ok(dut.cmd(f"AT+CIPDINFO={dinfo}"), "AT+CIPDINFO", "set")
    _, record = start_tcp(dut, esp_rig, echo, link_id=0 if mux else None)
    r = send(dut, esp_rig, b"ping\r\n", link_id=0 if mux else None)
    assert r.final == "SEND OK", r.text
    ipd_after_final(r)
    ipd = dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    assert isinstance(ipd, Ipd)
    text = ipd.raw.decode("latin-1").strip("\r\n")
    assert form.regex.fullmatch(text), f"expected the +IPD form {form.template!r} ({form.id}), got {text!r}"
    assert ipd.payload == b"ping\r\n" and ipd.length == 6
    assert (ipd.link_id is not None) == bool(mux)
    if dinfo:
        assert (ipd.remote_ip, ipd.remote_port) == (host(esp_rig), echo.port)


# --- AT+CIPCLOSE, CLOSED -----------------------------------------------------------------------------


@pytest.mark.form("AT+CIPCLOSE", "execute")
def test_cipclose_execute(dut, expect, esp_rig, sink) -> None:
    """AT+CIPCLOSE/execute: CLOSED, OK; the peer sees the connection end."""
    _, record = start_tcp(dut, esp_rig, sink)
    r = dut.cmd("AT+CIPCLOSE")
    ok_with_reports(expect, r, "AT+CIPCLOSE", "execute")
    record.wait_closed(PEER_WAIT)


@pytest.mark.form("AT+CIPCLOSE", "set")
def test_cipclose_set(dut, expect, esp_rig, sink) -> None:
    dut.cmd("AT+CIPMUX=1").assert_ok()
    _, record = start_tcp(dut, esp_rig, sink, link_id=2)
    r = dut.cmd("AT+CIPCLOSE=2")
    ok_with_reports(expect, r, "AT+CIPCLOSE", "set")
    assert "2,CLOSED" in [event.text for event in r.urcs if isinstance(event, Urc)] + r.lines
    record.wait_closed(PEER_WAIT)


@pytest.mark.form("AT+CIPCLOSE", "set")
def test_cipclose_unused_link(dut, expect, esp_rig) -> None:
    dut.cmd("AT+CIPMUX=1").assert_ok()
    expect.error(dut.cmd("AT+CIPCLOSE=3"))


def test_closed_by_peer(dut, esp_rig, sink) -> None:
    """The peer closes: the board reports CLOSED (3.17)."""
    _, record = start_tcp(dut, esp_rig, sink)
    sink.close_connection(record)
    dut.expect_urc("CLOSED", esp_rig.targets.timeouts.connect)


# --- AT+CIFSR, +LINK_CONN ----------------------------------------------------------------------------


@pytest.mark.form("AT+CIFSR", "execute")
@pytest.mark.parametrize("mode", [1, 2, 3], ids=["station", "softap", "station+softap"])
def test_cifsr(dut, expect, joined, mode) -> None:
    """AT+CIFSR/execute: the IP and MAC lines of each interface the Wi-Fi mode (3.2.5) enables, with the
    values AT+CIPSTA?/AT+CWJAP and AT+CIPAP?/AT+CIPAPMAC? report, and none of the others (3.3.14 note:
    only an interface with valid information is listed; IPv6 is off by default, AT+CIPV6 3.3.1)."""
    expect.ok(dut.cmd(f"AT+CWMODE={mode}"), "AT+CWMODE", "set")
    dut.drain_urcs()
    m = expect.ok(dut.cmd("AT+CIFSR"), "AT+CIFSR", "execute")
    # the template lets every line be absent (a line per valid interface); which must be there is the state's
    want: dict[str, str | None] = {
        name: None for name in ("APIP", "APMAC", "STAIP", "STAMAC", "ETHIP", "ETHMAC")
    }
    if mode in (1, 3):
        want.update(STAIP=joined.ip, STAMAC=joined.sta_mac)
    if mode in (2, 3):
        ap = expect.ok(dut.cmd("AT+CIPAP?"), "AT+CIPAP", "query")
        mac = expect.ok(dut.cmd("AT+CIPAPMAC?"), "AT+CIPAPMAC", "query")
        want.update(APIP=str(ap["ip"]), APMAC=str(mac["mac"]))
    got = {name: (None if m.get(name) is None else str(m.get(name))) for name in want}
    assert got == want, f"AT+CIFSR in Wi-Fi mode {mode}: got {got}, expected {want}"
    for name in ("APIP6LL", "APIP6GL", "STAIP6LL", "STAIP6GL", "ETHIP6LL", "ETHIP6GL"):
        assert m.get(name) is None, f"AT+CIFSR lists {name} with IPv6 off (AT+CIPV6=0 by default)"


def test_link_conn_under_sysmsg(dut, esp_rig, sink) -> None:
    """AT+SYSMSG bit 1 (3.1.15): +LINK_CONN:0,<link_id>,"TCP",0,<ip>,<port>,<local port> replaces CONNECT."""
    dut.cmd("AT+SYSMSG=2").assert_ok()
    r, record = start_tcp(dut, esp_rig, sink)
    texts = [u.text for u in r.urcs if isinstance(u, Urc)]
    want = f'+LINK_CONN:0,0,"TCP",0,"{host(esp_rig)}",{sink.port},{record.remote[1]}'
    assert texts == [want], f"expected {want!r} instead of CONNECT, got {texts}"
