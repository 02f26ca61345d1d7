"""3.3 queries that report per-link state, each checked in every state the guide distinguishes, with
expect.ok: AT+CIPSTATE? (3.3.3) with no link, a TCP, UDP or SSL client link, links of both types under
AT+CIPMUX=1 and a link a client opened to the board's server; AT+CIPSERVER? (3.3.16) with the server not yet
created, running and deleted; and the per-link settings (AT+CIPTCPOPT? 3.3.40, AT+CIPRECVMODE? 3.3.34,
AT+CIPSSLCCONF?/CCN?/CSNI?/ALPN?/PSK? 3.3.26-3.3.31) under AT+CIPMUX=0, under AT+CIPMUX=1 with no link, and
under AT+CIPMUX=1 with the link open.

AT+CWLIF (3.2.13) is checked with no station and with one joined in suites/wifi/test_softap.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from servers.behaviours import Sink
from servers.tcp import TcpClient, TcpServer
from servers.udp import UdpMode, UdpPeer
from suites.tcpip.links import back_to_factory, cipstate_rows, host, server_port, start_tcp, takes_link_id

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


@pytest.fixture
def sink(esp_peer_factory, esp_rig):
    return esp_peer_factory(TcpServer(Sink(), host(esp_rig)))


def _state(dut, expect) -> list[tuple]:
    return [
        (r["link ID"], r["type"], r["remote IP"], r["remote port"], r["local port"], r["tetype"])
        for r in cipstate_rows(dut, expect)
    ]


# --- AT+CIPSTATE? --------------------------------------------------------------------------------------


@pytest.mark.form("AT+CIPSTATE", "query")
def test_cipstate_without_links(dut, expect) -> None:
    """3.3.3: with no connection the response is OK alone (the guide's second block), under both
    AT+CIPMUX values."""
    assert _state(dut, expect) == []
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    assert _state(dut, expect) == []


@pytest.mark.form("AT+CIPSTATE", "query")
@pytest.mark.parametrize("kind", ["TCP", "UDP", "SSL"])
def test_cipstate_single_link(dut, expect, esp_rig, esp_peer_factory, request, kind) -> None:
    """3.3.3: one row for the single connection: link 0, its <"type">, the peer's address and port, the
    board's local port, <tetype> 0 (the board is the client); after AT+CIPCLOSE, OK alone again."""
    if kind == "UDP":
        peer = esp_peer_factory(UdpPeer(UdpMode.SINK, host(esp_rig)))
        local = 21000 + peer.port % 1000
        dut.cmd(f'AT+CIPSTART="UDP","{host(esp_rig)}",{peer.port},{local}').assert_ok()
        want = (0, "UDP", host(esp_rig), peer.port, local, 0)
    else:
        if kind == "TCP":
            server = esp_peer_factory(TcpServer(Sink(), host(esp_rig)))
        else:
            server = request.getfixturevalue("esp_ssl_echo")
        _, record = start_tcp(dut, esp_rig, server, kind=kind)
        want = (0, kind, host(esp_rig), server.port, record.remote[1], 0)
    assert _state(dut, expect) == [want]
    dut.cmd("AT+CIPCLOSE").assert_ok()
    dut.drain_urcs()
    assert _state(dut, expect) == []


@pytest.mark.form("AT+CIPSTATE", "query")
def test_cipstate_multiple_links(dut, expect, esp_rig, esp_peer_factory, sink) -> None:
    """3.3.3 under AT+CIPMUX=1: one row per open link with its own ID and type; a closed link's row goes."""
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    _, record = start_tcp(dut, esp_rig, sink, link_id=1)
    peer = esp_peer_factory(UdpPeer(UdpMode.SINK, host(esp_rig)))
    local = 22000 + peer.port % 1000
    dut.cmd(f'AT+CIPSTART=4,"UDP","{host(esp_rig)}",{peer.port},{local}').assert_ok()
    tcp = (1, "TCP", host(esp_rig), sink.port, record.remote[1], 0)
    udp = (4, "UDP", host(esp_rig), peer.port, local, 0)
    assert sorted(_state(dut, expect)) == [tcp, udp]
    dut.cmd("AT+CIPCLOSE=1").assert_ok()
    dut.drain_urcs()
    assert _state(dut, expect) == [udp]


@pytest.mark.form("AT+CIPSTATE", "query")
@pytest.mark.form("AT+CIPSERVER", "query")
def test_cipstate_and_cipserver_with_a_server(dut, expect, esp_rig, joined, esp_peer_factory) -> None:
    """3.3.16 AT+CIPSERVER? reports <mode> 0 before a server exists, 1 with its port and type while it runs,
    0 again after deletion; 3.3.3: a link a client opened to the server has <tetype> 1, the client's address
    and port as the remote end and the server's port as the local one."""
    m = expect.ok(dut.cmd("AT+CIPSERVER?"), "AT+CIPSERVER", "query")
    assert (m["mode"], m.get("port")) == (0, None), m.values
    port = server_port(joined.ip)
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    expect.ok(dut.cmd(f"AT+CIPSERVER=1,{port}"), "AT+CIPSERVER", "set")
    m = expect.ok(dut.cmd("AT+CIPSERVER?"), "AT+CIPSERVER", "query")
    assert (m["mode"], str(m.get("port")), m.get("type")) == (1, str(port), "TCP"), m.values
    assert _state(dut, expect) == [], "a server with no client has no link"
    client = esp_peer_factory(TcpClient())
    record = client.connect(joined.ip, port, Sink())
    dut.expect_urc("0,CONNECT", esp_rig.targets.timeouts.connect)
    assert _state(dut, expect) == [(0, "TCP", record.local[0], record.local[1], port, 1)]
    expect.ok(dut.cmd("AT+CIPSERVER=0,1"), "AT+CIPSERVER", "set")
    dut.drain_urcs()
    m = expect.ok(dut.cmd("AT+CIPSERVER?"), "AT+CIPSERVER", "query")
    assert (m["mode"], m.get("port")) == (0, None), m.values
    assert _state(dut, expect) == [], "AT+CIPSERVER=0,1 closes the server's links"


# --- per-link settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkSetting:
    """A per-link setting: its query, the set line's arguments (after ``<link ID>,`` under AT+CIPMUX=1),
    and the captures the query must show for the link afterwards."""

    command: str
    args: str
    want: dict


def _setting(command: str, args: str, want: dict):
    marks = [pytest.mark.form(command, "set"), pytest.mark.form(command, "query")]
    return pytest.param(LinkSetting(command, args, want), marks=marks, id=command)


SETTINGS = [
    # without <keep_alive>, which it does not read back and v2.2.0.0_esp32 has not (issue 19)
    _setting("AT+CIPTCPOPT", "5,1,100", {"so_linger": 5, "tcp_nodelay": 1, "so_sndtimeo": 100}),
    _setting("AT+CIPRECVMODE", "1", {"mode": 1}),
    _setting("AT+CIPSSLCCONF", "1,0,0", {"auth_mode": 1, "pki_number": 0, "ca_number": 0}),
    _setting("AT+CIPSSLCCN", '"cn.example"', {"common name": "cn.example"}),
    _setting("AT+CIPSSLCSNI", '"sni.example"', {"sni": "sni.example"}),
    _setting("AT+CIPSSLCALPN", '1,"h2"', {"alpn": "h2"}),
    _setting("AT+CIPSSLCPSK", '"psk1","hint1"', {"psk": "psk1", "hint": "hint1"}),
]


def _by_link(dut, expect, setting: LinkSetting) -> dict[int, dict]:
    """The query's rows by <link ID> (the first field is <link ID> or <link_id>). A setting the judged
    release keeps for all links at once (v3.2.0.0's AT+CIPRECVMODE=<mode>) is not per link: a skip."""
    if not takes_link_id(expect, setting.command):
        why = "one setting for all links"
        pytest.skip(f"{setting.command}: no <link ID> in the {expect.release} guide ({why})")
    rows = expect.ok(dut.cmd(f"{setting.command}?"), setting.command, "query").rows(0)
    key = "link_id" if "link_id" in rows[0] else "link ID"
    by = {row[key]: row for row in rows}
    assert len(by) == len(rows), f"{setting.command}? lists a link twice: {rows}"
    return by


def _shows(row: dict, setting: LinkSetting) -> bool:
    return all(row.get(name) == value for name, value in setting.want.items())


@pytest.mark.parametrize("setting", SETTINGS)
def test_link_setting_single_connection(dut, expect, setting) -> None:
    """Under AT+CIPMUX=0 the set form without <link ID> sets the single connection's value, which the query
    shows as link 0 (3.3.34: "For a single connection, <link ID> is 0"; the others alike)."""
    expect.ok(dut.cmd(f"{setting.command}={setting.args}"), setting.command, "set")
    rows = _by_link(dut, expect, setting)
    assert 0 in rows and _shows(rows[0], setting), f"{setting.command}? after the set: {rows}"


@pytest.mark.parametrize("link_open", [False, True], ids=["not-open", "open"])
@pytest.mark.parametrize("setting", SETTINGS)
def test_link_setting_multiple_connections(dut, expect, esp_rig, sink, setting, link_open) -> None:
    """Under AT+CIPMUX=1 the query lists links 0..4 (<link ID> 0~4, 5 meaning all); setting link 3 changes
    its row only, whether link 3 is open or not, and an open link stays open."""
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    if link_open:
        start_tcp(dut, esp_rig, sink, link_id=3)
    before = _by_link(dut, expect, setting)
    assert sorted(before) == [0, 1, 2, 3, 4], f"{setting.command}? under AT+CIPMUX=1: {sorted(before)}"
    expect.ok(dut.cmd(f"{setting.command}=3,{setting.args}"), setting.command, "set")
    after = _by_link(dut, expect, setting)
    assert _shows(after[3], setting), f"{setting.command}? link 3 after the set: {after[3]}"
    assert {k: v for k, v in after.items() if k != 3} == {k: v for k, v in before.items() if k != 3}, (
        f"{setting.command}=3,...: other links changed: {before} -> {after}"
    )
    if link_open:
        assert [row[0] for row in _state(dut, expect)] == [3], "link 3 is still open"
