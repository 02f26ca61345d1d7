"""Fixtures of the 3.6 MQTT suite: paho-mqtt as the independent client on the rig's broker, and the board's
MQTT link released after every test (AT+MQTTCLEAN=0, 3.6.14)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suites.mqtt.peers import PahoPeer


@pytest.fixture
def paho(esp_mqtt_broker) -> Iterator[PahoPeer]:
    peer = PahoPeer(esp_mqtt_broker)
    yield peer
    peer.close()


@pytest.fixture(autouse=True)
def mqtt_released(dut, esp_rig) -> Iterator[None]:
    yield
    # put back what the test changed: no link (ERROR when there was none is fine)
    dut.cmd("AT+MQTTCLEAN=0", esp_rig.targets.timeouts.connect)
    dut.drain_urcs()
