"""MQTT publish/subscribe (3.6.10-3.6.12) and HTTP download (3.7.2-3.7.4) rates on the throughput suite's
ladder of AT+UART_CUR rates (3.1.10), every byte verified before the rate is judged against the rig's
limit for ``mqtt-<direction>-<mode>`` / ``http-download-<mode>`` (a fraction of the line's ceiling, as
the socket modes are judged; re-measured up to the rig's ``retries``; sim rigs relative to the host's
stalls, suites/throughput/stalls.py).

The far ends: paho-mqtt on the rig's broker (servers/mqtt.py) checks what the board published byte for
byte and publishes what the board must report; the rig's HTTP server (servers/http.py) serves a body of
known content. What the board printed is framed by the session's codec and compared with what was sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rigs.model.targets import APP_MODES
from servers.payload import pattern
from suites.mqtt.peers import PahoPeer, assert_connected, broker_address, usercfg
from suites.throughput.apps import (
    TOPIC_DOWN,
    TOPIC_UP,
    http_download,
    mqtt_download,
    mqtt_upload,
    upload_data,
)
from suites.throughput.transfer import SEED, Case, Result, transfer_size, transfer_timeout

pytestmark = [pytest.mark.throughput, pytest.mark.bench_risk, pytest.mark.usefixtures("fresh_board")]

#: The form each mode moves its data with (checked on the transfer's own responses).
FORMS = {
    "pub": ("AT+MQTTPUB", "set"),
    "pubraw": ("AT+MQTTPUBRAW", "set"),
    "subrecv": ("AT+MQTTSUB", "set"),
    "httpcget": ("AT+HTTPCGET", "set"),
    "httpclient": ("AT+HTTPCLIENT", "set"),
}


def _cases(transport: str) -> list[object]:
    marks = [getattr(pytest.mark, transport)]
    if transport == "http":
        marks.append(pytest.mark.form("AT+HTTPGETSIZE", "set"))
    return [
        pytest.param(
            Case(transport, d, m), id=f"{transport}-{d}-{m}", marks=[*marks, pytest.mark.form(*FORMS[m])]
        )
        for d, modes in APP_MODES[transport].items()
        for m in modes
    ]


@pytest.fixture
def mqtt_link(dut, expect, esp_rig, joined, esp_mqtt_broker, throughput_line) -> Iterator[None]:
    """The board connected to the rig's broker over TCP (scheme 1) at the test's baud; released after
    (AT+MQTTCLEAN=0, 3.6.14)."""
    expect.ok(dut.cmd(usercfg(1, client_id="esp-tput")), "AT+MQTTUSERCFG", "set")
    host, port = broker_address(esp_mqtt_broker, 1)
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    assert_connected(r, 1, host, port, "", 0)
    dut.drain_urcs()
    try:
        yield
    finally:
        dut.cmd("AT+MQTTCLEAN=0", esp_rig.targets.timeouts.connect)
        dut.drain_urcs()


@pytest.mark.parametrize("case", _cases("mqtt"))
def test_mqtt_throughput(
    case,
    throughput_baud,
    throughput_line,
    throughput_attempts,
    dut,
    expect,
    esp_rig,
    esp_mqtt_broker,
    mqtt_link,
) -> None:
    """Upload: the board publishes ``transfer_seconds`` of line time (AT+MQTTPUB lines under 256 bytes, or
    AT+MQTTPUBRAW 8192-byte messages); paho must receive exactly those bytes, timed where they land.
    Download: paho publishes as much in 1000-byte QoS 1 messages to the topic the board subscribed to; the
    board's +MQTTSUBRECV reports must carry exactly them, timed as the host read them."""
    line = throughput_line
    total = transfer_size(case, line.ceiling, esp_rig.targets.throughput.transfer_seconds)
    timeout = transfer_timeout(esp_rig)
    paho = PahoPeer(esp_mqtt_broker)
    try:
        if case.direction == "download":
            r = dut.cmd(f'AT+MQTTSUB=0,"{TOPIC_DOWN}",1', esp_rig.targets.timeouts.connect)
            expect.ok(r, "AT+MQTTSUB", "set")
        else:
            paho.subscribe(TOPIC_UP, qos=1)
        checked: list[bool] = []

        def once(attempt: int) -> Result:
            if case.direction == "download":
                return mqtt_download(dut, case, paho, pattern(SEED + attempt, total), timeout)
            result, responses = mqtt_upload(dut, case, paho, upload_data(case, total), timeout)
            if not checked:  # the form, once, on the transfer's own first response (after the clock)
                expect.ok(responses[0], *FORMS[case.mode])
                checked.append(True)
            return result

        throughput_attempts(case, line, once)
    finally:
        paho.close()


@pytest.mark.parametrize("case", _cases("http"))
def test_http_throughput(
    case, throughput_baud, throughput_line, throughput_attempts, dut, expect, esp_rig, esp_http_server, joined
) -> None:
    """AT+HTTPGETSIZE reports the body's size (the server's Content-Length, 3.7.3), then AT+HTTPCGET or
    AT+HTTPCLIENT GET prints ``transfer_seconds`` of line time of it as ``+<CMD>:<size>,<data>`` pieces;
    joined they must be exactly the body the server served, timed as the host read them."""
    line = throughput_line
    total = transfer_size(case, line.ceiling, esp_rig.targets.throughput.transfer_seconds)
    data = pattern(SEED, total)
    path = f"/tput/{case.mode}-{line.baud}.bin"
    esp_http_server.add_resource(path, data)
    url = esp_http_server.url(path)
    r = dut.cmd(f'AT+HTTPGETSIZE="{url}"', esp_rig.targets.timeouts.connect)
    assert expect.ok(r, "AT+HTTPGETSIZE", "set")["size"] == total
    checked: list[bool] = []

    def once(attempt: int) -> Result:
        result, response = http_download(dut, case, url, data, transfer_timeout(esp_rig))
        if not checked:  # the whole response against the form's template, after the clock stopped
            expect.ok(response, *FORMS[case.mode])
            checked.append(True)
        return result

    throughput_attempts(case, line, once)
