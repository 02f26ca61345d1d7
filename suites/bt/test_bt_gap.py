"""3.5.2-3.5.5, 3.5.22, 3.5.23: AT+BTINIT (its query before and after, deinit), AT+BTNAME (default, set,
length, seen by the peer's inquiry, kept under AT+SYSSTORE=1), AT+BTSCANMODE (each mode seen from the peer:
found by its inquiry or not, answering its page or not), AT+BTSTARTDISC (the peer's address, name and Class
of Device as the board reports them), AT+BTCOD (the peer's inquiry reads the class the board set), AT+BTPOWER
(the guide's example read back), and the refusal of each before AT+BTINIT.

The peer is servers/bt_peer.py (fixture ``esp_bt_peer``) on the worker's air: a phone whose Class of
Device is 4.10.4's smartphone (0x2,0x3,0x2d0)."""

from __future__ import annotations

import pytest

from servers.bt_peer import PHONE_COD, BumbleBtPeer
from suites.bt.helpers import board_address

pytestmark = [pytest.mark.bt, pytest.mark.requires("bt"), pytest.mark.usefixtures("fresh_board")]

#: The shortest inquiry 3.5.5 allows (<inq_len> 0x01: 1.28 s) and one response: the board's discovery
#: ends as soon as the peer answers.
ONE_PEER = "AT+BTSTARTDISC=0,1,1"
DISC_TIMEOUT = 10


def board_seen(peer: BumbleBtPeer, address: str):
    """What the peer's inquiry found at ``address`` (None: the board did not answer)."""
    return next((f for f in peer.inquire(1.28) if f.address == address), None)


@pytest.mark.form("AT+BTINIT", "query")
@pytest.mark.form("AT+BTINIT", "set")
def test_btinit_read_back(dut, expect) -> None:
    """+BTINIT:0 before initialization, +BTINIT:1 after AT+BTINIT=1, 0 again after AT+BTINIT=0 (3.5.2)."""
    r = dut.cmd("AT+BTINIT?")
    expect.ok(r, "AT+BTINIT", "query")
    assert "+BTINIT:0" in r.lines, r.text
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    r = dut.cmd("AT+BTINIT?")
    expect.ok(r, "AT+BTINIT", "query")
    assert "+BTINIT:1" in r.lines, r.text
    expect.ok(dut.cmd("AT+BTINIT=0"), "AT+BTINIT", "set")
    r = dut.cmd("AT+BTINIT?")
    expect.ok(r, "AT+BTINIT", "query")
    assert "+BTINIT:0" in r.lines, r.text


@pytest.mark.form("AT+BTINIT", "set")
@pytest.mark.parametrize("text", ["AT+BTINIT=2", "AT+BTINIT=-1", "AT+BTINIT=1,1"])
def test_btinit_invalid(dut, expect, text) -> None:
    """<init> outside 0/1 and an extra parameter: ERROR, the stack stays uninitialized."""
    expect.error(dut.cmd(text))
    assert "+BTINIT:0" in dut.cmd("AT+BTINIT?").assert_ok().lines


def test_btinit_execute_form_is_not_defined(dut, expect) -> None:
    """3.5.2 defines only the query and set forms: bare AT+BTINIT is ERROR and nothing is initialized."""
    expect.error(dut.cmd("AT+BTINIT"))
    assert "+BTINIT:0" in dut.cmd("AT+BTINIT?").assert_ok().lines


@pytest.mark.parametrize(
    "text",
    [
        "AT+BTNAME?",
        'AT+BTNAME="x"',
        "AT+BTSCANMODE=2",
        ONE_PEER,
        "AT+BTCOD=6,32,32",
        "AT+BTPOWER?",
        "AT+BTPOWER=5,6",
        "AT+BTSPPINIT=2",
        "AT+BTSECPARAM?",
        "AT+BTENCDEV?",
    ],
    ids=lambda t: t,
)
def test_commands_refused_before_btinit(dut, expect, text) -> None:
    """Every 3.5 example starts with AT+BTINIT=1; before it there is no Classic stack to name, scan or pair:
    ERROR (state refusal; 3.5 has no sentence on it, so only ERROR is checked, suites/README.md)."""
    expect.error(dut.cmd(text))


