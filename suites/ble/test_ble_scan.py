"""3.4.5-3.4.6: AT+BLESCANPARAM (set, read back, its ranges) and AT+BLESCAN (continuous and timed, the
MAC and NAME filters) with the BLE peer advertising: every +BLESCAN report of the peer's address carries
the data the peer really advertises, its scan response only to an active scan (3.4.6 notes), and the
peer's address type; a timed scan ends with +BLESCANDONE (3.17)."""

from __future__ import annotations

import pytest

from rigs.at.events import Urc
from spec.messages import urc

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: What the peer advertises: Flags (LE General Discoverable, BR/EDR not supported), Complete Local Name.
PEER_NAME = "ble-peer"
PEER_ADV = bytes.fromhex("020106") + bytes([len(PEER_NAME) + 1, 0x09]) + PEER_NAME.encode()
#: Its scan response: a Manufacturer Specific Data AD (company 0xFFFF, "test" in the Core spec's terms).
PEER_SCAN_RSP = bytes.fromhex("07ffffff") + b"rsp!"
#: The board's own wait for a report: the peer advertises every 20 ms (servers/ble_peer.py).
REPORT_WAIT = 5.0


#: 3.4.6's response block: the report line (the block's first line, spec/urcs.yaml ``ble_scan``) then OK.
#: The Notes: "The response OK does not necessarily come before the response +BLESCAN:... It may be output
#: before ... or after it", so the line occurs any number of times before OK. While AT+BLESCAN is pending
#: the session takes such a line as the command's information line (rigs/at/codec.py: a "+BLESCAN:" line
#: is the pending command's own), not as a report for expect_urc: :func:`scan` hands them on.
SCAN_RESPONSE = urc("ble_scan").template + "{*}\nOK"


def scan(dut, expect, text: str) -> list[str]:
    """Send an AT+BLESCAN line, check its response against :data:`SCAN_RESPONSE` and return the report
    lines that came before its OK (each matched by the template, so in the guide's format)."""
    resp = dut.cmd(text)
    expect.matches(resp, SCAN_RESPONSE, "AT+BLESCAN")
    return [line for line in resp.lines if line.startswith("+BLESCAN:")]


def scan_reports(
    dut, address: str, timeout: float = REPORT_WAIT, count: int = 1, early: list[str] | None = None
) -> list[list[str]]:
    """The next ``count`` +BLESCAN reports of ``address``, each checked against the report's template
    (spec/urcs.yaml ble_scan, from 3.4.6 and the 4.3.2 transcript), as their fields. ``early`` holds the
    report lines that came inside the command's response (:func:`scan`): they are taken first, in order,
    and removed from it."""
    template = urc("ble_scan")
    want = f'"{address.lower()}"'
    got = []
    while len(got) < count:
        text = next((line for line in early or () if line.split(":", 1)[1].startswith(want)), None)
        if text is not None:
            assert early is not None
            del early[: early.index(text) + 1]
        else:
            text = dut.expect_urc(
                lambda e: (
                    isinstance(e, Urc) and e.kind == "+BLESCAN" and e.text.split(":", 1)[1].startswith(want)
                ),
                timeout,
            ).text
        assert template.regex.fullmatch(text), f"{text!r} does not match {template.template!r}"
        got.append(text.split(":", 1)[1].split(","))
    return got


def others(dut, address: str) -> list[str]:
    """+BLESCAN reports (drained) of any address but ``address``."""
    want = f'"{address.lower()}"'
    return [
        e.text
        for e in dut.drain_urcs()
        if isinstance(e, Urc) and e.kind == "+BLESCAN" and not e.text.split(":", 1)[1].startswith(want)
    ]


@pytest.fixture
def advertising_peer(esp_ble_peer):
    esp_ble_peer.advertise(PEER_ADV, PEER_SCAN_RSP)
    yield esp_ble_peer
    esp_ble_peer.stop_advertising()


