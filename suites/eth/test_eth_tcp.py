"""TCP over the Ethernet interface (3.3 with <netif> 3, 3.10; example 4.6.1 is replayed in suites/examples):
a server on the Ethernet interface only, reached by a host client at the address of ``+ETH_GOT_IP``; a
client link that leaves from that address (the station has none: the board joined no AP)."""

from __future__ import annotations

import pytest

from rigs.at.events import Ipd
from servers.behaviours import Sink
from servers.tcp import TcpClient
from suites.tcpip.links import assert_arrived, send, server_port, start_tcp

pytestmark = [pytest.mark.eth]


@pytest.mark.form("AT+CIPETH", "query")
def test_server_on_the_ethernet_interface(dut, expect, esp_rig, eth_up, esp_peer_factory) -> None:
    """AT+CIPSERVER=1,<port>,"TCP",0,3 (3.3 <netif> 3: Ethernet); the client's bytes as +IPD, ours to it."""
    ip = str(expect.ok(dut.cmd("AT+CIPETH?"), "AT+CIPETH", "query")["ip"])
    port = server_port(ip)
    dut.cmd("AT+CIPMUX=1").assert_ok()
    dut.cmd(f'AT+CIPSERVER=1,{port},"TCP",0,3').assert_ok()
    client = esp_peer_factory(TcpClient())
    record = client.connect(ip, port, Sink())
    dut.expect_urc("0,CONNECT", esp_rig.targets.timeouts.connect)
    client.send(record, b"test")
    ipd = dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.payload) == (0, b"test")
    assert send(dut, esp_rig, b"test", link_id=0).final == "SEND OK"
    assert_arrived(record, b"test")
    dut.cmd("AT+CIPCLOSE=0").assert_ok()


def test_client_link_leaves_from_the_ethernet_address(dut, esp_rig, eth_up, esp_tcp_echo) -> None:
    """With only the Ethernet interface up, the host's server sees the connection come from its address."""
    _, record = start_tcp(dut, esp_rig, esp_tcp_echo)
    assert record.remote[0] == eth_up.ip, f"the link came from {record.remote[0]}, not {eth_up.ip}"
    dut.cmd("AT+CIPCLOSE").assert_ok()
