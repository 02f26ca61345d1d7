"""Replays of the guide's chapter-4 examples of 4.1 (AT messages) and 4.2 (TCP/IP) on the rig's board.

Each example of spec/examples runs step by step through ``esp_example_runner`` (fixtures/examples.py):
the board's responses and reports are matched against the example's lines, and the host-side peers check
that the data really arrived. The ids are the guide's section numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = pytest.mark.examples

SECTIONS = ["4.1.1", *(f"4.2.{n}" for n in range(1, 14))]


@pytest.mark.parametrize("section", SECTIONS)
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
