"""Fixtures of the 3.10 Ethernet suite: the commands must be in the build; the interface up with an address
before a test uses it (``eth_up``), through the rig's cable (rigs/boards/ethernet.py) where it can be
switched, else after a restart of a board whose cable is plugged in for good."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fixtures.ethernet import bring_up, take_down
from fixtures.suite import restore_defaults, skip_unless_listed
from rigs.boards.ethernet import EthernetCable, cable_of


@pytest.fixture(autouse=True)
def eth_in_firmware(dut, request) -> None:
    # 3.10 Introduction: "The default AT firmware does not support the AT commands listed on this page"; they
    # need "AT ethernet support". rigs/sim.yaml runs the qualification build, which has them.
    skip_unless_listed(
        dut,
        request.config,
        "AT+CIPETH",
        "3.10 says the default firmware leaves the Ethernet commands out (AT ethernet support); run with a "
        "build that has them (sim/profiles/v5.0.0.0-esp32-eth.yaml)",
    )


@dataclass(frozen=True)
class EthUp:
    """The interface as the board reported it: ``ip`` from ``+ETH_GOT_IP:<ip>`` (3.17)."""

    ip: str
    cable: EthernetCable | None


@pytest.fixture
def eth_up(dut, esp_board, esp_rig, fresh_board) -> Iterator[EthUp]:
    """The cable plugged in and the address leased (fixtures/ethernet.py); afterwards the cable out again
    and the factory settings back."""
    try:
        yield EthUp(bring_up(dut, esp_board, esp_rig), cable_of(esp_board))
    finally:
        take_down(dut, esp_board, esp_rig)
        restore_defaults(dut, esp_rig)


@pytest.fixture
def switchable(eth_up: EthUp, request) -> EthernetCable:
    """The rig's cable, for a test that pulls it; skipped where nobody can (a bench's fixed cable)."""
    if eth_up.cable is None:
        pytest.skip("the rig's Ethernet cable cannot be switched (rigs/boards/ethernet.py: a bench's cable)")
    return eth_up.cable
