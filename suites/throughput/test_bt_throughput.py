"""Bluetooth passthrough rates on the throughput ladder of AT+UART_CUR rates (3.1.10), every byte verified
before the rate is judged: Bluetooth LE SPP (3.4.32 AT+BLESPP) with the board as GATT server (4.3.6, the
peer as the phone) or client (4.3.5, the peer's server), and Classic Bluetooth SPP passthrough (3.5.9
AT+BTSPPSEND, 4.10.2, the board as slave, the peer as the phone), upload (host -> board -> peer) and
download (peer -> board -> host).

Limits as the socket modes have them (rigs/model/targets.py: ``ble-<direction>-<server|client>``,
``bt-<direction>-passthrough`` or a prefix), except at the baud rate of a figure the guide publishes,
where that figure is the limit (the FAQ: Bluetooth 0.56 Mbps and Bluetooth LE 0.101 Mbps at 2000000 baud,
faq.rst:235 of v5.0.0.0; rigs/bench-example.yaml). Transfers are sized for ``transfer_seconds`` at the
limit's rate, so a passing transfer never outlasts the budget. The peer (server role) or AT+BLECFGMTU
(3.4.17, client role) asks for an MTU of 515, so each value carries 512 bytes, the most an attribute
value may hold.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator

import pytest

from rigs.model.targets import SPP_MODES
from suites.ble.spp import RX_UUID, SERVER_CFG, TX_UUID, WAIT, connect_to_peer_server, serve_and_connect
from suites.bt.helpers import deinit, peer_connects, slave_ready
from suites.throughput import spp
from suites.throughput.transfer import Case, Result, transfer_size, transfer_timeout

pytestmark = [pytest.mark.throughput, pytest.mark.bench_risk, pytest.mark.usefixtures("fresh_board")]

#: The passthrough each transport enters (3.4.32, 3.5.9 execute form).
COMMANDS = {"ble": "AT+BLESPP", "bt": "AT+BTSPPSEND"}
#: AT+BLECFGMTU? polls before the client gives up on the exchange it asked for (3.4.17: "it is
#: recommended to run command AT+BLECFGMTU? to query the actual length").
MTU_POLLS = 20


def _cases(transport: str) -> list[object]:
    return [
        pytest.param(Case(transport, d, m), id=f"{transport}-{d}-{m}")
        for d, modes in SPP_MODES[transport].items()
        for m in modes
    ]


def _needs_flow_control(case: Case, esp_rig, esp_board) -> None:  # noqa: ANN001
    """An upload writes at the line's rate into a link that may be far slower (the FAQ's 0.101 Mbps
    against 2000000 baud): a real board without RTS/CTS drops what its UART buffer cannot hold, so on a
    bench the upload needs ``rtscts: true`` (AT+UART_CUR flow control 3). The simulated board buffers."""
    if case.direction == "upload" and not esp_rig.all_sim and not esp_board.config.rtscts:
        pytest.skip(f"{case.name}: the board's rig entry has no rtscts: true (RTS/CTS flow control)")


def _size(esp_rig, case: Case, line) -> int:  # noqa: ANN001
    """``transfer_seconds`` at the limit's rate: a transfer that passes takes no longer."""
    targets = esp_rig.targets.throughput
    lower, _ = targets.limit(case.name).at(line.baud, line.ceiling)
    return transfer_size(case, min(lower, line.ceiling), targets.transfer_seconds)


def _drained(q: queue.Queue) -> Callable[[], list[tuple[float, bytes]]]:
    """What a BLE peer's queue (``received``, ``written``) gets from now on, stamped, as it arrives."""
    while not q.empty():
        q.get_nowait()
    got: list[tuple[float, bytes]] = []

    def arrivals() -> list[tuple[float, bytes]]:
        while True:
            try:
                r = q.get_nowait()
            except queue.Empty:
                return got
            got.append((r.t, r.value))

    return arrivals


@pytest.fixture
def ble_deinit(dut) -> Iterator[None]:  # noqa: ANN001
    """Bluetooth LE deinitialized after the test (AT+BLEINIT=0, 3.4.2), as suites/ble leaves it."""
    yield
    if dut.codec.in_passthrough:
        dut.exit_passthrough()
    dut.cmd("AT+BLEINIT=0")
    dut.drain_urcs()


