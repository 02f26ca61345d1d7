"""Fixtures of the 3.6 MQTT suite: paho-mqtt as the independent client on the rig's broker, and the board's
MQTT link released after every test (AT+MQTTCLEAN=0, 3.6.14)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suites.mqtt.peers import PahoPeer

_LISTED = pytest.StashKey[bool]()


@pytest.fixture
def paho(esp_mqtt_broker) -> Iterator[PahoPeer]:
    peer = PahoPeer(esp_mqtt_broker)
    yield peer
    peer.close()


@pytest.fixture(autouse=True)
def mqtt_released(dut, esp_rig, request) -> Iterator[None]:
    # 3.6 Introduction: a build may leave the MQTT commands out ("AT MQTT command support"); such a board is
    # skipped with the reason rather than failed. AT+CMD? is asked once per run.
    listed = request.config.stash.get(_LISTED, None)
    if listed is None:
        listed = '"AT+MQTTUSERCFG"' in dut.cmd("AT+CMD?", timeout=10).assert_ok().text
        request.config.stash[_LISTED] = listed
    if not listed:
        pytest.skip(
            "the board's AT+CMD? does not list AT+MQTTUSERCFG: a build without AT MQTT command support"
        )
    yield
    # put back what the test changed: no link (ERROR when there was none is fine)
    dut.cmd("AT+MQTTCLEAN=0", esp_rig.targets.timeouts.connect)
    dut.drain_urcs()
