"""3.1 Basic AT commands that configure the board: passthrough interval and start-up link, sleep, system
messages and their filters, user partitions, manufacturing NVS and RF power (3.1.9, 3.1.10, 3.1.13,
3.1.15-3.1.20, 3.1.27)."""

from __future__ import annotations

import re

import pytest

from fixtures.suite import SuiteError

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]


@pytest.mark.form("AT+TRANSINTVL", "query")
@pytest.mark.form("AT+TRANSINTVL", "set")
@pytest.mark.parametrize(
    "interval", [pytest.param(0, id="boundary-min"), pytest.param(1000, id="boundary-max")]
)
def test_transintvl_reads_back(dut, expect, interval: int) -> None:
    """3.1.10: <interval> in [0,1000] ms reads back as set."""
    expect.ok(dut.cmd(f"AT+TRANSINTVL={interval}"), "AT+TRANSINTVL", "set")
    assert expect.ok(dut.cmd("AT+TRANSINTVL?"), "AT+TRANSINTVL", "query")["interval"] == interval
    dut.cmd("AT+TRANSINTVL=20").assert_ok()


@pytest.mark.form("AT+SLEEP", "query")
@pytest.mark.form("AT+SLEEP", "set")
@pytest.mark.parametrize("mode", [0, 1, 3])
def test_sleep_in_station_mode(dut, expect, mode: int) -> None:
    """3.1.13: in station mode the modem-sleep modes (1, 3) and 0 are accepted and read back. Mode 2
    (light sleep) is left out: without a wakeup source the board may not wake (3.1.13 note)."""
    dut.cmd("AT+CWMODE=1").assert_ok()
    expect.ok(dut.cmd(f"AT+SLEEP={mode}"), "AT+SLEEP", "set")
    assert expect.ok(dut.cmd("AT+SLEEP?"), "AT+SLEEP", "query")["sleep mode"] == mode
    dut.cmd("AT+SLEEP=0").assert_ok()


@pytest.mark.form("AT+SLEEP", "set")
@pytest.mark.parametrize("mode", [1, 3])
def test_sleep_modem_modes_refused_with_softap(dut, err_code, mode: int) -> None:
    """3.1.13: modes 1 and 3 take effect in station mode only; with a soft-AP running they cannot be set."""
    dut.cmd("AT+SLEEP=0").assert_ok()
    dut.cmd("AT+CWMODE=2").assert_ok()
    try:
        err_code(dut.cmd(f"AT+SLEEP={mode}"), "ESP_AT_SUB_CMD_EXEC_FAIL")
    finally:
        dut.cmd("AT+CWMODE=1").assert_ok()


@pytest.mark.form("AT+SLEEPWKCFG", "set")
@pytest.mark.parametrize(
    "args", [pytest.param("2,12,0", id="gpio-low"), pytest.param("2,12,1", id="gpio-high")]
)
def test_sleepwkcfg_gpio(dut, expect, args: str) -> None:
    """3.1.27: wakeup by GPIO (source 2) with a level 0 or 1; the guide's example is 2,12,0."""
    expect.ok(dut.cmd(f"AT+SLEEPWKCFG={args}"), "AT+SLEEPWKCFG", "set")


@pytest.mark.form("AT+SYSMSG", "query")
@pytest.mark.form("AT+SYSMSG", "set")
@pytest.mark.parametrize("state", [0, 1, 2, 4, 7])
def test_sysmsg_reads_back(dut, expect, state: int) -> None:
    """3.1.15: <state> is a mask of bits 0-2; every combination reads back as set."""
    expect.ok(dut.cmd(f"AT+SYSMSG={state}"), "AT+SYSMSG", "set")
    assert expect.ok(dut.cmd("AT+SYSMSG?"), "AT+SYSMSG", "query")["state"] == state
    dut.cmd("AT+SYSMSG=0").assert_ok()


@pytest.mark.form("AT+SYSMSGFILTER", "query")
@pytest.mark.form("AT+SYSMSGFILTER", "set")
def test_sysmsgfilter_reads_back(dut, expect) -> None:
    """3.1.16: 0 (the default) and 1 read back."""
    assert expect.ok(dut.cmd("AT+SYSMSGFILTER?"), "AT+SYSMSGFILTER", "query")["enable"] == 0
    expect.ok(dut.cmd("AT+SYSMSGFILTER=1"), "AT+SYSMSGFILTER", "set")
    assert expect.ok(dut.cmd("AT+SYSMSGFILTER?"), "AT+SYSMSGFILTER", "query")["enable"] == 1
    expect.ok(dut.cmd("AT+SYSMSGFILTER=0"), "AT+SYSMSGFILTER", "set")