@pytest.mark.form("AT+BTNAME", "query")
@pytest.mark.form("AT+BTNAME", "set")
@pytest.mark.form("AT+BTSCANMODE", "set")
def test_btname_default_set_length_and_seen(dut, expect, esp_bt_peer) -> None:
    """<device_name>: "The maximum length is 32. Default: "ESP32_AT"." (3.5.3); the guide's example name is
    read back and is the name the peer's inquiry hears; 33 characters are refused and the name stays."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    assert expect.ok(dut.cmd("AT+BTNAME?"), "AT+BTNAME", "query")["device_name"] == "ESP32_AT"
    expect.ok(dut.cmd('AT+BTNAME="esp_demo"'), "AT+BTNAME", "set")
    assert expect.ok(dut.cmd("AT+BTNAME?"), "AT+BTNAME", "query")["device_name"] == "esp_demo"
    expect.ok(dut.cmd("AT+BTSCANMODE=2"), "AT+BTSCANMODE", "set")
    seen = [f for f in esp_bt_peer.inquire(1.28) if f.name == "esp_demo"]
    assert len(seen) == 1, f"the peer's inquiry should hear the board as esp_demo: {seen}"
    expect.ok(dut.cmd(f'AT+BTNAME="{"n" * 32}"'), "AT+BTNAME", "set")
    expect.error(dut.cmd(f'AT+BTNAME="{"n" * 33}"'))
    assert expect.ok(dut.cmd("AT+BTNAME?"), "AT+BTNAME", "query")["device_name"] == "n" * 32
    expect.ok(dut.cmd('AT+BTNAME="ESP32_AT"'), "AT+BTNAME", "set")


@pytest.mark.form("AT+BTNAME", "set")
@pytest.mark.form("AT+BTNAME", "query")
def test_btname_kept_under_sysstore(dut, expect) -> None:
    """3.5.3 note: "saved in the NVS partition if AT+SYSSTORE=1" (the default): the name survives AT+RST;
    with AT+SYSSTORE=0 a new name lasts until the restart only."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd('AT+BTNAME="kept"'), "AT+BTNAME", "set")
    dut.cmd("AT+SYSSTORE=0").assert_ok()
    expect.ok(dut.cmd('AT+BTNAME="lost"'), "AT+BTNAME", "set")
    assert expect.ok(dut.cmd("AT+BTNAME?"), "AT+BTNAME", "query")["device_name"] == "lost"
    restart(dut)
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    assert expect.ok(dut.cmd("AT+BTNAME?"), "AT+BTNAME", "query")["device_name"] == "kept"
    expect.ok(dut.cmd('AT+BTNAME="ESP32_AT"'), "AT+BTNAME", "set")


def restart(dut) -> None:
    """AT+RST and wait for ready (3.1.2)."""
    from rigs.at.events import Ready

    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc(lambda e: isinstance(e, Ready), 10)
    dut.drain_urcs()


@pytest.mark.form("AT+BTSCANMODE", "set")
@pytest.mark.parametrize(
    ("mode", "discoverable", "connectable"),
    [(0, False, False), (1, False, True), (2, True, True), (3, True, False)],
    ids=["neither", "connectable", "both", "discoverable"],
)
def test_btscanmode_seen_from_the_peer(dut, expect, esp_bt_peer, mode, discoverable, connectable) -> None:
    """3.5.4 <scan_mode>: the peer's inquiry finds the board only in modes 2 and 3 (discoverable); its page
    is answered only in modes 1 and 2 (connectable)."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    address = board_address(dut, esp_bt_peer)
    expect.ok(dut.cmd(f"AT+BTSCANMODE={mode}"), "AT+BTSCANMODE", "set")
    assert (board_seen(esp_bt_peer, address) is not None) == discoverable
    try:
        esp_bt_peer.connect_only(address)
        paged = True
    except Exception:  # noqa: BLE001 - the page timed out (bumble raises the HCI error)
        paged = False
    assert paged == connectable, f"AT+BTSCANMODE={mode}: page answered {paged}, expected {connectable}"
    if paged:
        esp_bt_peer.disconnect()


@pytest.mark.form("AT+BTSCANMODE", "set")
@pytest.mark.parametrize("text", ["AT+BTSCANMODE=4", "AT+BTSCANMODE=-1", "AT+BTSCANMODE=2,1"])
def test_btscanmode_invalid(dut, expect, text) -> None:
    """<scan_mode> outside 0..3 and an extra parameter: ERROR."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.error(dut.cmd(text))


