"""Fixtures of the 3.12 driver suite: the commands must be in the build; the devices the rig wires to the
board (the expected values: rigs/model/peripherals.py); their observer (rigs/boards/periph.py), or a note in
the report that only the AT side is checked."""

from __future__ import annotations

import pytest

from fixtures.suite import skip_unless_listed
from rigs.boards.periph import PeripheralObserver, observer_of
from rigs.model import BoardPeripherals


@pytest.fixture(autouse=True)
def driver_in_firmware(dut, request) -> None:
    # 3.12 Introduction: "The default AT firmware does not support the AT commands listed on this page"; they
    # need "AT driver command support". rigs/sim-driver.yaml is a build with them.
    skip_unless_listed(
        dut,
        request.config,
        "AT+DRVADC",
        "3.12 says the default firmware leaves the driver commands out (AT driver command support); run with "
        "a build that has them (rigs/sim-driver.yaml)",
    )


@pytest.fixture
def wiring(esp_board) -> BoardPeripherals:
    """The rig's devices on this board; the tests' ``requires`` markers name which ones they need."""
    found = esp_board.config.peripherals
    if found is None:
        pytest.skip("the rig declares no peripherals for this board (boards[].peripherals)")
    return found


@pytest.fixture
def observer(esp_board, request) -> PeripheralObserver | None:
    """What watches the devices' side, or None: then the test checks the AT side only, and its report
    says so (the ``peripheral_side`` property)."""
    found = observer_of(esp_board)
    if found is None:
        request.node.user_properties.append(
            ("peripheral_side", "not observable (peripherals.observer: none): the AT side only")
        )
    return found
