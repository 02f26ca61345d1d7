"""3.4.18-3.4.25: the board's GATT server, seen from the BLE peer as a phone's app would see it.

The board creates and starts its default services (AT+BLEGATTSSRVCRE, AT+BLEGATTSSRVSTART[=<srv_index>],
AT+BLEGATTSSRVSTOP), lists them (AT+BLEGATTSSRV?, AT+BLEGATTSCHAR?: the guide's listing of 4.3,
bluetooth_le_at_examples.rst:152-170 and :695-696), and the peer connects, discovers the same table, reads
(+READ on the board), writes (+WRITE with the bytes written), enables notifications and indications through
the 0x2902 descriptors and receives exactly the bytes of AT+BLEGATTSNTFY / AT+BLEGATTSIND, and reads what
AT+BLEGATTSSETATTR set. Reports are matched against spec/urcs.yaml (ble_read, ble_write, ble_conn)."""

from __future__ import annotations

import pytest

from rigs.at.events import Urc
from spec.messages import urc

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: The peer's reports and link events come over the air at once; a ceiling, not a pace.
WAIT = 10.0

#: AT+BLEGATTSCHAR? of the default service table: bluetooth_le_at_examples.rst:152-170 (ESP32), as
#: ("char", srv, char, uuid, prop) and ("desc", srv, char, desc, uuid).
# fmt: off
GUIDE_CHARS: list[tuple[object, ...]] = [
    ("char", 1, 1, "0xC300", 0x02), ("desc", 1, 1, 1, "0x2901"),
    ("char", 1, 2, "0xC301", 0x02), ("desc", 1, 2, 1, "0x2901"),
    ("char", 1, 3, "0xC302", 0x08), ("desc", 1, 3, 1, "0x2901"),
    ("char", 1, 4, "0xC303", 0x04), ("desc", 1, 4, 1, "0x2901"),
    ("char", 1, 5, "0xC304", 0x08),
    ("char", 1, 6, "0xC305", 0x10), ("desc", 1, 6, 1, "0x2902"),
    ("char", 1, 7, "0xC306", 0x20), ("desc", 1, 7, 1, "0x2902"),
    ("char", 1, 8, "0xC307", 0x02), ("desc", 1, 8, 1, "0x2901"),
    ("char", 2, 1, "0xC400", 0x02), ("desc", 2, 1, 1, "0x2901"),
    ("char", 2, 2, "0xC401", 0x02), ("desc", 2, 2, 1, "0x2901"),
]
# fmt: on
#: AT+BLEGATTSSRV? once started: bluetooth_le_at_examples.rst:695-696 (<srv_index>,<start>,<srv_uuid>,
#: <srv_type>).
GUIDE_SERVICES = [(1, 1, "0xA002", 1), (2, 1, "0xA003", 1)]


def report(dut, template_id: str) -> Urc:
    """The next report of ``template_id``'s kind, its header checked against the template."""
    template = urc(template_id)
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == template.kind, WAIT)
    if ev.payload is None:
        assert template.regex.fullmatch(ev.text), f"{ev.text!r} does not match {template.template!r}"
    return ev


def services(dut, expect) -> list[tuple[object, ...]]:
    m = expect.ok(dut.cmd("AT+BLEGATTSSRV?"), "AT+BLEGATTSSRV", "query")
    return list(zip(m.all("srv_index"), m.all("start"), m.all("srv_uuid"), m.all("srv_type"), strict=True))


def chars(resp) -> list[tuple[object, ...]]:
    """AT+BLEGATTSCHAR?'s lines as tuples, read field by field (the template checks their shape)."""
    out: list[tuple[object, ...]] = []
    for line in resp.lines:
        if not line.startswith("+BLEGATTSCHAR:"):
            continue
        kind, *rest = line.split(":", 1)[1].split(",")
        if kind == '"char"':
            out.append(("char", int(rest[0]), int(rest[1]), rest[2], int(rest[3], 16)))
        else:
            out.append(("desc", int(rest[0]), int(rest[1]), int(rest[2]), rest[3]))
    return out


def create_and_start(dut, expect) -> None:
    expect.ok(dut.cmd("AT+BLEGATTSSRVCRE"), "AT+BLEGATTSSRVCRE", "execute")
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTART"), "AT+BLEGATTSSRVSTART", "execute")


