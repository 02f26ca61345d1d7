"""AT+MQTTUSERCFG <scheme> 1-10 (3.6.2) against the rig's broker: TCP, TLS (no verification, server verified,
client certificate, both), WebSocket and WebSocket Secure (the same four). Over each, paho-mqtt sees exactly
what the board published and the board reports exactly what paho published. The rig's PKI is written into the
board's ``mqtt_*`` namespaces with AT+SYSMFG (3.6.2 note; How_to_update_pki_config)."""

from __future__ import annotations

import pytest

from servers.pki import SysmfgItem
from suites.mqtt.peers import LISTENER, NEEDS_PKI, WS_PATH, assert_connected, broker_address, subrecv, usercfg

pytestmark = [pytest.mark.mqtt, pytest.mark.usefixtures("fresh_board")]


def provision(dut, esp_rig, items: list[SysmfgItem]) -> None:
    """3.1.19 AT+SYSMFG write: OK and ``>``, the value, OK."""
    for item in items:
        prompt = dut.cmd(item.command, esp_rig.targets.timeouts.command)
        assert prompt.prompt, f"{item.command}: expected the '>' prompt, got {prompt.text!r}"
        dut.send_data(item.value, esp_rig.targets.timeouts.command).assert_ok()


@pytest.mark.form("AT+MQTTUSERCFG", "set")
@pytest.mark.form("AT+MQTTCONN", "set")
@pytest.mark.form("AT+MQTTPUB", "set")
@pytest.mark.form("AT+MQTTSUB", "set")
@pytest.mark.parametrize("scheme", range(1, 11), ids=lambda s: f"scheme-{s}-{LISTENER[s]}")
def test_scheme_both_ways(dut, expect, esp_rig, joined, esp_mqtt_broker, esp_pki, paho, scheme) -> None:
    """AT+MQTTUSERCFG/set/scheme-N: the board connects over the scheme's transport; its publish reaches paho
    byte for byte with its QoS, and paho's publish reaches the board as +MQTTSUBRECV."""
    if scheme in NEEDS_PKI:
        provision(dut, esp_rig, esp_pki.sysmfg_items("mqtt"))
    expect.ok(dut.cmd(usercfg(scheme, client_id=f"esp-scheme-{scheme}")), "AT+MQTTUSERCFG", "set")
    host, port = broker_address(esp_mqtt_broker, scheme)
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    path = WS_PATH if scheme >= 6 else ""
    assert_connected(r, scheme, host, port, path, 0)
    if scheme >= 6:
        session = esp_mqtt_broker.ws_sessions[-1]
        assert (session.path, session.subprotocol) == (WS_PATH, "mqtt"), session
        if scheme in (9, 10):
            assert esp_pki.client.subject_cn in (session.client_cert_subject or ""), session
    topic = f"esp/scheme/{scheme}"
    paho.subscribe(topic + "/up", qos=2)
    expect.ok(dut.cmd(f'AT+MQTTPUB=0,"{topic}/up","up over {scheme}",2,0', 20), "AT+MQTTPUB", "set")
    got = paho.get()
    assert (got.topic, got.payload, got.qos) == (f"{topic}/up", f"up over {scheme}".encode(), 2), got
    expect.ok(dut.cmd(f'AT+MQTTSUB=0,"{topic}/down",1', 20), "AT+MQTTSUB", "set")
    data = bytes(range(256))
    paho.publish(f"{topic}/down", data, qos=1)
    assert subrecv(dut, esp_rig.targets.timeouts.connect) == (f"{topic}/down", data)


@pytest.mark.form("AT+MQTTCONN", "set")
@pytest.mark.parametrize("scheme", [3, 8], ids=lambda s: f"scheme-{s}-{LISTENER[s]}")
def test_untrusted_server_refused(dut, expect, esp_rig, joined, esp_mqtt_broker, esp_pki, scheme) -> None:
    """Schemes that verify the server (3, 8) refuse a broker whose certificate another CA signed: with the
    wrong CA in ``mqtt_ca.0`` AT+MQTTCONN fails and no +MQTTCONNECTED comes."""
    wrong = SysmfgItem("mqtt_ca", "mqtt_ca.0", esp_pki.wrong_ca_cert.read_bytes())
    provision(dut, esp_rig, [wrong])
    try:
        expect.ok(dut.cmd(usercfg(scheme)), "AT+MQTTUSERCFG", "set")
        host, port = broker_address(esp_mqtt_broker, scheme)
        r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
        expect.error(r)
        assert not [u for u in r.urcs if getattr(u, "kind", "") == "+MQTTCONNECTED"], r.text
    finally:
        provision(dut, esp_rig, esp_pki.sysmfg_items("mqtt"))


@pytest.mark.form("AT+MQTTCONN", "set")
@pytest.mark.parametrize("scheme", [2, 7], ids=lambda s: f"scheme-{s}")
def test_no_client_certificate_refused_by_mutual_tls(dut, expect, esp_rig, joined, esp_mqtt_broker, scheme):
    """Schemes 2 and 7 present no client certificate (3.6.2): the mutual-TLS listener refuses them."""
    expect.ok(dut.cmd(usercfg(scheme)), "AT+MQTTUSERCFG", "set")
    host, port = esp_mqtt_broker.endpoints["mtls" if scheme == 2 else "wss_mtls"].address
    expect.error(dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect))
