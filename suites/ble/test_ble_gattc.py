"""3.4.26, 3.4.28-3.4.30: the board as GATT client of the BLE peer's server (servers/ble_peer.py `serve`).

The board connects to the advertising peer (AT+BLEINIT=1, AT+BLECONN), discovers its primary services
(AT+BLEGATTCPRIMSRV: what the peer really serves, in its handle order, 0x1800 and 0x1801 included as the 4.3
note says), their characteristics and descriptors (AT+BLEGATTCCHAR), reads (AT+BLEGATTCRD: the peer's value,
byte for byte), writes (AT+BLEGATTCWR: the peer receives exactly the bytes), enables notifications and
indications through the 0x2902 descriptor and reports what the peer sends (+NOTIFY, +INDICATE, 3.17)."""

from __future__ import annotations

import pytest

from rigs.at.events import Urc

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

PEER_ADV = bytes.fromhex("020106") + b"\x09\x09ble-peer"
WAIT = 10.0


@pytest.fixture
def client(dut, expect, esp_ble_peer):
    """The peer serving its service and advertising; the board connected to it as client."""
    esp_ble_peer.serve()
    esp_ble_peer.advertise(PEER_ADV)
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    address = esp_ble_peer.address.lower()
    expect.ok(dut.cmd(f'AT+BLECONN=0,"{address}",1,3', 8), "AT+BLECONN", "set")
    return esp_ble_peer


def discover(dut, expect, peer) -> int:
    """AT+BLEGATTCPRIMSRV=0 and AT+BLEGATTCCHAR of the peer's own service; its <srv_index>."""
    m = expect.ok(dut.cmd("AT+BLEGATTCPRIMSRV=0", WAIT), "AT+BLEGATTCPRIMSRV", "set")
    srv_index = m.all("srv_uuid").index(peer.SERVICE) + 1
    expect.ok(dut.cmd(f"AT+BLEGATTCCHAR=0,{srv_index}", WAIT), "AT+BLEGATTCCHAR", "set")
    return srv_index


def write(dut, expect, args: str, data: bytes) -> None:
    prompt = dut.cmd(f"AT+BLEGATTCWR={args},{len(data)}")
    assert prompt.prompt, prompt.text
    expect.ok(dut.send_data(data, WAIT), "AT+BLEGATTCWR", "set")


@pytest.mark.form("AT+BLEGATTCPRIMSRV", "set")
@pytest.mark.form("AT+BLEGATTCCHAR", "set")
def test_discovery_lists_what_the_peer_serves(dut, expect, client) -> None:
    """Every service the peer serves, numbered from 1 in its order, <srv_type> 1; the service's
    characteristics with their properties (hex, as 4.3 prints 0x02) and the 0x2902 descriptor bumble gives
    the notify and indicate ones."""
    m = expect.ok(dut.cmd("AT+BLEGATTCPRIMSRV=0", WAIT), "AT+BLEGATTCPRIMSRV", "set")
    served = client.served_services()
    assert m.all("srv_uuid") == served and {"0x1800", "0x1801"} <= set(served), m
    assert m.all("srv_index") == list(range(1, len(served) + 1)) and set(m.all("srv_type")) == {1}
    assert set(m.all("conn_index")) == {0}
    srv = served.index(client.SERVICE) + 1
    r = dut.cmd(f"AT+BLEGATTCCHAR=0,{srv}", WAIT)
    expect.ok(r, "AT+BLEGATTCCHAR", "set")
    got = [line.split(":", 1)[1] for line in r.lines if line.startswith("+BLEGATTCCHAR:")]
    (a, pa), (b, pb), (c, pc) = client.CHARACTERISTICS
    assert got == [
        f'"char",0,{srv},1,{a},0x{pa:02X}',
        f'"char",0,{srv},2,{b},0x{pb:02X}',
        f'"desc",0,{srv},2,1,0x2902',
        f'"char",0,{srv},3,{c},0x{pc:02X}',
        f'"desc",0,{srv},3,1,0x2902',
    ], r.text


