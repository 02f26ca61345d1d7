"""Replays of the guide's chapter-4 Bluetooth LE examples: 4.3.2-4.3.7 (bluetooth_le_at_examples.rst) and
4.12.1 (network_provisioning_examples.rst, BluFi).

Each example of spec/examples runs step by step through ``esp_example_runner`` (fixtures/examples.py). The
guide's second board (4.3.2-4.3.5) is a second simulated board on the worker's virtual air
(fixtures.boards ``esp_second_dut``); its phone (4.3.6, 4.3.7) is the BLE peer (servers/ble_peer.py, played
by fixtures.example_peers_ble). The ids are the guide's section numbers; the tests live beside the 3.4
suite (marker ``ble``) so ``-m ble`` runs both.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.ble, pytest.mark.examples]

SECTIONS = ["4.3.2", "4.3.3", "4.3.4", "4.3.5", "4.3.6", "4.3.7", "4.12.1"]


@pytest.mark.parametrize("section", SECTIONS)
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
