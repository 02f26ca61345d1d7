"""3.1 Basic AT commands: start-up, restart, version, command list, echo, factory reset, deep sleep,
RAM, calibration, rollback, time stamp, error code prompt and registers (3.1.2-3.1.8, 3.1.14,
3.1.22-3.1.26, 3.1.29)."""

from __future__ import annotations

import re
import time

import pytest

from fixtures.suite import SuiteError, restart

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]


@pytest.mark.form("AT", "execute")
def test_at(dut, expect) -> None:
    """3.1.2: AT answers OK."""
    expect.ok(dut.cmd("AT"), "AT", "execute")


@pytest.mark.form("AT+RST", "execute")
def test_rst(dut, expect, esp_rig) -> None:
    """3.1.3: OK, then the board restarts and prints ready."""
    expect.ok(dut.cmd("AT+RST"), "AT+RST", "execute")
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    expect.ok(dut.cmd("AT"), "AT", "execute")


@pytest.mark.form("AT+RST", "execute")
@pytest.mark.form("AT+TRANSINTVL", "set")
@pytest.mark.form("AT+TRANSINTVL", "query")
def test_rst_resets_ram_only_settings(dut, expect, esp_rig) -> None:
    """3.1.3 with 3.1.10: RAM-only settings (AT+TRANSINTVL) are back to their defaults after AT+RST. A
    release whose guide has no AT+TRANSINTVL (v2.4.0.0 and older) skips, naming it (the form markers)."""
    expect.ok(dut.cmd("AT+TRANSINTVL=0"), "AT+TRANSINTVL", "set")
    expect.ok(dut.cmd("AT+RST"), "AT+RST", "execute")
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    m = expect.ok(dut.cmd("AT+TRANSINTVL?"), "AT+TRANSINTVL", "query")
    assert m["interval"] == expect.spec.command("AT+TRANSINTVL").param("interval").default


@pytest.mark.form("AT+GMR", "execute")
def test_gmr(dut, expect, esp_board) -> None:
    """3.1.4: four information lines; Bin version names the module the rig declares."""
    m = expect.ok(dut.cmd("AT+GMR"), "AT+GMR", "execute")
    assert str(m["AT version info"]).startswith("AT version:"), m["AT version info"]
    assert str(m["SDK version info"]).startswith("SDK version:"), m["SDK version info"]
    assert str(m["compile time"]).startswith("compile time"), m["compile time"]
    assert m["module_name"] == esp_board.config.module


@pytest.mark.form("AT+CMD", "query")
def test_cmd_lists_the_guide_commands(dut, expect, spec) -> None:
    """3.1.5: one +CMD row per command, indexes counting up, support flags 0/1; every Basic and Wi-Fi
    command of the default firmware is listed with the forms the guide gives it."""
    m = expect.ok(dut.cmd("AT+CMD?", timeout=10), "AT+CMD", "query")
    rows = m.rows("+CMD:")
    indexes = [r["index"] for r in rows]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes), indexes
    listed = {str(r["AT command name"]): r for r in rows}
    flags = (
        "support test command",
        "support query command",
        "support set command",
        "support execute command",
    )
    for r in rows:
        assert all(r[f] in (0, 1) for f in flags), r
    problems = []
    for set_name in ("basic", "wifi"):
        for c in spec.command_set(set_name).commands:
            if not c.default_firmware:
                continue
            row = listed.get(c.name)
            if row is None:
                problems.append(f"{c.name} ({c.section}) not listed")
                continue
            for kind, flag in zip(("query", "set", "execute"), flags[1:], strict=True):
                want = 1 if c.form(kind) is not None else 0
                if row[flag] != want:
                    has = "a" if want else "no"
                    problems.append(f"{c.name}: {flag} = {row[flag]}, the guide gives it {has} {kind} form")
    assert not problems, "; ".join(problems)


