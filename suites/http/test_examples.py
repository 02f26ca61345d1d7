"""Replays of the guide's chapter-4 HTTP client examples (4.8.1-4.8.7, AT_Command_Examples/
http_at_examples.rst) on the rig's board, against the rig's HTTP(S) server in place of httpbin.org and
espressif.com.

Each example of spec/examples runs step by step through ``esp_example_runner`` (fixtures/examples.py):
the board's responses are matched against the example's lines, and the HTTP peer checks that the request
the example makes really arrived. The ids are the guide's section numbers. They live beside the 3.7 suite
(marker ``http``) so that ``-m http`` runs the command set and its examples together.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.http, pytest.mark.examples]

SECTIONS = [f"4.8.{n}" for n in range(1, 8)]


@pytest.mark.parametrize("section", SECTIONS)
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
