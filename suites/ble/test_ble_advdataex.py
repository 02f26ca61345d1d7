"""3.4.10 AT+BLEADVDATAEX: the guide's example read back, and the advertising it starts as the BLE peer's
scanner hears it: the device name, the 16-bit UUID (little-endian on the air), the manufacturer data and a
TX power level, in the parameters' order (3.4.10 notes: "assembles packets in sequence"). The query's
quoting is not shown in the guide: the strings are compared without their quotes."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: The guide's example (3.4.10): AT+BLEADVDATAEX="ESP-AT","A002","0102030405",1.
GUIDE = ('"ESP-AT"', '"A002"', '"0102030405"', "1")
LISTEN_S = 0.5
#: AD types (Bluetooth Assigned Numbers): complete local name, complete 16-bit UUIDs, manufacturer data,
#: TX power level.
NAME, UUID16, MANUFACTURER, TX_POWER = 0x09, 0x03, 0xFF, 0x0A


def structures(data: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(data) and data[i]:
        n = data[i]
        out.append((data[i + 1], data[i + 2 : i + 1 + n]))
        i += 1 + n
    return out


@pytest.mark.form("AT+BLEADVDATAEX", "set")
@pytest.mark.form("AT+BLEADVDATAEX", "query")
def test_guide_example_advertised_and_read_back(dut, expect, esp_ble_peer) -> None:
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd(f"AT+BLEADVDATAEX={','.join(GUIDE)}"), "AT+BLEADVDATAEX", "set")
    m = expect.ok(dut.cmd("AT+BLEADVDATAEX?"), "AT+BLEADVDATAEX", "query")
    got = (m["dev_name"], m["uuid"], m["manufacturer_data"], str(m["include_power"]))
    assert tuple(str(v).strip('"') for v in got) == tuple(v.strip('"') for v in GUIDE), m
    board = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    heard = [s for s in esp_ble_peer.scan(LISTEN_S, active=False) if s.address == board]
    assert heard, "the peer heard no advertising from the board after AT+BLEADVDATAEX (it starts advertising)"
    found = [(t, v) for t, v in structures(heard[-1].data) if t in (NAME, UUID16, MANUFACTURER, TX_POWER)]
    assert [t for t, _ in found] == [NAME, UUID16, MANUFACTURER, TX_POWER], found
    assert found[:3] == [
        (NAME, b"ESP-AT"),
        (UUID16, bytes.fromhex("02A0")),
        (MANUFACTURER, bytes.fromhex("0102030405")),
    ]
    assert len(found[3][1]) == 1  # one signed byte, dBm
    expect.ok(dut.cmd("AT+BLEADVSTOP"), "AT+BLEADVSTOP", "execute")


@pytest.mark.parametrize(
    "args",
    [
        '"ESP-AT","A002","0102030405",2',
        '"ESP-AT","XYZ1","01",1',
        '"ESP-AT","A002","0G",1',
        '"ESP-AT","A002","01"',
    ],
    ids=["include-power", "uuid-not-hex", "manufacturer-not-hex", "three-params"],
)
def test_advdataex_invalid(dut, expect, args) -> None:
    """<include_power> 0 or 1, <uuid> and <manufacturer_data> HEX strings (3.4.10), four parameters: ERROR."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd(f"AT+BLEADVDATAEX={args}"))