@pytest.mark.form("ATE", "execute")
def test_ate_switches_echo(dut, expect) -> None:
    """3.1.7: ATE0 switches the echo of commands off, ATE1 on again."""
    expect.ok(dut.cmd("ATE0"), "ATE", "execute")
    r = dut.cmd("AT")
    assert r.echo is None, f"echo after ATE0: {r.echo!r}"
    expect.ok(dut.cmd("ATE1"), "ATE", "execute")
    r = dut.cmd("AT")
    assert r.echo == "AT", f"no echo after ATE1: {r.text!r}"


@pytest.mark.form("AT+RESTORE", "execute")
def test_restore_brings_back_factory_settings(dut, expect, esp_rig) -> None:
    """3.1.8: OK, a restart, and settings saved in flash (AT+CWMODE with AT+SYSSTORE=1, 3.1.28) are back to
    what the board had after the module's own factory reset."""
    before = expect.ok(dut.cmd("AT+CWMODE?"), "AT+CWMODE", "query")["mode"]
    other = 3 if before != 3 else 2
    dut.cmd("AT+SYSSTORE=1").assert_ok()
    dut.cmd(f"AT+CWMODE={other}").assert_ok()
    expect.ok(dut.cmd("AT+RESTORE"), "AT+RESTORE", "execute")
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    assert expect.ok(dut.cmd("AT+CWMODE?"), "AT+CWMODE", "query")["mode"] == before
    dut.drain_urcs()


@pytest.mark.form("AT+GSLP", "set")
@pytest.mark.bench_risk
@pytest.mark.parametrize("ms", [pytest.param(0, id="restart-now"), pytest.param(500, id="timed")])
def test_gslp(dut, expect, esp_rig, ms: int) -> None:
    """3.1.6: the response echoes <time>; 0 restarts at once, otherwise the board wakes after <time> ms;
    either way it prints ready again."""
    m = expect.ok(dut.cmd(f"AT+GSLP={ms}"), "AT+GSLP", "set")
    assert m["time"] == ms
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready + ms / 1000)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    dut.drain_urcs()


@pytest.mark.form("AT+SYSRAM", "query")
def test_sysram_query(dut, expect) -> None:
    """3.1.14: the remaining heap is never below the minimum seen since boot."""
    m = expect.ok(dut.cmd("AT+SYSRAM?"), "AT+SYSRAM", "query")
    assert 0 < int(m["minimum heap size"]) <= int(m["remaining RAM size"]), m.values


@pytest.mark.form("AT+SYSRAM", "set")
def test_sysram_caps(dut, expect) -> None:
    """3.1.14: AT+SYSRAM=0x1800 (the guide's example caps): largest block <= free <= total and
    minimum <= free."""
    m = expect.ok(dut.cmd("AT+SYSRAM=0x1800"), "AT+SYSRAM", "set")
    largest, free = int(m["caps_largest_free_block_size"]), int(m["caps_free_size"])
    minimum, total = int(m["caps_minimum_free_size"]), int(m["caps_total_size"])
    assert 0 < largest <= free <= total and minimum <= free, m.values


@pytest.mark.form("AT+RFCAL", "execute")
def test_rfcal(dut, expect) -> None:
    """3.1.22: a full RF calibration answers OK (it takes a moment: generous timeout)."""
    expect.ok(dut.cmd("AT+RFCAL", timeout=30), "AT+RFCAL", "execute")


@pytest.mark.form("AT+SYSROLLBACK", "query")
def test_sysrollback_query(dut, expect) -> None:
    """3.1.24: the running firmware's address and version; the version agrees with AT+GMR's Bin version."""
    m = expect.ok(dut.cmd("AT+SYSROLLBACK?"), "AT+SYSROLLBACK", "query")
    gmr = expect.ok(dut.cmd("AT+GMR"), "AT+GMR", "execute")
    assert m["running_app_version"] == gmr["Bin version"], (m.values, gmr.values)
    assert int(m["running_app_addr"]) != int(m["rollback_app_addr"])


