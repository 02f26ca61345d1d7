"""3.4.13-3.4.15: connections. The board as central (AT+BLECONN to the advertising peer, +BLECONN,
AT+BLECONN?, AT+BLEDISCONN and +BLEDISCONN, AT+BLECONNPARAM) and as peripheral (the peer connects to the
advertising board, which reports +BLECONN, 3.17), the peer's side asserted from its own link events
(servers/ble_peer.py). Reports are matched against spec/urcs.yaml ble_conn / ble_disconn; addresses are
compared with what AT+BLEADDR? and the peer's configured address say."""

from __future__ import annotations

import pytest

from fixtures.cases import InvalidCase, invalid_cases
from rigs.at.events import Urc
from spec import load_spec
from spec.messages import urc

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: Flags and a Complete Local Name: what the peer advertises so the board can connect to it.
PEER_ADV = bytes.fromhex("020106") + b"\x09\x09ble-peer"
#: 3.4.13 <timeout>: "Range: [3,30]" seconds; the shortest keeps the failure test short.
SHORTEST_TIMEOUT = 3
#: The peer's link events and the board's reports come over the air at once; this is a ceiling, not a pace.
LINK_WAIT = 10.0


def report(dut, template_id: str, timeout: float = LINK_WAIT) -> str:
    """The next report of ``template_id``'s kind, checked whole against its template."""
    template = urc(template_id)
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == template.kind, timeout)
    assert template.regex.fullmatch(ev.text), f"{ev.text!r} does not match {template.template!r}"
    return ev.text


@pytest.fixture
def advertising_peer(esp_ble_peer):
    esp_ble_peer.advertise(PEER_ADV)
    yield esp_ble_peer


def board_address(dut, expect) -> str:
    return expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()


def connect(dut, expect, peer, index: int = 0) -> str:
    """AT+BLECONN=<index>,"<peer>",1,<timeout> (the peer's random static address): the success response
    with the peer's address, which the peer sees as a connection from the board's address (as peripheral)."""
    address = peer.address.lower()
    r = dut.cmd(f'AT+BLECONN={index},"{address}",1,{SHORTEST_TIMEOUT}', SHORTEST_TIMEOUT + 5)
    m = expect.ok(r, "AT+BLECONN", "set")
    assert (m["conn_index"], m["remote_address"].strip('"')) == (index, address), r.text
    ev = peer.wait_event("connection", LINK_WAIT)
    assert (ev.address, ev.role) == (board_address(dut, expect), "peripheral"), ev
    return address


