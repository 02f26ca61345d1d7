"""3.4.31 AT+BLESPPCFG: the guide's example set and read back, <auto_conn> 1 unless given ("By default,
automatic reconnection is enabled"), a reset with <cfg_enable> 0, invalid invocations keeping the values.
The passthrough itself (AT+BLESPP, 3.4.32) is test_ble_spp_mode.py."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]


def read(dut, expect) -> tuple[int, ...]:
    m = expect.ok(dut.cmd("AT+BLESPPCFG?"), "AT+BLESPPCFG", "query")
    names = ("tx_service_index", "tx_char_index", "rx_service_index", "rx_char_index", "auto_conn")
    return tuple(m[n] for n in names)


@pytest.mark.form("AT+BLESPPCFG", "set")
@pytest.mark.form("AT+BLESPPCFG", "query")
def test_guide_example_read_back(dut, expect) -> None:
    """AT+BLESPPCFG=1,3,5,3,7 (3.4.31 example) reads back with <auto_conn> 1; with ,0 it reads 0;
    AT+BLESPPCFG=0 (the example's reset) is OK."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLESPPCFG=1,3,5,3,7"), "AT+BLESPPCFG", "set")
    assert read(dut, expect) == (3, 5, 3, 7, 1)
    expect.ok(dut.cmd("AT+BLESPPCFG=1,1,6,1,2,0"), "AT+BLESPPCFG", "set")
    assert read(dut, expect) == (1, 6, 1, 2, 0)
    expect.ok(dut.cmd("AT+BLESPPCFG=0"), "AT+BLESPPCFG", "set")


@pytest.mark.parametrize(
    "args",
    ["2", "1,3,5,3,7,2", "1,3,5,3", "0,3,5,3,7"],
    ids=["cfg-enable", "auto-conn", "three-indexes", "reset-with-params"],
)
def test_sppcfg_invalid_keeps_the_values(dut, expect, args) -> None:
    """<cfg_enable> 0/1, <auto_conn> 0/1, all four indexes with <cfg_enable> 1 and none with 0: ERROR, and
    the values set before stay."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLESPPCFG=1,3,5,3,7"), "AT+BLESPPCFG", "set")
    expect.error(dut.cmd(f"AT+BLESPPCFG={args}"))
    assert read(dut, expect) == (3, 5, 3, 7, 1)
