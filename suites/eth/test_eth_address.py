"""3.10.4 AT+CIPETH and the interface's reports (3.17 +ETH_CONNECTED, +ETH_GOT_IP, +ETH_DISCONNECTED).

Expected values: the address is the one the board reported in ``+ETH_GOT_IP:<ip>`` (the LAN's DHCP server
chooses it); the gateway and netmask are the rig's LAN (``network.ethernet``, rigs/model/network.py); the
static triple is 3.10.4's example. Where the rig cannot pull the cable (a bench), the tests that need to
skip with that reason."""

from __future__ import annotations

import ipaddress

import pytest

from fixtures.ethernet import link_comes_up

pytestmark = [pytest.mark.eth]

#: 3.10.4 example
STATIC = ("192.168.6.100", "192.168.6.1", "255.255.255.0")


def address(dut, expect) -> tuple[str, str, str]:
    m = expect.ok(dut.cmd("AT+CIPETH?"), "AT+CIPETH", "query")
    return str(m["ip"]), str(m["gateway"]), str(m["netmask"])


@pytest.mark.form("AT+CIPETH", "query")
def test_query_shows_the_leased_address(dut, expect, esp_rig, eth_up) -> None:
    """The address of +ETH_GOT_IP, with the rig's LAN gateway and netmask; the address is in that subnet."""
    lan = esp_rig.network.ethernet
    ip, gateway, netmask = address(dut, expect)
    assert ip == eth_up.ip, f"AT+CIPETH? shows {ip}, the board reported +ETH_GOT_IP:{eth_up.ip}"
    assert (gateway, netmask) == (str(lan.gateway_of(esp_rig.network.host_address)), str(lan.netmask))
    net = ipaddress.ip_network(f"{gateway}/{netmask}", strict=False)
    assert ipaddress.ip_address(ip) in net, f"{ip} is outside the LAN {net}"


@pytest.mark.form("AT+CIPETH", "query")
def test_unplugged_the_lease_is_gone(dut, expect, esp_rig, eth_up, switchable) -> None:
    """Cable out: +ETH_DISCONNECTED (3.17), and no address any more (0.0.0.0, as AT+CIPSTA? shows without
    a connection); back in: the link and an address again."""
    switchable.unplug()
    dut.expect_urc("+ETH_DISCONNECTED", esp_rig.targets.timeouts.join)
    assert address(dut, expect)[0] == "0.0.0.0"
    switchable.plug()
    assert link_comes_up(dut, esp_rig) == eth_up.ip


@pytest.mark.form("AT+CIPETH", "set")
@pytest.mark.form("AT+CIPETH", "query")
def test_static_address_read_back_and_used(dut, expect, esp_rig, eth_up, switchable) -> None:
    """3.10.4 example triple, read back; static means DHCP off (3.10.4 notes), so the next link-up reports
    the static address, not a lease."""
    expect.ok(dut.cmd('AT+CIPETH="{}","{}","{}"'.format(*STATIC)), "AT+CIPETH", "set")
    assert address(dut, expect) == STATIC
    switchable.unplug()
    dut.expect_urc("+ETH_DISCONNECTED", esp_rig.targets.timeouts.join)
    switchable.plug()
    assert link_comes_up(dut, esp_rig) == STATIC[0]
    assert address(dut, expect) == STATIC


@pytest.mark.form("AT+CIPETH", "set")
def test_static_address_alone(dut, expect, eth_up) -> None:
    """<"ip"> without the optional gateway and netmask (3.10.4 syntax); only the address is checked: the
    guide does not say what gateway and netmask go with it."""
    expect.ok(dut.cmd(f'AT+CIPETH="{eth_up.ip}"'), "AT+CIPETH", "set")
    assert address(dut, expect)[0] == eth_up.ip
