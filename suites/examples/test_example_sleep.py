"""Replays of the guide's Sleep AT examples (4.11.2-4.11.6, sleep_at_examples.rst): modem-sleep and
light-sleep in Wi-Fi station mode, light-sleep while BLE advertises or is connected, deep-sleep.

The current each mode draws (the guide's measurement set-up, a power meter) is not observable on any rig
this suite knows: the replays check the AT side, which is all the examples print. What light-sleep and
deep-sleep do to the AT port (bytes lost until woken, ``ready`` after the timer) is suites/basic/
test_sleep.py's."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.examples, pytest.mark.sleep]


@pytest.mark.parametrize("section", ["4.11.2", "4.11.3", "4.11.4", "4.11.5", "4.11.6"])
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
