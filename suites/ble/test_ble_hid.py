"""3.4.41-3.4.44: the board as a Bluetooth LE HID device, with the BLE peer as the host (a phone or PC in the
guide's words): AT+BLEHIDINIT query and set, and the reports AT+BLEHIDKB, AT+BLEHIDMUS and AT+BLEHIDCONSUMER
send, as the peer receives them from the HID Service (0x1812) it discovers.

The guide fixes the commands and their parameters, not the bytes on the air; the suite asserts what HID over
GATT makes observable: a 0x1812 service whose input Reports (0x2A4D) carry Report References (0x2908:
report ID, type 1 input); AT+BLEHIDKB's key code among the keyboard report's key bytes and its modifiers in
the first byte (the boot layout of HID 1.11 Appendix B.1), followed by a release (espressif/esp-at#601: a
real board sends a press and a release for one AT+BLEHIDKB); AT+BLEHIDMUS's buttons and displacements
as signed bytes (Appendix B.2); AT+BLEHIDCONSUMER's usage ID (0xE9 for the guide's 233).
"""

from __future__ import annotations

import pytest

from suites.ble.reports import query_line, report

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: A ceiling for the air, not a pace.
WAIT = 10.0
HID_SERVICE, REPORT, REPORT_REFERENCE = "0x1812", "0x2A4D", "0x2908"
INPUT = 1  # Report Reference report type 1: input (HOGP 1.0 2.3.1)


@pytest.fixture
def host(dut, expect, esp_ble_peer):
    """AT+BLEINIT=2, AT+BLEHIDINIT=1, advertising; the peer connects, discovers the HID service and enables
    every input report's notifications. Returns (peer, {report index: report ID})."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLEHIDINIT=1"), "AT+BLEHIDINIT", "set")
    board = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    esp_ble_peer.connect(board, 0)
    report(dut, "ble_conn", WAIT)
    services = esp_ble_peer.discover()
    hid = [s for s in services if s.uuid == HID_SERVICE]
    assert len(hid) == 1, [s.uuid for s in services]
    reports = [c for c in hid[0].characteristics if c.uuid == REPORT]
    assert reports, hid[0]
    ids = {}
    for index in range(len(reports)):
        report_id, kind = esp_ble_peer.read_descriptor(REPORT, REPORT_REFERENCE, index)
        if kind == INPUT:
            ids[index] = report_id
            esp_ble_peer.subscribe(REPORT, index=index)
    assert len(set(ids.values())) == len(ids) >= 3, ids  # keyboard, mouse, consumer: one input report each
    return esp_ble_peer


def reports(peer, n: int) -> list[tuple[int, bytes]]:
    """The next ``n`` reports the peer received, as (report index, value)."""
    return [(got.index, got.value) for got in (peer.wait_received(WAIT) for _ in range(n))]


def hid_state(dut, expect) -> str:
    """AT+BLEHIDINIT? matched against 3.4.41's two blocks; the line that came."""
    return query_line(dut, expect, "AT+BLEHIDINIT")


