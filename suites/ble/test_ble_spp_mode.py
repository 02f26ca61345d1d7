"""3.4.32 AT+BLESPP: Bluetooth LE SPP passthrough both ways with the BLE peer as the other side, bytes
verified, and its ``+++`` exit.

As server (4.3.6: the board serves the default table, the phone's part is the peer's): AT+BLESPPCFG=1,1,7,1,5
(tx 0xC306, rx 0xC304 of the guide's listing), the peer enables 0xC306's indications, AT+BLESPP answers OK and
``>``; what the host writes reaches the peer as indications carrying exactly those bytes, what the peer
writes to 0xC304 comes out of the AT port as it is (no +WRITE). As client (4.3.5's client, the peer's GATT
server in the server's place) AT+BLESPP enables the rx characteristic's notifications itself. After ``+++``
the board takes commands again and a peer write is a +WRITE report once more. Without the client's
notifications enabled the guide's other response, ERROR.
"""

from __future__ import annotations

import os

import pytest

from rigs.at.events import Urc
from suites.ble.spp import (
    RX_UUID,
    SERVER_CFG,
    TX_UUID,
    WAIT,
    ble_spp,
    connect_to_peer_server,
    serve_and_connect,
)

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: The guide's data ("test", 4.3.6) and a block of many ATT values at the default MTU (23: 20-byte values).
GUIDE_DATA = b"test"
BLOCK = os.urandom(1000)


def received(peer, n: int) -> bytes:
    """What the peer received (notifications or indications) until ``n`` bytes came."""
    out = b""
    while len(out) < n:
        out += peer.wait_received(WAIT).value
    return out


def written(peer, n: int) -> bytes:
    out = b""
    while len(out) < n:
        out += peer.wait_written(WAIT).value
    return out


@pytest.fixture
def served(dut, expect, esp_ble_peer):
    """The board as server of the default table, advertising; the peer connected, the board discovered."""
    return serve_and_connect(dut, expect, esp_ble_peer)


@pytest.mark.form("AT+BLESPP", "execute")
def test_server_spp_both_ways(dut, expect, served) -> None:
    """4.3.6: the host's "test" and a 1000-byte block reach the peer as exactly those bytes; the peer's "test"
    and block come out of the AT port as they are; after ``+++`` AT answers and a peer write is +WRITE."""
    expect.ok(dut.cmd(SERVER_CFG), "AT+BLESPPCFG", "set")
    served.subscribe(TX_UUID)
    with ble_spp(dut, expect) as pt:
        pt.write(GUIDE_DATA)
        assert received(served, len(GUIDE_DATA)) == GUIDE_DATA
        pt.write(BLOCK)
        assert received(served, len(BLOCK)) == BLOCK
        served.write(RX_UUID, GUIDE_DATA)
        assert pt.read(len(GUIDE_DATA), WAIT) == GUIDE_DATA
        for i in range(0, len(BLOCK), 20):  # the peer's writes, 20 bytes each (ATT_MTU 23 - 3)
            served.write(RX_UUID, BLOCK[i : i + 20])
        assert pt.read(len(BLOCK), WAIT) == BLOCK
    dut.cmd("AT").assert_ok()
    dut.drain_urcs()  # the +WRITE of the peer's CCCD write (subscribe) before the passthrough
    served.write(RX_UUID, b"x")
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == "+WRITE", WAIT)
    assert ev.text.startswith("+WRITE:0,1,5,,1,"), ev.text  # 3.17 +WRITE, as after 4.3.2's write


def test_server_spp_refused_without_notifications(dut, expect, served) -> None:
    """3.4.32: "If the Bluetooth LE SPP status is wrong (Notifications are not enabled at the opposite end
    after the Bluetooth LE connection is established), the system returns: ERROR"."""
    expect.ok(dut.cmd(SERVER_CFG), "AT+BLESPPCFG", "set")
    expect.error(dut.cmd("AT+BLESPP"))
    dut.cmd("AT").assert_ok()


def test_spp_refused_without_configuration_or_link(dut, expect) -> None:
    """AT+BLESPP needs the characteristics of AT+BLESPPCFG and a connection to send over."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd("AT+BLESPP"))
    expect.ok(dut.cmd(SERVER_CFG), "AT+BLESPPCFG", "set")
    expect.error(dut.cmd("AT+BLESPP"))


@pytest.mark.form("AT+BLESPP", "execute")
def test_client_spp_both_ways(dut, expect, esp_ble_peer) -> None:
    """4.3.5's client side against the peer's server (0xFF01: 0xFF02 read/write, 0xFF03 notify): after
    discovery, AT+BLESPPCFG=1,<srv>,1,<srv>,2 and AT+BLESPP, the host's bytes are the peer's writes of
    0xFF02 and the peer's notifications of 0xFF03 come out of the AT port, bytes verified."""
    peer = esp_ble_peer
    srv = connect_to_peer_server(dut, expect, peer)
    expect.ok(dut.cmd(f"AT+BLESPPCFG=1,{srv},1,{srv},2"), "AT+BLESPPCFG", "set")
    with ble_spp(dut, expect) as pt:
        pt.write(GUIDE_DATA)
        assert written(peer, len(GUIDE_DATA)) == GUIDE_DATA
        pt.write(BLOCK)
        assert written(peer, len(BLOCK)) == BLOCK
        for i in range(0, len(BLOCK), 20):
            peer.notify("0xFF03", BLOCK[i : i + 20])
        assert pt.read(len(BLOCK), WAIT) == BLOCK
    dut.cmd("AT").assert_ok()