@pytest.mark.form("AT+BLEGATTCRD", "set")
@pytest.mark.form("AT+BLEGATTCWR", "set")
def test_read_write_read(dut, expect, client) -> None:
    """AT+BLEGATTCRD gives the peer's value as +BLEGATTCRD:0,<len>,<value>; AT+BLEGATTCWR=...,,3 and "abc":
    ``>``, OK, the peer received "abc", and a second read gives it back."""
    srv = discover(dut, expect, client)
    m = expect.ok(dut.cmd(f"AT+BLEGATTCRD=0,{srv},1", WAIT), "AT+BLEGATTCRD", "set")
    assert (m["conn_index"], m["len"], str(m["value"])) == (0, 4, client.INITIAL_VALUE.decode()), m
    write(dut, expect, f"0,{srv},1,", b"abc")
    got = client.wait_written(WAIT)
    assert (got.uuid, got.value) == ("0xFF02", b"abc")
    m = expect.ok(dut.cmd(f"AT+BLEGATTCRD=0,{srv},1", WAIT), "AT+BLEGATTCRD", "set")
    assert (m["len"], str(m["value"])) == (3, "abc"), m


@pytest.mark.parametrize(
    ("char", "cccd", "kind"),
    [(2, b"\x01\x00", "+NOTIFY"), (3, b"\x02\x00", "+INDICATE")],
    ids=["notify", "indicate"],
)
def test_notifications_reported_after_enabling(dut, expect, client, char, cccd, kind) -> None:
    """The board writes 0x0001 (notify) or 0x0002 (indicate) to the characteristic's 0x2902 descriptor
    (4.3.2); the peer then sends "hi": +NOTIFY / +INDICATE:0,<srv_index>,<char_index>,2,hi."""
    srv = discover(dut, expect, client)
    write(dut, expect, f"0,{srv},{char},1", cccd)
    uuid = client.CHARACTERISTICS[char - 1][0]
    client.notify(uuid, b"hi", indicate=kind == "+INDICATE")
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == kind, WAIT)
    assert (ev.fields[:4], ev.payload) == (("0", str(srv), str(char), "2"), b"hi"), ev


@pytest.mark.parametrize(
    "text",
    [
        "AT+BLEGATTCPRIMSRV=1",
        "AT+BLEGATTCCHAR=0,99",
        "AT+BLEGATTCRD=0,{srv},9",
        "AT+BLEGATTCRD=0,{srv},1,1",
        "AT+BLEGATTCWR=1,{srv},1,,1",
    ],
    ids=["primsrv-no-link", "char-srv-index", "read-char-index", "read-no-descriptor", "write-no-link"],
)
def test_client_refusals(dut, expect, client, text) -> None:
    """ERROR alone, no ``>``: an index with no connection ("The Bluetooth LE connection has to be established
    first"), a service or characteristic the peer does not have, a descriptor 0xFF02 does not have."""
    srv = discover(dut, expect, client)
    r = dut.cmd(text.format(srv=srv), WAIT)
    assert not r.prompt, r.text
    expect.error(r)


@pytest.mark.form("AT+BLEGATTCINCLSRV", "set")
def test_included_service(dut, expect, client) -> None:
    """The peer's 0xFF10 includes its 0xFF01: AT+BLEGATTCINCLSRV=0,<0xFF10's srv_index> gives one line with
    0xFF10 (primary) and the included 0xFF01, itself one of the primary services (type 1)."""
    m = expect.ok(dut.cmd("AT+BLEGATTCPRIMSRV=0", WAIT), "AT+BLEGATTCPRIMSRV", "set")
    srv = m.all("srv_uuid").index(client.INCLUDING) + 1
    m = expect.ok(dut.cmd(f"AT+BLEGATTCINCLSRV=0,{srv}", WAIT), "AT+BLEGATTCINCLSRV", "set")
    got = (
        m["conn_index"],
        m["srv_index"],
        m["srv_uuid"],
        m["srv_type"],
        m["included_srv_uuid"],
        m["included_srv_type"],
    )
    assert got == (0, srv, client.INCLUDING, 1, client.SERVICE, 1), m
