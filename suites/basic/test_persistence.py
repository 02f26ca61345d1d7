"""3.1.28 AT+SYSSTORE: whether set commands write their configuration to flash, checked across AT+RST
with AT+SYSMSG (3.1.15, one of the affected commands); the Wi-Fi commands the note lists are checked in
suites/wifi/test_persistence.py."""

from __future__ import annotations

import pytest

from fixtures.suite import restart

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]


@pytest.mark.form("AT+SYSSTORE", "query")
def test_sysstore_default(dut, expect, spec) -> None:
    """3.1.28: after a factory reset the store mode is the default, 1."""
    default = spec.command("AT+SYSSTORE").param("store_mode").default
    assert expect.ok(dut.cmd("AT+SYSSTORE?"), "AT+SYSSTORE", "query")["store_mode"] == default == 1


@pytest.mark.form("AT+SYSSTORE", "set")
@pytest.mark.form("AT+SYSSTORE", "query")
@pytest.mark.form("AT+SYSMSG", "set")
@pytest.mark.form("AT+SYSMSG", "query")
@pytest.mark.parametrize("store", [0, 1])
def test_sysmsg_persistence(dut, expect, esp_rig, store: int) -> None:
    """3.1.15 / 3.1.28: with AT+SYSSTORE=1 AT+SYSMSG survives AT+RST; with 0 it applies at once (queries
    read RAM) and the saved value comes back after the restart."""
    dut.cmd("AT+SYSSTORE=1").assert_ok()
    dut.cmd("AT+SYSMSG=0").assert_ok()
    expect.ok(dut.cmd(f"AT+SYSSTORE={store}"), "AT+SYSSTORE", "set")
    assert expect.ok(dut.cmd("AT+SYSSTORE?"), "AT+SYSSTORE", "query")["store_mode"] == store
    expect.ok(dut.cmd("AT+SYSMSG=4"), "AT+SYSMSG", "set")
    assert expect.ok(dut.cmd("AT+SYSMSG?"), "AT+SYSMSG", "query")["state"] == 4
    restart(dut, esp_rig)
    after = expect.ok(dut.cmd("AT+SYSMSG?"), "AT+SYSMSG", "query")["state"]
    assert after == (4 if store else 0), f"AT+SYSSTORE={store}: AT+SYSMSG? after AT+RST reads {after}"
    dut.cmd("AT+SYSSTORE=1").assert_ok()
    dut.cmd("AT+SYSMSG=0").assert_ok()
