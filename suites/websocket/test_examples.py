"""Replays of the guide's chapter-4 WebSocket examples 4.9.1 (over TCP) and 4.9.2 (over TLS, mutual
authentication) (websocket_at_examples.rst) on the rig's board, against the rig's echo WebSocket servers in
place of the guide's Python server at 192.168.200.249.

Each example of spec/examples runs step by step through ``esp_example_runner`` (fixtures/examples.py); the
server checks that the bytes the board sent arrived before the echo is expected as +WS_DATA. A board without
the WebSocket commands skips (suites/websocket/conftest.py; rigs/sim-ws.yaml has them). The ids are the
guide's section numbers; marker ``websocket`` runs them with the 3.9 suite.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.websocket, pytest.mark.examples]

SECTIONS = ["4.9.1", "4.9.2"]


@pytest.mark.parametrize("section", SECTIONS)
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
