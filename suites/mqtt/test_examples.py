"""Replays of the guide's chapter-4 MQTT examples on the rig's board: 4.4.1-4.4.4 (MQTT_AT_Examples.rst)
against the rig's broker in place of the guide's local broker at 192.168.3.102 (and test.mosquitto.org for
4.4.4), and 4.5 (mqtt-at-examples-for-cloud.rst, AWS IoT) against a broker configured as the AWS endpoint
requires: mutual TLS with the board's certificates, port 8883 (a free port on a simulated rig).

Each example of spec/examples runs step by step through ``esp_example_runner`` (fixtures/examples.py); the
broker's host and port are learned from the peer that plays it. 4.5.1 is done in the AWS IoT console only:
it is reported as not replayable (needs a cloud account), never silently skipped. The ids are the guide's
section numbers; the tests live beside the 3.6 suite (marker ``mqtt``) so ``-m mqtt`` runs both.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.examples import Example, example

pytestmark = [pytest.mark.mqtt, pytest.mark.examples]

SECTIONS = ["4.4.1", "4.4.2", "4.4.3", "4.4.4", "4.5.1", "4.5.2"]


@pytest.mark.parametrize("section", SECTIONS)
def test_example(section: str, esp_example_runner: Callable[[Example], None]) -> None:
    esp_example_runner(example(section))