@pytest.mark.form("AT+BLEHIDINIT", "set")
@pytest.mark.form("AT+BLEHIDINIT", "query")
def test_hidinit_query_and_set(dut, expect) -> None:
    """3.4.41: +BLEHIDINIT:0 before, +BLEHIDINIT:1 after AT+BLEHIDINIT=1, 0 again after AT+BLEHIDINIT=0."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    assert hid_state(dut, expect) == "+BLEHIDINIT:0"
    expect.ok(dut.cmd("AT+BLEHIDINIT=1"), "AT+BLEHIDINIT", "set")
    assert hid_state(dut, expect) == "+BLEHIDINIT:1"
    expect.ok(dut.cmd("AT+BLEHIDINIT=0"), "AT+BLEHIDINIT", "set")
    assert hid_state(dut, expect) == "+BLEHIDINIT:0"
    expect.error(dut.cmd("AT+BLEHIDINIT=2"))


@pytest.mark.form("AT+BLEHIDKB", "set")
def test_keyboard_press_and_release(dut, expect, host) -> None:
    """The guide's AT+BLEHIDKB=0,4,0,0,0,0,0 ("input the string a"): the 8-byte keyboard report of HID 1.11
    Appendix B.1 (modifiers, a reserved 0, the six key codes in the command's order), then the release, all
    zero (espressif/esp-at#601: one command is a press and a release); with modifier 2 (left shift) and two
    keys the first byte and key bytes carry them."""
    expect.ok(dut.cmd("AT+BLEHIDKB=0,4,0,0,0,0,0"), "AT+BLEHIDKB", "set")
    (i, press), (j, release) = reports(host, 2)
    assert i == j, (i, j)
    assert press == bytes([0, 0, 4, 0, 0, 0, 0, 0]), press.hex()
    assert release == bytes(8), release.hex()
    expect.ok(dut.cmd("AT+BLEHIDKB=2,4,5,0,0,0,0"), "AT+BLEHIDKB", "set")
    (_, press), (_, release) = reports(host, 2)
    assert press == bytes([2, 0, 4, 5, 0, 0, 0, 0]), press.hex()
    assert release == bytes(8), release.hex()


@pytest.mark.form("AT+BLEHIDMUS", "set")
def test_mouse_report(dut, expect, host) -> None:
    """The guide's AT+BLEHIDMUS=0,10,10,0 and a negative move: buttons, X, Y, wheel, one byte each, the
    displacements signed (HID 1.11 Appendix B.2's boot mouse and a wheel byte)."""
    expect.ok(dut.cmd("AT+BLEHIDMUS=0,10,10,0"), "AT+BLEHIDMUS", "set")
    ((_, value),) = reports(host, 1)
    assert value == bytes([0, 10, 10, 0]), value.hex()
    expect.ok(dut.cmd("AT+BLEHIDMUS=1,-5,3,-1"), "AT+BLEHIDMUS", "set")
    ((_, value),) = reports(host, 1)
    assert value == bytes([1, 0xFB, 3, 0xFF]), value.hex()


@pytest.mark.form("AT+BLEHIDCONSUMER", "set")
def test_consumer_report(dut, expect, host) -> None:
    """The guide's AT+BLEHIDCONSUMER=233 ("volume up", usage 0xE9 of the Consumer page)."""
    expect.ok(dut.cmd("AT+BLEHIDCONSUMER=233"), "AT+BLEHIDCONSUMER", "set")
    ((_, value),) = reports(host, 1)
    assert int.from_bytes(value[:2], "little") == 0xE9, value.hex()


def test_reports_go_to_distinct_report_ids(dut, expect, host) -> None:
    """Keyboard, mouse and consumer reports come on three different input Reports."""
    expect.ok(dut.cmd("AT+BLEHIDKB=0,4,0,0,0,0,0"), "AT+BLEHIDKB", "set")
    (kb, _), _ = reports(host, 2)
    expect.ok(dut.cmd("AT+BLEHIDMUS=0,1,1,0"), "AT+BLEHIDMUS", "set")
    ((mouse, _),) = reports(host, 1)
    expect.ok(dut.cmd("AT+BLEHIDCONSUMER=233"), "AT+BLEHIDCONSUMER", "set")
    ((consumer, _),) = reports(host, 1)
    assert len({kb, mouse, consumer}) == 3, (kb, mouse, consumer)


@pytest.mark.parametrize(
    "text",
    ["AT+BLEHIDKB=0,4,0,0,0,0,0", "AT+BLEHIDMUS=0,10,10,0", "AT+BLEHIDCONSUMER=233"],
)
def test_reports_refused_before_hidinit(dut, expect, text) -> None:
    """No HID profile (AT+BLEHIDINIT=1 not sent): nothing to send over, ERROR."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd(text))


@pytest.mark.parametrize("text", ["AT+BLEHIDINIT?", "AT+BLEHIDINIT=1"])
def test_hid_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: AT+BLEINIT first."""
    expect.error(dut.cmd(text))