@pytest.fixture
def second_peer(esp_ble_air):
    """Another advertiser on the air, with another address and name: what a filter must leave out."""
    from servers.ble_peer import BumbleBlePeer

    peer = BumbleBlePeer(esp_ble_air.transport, address="C0:FF:EE:00:00:02").start()
    name = b"other-peer"
    peer.advertise(bytes.fromhex("020106") + bytes([len(name) + 1, 0x09]) + name)
    yield peer
    peer.stop()


@pytest.mark.form("AT+BLESCANPARAM", "set")
@pytest.mark.form("AT+BLESCANPARAM", "query")
def test_blescanparam_read_back(dut, expect) -> None:
    """The guide's example AT+BLESCANPARAM=0,0,0,100,50 and the active-scan values of 3.4.6 notes
    (1,0,0,100,50) are read back field for field; the range ends 0x0004 and 0x4000 are accepted."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    for values in ((0, 0, 0, 100, 50), (1, 0, 0, 100, 50), (0, 1, 3, 0x4000, 4), (1, 0, 0, 4, 4)):
        expect.ok(dut.cmd("AT+BLESCANPARAM=" + ",".join(map(str, values))), "AT+BLESCANPARAM", "set")
        m = expect.ok(dut.cmd("AT+BLESCANPARAM?"), "AT+BLESCANPARAM", "query")
        names = ("scan_type", "own_addr_type", "filter_policy", "scan_interval", "scan_window")
        assert tuple(m[n] for n in names) == values, m


@pytest.mark.form("AT+BLESCANPARAM", "set")
@pytest.mark.parametrize(
    "args",
    [
        "2,0,0,100,50",
        "0,4,0,100,50",
        "0,0,4,100,50",
        "0,0,0,3,3",
        "0,0,0,16385,50",
        "0,0,0,100,101",
        "0,0,0,100",
        "0,0,0,100,50,1",
    ],
    ids=[
        "scan_type",
        "own_addr_type",
        "filter_policy",
        "interval-low",
        "interval-high",
        "window-over-interval",
        "four-params",
        "six-params",
    ],
)
def test_blescanparam_invalid(dut, expect, args) -> None:
    """Outside 3.4.5's enums and [0x0004,0x4000], a window above the interval ("It should be less than or
    equal to the value of <scan_interval>"), a parameter missing or extra: ERROR, the values stay."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLESCANPARAM=0,0,0,100,50"), "AT+BLESCANPARAM", "set")
    expect.error(dut.cmd(f"AT+BLESCANPARAM={args}"))
    m = expect.ok(dut.cmd("AT+BLESCANPARAM?"), "AT+BLESCANPARAM", "query")
    assert (m["scan_interval"], m["scan_window"]) == (100, 50), m


@pytest.mark.form("AT+BLESCAN", "set")
def test_passive_scan_reports_the_peer(dut, expect, advertising_peer) -> None:
    """AT+BLESCAN=1 with a passive scan: the peer's reports carry its address, its advertising data as HEX,
    no scan response and <addr_type> 1 (the peer advertises from a random static address); AT+BLESCAN=0
    stops the reports (3.4.6)."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLESCANPARAM=0,0,0,100,50"), "AT+BLESCANPARAM", "set")
    early = scan(dut, expect, "AT+BLESCAN=1")
    for _addr, rssi, adv, rsp, addr_type in scan_reports(dut, advertising_peer.address, count=3, early=early):
        assert (adv, rsp, addr_type) == (PEER_ADV.hex(), "", "1"), (adv, rsp, addr_type)
        assert -127 <= int(rssi) <= 20, rssi  # an RSSI in dBm (Core spec Vol 4 Part E 7.7.65.2)
    scan(dut, expect, "AT+BLESCAN=0")
    dut.drain_urcs()
    # after the stop: a round trip more than the peer's 20 ms interval brings no report
    dut.cmd("AT").assert_ok()
    dut.cmd("AT").assert_ok()
    assert not [e for e in dut.drain_urcs() if isinstance(e, Urc) and e.kind == "+BLESCAN"]


@pytest.mark.form("AT+BLESCAN", "set")
def test_active_scan_reports_the_scan_response(dut, expect, advertising_peer) -> None:
    """3.4.6 notes: with AT+BLESCANPARAM=1,0,0,100,50 (active) and a peer that set scan response data, the
    reports include one whose <scan_rsp_data> is that data, its <adv_data> the advertising data."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLESCANPARAM=1,0,0,100,50"), "AT+BLESCANPARAM", "set")
    early = scan(dut, expect, "AT+BLESCAN=1")
    for _ in range(20):
        ((_addr, _rssi, adv, rsp, _type),) = scan_reports(dut, advertising_peer.address, early=early)
        assert adv in ("", PEER_ADV.hex()), adv
        if rsp:
            break
    assert (adv, rsp) == (PEER_ADV.hex(), PEER_SCAN_RSP.hex()), (adv, rsp)
    scan(dut, expect, "AT+BLESCAN=0")
    dut.drain_urcs()