def _client_mtu(dut, expect, peer) -> int:  # noqa: ANN001
    """3.4.17 as client: AT+BLECFGMTU=0,<BLE_MTU>, then AT+BLECFGMTU? until the exchange shows; the peer's
    view of the MTU is the one its values are cut to."""
    expect.ok(dut.cmd(f"AT+BLECFGMTU=0,{spp.BLE_MTU}"), "AT+BLECFGMTU", "set")
    for _ in range(MTU_POLLS):
        m = expect.ok(dut.cmd("AT+BLECFGMTU?"), "AT+BLECFGMTU", "query")
        if m["mtu_size"] != 23:
            break
    return peer.mtu()


@pytest.mark.ble
@pytest.mark.requires("ble")
@pytest.mark.parametrize("case", _cases("ble"))
def test_ble_spp_throughput(
    case,
    throughput_baud,
    throughput_line,
    throughput_attempts,
    dut,
    expect,
    esp_rig,
    esp_board,
    esp_ble_peer,
    ble_deinit,
) -> None:
    """Server (4.3.6): the peer connects, discovers, exchanges the MTU and enables 0xC306's indications;
    AT+BLESPPCFG=1,1,7,1,5; the host's bytes must reach the peer as indications carrying exactly them, the
    peer's writes of 0xC304 must come out of the AT port as they are. Client (4.3.5): the board connects to
    the peer's server, AT+BLECFGMTU, AT+BLESPPCFG=1,<srv>,1,<srv>,2; its writes of 0xFF02 and the peer's
    notifications of 0xFF03 carry the data. Every attempt enters AT+BLESPP and leaves it with ``+++``."""
    _needs_flow_control(case, esp_rig, esp_board)
    line, peer, timeout = throughput_line, esp_ble_peer, transfer_timeout(esp_rig)
    total = _size(esp_rig, case, line)
    if case.mode == "server":
        serve_and_connect(dut, expect, peer)
        mtu = peer.exchange_mtu(spp.BLE_MTU)
        expect.ok(dut.cmd(SERVER_CFG), "AT+BLESPPCFG", "set")
        peer.subscribe(TX_UUID)
        dut.drain_urcs()  # the +WRITE of the peer's CCCD write (3.4.32: the passthrough has not begun)
        size = min(mtu - spp.ATT_HEADER, spp.VALUE_MAX)

        def send(data: bytes) -> None:
            for v in spp.values(data, size):
                peer.write(RX_UUID, v, timeout=WAIT)

        inbox = peer.received
    else:
        srv = connect_to_peer_server(dut, expect, peer)
        size = min(_client_mtu(dut, expect, peer) - spp.ATT_HEADER, spp.VALUE_MAX)
        expect.ok(dut.cmd(f"AT+BLESPPCFG=1,{srv},1,{srv},2"), "AT+BLESPPCFG", "set")

        def send(data: bytes) -> None:
            for v in spp.values(data, size):
                peer.notify("0xFF03", v, timeout=WAIT)

        inbox = peer.written

    def once(attempt: int) -> Result:
        if case.direction == "upload":
            return spp.upload(dut, case, COMMANDS["ble"], total, _drained(inbox), timeout)
        return spp.download(dut, case, COMMANDS["ble"], total, send, timeout)

    throughput_attempts(case, line, once)


@pytest.mark.bt
@pytest.mark.requires("bt")
@pytest.mark.parametrize("case", _cases("bt"))
def test_bt_spp_throughput(
    case, throughput_baud, throughput_line, throughput_attempts, dut, expect, esp_rig, esp_board, esp_bt_peer
) -> None:
    """4.10.1's slave with the peer as the phone (+BTSPPCONN), then 4.10.2: AT+BTSPPSEND, the host's bytes
    must reach the peer's RFCOMM channel as exactly them, the peer's bytes must come out of the AT port as
    they are; ``+++`` after each attempt. Bonds and stack are cleared after the test (suites/bt)."""
    _needs_flow_control(case, esp_rig, esp_board)
    line, peer, timeout = throughput_line, esp_bt_peer, transfer_timeout(esp_rig)
    total = _size(esp_rig, case, line)
    try:
        peer_connects(dut, expect, peer, slave_ready(dut, expect, peer))

        def arrivals_from_now() -> Callable[[], list[tuple[float, bytes]]]:
            start, first = len(peer.received), len(peer.arrivals)

            def arrivals() -> list[tuple[float, bytes]]:
                out, at = [], start
                for t, n in list(peer.arrivals[first:]):
                    out.append((t, bytes(peer.received[at : at + n])))
                    at += n
                return out

            return arrivals

        def once(attempt: int) -> Result:
            if case.direction == "upload":
                return spp.upload(dut, case, COMMANDS["bt"], total, arrivals_from_now(), timeout)
            return spp.download(dut, case, COMMANDS["bt"], total, peer.send, timeout)

        throughput_attempts(case, line, once)
    finally:
        deinit(dut)