@pytest.fixture
def served(dut, expect, esp_ble_peer):
    """The board as server (4.3.2's order: AT+BLEINIT=2, create, start, advertise); the peer connects to its
    public address (the board reports +BLECONN:0,"<peer>") and discovers its services."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    create_and_start(dut, expect)
    board = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    esp_ble_peer.connect(board, 0)
    assert report(dut, "ble_conn").text == f'+BLECONN:0,"{esp_ble_peer.address.lower()}"'
    esp_ble_peer.discover()
    return esp_ble_peer


@pytest.mark.form("AT+BLEGATTSSRVCRE", "execute")
@pytest.mark.form("AT+BLEGATTSSRVSTART", "execute")
@pytest.mark.form("AT+BLEGATTSSRV", "query")
@pytest.mark.form("AT+BLEGATTSCHAR", "query")
def test_default_services_listed(dut, expect) -> None:
    """Created: AT+BLEGATTSSRV? lists 0xA002 and 0xA003 not started (<start> 0); started: as the guide's
    listing; AT+BLEGATTSCHAR? gives the guide's ten characteristics and their descriptors."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLEGATTSSRVCRE"), "AT+BLEGATTSSRVCRE", "execute")
    assert services(dut, expect) == [(i, 0, u, t) for i, _, u, t in GUIDE_SERVICES]
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTART"), "AT+BLEGATTSSRVSTART", "execute")
    assert services(dut, expect) == GUIDE_SERVICES
    r = dut.cmd("AT+BLEGATTSCHAR?")
    expect.ok(r, "AT+BLEGATTSCHAR", "query")
    assert chars(r) == GUIDE_CHARS


@pytest.mark.form("AT+BLEGATTSSRVSTART", "set")
@pytest.mark.form("AT+BLEGATTSSRVSTOP", "set")
@pytest.mark.form("AT+BLEGATTSSRVSTOP", "execute")
def test_start_and_stop_by_index(dut, expect) -> None:
    """AT+BLEGATTSSRVSTART=2 starts the second service only; AT+BLEGATTSSRVSTOP=2 stops it; after starting
    all, AT+BLEGATTSSRVSTOP stops all (3.4.19, 3.4.20: "<srv_index>: service's index starting from 1")."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLEGATTSSRVCRE"), "AT+BLEGATTSSRVCRE", "execute")
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTART=2"), "AT+BLEGATTSSRVSTART", "set")
    assert [(i, s) for i, s, _, _ in services(dut, expect)] == [(1, 0), (2, 1)]
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTOP=2"), "AT+BLEGATTSSRVSTOP", "set")
    assert [(i, s) for i, s, _, _ in services(dut, expect)] == [(1, 0), (2, 0)]
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTART"), "AT+BLEGATTSSRVSTART", "execute")
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTOP"), "AT+BLEGATTSSRVSTOP", "execute")
    assert [(i, s) for i, s, _, _ in services(dut, expect)] == [(1, 0), (2, 0)]


def test_peer_discovers_the_table(served) -> None:
    """The peer finds 0x1800 and 0x1801 (the two default services the 4.3 note says a client sees more) and
    then 0xA002 and 0xA003 with the listing's characteristics, properties and descriptors."""
    found = served.discovered
    uuids = [s.uuid for s in found]
    assert {"0x1800", "0x1801"} <= set(uuids[:2]) and uuids[2:] == ["0xA002", "0xA003"], uuids
    seen: list[tuple[object, ...]] = []
    for srv_index, service in enumerate(found[2:], 1):
        for char_index, c in enumerate(service.characteristics, 1):
            seen.append(("char", srv_index, char_index, c.uuid, c.properties))
            seen += [("desc", srv_index, char_index, n, d) for n, d in enumerate(c.descriptors, 1)]
    assert seen == GUIDE_CHARS


def test_peer_read_is_reported(dut, served) -> None:
    """The peer reads 0xC300: the table's value "0" (0x30: gatts_data.csv of espressif/esp-at, row 2);
    the board reports +READ:0,"<peer>" (4.3.2 note)."""
    assert served.read("0xC300") == b"0"
    assert report(dut, "ble_read").text == f'+READ:0,"{served.address.lower()}"'


def test_peer_write_is_reported(dut, served) -> None:
    """The peer writes 0xC302 (write property) and the descriptor of 0xC301: +WRITE:<conn_index>,
    <srv_index>,<char_index>,[<desc_index>],<len>,<value> with the bytes written (4.3.2; empty
    <desc_index> for the characteristic itself)."""
    served.write("0xC302", b"7")
    ev = report(dut, "ble_write")
    assert (ev.fields[:5], ev.payload) == (("0", "1", "3", "", "1"), b"7"), ev
    served.write("0xC301", b"ab", descriptor="0x2901")
    ev = report(dut, "ble_write")
    assert (ev.fields[:5], ev.payload) == (("0", "1", "2", "1", "2"), b"ab"), ev


