"""3.10.3 AT+CIPETHMAC: the Ethernet interface's MAC, set as the guide's example and refused as its notes
say (bit 0 of the first octet set, all ones, all zeros). Expected values: the guide; the factory MAC is only
checked to be a unicast MAC other than the station's and the soft-AP's (3.10.3 note: the interfaces' MACs
differ), since the chip's eFuse chooses it."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.eth, pytest.mark.usefixtures("fresh_board")]

EXAMPLE = "1a:fe:35:98:d4:7b"  # 3.10.3 example
MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def eth_mac(dut, expect) -> str:
    return str(expect.ok(dut.cmd("AT+CIPETHMAC?"), "AT+CIPETHMAC", "query")["mac"])


@pytest.fixture
def factory_mac(dut, expect):
    mac = eth_mac(dut, expect)
    yield mac
    dut.cmd(f'AT+CIPETHMAC="{mac}"')


@pytest.mark.form("AT+CIPETHMAC", "query")
def test_factory_mac_is_its_own(dut, expect, factory_mac) -> None:
    assert MAC.match(factory_mac), f"+CIPETHMAC: expected a MAC in lower-case colon form, got {factory_mac!r}"
    assert not int(factory_mac[:2], 16) & 1, f"{factory_mac}: a multicast MAC"
    dut.cmd("AT+CWMODE=3").assert_ok()  # AT+CIPAPMAC? needs the soft-AP mode (3.2.21)
    try:
        sta = str(expect.ok(dut.cmd("AT+CIPSTAMAC?"), "AT+CIPSTAMAC", "query")["mac"])
        ap = str(expect.ok(dut.cmd("AT+CIPAPMAC?"), "AT+CIPAPMAC", "query")["mac"])
    finally:
        dut.cmd("AT+CWMODE=1").assert_ok()
    assert factory_mac not in (sta, ap), f"the Ethernet MAC {factory_mac} is the station's or soft-AP's"


@pytest.mark.form("AT+CIPETHMAC", "set")
@pytest.mark.form("AT+CIPETHMAC", "query")
def test_set_as_the_example_and_read_back(dut, expect, factory_mac) -> None:
    expect.ok(dut.cmd(f'AT+CIPETHMAC="{EXAMPLE}"'), "AT+CIPETHMAC", "set")
    assert eth_mac(dut, expect) == EXAMPLE


@pytest.mark.parametrize(
    "mac",
    [
        pytest.param("15:fe:35:98:d4:7b", id="bit0-of-the-first-octet"),  # 3.10.3 note: "not 15:..."
        pytest.param("ff:ff:ff:ff:ff:ff", id="all-ones"),
        pytest.param("00:00:00:00:00:00", id="all-zeros"),
    ],
)
@pytest.mark.form("AT+CIPETHMAC", "set")
def test_macs_the_notes_forbid(dut, expect, factory_mac, mac: str) -> None:
    """ERROR (the code is not composed: the handler is in the closed core), and the MAC unchanged."""
    expect.error(dut.cmd(f'AT+CIPETHMAC="{mac}"'))
    assert eth_mac(dut, expect) == factory_mac