@pytest.mark.form("AT+BLESCAN", "set")
@pytest.mark.parametrize("flt", ["mac", "name"])
def test_timed_scan_with_a_filter(dut, expect, advertising_peer, second_peer, flt) -> None:
    """The guide's AT+BLESCAN=1,3,1,"<MAC>" and AT+BLESCAN=1,3,2,"<name>" shapes (3.4.6 example) with the
    peer's address or its advertised name: only its reports come, and +BLESCANDONE after the duration."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    param = f'1,"{advertising_peer.address.lower()}"' if flt == "mac" else f'2,"{PEER_NAME}"'
    early = scan(dut, expect, f"AT+BLESCAN=1,1,{param}")
    want = f'+BLESCAN:"{advertising_peer.address.lower()}",'
    left_out = [line for line in early if not line.startswith(want)]
    scan_reports(dut, advertising_peer.address, count=2, early=early)
    dut.expect_urc("+BLESCANDONE", 1 + REPORT_WAIT)
    left_out += others(dut, advertising_peer.address)
    assert not left_out, f"reports the filter should have left out: {left_out}"


@pytest.mark.form("AT+BLESCAN", "set")
def test_unfiltered_scan_hears_both_advertisers(dut, expect, advertising_peer, second_peer) -> None:
    """Without a filter both peers are reported, each with its own data; a timed scan (<duration> 1) ends
    with +BLESCANDONE, after which no report comes."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    early = scan(dut, expect, "AT+BLESCAN=1,1")
    scan_reports(dut, advertising_peer.address, early=list(early))
    ((_a, _r, adv, _s, _t),) = scan_reports(dut, second_peer.address, early=early)
    assert b"other-peer".hex() in adv, adv
    dut.expect_urc("+BLESCANDONE", 1 + REPORT_WAIT)
    dut.drain_urcs()
    dut.cmd("AT").assert_ok()
    assert not [e for e in dut.drain_urcs() if isinstance(e, Urc) and e.kind == "+BLESCAN"]


@pytest.mark.form("AT+BLESCAN", "set")
@pytest.mark.parametrize(
    "args",
    ["2", "0,1", "1,-1", '1,1,3,"x"', "1,1,1", "1,1,1,2"],
    ids=["enable", "disable-with-duration", "duration", "filter_type", "no-filter_param", "unquoted-param"],
)
def test_blescan_invalid(dut, expect, args) -> None:
    """<enable> outside 0/1, a <duration> with 0 (3.4.6: "this parameter should be omitted"), a negative
    duration, <filter_type> outside 1/2, a filter type without its parameter or with a number: ERROR."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.error(dut.cmd(f"AT+BLESCAN={args}"))


@pytest.mark.parametrize("text", ["AT+BLESCAN=1", "AT+BLESCANPARAM?", "AT+BLESCANPARAM=0,0,0,100,50"])
def test_scanning_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: AT+BLEINIT first."""
    expect.error(dut.cmd(text))
