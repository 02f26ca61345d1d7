"""What the Bluetooth LE SPP tests share (3.4.31 AT+BLESPPCFG, 3.4.32 AT+BLESPP): the board as server of the
default table with the peer as its client (4.3.6), the board as client of the peer's server (4.3.5), and the
passthrough between AT+BLESPP and ``+++``. Used by suites/ble/test_ble_spp_mode.py and the throughput ladder
(suites/throughput/test_bt_throughput.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rigs.at.passthrough import Passthrough

#: A ceiling for the air and the AT port, not a pace.
WAIT = 10.0
#: 4.3.6 (bluetooth_le_at_examples.rst:1900-1905): tx = service 1 char 7 (0xC306, indicate), rx = service 1
#: char 5 (0xC304, write).
SERVER_CFG = "AT+BLESPPCFG=1,1,7,1,5"
TX_UUID, RX_UUID = "0xC306", "0xC304"


@contextmanager
def ble_spp(dut, expect) -> Iterator[Passthrough]:  # noqa: ANN001
    """AT+BLESPP checked against 3.4.32's ``OK`` and ``>``; the passthrough; ``+++`` to leave it."""
    r = dut.cmd("AT+BLESPP", WAIT, expect_prompt=True)
    expect.ok(r, "AT+BLESPP", "execute")
    dut.codec.enter_passthrough()
    try:
        yield Passthrough(dut)
    finally:
        dut.exit_passthrough()


def serve_and_connect(dut, expect, peer):  # noqa: ANN001, ANN201
    """The board as server with the default table and advertising; the peer connected (+BLECONN:0) and
    has discovered it (4.3.6's first steps, the phone's part played by the peer)."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLEGATTSSRVCRE"), "AT+BLEGATTSSRVCRE", "execute")
    expect.ok(dut.cmd("AT+BLEGATTSSRVSTART"), "AT+BLEGATTSSRVSTART", "execute")
    board = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    peer.connect(board, 0)
    ev = dut.expect_urc("+BLECONN", WAIT)
    assert ev.text == f'+BLECONN:0,"{peer.address.lower()}"', ev.text
    peer.discover()
    return peer


def connect_to_peer_server(dut, expect, peer) -> int:  # noqa: ANN001
    """4.3.5's client against the peer's server (0xFF01: 0xFF02 read/write, 0xFF03 notify): the peer serves
    and advertises, the board connects and discovers; returns the service's index, as AT+BLESPPCFG takes
    it (AT+BLESPPCFG=1,<srv>,1,<srv>,2: tx 0xFF02, rx 0xFF03)."""
    peer.serve()
    peer.advertise(bytes.fromhex("020106") + b"\x09\x09ble-peer")
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    r = dut.cmd(f'AT+BLECONN=0,"{peer.address.lower()}",1,3', WAIT)
    expect.ok(r, "AT+BLECONN", "set")
    m = expect.ok(dut.cmd("AT+BLEGATTCPRIMSRV=0"), "AT+BLEGATTCPRIMSRV", "set")
    srv = dict(zip(m.all("srv_uuid"), m.all("srv_index"), strict=True))[peer.SERVICE]
    expect.ok(dut.cmd(f"AT+BLEGATTCCHAR=0,{srv}"), "AT+BLEGATTCCHAR", "set")
    return srv
