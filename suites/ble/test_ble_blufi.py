"""3.4.45-3.4.47: BluFi with the BLE peer as the phone's BluFi app (servers/blufi.py reads and writes the
frames of ESP-IDF's BluFi profile). AT+BLUFI starts and stops it (the peer's scanner hears the BluFi name,
and nothing after the stop), AT+BLUFI? and AT+BLUFINAME read back; the phone's connection is reported
+BLUFICONN and its end +BLUFIDISCONN (spec/urcs.yaml, from example 4.12.1); the phone provisions the rig's AP
(its SSID and password, then the connect request) and the board joins it with WIFI CONNECTED and WIFI GOT IP
(4.12.1), which the board reports to the phone unasked and on its status request; AT+BLUFISEND's bytes
reach the phone as a custom-data frame (fragmented when they exceed one ATT value), the phone's custom data
is reported +BLUFIDATA:<len>,<data> (3.17); AT+BLUFI is refused while Bluetooth LE is initialized (3.4.45
note)."""

from __future__ import annotations

import os

import pytest

from rigs.at.events import Urc
from servers import blufi
from suites.ble.reports import query_line, report

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: A ceiling for the air, not a pace.
WAIT = 10.0
#: 3.4.46 notes: "Otherwise, it will use the default name BLUFI_DEVICE"; "The maximum length ... is 26 bytes".
DEFAULT_NAME = "BLUFI_DEVICE"
NAME_MAX = 26
#: 3.4.47 notes: "The length of customized data cannot exceed 600 bytes".
SEND_MAX = 600
SCAN_S = 1.0


@pytest.fixture(autouse=True)
def blufi_off(dut):
    yield
    dut.cmd("AT+BLUFI=0")
    dut.drain_urcs()


def names_heard(peer, address: str) -> set[bytes]:
    """The Complete Local Names the peer's scanner hears from ``address``."""
    out = set()
    for seen in peer.scan(SCAN_S):
        if seen.address != address:
            continue
        data, i = seen.data, 0
        while i + 1 < len(data) and data[i]:
            if data[i + 1] == 0x09:
                out.add(data[i + 2 : i + 1 + data[i]])
            i += 1 + data[i]
    return out


def bt_address(dut, expect) -> str:
    """The board's Bluetooth address: AT+BLEADDR? needs AT+BLEINIT, which BluFi must not have (3.4.45)."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    address = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd("AT+BLEINIT=0"), "AT+BLEINIT", "set")
    return address


def state(dut, expect) -> str:
    """AT+BLUFI? matched against 3.4.45's two blocks; the line that came."""
    return query_line(dut, expect, "AT+BLUFI")


@pytest.mark.form("AT+BLUFI", "set")
@pytest.mark.form("AT+BLUFI", "query")
@pytest.mark.form("AT+BLUFINAME", "query")
def test_blufi_start_advertises_the_default_name(dut, expect, esp_ble_peer) -> None:
    """+BLUFI:0 before; AT+BLUFI=1: +BLUFI:1 and the peer hears BLUFI_DEVICE from the board; AT+BLUFI=0:
    +BLUFI:0 and nothing more is heard."""
    address = bt_address(dut, expect)
    assert state(dut, expect) == "+BLUFI:0"
    assert expect.ok(dut.cmd("AT+BLUFINAME?"), "AT+BLUFINAME", "query")["device_name"] == DEFAULT_NAME
    expect.ok(dut.cmd("AT+BLUFI=1"), "AT+BLUFI", "set")
    assert state(dut, expect) == "+BLUFI:1"
    assert names_heard(esp_ble_peer, address) == {DEFAULT_NAME.encode()}
    expect.ok(dut.cmd("AT+BLUFI=0"), "AT+BLUFI", "set")
    assert state(dut, expect) == "+BLUFI:0"
    assert names_heard(esp_ble_peer, address) == set()


