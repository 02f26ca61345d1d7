"""sim/commands/eth.py and sim/eth/link.py: the 3.10 Ethernet commands and interface in process (the cable
through its side channel, the DHCP lease, a static address, a TCP server reached over the interface)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

from sim.eth.link import EthLink
from sim.profile import load_profile
from sim.wifi.addr import Ipv4Config, parse_ipv4
from tests.sim.test_driver_commands import in_loop
from tests.sim.wifiboard import wifi_board

OK = "\r\nOK\r\n"
ETH_AIR = {
    "access_points": [],
    "ethernet": {
        "network": {"pool_start": "127.96.0.10", "gateway": "127.0.0.1"},
        "cable_file": "cable.json",
    },
}


def _plug(wb, plugged: bool) -> None:
    (Path(wb.board.state_dir) / "cable.json").write_text(json.dumps({"plugged": plugged}))


def test_link_model_reports() -> None:
    link = EthLink(mac=b"\x24\x0a\xc4\x00\x00\x03")
    assert link.link_up() == []  # no cable
    link.plugged = True
    assert link.link_up() == ["+ETH_CONNECTED"]
    lease = Ipv4Config(parse_ipv4("127.96.0.10"), parse_ipv4("127.0.0.1"), parse_ipv4("255.0.0.0"))
    assert link.leased(lease) == ["+ETH_GOT_IP:127.96.0.10"]
    assert link.has_ip
    assert link.link_down() == ["+ETH_DISCONNECTED"]
    assert link.ipv4 == Ipv4Config.unset() and link.last_ip == "127.96.0.10"
    link.static = lease
    link.plugged = True
    assert link.link_up() == ["+ETH_CONNECTED", "+ETH_GOT_IP:127.96.0.10"]
    assert link.leased(lease) == []  # DHCP is off with a static address


@in_loop
async def test_cable_lease_query_and_unplug() -> None:
    async with wifi_board(ETH_AIR, instance=2, profile=load_profile("v5.0.0.0-esp32-eth")) as wb:
        assert await wb.cmd("AT+CIPETH?") == (
            '+CIPETH:ip:"0.0.0.0"\r\n+CIPETH:gateway:"0.0.0.0"\r\n+CIPETH:netmask:"0.0.0.0"\r\n' + OK
        )
        _plug(wb, True)
        await wb.wait_for(b"+ETH_CONNECTED\r\n+ETH_GOT_IP:127.96.0.12\r\n")
        assert await wb.cmd("AT+CIPETH?") == (
            '+CIPETH:ip:"127.96.0.12"\r\n+CIPETH:gateway:"127.0.0.1"\r\n+CIPETH:netmask:"255.0.0.0"\r\n' + OK
        )
        assert await wb.cmd("AT+CIPETHMAC?") == f'+CIPETHMAC:"{wb.board.identity.eth_mac}"\r\n' + OK
        _plug(wb, False)
        await wb.wait_for(b"+ETH_DISCONNECTED\r\n")
        assert (await wb.cmd("AT+CIPETH?")).startswith('+CIPETH:ip:"0.0.0.0"')


@in_loop
async def test_static_address_and_mac_set() -> None:
    async with wifi_board(ETH_AIR, profile=load_profile("v5.0.0.0-esp32-eth")) as wb:
        assert await wb.cmd('AT+CIPETHMAC="1a:fe:35:98:d4:7b"') == OK
        assert await wb.cmd("AT+CIPETHMAC?") == '+CIPETHMAC:"1a:fe:35:98:d4:7b"\r\n' + OK
        for bad in (
            'AT+CIPETHMAC="15:fe:35:98:d4:7b"',
            'AT+CIPETHMAC="ff:ff:ff:ff:ff:ff"',
            'AT+CIPETH="1.2.3.4","1.2.3.1"',
        ):
            assert (await wb.cmd(bad)).endswith("ERROR\r\n"), bad
        assert await wb.cmd('AT+CIPETH="127.97.0.5","127.97.0.1","255.255.255.0"') == OK
        _plug(wb, True)
        await wb.wait_for(b"+ETH_CONNECTED\r\n+ETH_GOT_IP:127.97.0.5\r\n")
        assert (await wb.idle(0.3)) == ""  # no DHCP lease replaces the static address


@in_loop
async def test_tcp_server_over_ethernet() -> None:
    """4.6.1: a server on <netif> 3 accepts a client that connects to the Ethernet address."""
    async with wifi_board(ETH_AIR, instance=1, profile=load_profile("v5.0.0.0-esp32-eth")) as wb:
        _plug(wb, True)
        await wb.wait_for(b"+ETH_GOT_IP:127.96.0.11\r\n")
        assert await wb.cmd("AT+CIPMUX=1") == OK
        with socket.socket() as probe:
            probe.bind(("127.96.0.11", 0))
            port = probe.getsockname()[1]
        assert await wb.cmd(f'AT+CIPSERVER=1,{port},"TCP",0,3') == OK
        loop = asyncio.get_running_loop()
        client = await loop.run_in_executor(None, socket.create_connection, ("127.96.0.11", port), 5)
        try:
            await wb.wait_for(b"0,CONNECT\r\n")
            await loop.run_in_executor(None, client.sendall, b"test")
            await wb.wait_for(b"+IPD,0,4:test")
        finally:
            client.close()
        await wb.wait_for(b"0,CLOSED\r\n")


@in_loop
async def test_default_build_lacks_the_commands() -> None:
    async with wifi_board(ETH_AIR) as wb:
        assert (await wb.cmd("AT+CIPETH?")).endswith("ERROR\r\n")