#: The guide's own filter (3.1.17 example): drop the "WIFI CONNECTED" report, its CR LF included.
WIFI_CONNECTED_FILTER = b"^WIFI CONNECTED\r\n"


def _filter_op(dut, expect, operator: int, head: bytes, variant: str) -> None:
    """AT+SYSMSGFILTERCFG=<operator>,<head len>,0: OK and '>' (3.1.17), then the regexp, then OK."""
    resp = dut.cmd(f"AT+SYSMSGFILTERCFG={operator},{len(head)},0", expect_prompt=True)
    if not resp.prompt:
        raise SuiteError(f"{resp.command!r}: expected OK and '>', got {resp.text!r}")
    expect.ok(resp, "AT+SYSMSGFILTERCFG", "set", variant)
    verdict = dut.send_data(head)
    if verdict.final != "OK":
        raise SuiteError(f"{resp.command!r}: expected OK after the regular expression, got {verdict.text!r}")


@pytest.mark.form("AT+SYSMSGFILTERCFG", "query", "sysmsgfiltercfg-query")
@pytest.mark.form("AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-add")
@pytest.mark.form("AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-delete")
@pytest.mark.form("AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-clear")
@pytest.mark.form("AT+SYSMSGFILTER", "set")
@pytest.mark.requires("wifi-sta")
def test_sysmsgfilter_drops_wifi_connected(dut, expect, esp_ap, esp_rig) -> None:
    """3.1.17 example: with the filter added and filtering on, AT+CWJAP prints WIFI GOT IP but not WIFI
    CONNECTED; the query lists the filter; after deleting it the report is back; clearing leaves none."""
    from spec.params import escape

    join = f'AT+CWJAP="{escape(esp_ap.ssid)}","{escape(esp_ap.password)}"'
    timeout = esp_rig.targets.timeouts.join
    dut.cmd("AT+CWMODE=1").assert_ok()
    _filter_op(dut, expect, 1, WIFI_CONNECTED_FILTER, "sysmsgfiltercfg-add")
    listed = dut.cmd("AT+SYSMSGFILTERCFG?").assert_ok()
    # The regexp holds CR LF, which the board prints as they are: compare the raw text.
    assert '+SYSMSGFILTERCFG:0,"^WIFI CONNECTED\r\n",""' in listed.text, listed.text
    expect.ok(dut.cmd("AT+SYSMSGFILTER=1"), "AT+SYSMSGFILTER", "set")
    try:
        dut.drain_urcs()
        filtered = dut.cmd(join, timeout).assert_ok()
        kinds = [getattr(u, "kind", "") for u in filtered.urcs]
        assert "WIFI CONNECTED" not in kinds and "WIFI GOT IP" in kinds, kinds
        dut.cmd("AT+CWQAP").assert_ok()
        _filter_op(dut, expect, 2, WIFI_CONNECTED_FILTER, "sysmsgfiltercfg-delete")
        listed_none = expect.ok(
            dut.cmd("AT+SYSMSGFILTERCFG?"), "AT+SYSMSGFILTERCFG", "query", "sysmsgfiltercfg-query"
        )
        assert listed_none.rows(0) == []
        dut.drain_urcs()
        shown = dut.cmd(join, timeout).assert_ok()
        kinds = [getattr(u, "kind", "") for u in shown.urcs]
        assert kinds[:2] == ["WIFI CONNECTED", "WIFI GOT IP"], kinds
        _filter_op(dut, expect, 1, WIFI_CONNECTED_FILTER, "sysmsgfiltercfg-add")
        expect.ok(dut.cmd("AT+SYSMSGFILTERCFG=0"), "AT+SYSMSGFILTERCFG", "set", "sysmsgfiltercfg-clear")
        assert dut.cmd("AT+SYSMSGFILTERCFG?").assert_ok().lines in ([], [""])
    finally:
        dut.cmd("AT+SYSMSGFILTER=0")
        dut.cmd("AT+CWQAP")
        dut.drain_urcs()


