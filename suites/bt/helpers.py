"""What the 3.5 tests share: finding the board from the peer, the board's reports, a slave ready for the
peer (4.10.1's first six steps), and a peer call that blocks while the board is driven."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

from rigs.at.events import Urc
from servers.bt_peer import BumbleBtPeer
from spec.messages import urc

#: The peer's reports and link events come over the air at once; a ceiling, not a pace.
WAIT = 10.0


def board_address(dut, peer: BumbleBtPeer) -> str:
    """The board's BT address as a phone learns it (3.5 has no command that prints it): the board made
    discoverable under a name of its own, the device of that name in the peer's inquiry. Leaves the board
    discoverable and connectable (mode 2) and named ESP32_AT again."""
    dut.cmd('AT+BTNAME="find-me"').assert_ok()
    dut.cmd("AT+BTSCANMODE=2").assert_ok()
    found = [f for f in peer.inquire(1.28) if f.name == "find-me"]
    dut.cmd('AT+BTNAME="ESP32_AT"').assert_ok()
    assert len(found) == 1, f"the peer's inquiry should find the board by its name once: {found}"
    return found[0].address


def report(dut, template_id: str, timeout: float = WAIT) -> Urc:
    """The next report of ``template_id``'s kind (spec/urcs.yaml), its header checked against the template."""
    template = urc(template_id)
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == template.kind, timeout)
    if ev.payload is None:
        assert template.regex.fullmatch(ev.text), f"{ev.text!r} does not match {template.template!r}"
    return ev


def quoted(text: str) -> str:
    return text.strip('"').lower()


def slave_ready(dut, expect, peer: BumbleBtPeer, io_cap: int = 3, pin_type: int = 1) -> str:
    """4.10.1 steps 1-6 on the board (init, SPP slave, name, scan mode 2, security, AT+BTSPPSTART) with the
    guide's values, each response checked; returns the board's address as the peer found it."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd("AT+BTSPPINIT=2"), "AT+BTSPPINIT", "set")
    address = board_address(dut, peer)
    expect.ok(dut.cmd('AT+BTNAME="EXAMPLE"'), "AT+BTNAME", "set")
    expect.ok(dut.cmd("AT+BTSCANMODE=2"), "AT+BTSCANMODE", "set")
    expect.ok(dut.cmd(f'AT+BTSECPARAM={io_cap},{pin_type},"9527"'), "AT+BTSECPARAM", "set")
    expect.ok(dut.cmd("AT+BTSPPSTART"), "AT+BTSPPSTART", "execute")
    return address


def peer_connects(dut, expect, peer: BumbleBtPeer, address: str, *, pair: bool = False) -> None:
    """The peer connects to the board's SPP service; the board reports +BTSPPCONN:0,"<peer>" (4.10.1 step
    7) and lists it in AT+BTSPPCONN?."""
    job = Background(peer.connect_spp, address, pair=pair)
    ev = report(dut, "bt_spp_conn")
    job.result()
    assert (ev.fields[0], quoted(ev.fields[1])) == ("0", peer.address), ev
    m = expect.ok(dut.cmd("AT+BTSPPCONN?"), "AT+BTSPPCONN", "query")
    assert (m["conn_index"], quoted(m["remote_address"])) == (0, peer.address)


def deinit(dut) -> None:
    """Out of passthrough, the bonds forgotten (AT+BTENCCLEAR, 3.5.21: kept in flash), the stack
    deinitialized (AT+BTINIT=0, 3.5.2): the next test starts as after a factory reset."""
    if dut.codec.in_passthrough:
        dut.exit_passthrough()
    dut.cmd("AT+BTINIT=1")
    dut.cmd("AT+BTENCCLEAR")
    dut.cmd("AT+BTINIT=0")
    dut.drain_urcs()


class Background:
    """Run one blocking peer call on a thread while the test drives the board; ``result()`` re-raises."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._future = self._pool.submit(fn, *args, **kwargs)

    def result(self, timeout: float = WAIT + 10) -> Any:
        try:
            return self._future.result(timeout)
        finally:
            self._pool.shutdown(wait=False)