def peer_connects(dut, expect, peer) -> str:
    """The board advertises as server (AT+BLEINIT=2); the peer connects to its public address and the board
    reports +BLECONN:0,"<peer>" (3.17). The peer's address."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    address = board_address(dut, expect)
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    peer.connect(address, 0)
    own = peer.address.lower()
    assert report(dut, "ble_conn") == f'+BLECONN:0,"{own}"'
    return own


@pytest.mark.form("AT+BLECONN", "set")
@pytest.mark.form("AT+BLECONN", "query")
@pytest.mark.form("AT+BLEDISCONN", "set")
def test_central_connects_lists_and_disconnects(dut, expect, advertising_peer) -> None:
    """AT+BLECONN to the advertising peer (4.3.2's shape +BLECONN:0,"<addr>" then OK); AT+BLECONN? lists the
    link; AT+BLEDISCONN=0 is OK, then +BLEDISCONN:0,"<addr>" and the peer sees the link end; AT+BLECONN?
    lists nothing after ("If the connection has not been established, there will be no <conn_index>")."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    address = connect(dut, expect, advertising_peer)
    m = expect.ok(dut.cmd("AT+BLECONN?"), "AT+BLECONN", "query")
    assert [(i, a.strip('"')) for i, a in zip(m.all("conn_index"), m.all("remote_address"), strict=True)] == [
        (0, address)
    ]
    expect.matches(dut.cmd("AT+BLEDISCONN=0"), "OK", "AT+BLEDISCONN")
    assert report(dut, "ble_disconn") == f'+BLEDISCONN:0,"{address}"'
    advertising_peer.wait_event("disconnection", LINK_WAIT)
    r = dut.cmd("AT+BLECONN?")
    assert r.ok and not [line for line in r.lines if line.startswith("+BLECONN")], r.text


@pytest.mark.form("AT+BLECONN", "set")
def test_connection_to_nobody_fails(dut, expect) -> None:
    """No device advertises from the address: after <timeout> the failure response +BLECONN:0,-1 then
    ERROR (3.4.13), and the index is free again. Real boards print the same to a device that is not
    advertising (espressif/esp-at issue #750, v3.2.0.0 ESP32; issue #253, v1.2.0.0, after the timeout)."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    r = dut.cmd(f'AT+BLECONN=0,"c0:ff:ee:00:00:99",1,{SHORTEST_TIMEOUT}', SHORTEST_TIMEOUT + 5)
    expect.fails(r, "AT+BLECONN", "set")
    assert "+BLECONN:0,-1" in r.lines, r.text
    r = dut.cmd("AT+BLECONN?")
    assert r.ok and not [line for line in r.lines if line.startswith("+BLECONN")], r.text


@pytest.mark.form("AT+BLECONN", "query")
def test_peripheral_reports_the_peer_connecting(dut, expect, esp_ble_peer) -> None:
    """The board advertises as server (AT+BLEINIT=2); the peer connects to its public address: the board
    reports +BLECONN:0,"<peer>" (3.17), AT+BLECONN? lists it; the peer disconnects: +BLEDISCONN:0,"<peer>"."""
    peer = peer_connects(dut, expect, esp_ble_peer)
    m = expect.ok(dut.cmd("AT+BLECONN?"), "AT+BLECONN", "query")
    assert m.all("remote_address") == [f'"{peer}"'] or m.all("remote_address") == [peer], m
    esp_ble_peer.disconnect()
    assert report(dut, "ble_disconn") == f'+BLEDISCONN:0,"{peer}"'


@pytest.mark.form("AT+BLECONN", "set")
@pytest.mark.form("AT+BLEGATTCPRIMSRV", "set")
def test_server_connects_to_its_connected_client_with_ok_alone(dut, expect, esp_ble_peer) -> None:
    """4.3.3: the server (AT+BLEINIT=2), once the peer has connected to it (+BLECONN:0,"<peer>"), sends
    AT+BLECONN=0,"<peer>": "the message OK will be prompted and the message +BLECONN... will not be
    prompted" (the step's note); the server is then the GATT client of that link, and AT+BLEGATTCPRIMSRV=0
    lists what the peer serves (either role may use the GATT client commands: espressif/esp-at#460, #643)."""
    esp_ble_peer.serve()
    peer = peer_connects(dut, expect, esp_ble_peer)
    expect.matches(dut.cmd(f'AT+BLECONN=0,"{peer}"', LINK_WAIT), "OK", "AT+BLECONN")
    m = expect.ok(dut.cmd("AT+BLEGATTCPRIMSRV=0", LINK_WAIT), "AT+BLEGATTCPRIMSRV", "set")
    assert m.all("srv_uuid") == esp_ble_peer.served_services(), m
    m = expect.ok(dut.cmd("AT+BLECONN?"), "AT+BLECONN", "query")
    assert [a.strip('"') for a in m.all("remote_address")] == [peer], m


def test_peer_vanishing_ends_the_link(dut, expect, esp_ble_air) -> None:
    """A peer that goes away without disconnecting (its device gone from the air): the board reports
    +BLEDISCONN for the link (supervision timeout, Core spec Vol 6 Part B 4.5.2)."""
    from servers.ble_peer import BumbleBlePeer

    peer = BumbleBlePeer(esp_ble_air.transport, address="C0:FF:EE:00:00:03").start()
    try:
        peer.advertise(PEER_ADV)
        expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
        address = connect(dut, expect, peer)
    finally:
        peer.stop()
    assert report(dut, "ble_disconn") == f'+BLEDISCONN:0,"{address}"'


@pytest.mark.form("AT+BLECONNPARAM", "query")
@pytest.mark.form("AT+BLECONNPARAM", "set")
def test_connparam_update_read_back(dut, expect, advertising_peer) -> None:
    """The guide's AT+BLECONNPARAM=0,12,14,1,500 (3.4.14 example) on a connection: OK, then the report of the
    applied parameters (4.11.5 prints +BLECONNPARAM:0,800,800,800,0,500 after its AT+BLECONNPARAM=0,800,800,0,500
    answered OK), then AT+BLECONNPARAM? gives <min_interval> 12, <max_interval> 14, a <cur_interval> between
    them, <latency> 1, <timeout> 500."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    connect(dut, expect, advertising_peer)
    m = expect.ok(dut.cmd("AT+BLECONNPARAM?"), "AT+BLECONNPARAM", "query")
    assert m["conn_index"] == 0 and m["cur_interval"] > 0, m
    expect.ok(dut.cmd("AT+BLECONNPARAM=0,12,14,1,500", LINK_WAIT), "AT+BLECONNPARAM", "set")
    text = report(dut, "ble_conn_param")
    index, mn, mx, cur, latency, timeout = (int(v) for v in text.split(":", 1)[1].split(","))
    assert (index, mn, mx, latency, timeout) == (0, 12, 14, 1, 500) and 12 <= cur <= 14, text
    m = expect.ok(dut.cmd("AT+BLECONNPARAM?"), "AT+BLECONNPARAM", "query")
    got = (m["conn_index"], m["min_interval"], m["max_interval"], m["latency"], m["timeout"])
    assert got == (0, 12, 14, 1, 500), m
    assert 12 <= m["cur_interval"] <= 14, m


#: The guide's example (3.4.14) as the valid invocation the generated cases change one parameter of.
CONNPARAM_VALID = ["0", "12", "14", "1", "500"]

#: What fixtures/cases.py cannot derive from the ranges: <min_interval> above <max_interval> ("It should be
#: less than or equal to the value of <max_interval>"), <min_interval> 5 below the set range [0x0006,0x0C80]
#: (the generated "min" case is -1: spec/ also admits the 0 that reports print for "not known"), one
#: parameter short, and a <conn_index> in range with no connection ("the connection has to be established
#: first", 3.4.14 note). ERROR alone: the guide gives no code for them.
CONNPARAM_REFUSED = [
    ("min-over-max", "AT+BLECONNPARAM=0,14,12,1,500"),
    ("min-interval-5", "AT+BLECONNPARAM=0,5,14,1,500"),
    ("four-params", "AT+BLECONNPARAM=0,12,14,1"),
    ("no-such-link", "AT+BLECONNPARAM=1,12,14,1,500"),
]


def _connparam_cases() -> list[object]:
    command = load_spec().command("AT+BLECONNPARAM")
    form = command.form("set")
    assert form is not None
    out: list[object] = [
        pytest.param(case, id=f"AT+BLECONNPARAM/set/{case.id}")
        for case in invalid_cases(command, form.syntax[0], CONNPARAM_VALID)
    ]
    out += [
        pytest.param(InvalidCase(label, line, ""), id=f"AT+BLECONNPARAM/set/{label}")
        for label, line in CONNPARAM_REFUSED
    ]
    return out


@pytest.mark.form("AT+BLECONNPARAM", "set")
@pytest.mark.parametrize("case", _connparam_cases())
def test_connparam_invalid(dut, expect, err_code, advertising_peer, case: InvalidCase) -> None:
    """On an open connection (so that only the mistake is wrong): 3.4.14's ranges (generated from spec/ by
    fixtures/cases.py with the ERR CODE of their class, 3.1.26), min <= max, the parameter count and an index
    with no connection (ERROR alone). The connection's parameters stay as they were."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    connect(dut, expect, advertising_peer)
    before = expect.ok(dut.cmd("AT+BLECONNPARAM?"), "AT+BLECONNPARAM", "query")
    r = dut.cmd(case.line)
    if case.err_name:
        err_code(r, case.err_name, case.param_index, **case.expect_kwargs())
    else:
        expect.error(r)
    after = expect.ok(dut.cmd("AT+BLECONNPARAM?"), "AT+BLECONNPARAM", "query")
    assert after.all("cur_interval") == before.all("cur_interval"), (before, after)


@pytest.mark.parametrize(
    "text",
    [
        'AT+BLECONN=3,"c0:ff:ee:00:00:01"',
        'AT+BLECONN=0,"c0:ff:ee:00:00:01",2',
        'AT+BLECONN=0,"c0:ff:ee:00:00:01",1,2',
        'AT+BLECONN=0,"c0:ff:ee:00:00:01",1,31',
        "AT+BLECONN=0",
        "AT+BLEDISCONN=0",
        "AT+BLEDISCONN=3",
    ],
    ids=[
        "index",
        "addr_type",
        "timeout-low",
        "timeout-high",
        "no-address",
        "disconn-no-link",
        "disconn-index",
    ],
)
def test_conn_invalid(dut, expect, text) -> None:
    """3.4.13's <conn_index> [0,2], <addr_type> 0/1, <timeout> [3,30], a missing address; AT+BLEDISCONN of an
    index with no connection or out of range: ERROR alone."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.error(dut.cmd(text))


@pytest.mark.parametrize(
    "text", ["AT+BLECONN?", 'AT+BLECONN=0,"c0:ff:ee:00:00:01"', "AT+BLEDISCONN=0", "AT+BLECONNPARAM?"]
)
def test_connections_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: AT+BLEINIT first (3.4.13 notes: AT+BLECONN? then prints no +BLECONN line)."""
    r = dut.cmd(text)
    assert r.final == "ERROR" or not [line for line in r.lines if line.startswith("+BLE")], r.text


#: What a peer's GATT server negotiates at most (Core spec Vol 3 Part F 3.2.8: an ATT_MTU of up to 517 is
#: what a 512-byte attribute value needs); the board asks for less, so the peer's maximum does not bind.
ASKED_MTU = 300


@pytest.mark.form("AT+BLECFGMTU", "query")
@pytest.mark.form("AT+BLECFGMTU", "set")
def test_mtu_negotiated_by_the_client(dut, expect, advertising_peer) -> None:
    """Connected: AT+BLECFGMTU? gives the default ATT_MTU 23 (Core spec Vol 3 Part F 3.2.8); the guide's
    AT+BLECFGMTU=0,300 is OK ("only indicates an attempt"), and AT+BLECFGMTU? then reads the negotiated 300,
    which the peer's side of the link uses too."""
    import time

    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    connect(dut, expect, advertising_peer)
    m = expect.ok(dut.cmd("AT+BLECFGMTU?"), "AT+BLECFGMTU", "query")
    assert (m["conn_index"], m["mtu_size"]) == (0, 23), m
    expect.ok(dut.cmd(f"AT+BLECFGMTU=0,{ASKED_MTU}"), "AT+BLECFGMTU", "set")
    deadline = time.monotonic() + LINK_WAIT  # a ceiling for the exchange over the air, not a pace
    while True:
        m = expect.ok(dut.cmd("AT+BLECFGMTU?"), "AT+BLECFGMTU", "query")
        if m["mtu_size"] != 23 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert m["mtu_size"] == ASKED_MTU, m
    assert advertising_peer.mtu() == ASKED_MTU


@pytest.mark.parametrize("args", ["0,22", "0,518", "1,300", "0"], ids=["min", "max", "no-link", "one-param"])
def test_mtu_refused(dut, expect, advertising_peer, args) -> None:
    """3.4.17's <mtu_size> [23,517], an index with no connection, a missing <mtu_size>: ERROR alone."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    connect(dut, expect, advertising_peer)
    expect.error(dut.cmd(f"AT+BLECFGMTU={args}"))


def test_mtu_set_refused_to_the_server(dut, expect, esp_ble_peer) -> None:
    """3.4.17 notes: "Only the client can call this command to set the length of MTU": the board as server
    (the peer connected to it) gets ERROR."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    address = board_address(dut, expect)
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    esp_ble_peer.connect(address, 0)
    report(dut, "ble_conn")
    expect.error(dut.cmd(f"AT+BLECFGMTU=0,{ASKED_MTU}"))


@pytest.mark.form("AT+BLEDATALEN", "set")
def test_data_length_reaches_the_peer(dut, expect, advertising_peer) -> None:
    """The guide's AT+BLEDATALEN=0,30 (3.4.16 example) on a connection: OK, and the peer may now receive
    30-byte payloads from the board (its LE Data Length Change, Core spec Vol 4 Part E 7.7.65.7)."""
    import time

    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    connect(dut, expect, advertising_peer)
    expect.ok(dut.cmd("AT+BLEDATALEN=0,30"), "AT+BLEDATALEN", "set")
    deadline = time.monotonic() + LINK_WAIT  # the event crosses the air; a ceiling, not a pace
    while advertising_peer.max_rx_octets() != 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert advertising_peer.max_rx_octets() == 30


@pytest.mark.parametrize("args", ["0,26", "0,252", "1,30", "0"], ids=["min", "max", "no-link", "one-param"])
def test_data_length_refused(dut, expect, advertising_peer, args) -> None:
    """3.4.16's <pkt_data_len> [0x001B,0x00FB], an index with no connection, a missing parameter: ERROR."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    connect(dut, expect, advertising_peer)
    expect.error(dut.cmd(f"AT+BLEDATALEN={args}"))
