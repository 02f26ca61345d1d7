"""3.4.8 AT+BLEADVPARAM: the guide's example read back, and the advertising it shapes as the BLE peer's
scanner sees it (from the random static address AT+BLEADDR set, as <own_addr_type> 1 asks); invalid values
refused and the old ones kept. Not asserted: <adv_type>'s connectability (the air reports every advertiser
as connectable), the channel map and filter policy (the air has one channel and no accept list). The guide
states no default: the suite does not assert one."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: 3.4.8's example: AT+BLEADDR=1,"c2:34:45:78:66:89" then this (BLE_AT_Commands.rst example of 3.4.8).
STATIC = "c2:34:45:78:66:89"
GUIDE = '50,50,0,1,4,0,1,"12:34:45:78:66:88"'
#: What the peer listens for: the shortest advertising interval of the example is 31.25 ms.
LISTEN_S = 0.5


def _params(m) -> tuple[object, ...]:
    names = (
        "adv_int_min",
        "adv_int_max",
        "adv_type",
        "own_addr_type",
        "channel_map",
        "adv_filter_policy",
        "peer_addr_type",
        "peer_addr",
    )
    return tuple(m[n] for n in names)


@pytest.mark.form("AT+BLEADVPARAM", "set")
@pytest.mark.form("AT+BLEADVPARAM", "query")
def test_guide_example_read_back_and_advertised(dut, expect, esp_ble_peer) -> None:
    """AT+BLEADVPARAM? reads the example's values back; AT+BLEADVSTART then advertises from the static
    address (<own_addr_type> 1, random)."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd(f'AT+BLEADDR=1,"{STATIC}"'), "AT+BLEADDR", "set")
    try:
        expect.ok(dut.cmd(f"AT+BLEADVPARAM={GUIDE}"), "AT+BLEADVPARAM", "set")
        m = expect.ok(dut.cmd("AT+BLEADVPARAM?"), "AT+BLEADVPARAM", "query")
        assert _params(m) == (50, 50, 0, 1, 4, 0, 1, "12:34:45:78:66:88"), m
        expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
        seen = [s for s in esp_ble_peer.scan(LISTEN_S, active=False) if s.address == STATIC]
        assert seen and {s.address_type for s in seen} == {1}, seen
        expect.ok(dut.cmd("AT+BLEADVSTOP"), "AT+BLEADVSTOP", "execute")
    finally:
        dut.cmd("AT+BLEADDR=0")


@pytest.mark.parametrize(
    "args",
    [
        "31,50,0,0,7",
        "50,16385,0,0,7",
        "60,50,0,0,7",
        "50,50,5,0,7",
        "50,50,0,2,7",
        "50,50,0,0,3",
        "50,50,0,0,7,4",
        "50,50,0,0",
    ],
    ids=[
        "int-min-low",
        "int-max-high",
        "min-over-max",
        "adv-type",
        "own-addr-type",
        "channel-map",
        "filter-policy",
        "four-params",
    ],
)
def test_advparam_invalid_keeps_the_old_values(dut, expect, args) -> None:
    """3.4.8's ranges ([0x0020,0x4000], min <= max, <adv_type> 0-4 on ESP32, <own_addr_type> 0/1,
    <channel_map> 1/2/4/7, <adv_filter_policy> 0-3) and the parameter count: ERROR, and AT+BLEADVPARAM?
    reads what it read before."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    before = dut.cmd("AT+BLEADVPARAM?").lines
    expect.error(dut.cmd(f"AT+BLEADVPARAM={args}"))
    assert dut.cmd("AT+BLEADVPARAM?").lines == before
