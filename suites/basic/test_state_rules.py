"""3.1 state rules: each "cannot / only when / should be" sentence of the Basic chapter is tested as a
refusal (ERROR) and with the state the command would have changed intact afterwards.

The rules (RST Basic_AT_Commands.rst of v5.0.0.0; the seed's 3.1 in Chinese):

- 3.1.13 AT+SLEEP <sleep mode> (:812-835): 2 (Light-sleep) "cannot be set when the Wi-Fi mode is SoftAP or
  Station+SoftAP" (seed: 不能); 1 and 3 take effect in station mode, are "allowed but will not take effect" in
  Null mode, and "in other cases, it cannot be set" -> each ERROR in AT+CWMODE=2 and 3 with AT+SLEEP?
  unchanged; 1 and 3 OK in AT+CWMODE=0.
- 3.1.17 AT+SYSMSGFILTERCFG notes (:1312): "The filter to be deleted should be in the added filters" ->
  deleting a filter that was never added is ERROR; the filters added stay listed.
- 3.1.20 AT+RFPOWER note (:1790): "When Wi-Fi is turned off or not initialized, the AT+RFPOWER command
  cannot set or query the RF TX Power of Wi-Fi" (seed: 无法设置/查询) -> both forms ERROR in AT+CWMODE=0;
  with Wi-Fi back on, the value is the one set before.

Not tested as refusals: 3.1.18 AT+SYSFLASH "make sure at_customize.bin is downloaded" (a build-time
condition); 3.1.28 AT+SYSSTORE "affects set commands only" (checked by suites/basic/test_persistence.py);
3.1.9 AT+SAVETRANSLINK's single passthrough connection of a server (needs a restart into passthrough).

Refusals check ERROR alone (AT+SYSLOG off): the guide does not document which ERR CODE a state refusal
carries (suites/tcpip/test_tcpip_passthrough.py checks the project's inference, 0x010a0000).
"""

from __future__ import annotations

import pytest

from fixtures.suite import SuiteError

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture
def wifi_mode(dut, expect):
    """Set a Wi-Fi mode for the test (3.2.5); station mode, the default, is put back afterwards."""

    def set_mode(mode: int) -> None:
        expect.ok(dut.cmd(f"AT+CWMODE={mode}"), "AT+CWMODE", "set")
        dut.drain_urcs()

    yield set_mode
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.drain_urcs()


@pytest.mark.form("AT+SLEEP", "set")
@pytest.mark.form("AT+SLEEP", "query")
@pytest.mark.parametrize("sleep", [1, 2, 3], ids=["modem-sleep", "light-sleep", "listen-interval"])
@pytest.mark.parametrize("mode", [2, 3], ids=["softap", "station+softap"])
def test_sleep_refused_with_softap(dut, expect, wifi_mode, mode, sleep) -> None:
    """3.1.13 <sleep mode>: 1 and 3 "cannot be set" outside station and Null mode, 2 "cannot be set when the
    Wi-Fi mode is SoftAP or Station+SoftAP": each is ERROR with the soft-AP on, and AT+SLEEP? still shows
    the mode set before (0, which the soft-AP allows)."""
    expect.ok(dut.cmd("AT+SLEEP=0"), "AT+SLEEP", "set")
    wifi_mode(mode)
    expect.error(dut.cmd(f"AT+SLEEP={sleep}"))
    assert expect.ok(dut.cmd("AT+SLEEP?"), "AT+SLEEP", "query")["sleep mode"] == 0
    wifi_mode(1)  # Modem-sleep, the default, is put back in station mode, where it takes effect
    dut.cmd("AT+SLEEP=1").assert_ok()


@pytest.mark.form("AT+SLEEP", "set")
@pytest.mark.form("AT+SLEEP", "query")
@pytest.mark.parametrize("sleep", [1, 3], ids=["modem-sleep", "listen-interval"])
def test_modem_sleep_allowed_in_null_mode(dut, expect, wifi_mode, sleep) -> None:
    """3.1.13 <sleep mode> 1 and 3: "in the Null Wi-Fi mode, the setting is allowed but will not take
    effect": OK in AT+CWMODE=0, and AT+SLEEP? reads it back."""
    wifi_mode(0)
    expect.ok(dut.cmd(f"AT+SLEEP={sleep}"), "AT+SLEEP", "set")
    assert expect.ok(dut.cmd("AT+SLEEP?"), "AT+SLEEP", "query")["sleep mode"] == sleep
    wifi_mode(1)
    dut.cmd("AT+SLEEP=1").assert_ok()


@pytest.mark.form("AT+RFPOWER", "set")
@pytest.mark.form("AT+RFPOWER", "query")
def test_rfpower_needs_wifi_on(dut, expect, wifi_mode) -> None:
    """3.1.20 note: with Wi-Fi off (AT+CWMODE=0) AT+RFPOWER cannot set or query the Wi-Fi TX power: both
    forms ERROR; with the station back on, AT+RFPOWER? reads what it read before."""
    before = expect.ok(dut.cmd("AT+RFPOWER?"), "AT+RFPOWER", "query")
    wifi_mode(0)
    expect.error(dut.cmd("AT+RFPOWER=60"))
    expect.error(dut.cmd("AT+RFPOWER?"))
    wifi_mode(1)
    after = expect.ok(dut.cmd("AT+RFPOWER?"), "AT+RFPOWER", "query")
    assert after.values == before.values, f"AT+RFPOWER? {before.values} before, {after.values} after"


@pytest.mark.form("AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-delete")
@pytest.mark.form("AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-clear")
def test_sysmsgfiltercfg_deletes_only_added_filters(dut, expect) -> None:
    """3.1.17 note: the filter to be deleted should be in the added filters: deleting one never added is
    ERROR (after its regular expression is taken), and the filter that was added is still listed."""
    added, other = b"^busy p", b"^never added"
    resp = dut.cmd(f"AT+SYSMSGFILTERCFG=1,{len(added)},0", expect_prompt=True)
    expect.ok(resp, "AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-add")
    dut.send_data(added).assert_ok()
    try:
        resp = dut.cmd(f"AT+SYSMSGFILTERCFG=2,{len(other)},0", expect_prompt=True)
        if resp.prompt:  # the operator and lengths are valid: the refusal comes once the expression is in
            resp = dut.send_data(other)
        expect.error(resp, variant="sysmsgfiltercfg-delete")
        listed = dut.cmd("AT+SYSMSGFILTERCFG?").assert_ok()
        # the regexps are printed as they are, and may hold characters a template reads as framing: raw text
        if f'+SYSMSGFILTERCFG:0,"{added.decode()}",""' not in listed.text:
            raise SuiteError(
                f"the added filter is no longer listed after the refused delete: {listed.text!r}"
            )
    finally:
        expect.ok(dut.cmd("AT+SYSMSGFILTERCFG=0"), "AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-clear")
