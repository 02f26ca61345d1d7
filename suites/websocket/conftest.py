"""Fixtures of the 3.9 WebSocket suite: the commands must be in the build; every test leaves no link open and
no request header set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

_LISTED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def ws_in_firmware(dut, request) -> Iterator[None]:
    # 3.9 Introduction: "The default AT firmware does not support the AT commands listed on this page"; they
    # need "AT WebSocket command support" in menuconfig. A board without them is skipped with that reason
    # (the default rig, rigs/sim.yaml); rigs/sim-ws.yaml is a build with them.
    listed = request.config.stash.get(_LISTED, None)
    if listed is None:
        listed = '"AT+WSOPEN"' in dut.cmd("AT+CMD?", timeout=10).assert_ok().text
        request.config.stash[_LISTED] = listed
    if not listed:
        pytest.skip(
            "the board's AT+CMD? does not list AT+WSOPEN: 3.9 says the default firmware leaves the WebSocket "
            "commands out (AT WebSocket command support); run with a build that has them (rigs/sim-ws.yaml)"
        )
    yield
    # put back what the test changed (ERROR for a link that is not open is fine)
    for link_id in range(3):
        dut.cmd(f"AT+WSCLOSE={link_id}", 10)
    dut.cmd("AT+WSHEAD=0")
    dut.drain_urcs()