@pytest.mark.form("AT+BTSTARTDISC", "set")
def test_btstartdisc_reports_the_peer(dut, expect, esp_bt_peer) -> None:
    """AT+BTSTARTDISC (3.5.5) with the peer discoverable: its line carries the peer's address, its name and
    the fields of its Class of Device in the order of 3.5.5 (4.10.4's phone: 0x2,0x3,0x2d0), then OK."""
    esp_bt_peer.set_discoverable(True)
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    m = expect.ok(dut.cmd(ONE_PEER, DISC_TIMEOUT), "AT+BTSTARTDISC", "set")
    rows = list(
        zip(
            m.all("bt_addr"),
            m.all("dev_name"),
            m.all("major_dev_class"),
            m.all("minor_dev_class"),
            m.all("major_srv_class"),
            strict=True,
        )
    )
    want = (
        esp_bt_peer.address,
        BumbleBtPeer.NAME,
        (PHONE_COD >> 8) & 0x1F,
        (PHONE_COD >> 2) & 0x3F,
        PHONE_COD >> 13,
    )
    assert [tuple(str(v).lower() if i == 0 else v for i, v in enumerate(r)) for r in rows] == [want], rows


def test_btstartdisc_leaves_out_what_does_not_answer(dut, expect, esp_bt_peer) -> None:
    """A peer with inquiry scan off is not found; a limited inquiry (<inq_mode> 1) finds no device that is
    only generally discoverable: OK with no line (the form's block shows lines only for devices found)."""
    esp_bt_peer.set_discoverable(False)
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    r = dut.cmd("AT+BTSTARTDISC=0,1,0", DISC_TIMEOUT)
    assert r.ok and not [ln for ln in r.lines if ln.startswith("+BTSTARTDISC")], r.text
    esp_bt_peer.set_discoverable(True)
    r = dut.cmd("AT+BTSTARTDISC=1,1,0", DISC_TIMEOUT)
    assert r.ok and not [ln for ln in r.lines if ln.startswith("+BTSTARTDISC")], r.text


@pytest.mark.form("AT+BTCOD", "set")
def test_btcod_seen_by_the_peer(dut, expect, esp_bt_peer) -> None:
    """AT+BTCOD=6,32,32, the guide's printer (3.5.22): the Class of Device the peer's inquiry reads has major
    class 6 (imaging), minor 32 and service 32 in their fields (Assigned Numbers 2.8: service << 13,
    major << 8, minor << 2)."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTCOD=6,32,32"), "AT+BTCOD", "set")
    seen = board_seen(esp_bt_peer, board_address(dut, esp_bt_peer))
    assert seen is not None, "the peer's inquiry did not find the board"
    assert seen.class_of_device == (32 << 13) | (6 << 8) | (32 << 2), hex(seen.class_of_device)


@pytest.mark.form("AT+BTCOD", "set")
@pytest.mark.parametrize(
    "text", ["AT+BTCOD=6,32", "AT+BTCOD=6,32,32,1", 'AT+BTCOD="6",32,32', "AT+BTCOD=32,0,0"]
)
def test_btcod_invalid(dut, expect, text) -> None:
    """A missing or extra field, a string where a number belongs, a major class beyond its five bits
    (Assigned Numbers 2.8.2): ERROR."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.error(dut.cmd(text))


@pytest.mark.form("AT+BTPOWER", "query")
@pytest.mark.form("AT+BTPOWER", "set")
def test_btpower_example_read_back(dut, expect) -> None:
    """AT+BTPOWER=5,6, the guide's example (3.5.23), read back; the range ends 0 and 7 are taken; 8 and -1
    are refused and the levels stay."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTPOWER?"), "AT+BTPOWER", "query")
    expect.ok(dut.cmd("AT+BTPOWER=0,7"), "AT+BTPOWER", "set")
    m = expect.ok(dut.cmd("AT+BTPOWER?"), "AT+BTPOWER", "query")
    assert (m["min_tx_power"], m["max_tx_power"]) == (0, 7)
    expect.ok(dut.cmd("AT+BTPOWER=5,6"), "AT+BTPOWER", "set")
    for bad in ("AT+BTPOWER=8,8", "AT+BTPOWER=-1,6", "AT+BTPOWER=5", "AT+BTPOWER=5,6,7"):
        expect.error(dut.cmd(bad))
    m = expect.ok(dut.cmd("AT+BTPOWER?"), "AT+BTPOWER", "query")
    assert (m["min_tx_power"], m["max_tx_power"]) == (5, 6)