@pytest.mark.form("AT+BLUFINAME", "set")
@pytest.mark.form("AT+BLUFINAME", "query")
def test_blufiname_is_advertised(dut, expect, esp_ble_peer) -> None:
    """The guide's AT+BLUFINAME="BLUFI_DEV" before AT+BLUFI=1: read back and advertised; 26 bytes is the
    longest name (3.4.46 notes), 27 is refused and the old name kept."""
    address = bt_address(dut, expect)
    expect.ok(dut.cmd('AT+BLUFINAME="BLUFI_DEV"'), "AT+BLUFINAME", "set")
    assert expect.ok(dut.cmd("AT+BLUFINAME?"), "AT+BLUFINAME", "query")["device_name"] == "BLUFI_DEV"
    expect.ok(dut.cmd("AT+BLUFI=1,0"), "AT+BLUFI", "set")
    assert names_heard(esp_ble_peer, address) == {b"BLUFI_DEV"}
    expect.ok(dut.cmd("AT+BLUFI=0"), "AT+BLUFI", "set")
    longest = "n" * NAME_MAX
    expect.ok(dut.cmd(f'AT+BLUFINAME="{longest}"'), "AT+BLUFINAME", "set")
    expect.error(dut.cmd(f'AT+BLUFINAME="{longest}n"'))
    assert expect.ok(dut.cmd("AT+BLUFINAME?"), "AT+BLUFINAME", "query")["device_name"] == longest


@pytest.fixture
def phone(dut, expect, esp_ble_peer) -> blufi.BlufiPhone:
    """BluFi started; the peer (the phone's app) connects, the board reports +BLUFICONN; the app discovers
    0xFFFF and enables 0xFF02."""
    address = bt_address(dut, expect)
    expect.ok(dut.cmd("AT+BLUFI=1"), "AT+BLUFI", "set")
    esp_ble_peer.connect(address, 0)
    report(dut, "blufi_conn", WAIT)
    return blufi.BlufiPhone(esp_ble_peer)


@pytest.mark.form("AT+BLUFI", "set")
@pytest.mark.requires("wifi-sta")
def test_phone_provisions_the_rig_ap(dut, expect, phone, esp_ap, esp_rig) -> None:
    """4.12.1: the phone sends opmode STA, the rig AP's SSID and password and the connect request; the board
    joins: WIFI CONNECTED then WIFI GOT IP, AT+CWMODE? 1 and AT+CWJAP? the rig's SSID; the phone gets the
    connection state report unasked (4.12.1's "Receive device status response" after Configure; ESP-IDF's
    BluFi flow), and again when it asks: station mode, connected, the same SSID and the AP's BSSID."""
    expect.ok(dut.cmd("AT+CWMODE=0"), "AT+CWMODE", "set")  # 3.4.45 note: SoftAP off; the phone picks STA
    phone.provision(esp_ap.ssid, esp_ap.password)
    dut.expect_urc("WIFI CONNECTED", esp_rig.targets.timeouts.join)
    dut.expect_urc("WIFI GOT IP", esp_rig.targets.timeouts.join)
    assert expect.ok(dut.cmd("AT+CWMODE?"), "AT+CWMODE", "query")["mode"] == 1
    assert expect.ok(dut.cmd("AT+CWJAP?"), "AT+CWJAP", "query")["ssid"] == esp_ap.ssid
    unasked = phone.receive()
    assert (unasked.frame_type, unasked.subtype) == (blufi.FRAME_DATA, blufi.SUBTYPE_WIFI_REPORT), unasked
    for got in (blufi.wifi_report(unasked.content), phone.status()):
        assert (got.opmode, got.sta_connected, got.ssid) == (blufi.OPMODE_STA, True, esp_ap.ssid), got
        if esp_ap.bssid:
            assert got.bssid == esp_ap.bssid.lower(), got
    dut.cmd("AT+CWQAP").assert_ok()
    dut.drain_urcs()


def test_phone_frame_out_of_sequence_gets_a_sequence_error(dut, expect, phone) -> None:
    """ESP-IDF BluFi: the sequence numbers count every frame; one that skips is dropped and answered with a
    Report Error data frame (0x00 sequence error); the frame that was due is then taken."""
    phone.peer.write(blufi.PHONE_TO_DEVICE, blufi.custom_data(b"skip", 1))
    got = phone.receive_subtype(blufi.FRAME_DATA, blufi.SUBTYPE_ERROR)
    assert got.content == bytes([blufi.ERROR_SEQUENCE]), got
    phone.send(blufi.FRAME_DATA, blufi.SUBTYPE_CUSTOM_DATA, b"due")
    ev = report(dut, "blufi_data", WAIT)
    assert (ev.fields, ev.payload) == (("3",), b"due"), ev