@pytest.mark.form("AT+SYSMSGFILTERCFG", "set")  # a refusal names no variant
@pytest.mark.parametrize(
    "lens", [pytest.param("0,0", id="both-zero"), pytest.param("65,0", id="head-over-64")]
)
def test_sysmsgfiltercfg_bad_lengths(dut, err_code, lens: str) -> None:
    """3.1.17: each length is in [0,64] and they cannot both be 0: ERROR, no '>'."""
    resp = dut.cmd(f"AT+SYSMSGFILTERCFG=1,{lens}")
    err_code(resp, "ESP_AT_SUB_PARA_INVALID", 1 if lens.startswith("65") else 2)


@pytest.mark.form("AT+SYSFLASH", "query")
def test_sysflash_query(dut, expect) -> None:
    """3.1.18: one row per user partition; the manufacturing NVS partition (3.1.19) is among them."""
    m = expect.ok(dut.cmd("AT+SYSFLASH?"), "AT+SYSFLASH", "query")
    rows = m.rows("+SYSFLASH:")
    names = [str(r["partition"]).strip('"') for r in rows]
    assert "mfg_nvs" in names, names
    for r in rows:
        assert int(str(r["size"]), 0) > 0 and int(str(r["addr"]), 0) % 4096 == 0, r


@pytest.mark.form("AT+SYSFLASH", "set")
def test_sysflash_read(dut, expect) -> None:
    """3.1.18 read (operation 2): +SYSFLASH:<length>,<data> with exactly <length> bytes of data. Erase and
    write are not run: they would destroy the board's manufacturing data (suites/README.md)."""
    resp = dut.cmd('AT+SYSFLASH=2,"mfg_nvs",0,16')
    assert expect.ok(resp, "AT+SYSFLASH", "set")["length"] == 16
    raw = resp.raw if resp.raw else resp.text.encode("utf-8", "surrogateescape")
    head = b"+SYSFLASH:16,"
    at = raw.find(head)
    assert at >= 0, f"no {head!r} in {raw!r}"
    assert raw[at + len(head) + 16 : at + len(head) + 18] == b"\r\n", (
        f"expected 16 data bytes then CR LF: {raw!r}"
    )


MFG_NS = "at_conf_test"


@pytest.mark.form("AT+SYSMFG", "query")
@pytest.mark.form("AT+SYSMFG", "set")
@pytest.mark.bench_risk
def test_sysmfg_write_read_erase(dut, expect) -> None:
    """3.1.19: write a u8 and a string into a namespace of the suite's own, read them back whole and by
    offset, list the namespace, then erase key and namespace (the board's own data is left alone)."""
    set_form = expect.form("AT+SYSMFG", "set")
    assert len(set_form.responses) == 5
    expect.ok(dut.cmd(f'AT+SYSMFG=2,"{MFG_NS}","k8",1,200'), "AT+SYSMFG", "set")
    resp = dut.cmd(f'AT+SYSMFG=2,"{MFG_NS}","s",7,5', expect_prompt=True)
    assert resp.prompt, resp.text
    assert dut.send_data(b"hello").final == "OK"
    try:
        assert MFG_NS in expect.ok(dut.cmd("AT+SYSMFG?"), "AT+SYSMFG", "query").all("namespace")
        namespaces = expect.ok(dut.cmd("AT+SYSMFG=1"), "AT+SYSMFG", "set")
        assert MFG_NS in namespaces.all("namespace")
        keys = dut.cmd(f'AT+SYSMFG=1,"{MFG_NS}"').assert_ok()
        assert sorted(keys.lines[:-1]) == sorted([f'+SYSMFG:"{MFG_NS}","k8",1', f'+SYSMFG:"{MFG_NS}","s",7'])
        u8 = dut.cmd(f'AT+SYSMFG=1,"{MFG_NS}","k8"')
        expect.ok(u8, "AT+SYSMFG", "set")
        # <type> 1 is u8 (3.1.19); what <length> counts for a number (bytes or digits) the guide leaves open
        assert re.fullmatch(rf'\+SYSMFG:"{MFG_NS}","k8",1,[0-9]+,200', u8.lines[0]), u8.lines
        whole = dut.cmd(f'AT+SYSMFG=1,"{MFG_NS}","s"').assert_ok()
        assert whole.lines[0] == f'+SYSMFG:"{MFG_NS}","s",7,5,hello', whole.lines
        part = dut.cmd(f'AT+SYSMFG=1,"{MFG_NS}","s",1,3').assert_ok()
        assert part.lines[0] == f'+SYSMFG:"{MFG_NS}","s",7,3,ell', part.lines
        expect.ok(dut.cmd(f'AT+SYSMFG=0,"{MFG_NS}","s"'), "AT+SYSMFG", "set")
        left = dut.cmd(f'AT+SYSMFG=1,"{MFG_NS}"').assert_ok()
        assert [line for line in left.lines if line] == [f'+SYSMFG:"{MFG_NS}","k8",1'], left.lines
    finally:
        dut.cmd(f'AT+SYSMFG=0,"{MFG_NS}"')
    assert MFG_NS not in dut.cmd("AT+SYSMFG?").text


