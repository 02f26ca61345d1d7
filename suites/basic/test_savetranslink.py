"""3.1.9 AT+SAVETRANSLINK: a saved TCP client passthrough link is opened at power-up.

The board joins the rig's AP (saved, AT+SYSSTORE=1), saves a TCP link to the host's echo peer and restarts;
after ``ready`` it must join, connect and forward bytes both ways with no AT command. The link is cleared
and the board factory-reset afterwards, so the next boot is a normal one.
"""

from __future__ import annotations

import time

import pytest

from fixtures.suite import restore_defaults
from rigs.at.passthrough import Passthrough
from spec.params import escape

pytestmark = [pytest.mark.basic, pytest.mark.bench_risk, pytest.mark.usefixtures("fresh_board")]


@pytest.mark.form("AT+SAVETRANSLINK", "set", "savetrans-tcpssl-client")
@pytest.mark.requires("wifi-sta")
def test_tcp_passthrough_at_power_up(dut, expect, esp_ap, esp_rig, esp_tcp_echo) -> None:
    """3.1.9: <mode> 1 with the echo peer's address: after AT+RST the link is up in passthrough; bytes
    written to the AT port come back from the peer; +++ leaves it (3.3.7)."""
    timeouts = esp_rig.targets.timeouts
    host, port = esp_tcp_echo.address
    dut.cmd("AT+CWMODE=1").assert_ok()
    dut.cmd("AT+SYSSTORE=1").assert_ok()
    dut.cmd(f'AT+CWJAP="{escape(esp_ap.ssid)}","{escape(esp_ap.password)}"', timeouts.join).assert_ok()
    connections = len(esp_tcp_echo.records)
    try:
        resp = dut.cmd(f'AT+SAVETRANSLINK=1,"{host}",{port},"TCP"')
        expect.ok(resp, "AT+SAVETRANSLINK", "set", "savetrans-tcpssl-client")
        dut.reset("at", timeouts.ready)  # waits for ready only: an AT sent now would go down the link
        # The saved join runs first (3.2.7 reports, AT+SYSSTORE=1): the link needs the station's address, so
        # WIFI GOT IP is written before the link opens, but it can still be on the wire when the peer sees
        # the connection. It must be read as a report before the port is switched to passthrough data.
        dut.expect_urc("WIFI GOT IP", timeouts.join)
        deadline = time.monotonic() + timeouts.join + timeouts.connect
        while len(esp_tcp_echo.records) == connections:
            assert time.monotonic() < deadline, f"the board did not connect to {host}:{port} after power-up"
            time.sleep(0.1)
        dut.codec.enter_passthrough()  # the board is silent until the peer echoes what is written next
        link = Passthrough(dut)
        payload = b"savetranslink-power-up"
        link.write(payload)
        assert link.read(len(payload), timeouts.connect) == payload
        dut.exit_passthrough()
        dut.cmd("AT+SAVETRANSLINK=0").assert_ok()
    finally:
        if dut.codec.in_passthrough:
            dut.exit_passthrough()
        restore_defaults(dut, esp_rig)