@pytest.mark.form("AT+BLEGATTSSETATTR", "set")
def test_setattr_then_peer_reads(dut, expect, served) -> None:
    """The guide's AT+BLEGATTSSETATTR=1,8,,1 and the byte "9" (4.3, bluetooth_le_at_examples.rst:795):
    ``>``, OK; the peer then reads "9" from 0xC307."""
    prompt = dut.cmd("AT+BLEGATTSSETATTR=1,8,,1")
    assert prompt.prompt, prompt.text
    expect.ok(dut.send_data(b"9"), "AT+BLEGATTSSETATTR", "set")
    assert served.read("0xC307") == b"9"
    dut.drain_urcs()


@pytest.mark.parametrize(
    ("command", "uuid", "index", "cccd", "data"),
    [
        pytest.param(
            "AT+BLEGATTSNTFY",
            "0xC305",
            6,
            b"\x01\x00",
            b"1234",
            id="AT+BLEGATTSNTFY/set",
            marks=pytest.mark.form("AT+BLEGATTSNTFY", "set"),
        ),
        pytest.param(
            "AT+BLEGATTSIND",
            "0xC306",
            7,
            b"\x02\x00",
            b"abc",
            id="AT+BLEGATTSIND/set",
            marks=pytest.mark.form("AT+BLEGATTSIND", "set"),
        ),
    ],
)
def test_notify_and_indicate_after_subscription(
    dut, expect, served, command, uuid, index, cccd, data
) -> None:
    """The peer enables notifications of 0xC305 / indications of 0xC306; the board reports the CCCD write
    (+WRITE:0,1,<char_index>,1,2,<cccd>; 4.3.2: "0x0001 to use the notify method, and 0x0002 to use the
    indicate method"); AT+BLEGATTSNTFY=0,1,6,<length> / AT+BLEGATTSIND=0,1,7,<length> (the guide's shape),
    ``>``, the bytes: OK (for an indication once the peer has confirmed), and the peer received them."""
    served.subscribe(uuid)
    ev = report(dut, "ble_write")
    assert (ev.fields[:5], ev.payload) == (("0", "1", str(index), "1", "2"), cccd), ev
    prompt = dut.cmd(f"{command}=0,1,{index},{len(data)}")
    assert prompt.prompt, prompt.text
    expect.ok(dut.send_data(data), command, "set")
    got = served.wait_received(WAIT)
    assert (got.uuid, got.value) == (uuid, data)


def test_no_notification_without_subscription(dut, served) -> None:
    """A client that has not enabled notifications gets none (4.3.2: "After the client is connected, it must
    be configured to receive notifications"); what the board answers is not documented, so only the peer's
    side is asserted."""
    prompt = dut.cmd("AT+BLEGATTSNTFY=0,1,6,4")
    if prompt.prompt:
        dut.send_data(b"1234")
    dut.cmd("AT").assert_ok()
    assert served.received.empty(), served.received.get()


@pytest.mark.parametrize(
    "text",
    [
        "AT+BLEGATTSNTFY=0,1,1,1",
        "AT+BLEGATTSNTFY=1,1,6,1",
        "AT+BLEGATTSNTFY=0,3,1,1",
        "AT+BLEGATTSSRVSTART=3",
        "AT+BLEGATTSSETATTR=1,8,,2",
        "AT+BLEGATTSSRVCRE",
    ],
    ids=[
        "notify-prop-missing",
        "notify-no-link",
        "srv-index",
        "start-srv-index",
        "setattr-over-max",
        "create-after-connection",
    ],
)
def test_refusals_on_a_served_link(dut, expect, served, text) -> None:
    """ERROR alone, no ``>``: a characteristic without the notify property (0xC300, prop 0x02), an index with
    no connection, a service the table does not have, a value longer than its maximum (0xC307: 1 byte, 3.4.25
    note), and AT+BLEGATTSSRVCRE with a connection up (3.4.18 notes)."""
    r = dut.cmd(text)
    assert not r.prompt, r.text
    expect.error(r)


@pytest.mark.parametrize("text", ["AT+BLEGATTSSRVCRE", "AT+BLEGATTSSRVSTART", "AT+BLEGATTSSETATTR=1,1,,1"])
def test_gatts_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: AT+BLEINIT first."""
    expect.error(dut.cmd(text))


def test_start_refused_before_create(dut, expect) -> None:
    """AT+BLEGATTSSRVSTART with no services created (3.4.18: create them first)."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd("AT+BLEGATTSSRVSTART"))
