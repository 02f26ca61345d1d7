"""Replays of the guide's Classic Bluetooth examples 4.10.1-4.10.6 (classic_bluetooth_at_examples.rst) on the
rig's board, the guide's phone or PC played by servers/bt_peer.py (fixtures/example_peers_bt.py): it finds
the board by the example's name, connects to its SPP service, pairs showing 4.10.3's passkey, and checks
the bytes that really arrived; in 4.10.5 it is the phone's A2DP source (servers/bt_a2dp.py), whose stream
the board's AT+BTA2DPCTRL starts and stops. 4.10.4 drives two boards (the second launched for the test on
a sim rig).

Each example of spec/examples runs step by step through ``esp_example_runner`` (fixtures/examples.py); a
rig that cannot play a role skips with the reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.bt, pytest.mark.examples, pytest.mark.requires("bt")]

SECTIONS = ["4.10.1", "4.10.2", "4.10.3", "4.10.4", "4.10.5", "4.10.6"]


@pytest.mark.parametrize("section", SECTIONS)
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
