"""Replay of the guide's 4.6.1 Ethernet example (a TCP server on the board, a host client connecting to
the address AT+CIPETH? shows), with the interface brought up first as the example's notes assume
(fixtures/ethernet.py through the rig's cable)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.examples, pytest.mark.eth]


@pytest.mark.parametrize("section", ["4.6.1"])
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