@pytest.mark.form("AT+SYSROLLBACK", "execute")
def test_sysrollback_without_other_firmware(dut, expect, err_code) -> None:
    """3.1.24: rolling back needs firmware in the other OTA partition; with none there the command fails
    (ERROR, ESP_AT_SUB_CMD_EXEC_FAIL) and the board keeps running. A board that has one is not rolled
    back by the suite (that would change the firmware under test)."""
    m = expect.ok(dut.cmd("AT+SYSROLLBACK?"), "AT+SYSROLLBACK", "query")
    if m["rollback_app_version"]:
        pytest.skip(f"the other OTA partition holds {m['rollback_app_version']!r}; not rolling back to it")
    resp = dut.cmd("AT+SYSROLLBACK")
    err_code(resp, "ESP_AT_SUB_CMD_EXEC_FAIL")
    dut.cmd("AT").assert_ok()


@pytest.mark.form("AT+SYSTIMESTAMP", "query")
@pytest.mark.form("AT+SYSTIMESTAMP", "set")
def test_systimestamp(dut, expect) -> None:
    """3.1.25: the guide's example time stamp reads back and keeps counting seconds."""
    expect.ok(dut.cmd("AT+SYSTIMESTAMP=1565853509"), "AT+SYSTIMESTAMP", "set")
    t0 = time.monotonic()
    m = expect.ok(dut.cmd("AT+SYSTIMESTAMP?"), "AT+SYSTIMESTAMP", "query")
    value = int(str(m.values.get("Unix_timestamp", m.values.get("Unix-timestamp"))))
    elapsed = time.monotonic() - t0
    assert 1565853509 <= value <= 1565853509 + int(elapsed) + 2, value


@pytest.mark.form("AT+SYSLOG", "query")
@pytest.mark.form("AT+SYSLOG", "set")
def test_syslog_switches_err_code(dut, expect) -> None:
    """3.1.26 example: with AT+SYSLOG=1 an unknown command prints ERR CODE:0x01090000 before ERROR; with 0,
    only ERROR."""
    expect.ok(dut.cmd("AT+SYSLOG=1"), "AT+SYSLOG", "set")
    assert expect.ok(dut.cmd("AT+SYSLOG?"), "AT+SYSLOG", "query")["status"] == 1
    on = dut.cmd("AT+FAKE")
    expect.error(on, "ESP_AT_SUB_UNSUPPORT_CMD")
    assert "ERR CODE:0x01090000" in on.text
    expect.ok(dut.cmd("AT+SYSLOG=0"), "AT+SYSLOG", "set")
    assert expect.ok(dut.cmd("AT+SYSLOG?"), "AT+SYSLOG", "query")["status"] == 0
    off = dut.cmd("AT+FAKE")
    expect.error(off)
    if off.err_code is not None or "ERR CODE" in off.text:
        raise SuiteError(f"AT+SYSLOG=0 but the error still carries an ERR CODE: {off.text!r}")


#: ESP32 GPIO_OUT_REG (Technical Reference Manual): reading it and writing back what was read changes nothing.
GPIO_OUT_REG = "0x3FF44004"


@pytest.mark.form("AT+SYSREG", "set")
@pytest.mark.bench_risk
def test_sysreg_read_then_write_back(dut, expect, esp_rig) -> None:
    """3.1.29: read mode prints +SYSREG:<read value>; write mode prints no value line."""
    m = expect.ok(dut.cmd(f"AT+SYSREG=0,{GPIO_OUT_REG}"), "AT+SYSREG", "set")
    value = str(m["read value"])
    assert re.fullmatch(r"(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})", value), f"not a uint32: {value!r}"
    written = dut.cmd(f"AT+SYSREG=1,{GPIO_OUT_REG},{value}")
    written.assert_ok()
    assert not any(line.startswith("+SYSREG") for line in written.lines), written.lines


# No form marker: the session's reset sends AT+RST without a response check; test_rst (above) checks it.
def test_rst_keeps_board_usable(dut, esp_rig) -> None:
    """3.1.3 through the session's reset: after ready, commands work at once."""
    restart(dut, esp_rig)
    dut.cmd("AT").assert_ok()
