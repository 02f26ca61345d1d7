"""3.4.10, 3.4.12, 3.4.13: AT+BLEADVDATA, AT+BLEADVSTART, AT+BLEADVSTOP, seen from the BLE peer's scanner:
the guide's example data arrives from the board's public address (AT+BLEADDR?), nothing after the stop."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: 3.4.10's example HEX string "1122334455" is not valid AD structure; this is the guide's other example
#: shape (a Flags AD, then Complete Local Name "ESP-AT"), 11 bytes.
ADV_DATA = "0201060709" + b"ESP-AT".hex()


@pytest.mark.form("AT+BLEADVDATA", "set")
@pytest.mark.form("AT+BLEADVSTART", "execute")
@pytest.mark.form("AT+BLEADVSTOP", "execute")
def test_advertising_seen_by_the_peer(dut, expect, esp_ble_peer) -> None:
    """The peer hears the data set by AT+BLEADVDATA from the address AT+BLEADDR? gives (type 0, public)
    while advertising runs, and nothing after AT+BLEADVSTOP."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    address = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd(f'AT+BLEADVDATA="{ADV_DATA}"'), "AT+BLEADVDATA", "set")
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    seen = [s for s in esp_ble_peer.scan(0.5, active=False) if s.address == address]
    assert seen, f"the peer heard nothing from {address}"
    assert {(s.address_type, s.data) for s in seen} == {(0, bytes.fromhex(ADV_DATA))}, seen
    expect.ok(dut.cmd("AT+BLEADVSTOP"), "AT+BLEADVSTOP", "execute")
    late = [s for s in esp_ble_peer.scan(0.3, active=False) if s.address == address]
    assert not late, f"still advertising after AT+BLEADVSTOP: {late}"


@pytest.mark.form("AT+BLEADVDATA", "set")
@pytest.mark.parametrize("text", ['"' + "00" * 32 + '"', '"12345"', '"zz"', "1122"], ids=lambda t: t[:12])
def test_bleadvdata_invalid(dut, expect, text) -> None:
    """<adv_data>: a HEX string of at most 31 bytes on ESP32 (3.4.10): 32 bytes, an odd or non-HEX string
    and an unquoted number are ERROR."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd(f"AT+BLEADVDATA={text}"))


@pytest.mark.parametrize("text", ['AT+BLEADVDATA="0201"', "AT+BLEADVSTART", "AT+BLEADVSTOP"])
def test_advertising_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: AT+BLEINIT first."""
    expect.error(dut.cmd(text))


#: Complete Local Name "esp-rsp": the scan response of the test below.
SCAN_RSP = "0809" + b"esp-rsp".hex()


@pytest.mark.form("AT+BLESCANRSPDATA", "set")
def test_scan_response_seen_by_an_active_scanner(dut, expect, esp_ble_peer) -> None:
    """3.4.7: the data of AT+BLESCANRSPDATA reaches the peer's active scan as the scan response of the
    board's advertising; a passive scan gets none (Core spec Vol 6 Part B 4.4.3)."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    address = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd(f'AT+BLEADVDATA="{ADV_DATA}"'), "AT+BLEADVDATA", "set")
    expect.ok(dut.cmd(f'AT+BLESCANRSPDATA="{SCAN_RSP}"'), "AT+BLESCANRSPDATA", "set")
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    seen = [s for s in esp_ble_peer.scan(0.5, active=True) if s.address == address]
    assert {s.data for s in seen if s.scan_response} == {bytes.fromhex(SCAN_RSP)}, seen
    assert {s.data for s in seen if not s.scan_response} == {bytes.fromhex(ADV_DATA)}, seen
    passive = [s for s in esp_ble_peer.scan(0.3, active=False) if s.address == address]
    assert passive and not [s for s in passive if s.scan_response], passive
    expect.ok(dut.cmd("AT+BLEADVSTOP"), "AT+BLEADVSTOP", "execute")
    expect.error(dut.cmd('AT+BLESCANRSPDATA="0g"'))