def test_phone_frame_asking_an_ack_gets_one(dut, expect, phone) -> None:
    """ESP-IDF BluFi: a frame with Frame Control bit 3 set is answered with an Ack control frame whose data
    is the acknowledged sequence number; its custom data is still reported."""
    (raw,) = blufi.encode(blufi.FRAME_DATA, blufi.SUBTYPE_CUSTOM_DATA, b"ack?", phone.sequence)
    phone.peer.write(blufi.PHONE_TO_DEVICE, bytes([raw[0], raw[1] | blufi.FC_ACK]) + raw[2:])
    phone.sequence += 1
    got = phone.receive_subtype(blufi.FRAME_CONTROL, blufi.CTRL_ACK)
    assert got.content == bytes([0]), got
    ev = report(dut, "blufi_data", WAIT)
    assert (ev.fields, ev.payload) == (("4",), b"ack?"), ev


@pytest.mark.form("AT+BLUFISEND", "set")
@pytest.mark.parametrize("size", [4, 200, SEND_MAX], ids=["short", "fragmented", "longest"])
def test_blufisend_reaches_the_phone(dut, expect, phone, size) -> None:
    """AT+BLUFISEND=<length>: ``>``, the bytes, OK; the phone receives custom-data frames from the device
    (type data, subtype 0x13, direction bit set, sequence numbers from 0) whose content is exactly those
    bytes; more than one frame when they exceed one 20-byte ATT value (the default MTU)."""
    data = b"test" if size == 4 else os.urandom(size)
    r = dut.cmd(f"AT+BLUFISEND={size}", WAIT, expect_prompt=True)
    assert r.prompt, r.text
    expect.ok(dut.send_data(data, WAIT), "AT+BLUFISEND", "set")
    got = phone.receive()
    assert (got.frame_type, got.subtype) == (blufi.FRAME_DATA, blufi.SUBTYPE_CUSTOM_DATA), got
    assert got.content == data
    # the board's first frames on this connection: "The sequence is cleared after each reconnection"
    assert list(got.sequences) == list(range(len(got.sequences))), got.sequences
    assert (len(got.sequences) > 1) == (blufi.HEADER + size > blufi.DEFAULT_ROOM), got.sequences


@pytest.mark.parametrize("size", [4, 40], ids=["short", "fragmented"])
def test_phone_custom_data_is_reported(dut, expect, phone, size) -> None:
    """The phone's custom data: +BLUFIDATA:<len>,<data> with exactly its bytes (3.17), also when the app
    fragments it."""
    data = b"test" if size == 4 else os.urandom(size)
    phone.send(blufi.FRAME_DATA, blufi.SUBTYPE_CUSTOM_DATA, data)
    ev = report(dut, "blufi_data", WAIT)
    assert (ev.fields, ev.payload) == ((str(size),), data), ev


@pytest.mark.form("AT+BLUFI", "set")
def test_blufi_stop_ends_the_phone_connection(dut, expect, phone) -> None:
    """4.12.1: AT+BLUFI=0 with the phone connected: +BLUFIDISCONN, then OK; the phone's link ends."""
    r = dut.cmd("AT+BLUFI=0", WAIT)
    expect.ok(r, "AT+BLUFI", "set")
    assert [u.kind for u in r.urcs if isinstance(u, Urc)] == ["+BLUFIDISCONN"], r.text
    phone.peer.wait_event("disconnection", WAIT)


def test_phone_leaving_is_reported(dut, expect, phone) -> None:
    """The phone disconnects: +BLUFIDISCONN (espressif/esp-at#767); BluFi stays on (+BLUFI:1)."""
    phone.peer.disconnect()
    report(dut, "blufi_disconn", WAIT)
    assert state(dut, expect) == "+BLUFI:1"


def test_blufi_refused_while_ble_initialized(dut, expect) -> None:
    """3.4.45 note: "You can only start or stop BluFi when Bluetooth LE is not initialized"."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd("AT+BLUFI=1"))
    expect.error(dut.cmd("AT+BLUFI=0"))


@pytest.mark.parametrize(
    "text",
    ["AT+BLUFI=2", "AT+BLUFI=1,16", f"AT+BLUFISEND={SEND_MAX + 1}", "AT+BLUFISEND=0", "AT+BLUFISEND=4"],
)
def test_blufi_invalid(dut, expect, text) -> None:
    """<option> 0/1, <auth floor> [0,15] (3.4.45), AT+BLUFISEND over 600 bytes (3.4.47 notes), of nothing,
    or with no phone connected."""
    expect.error(dut.cmd(text))
    assert state(dut, expect) == "+BLUFI:0"