#: 3.1.20, ESP32 table: <wifi_power> set value range -> the value AT+RFPOWER? reads back.
ESP32_RFPOWER = [((40, 43), 34), ((44, 51), 44), ((52, 55), 52), ((56, 59), 56), ((60, 65), 60),
                 ((66, 71), 66), ((72, 77), 72), ((78, 84), 78)]  # fmt: skip
RFPOWER_CASES = [
    pytest.param(v, got, id=f"{label}-{v}")
    for (lo, hi), got in ESP32_RFPOWER
    for v, label in ((lo, "level-min"), (hi, "level-max"))
]


@pytest.mark.form("AT+RFPOWER", "query")
@pytest.mark.form("AT+RFPOWER", "set")
@pytest.mark.parametrize(("set_value", "read_back"), RFPOWER_CASES)
def test_rfpower_quantisation(dut, expect, set_value: int, read_back: int) -> None:
    """3.1.20: on an ESP32 the Wi-Fi power reads back quantised to its level (the guide's table)."""
    gmr = expect.ok(dut.cmd("AT+GMR"), "AT+GMR", "execute")
    if " - ESP32 - " not in str(gmr["AT version info"]):
        pytest.skip(f"the quantisation table checked here is the ESP32's; board: {gmr['AT version info']}")
    dut.cmd("AT+CWMODE=1").assert_ok()  # Wi-Fi must be on (3.1.20 note)
    expect.ok(dut.cmd(f"AT+RFPOWER={set_value}"), "AT+RFPOWER", "set")
    assert expect.ok(dut.cmd("AT+RFPOWER?"), "AT+RFPOWER", "query")["wifi_power_get"] == read_back
    dut.cmd("AT+RFPOWER=78").assert_ok()


def _savetrans(variant: str, line: str, id: str) -> object:
    return pytest.param(variant, line, id=id, marks=pytest.mark.form("AT+SAVETRANSLINK", "set", variant))


@pytest.mark.parametrize(
    ("variant", "line"),
    [
        _savetrans("savetrans-tcpssl-client", 'AT+SAVETRANSLINK=0,"192.168.6.110",1002', id="client-off"),
        _savetrans(
            "savetrans-tcpssl-client", 'AT+SAVETRANSLINK=0,"192.168.6.110",1002,"TCP",60', id="client-kalive"
        ),
        _savetrans("savetrans-tcpssl-server", "AT+SAVETRANSLINK=0", id="server-defaults-omitted"),
        _savetrans("savetrans-tcpssl-server", 'AT+SAVETRANSLINK=0,1002,"TCP"', id="server-port-type"),
        _savetrans("savetrans-udp", 'AT+SAVETRANSLINK=0,"192.168.6.110",1002,"UDP",1005', id="udp-off"),
    ],
)  # fmt: skip
def test_savetranslink_accepts_documented_forms(dut, expect, variant: str, line: str) -> None:
    """3.1.9: each documented variant with <mode> 0 (do not enter passthrough at power-up), so the board's
    next boot is not changed; optional parameters left out where the syntax allows."""
    expect.ok(dut.cmd(line), "AT+SAVETRANSLINK", "set", variant)


@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-ble")
@pytest.mark.requires("ble")
def test_savetranslink_ble(dut, expect) -> None:
    """3.1.9 Bluetooth LE variant (the guide's example), then <mode> 0 to leave the next boot unchanged."""
    expect.ok(
        dut.cmd('AT+SAVETRANSLINK=2,2,1,7,1,5,"26:a2:11:22:33:88"'),
        "AT+SAVETRANSLINK",
        "set",
        "savetrans-ble",
    )
    dut.cmd("AT+SAVETRANSLINK=0").assert_ok()
