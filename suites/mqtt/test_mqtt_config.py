"""3.6.2-3.6.9, 3.6.14: the link's configuration, read back through AT+MQTTCONN? (3.6.9 <state>), the long
client ID / username / password data phases against a broker that checks them, the connection and its reports
(+MQTTCONNECTED, +MQTTDISCONNECTED, 3.6 MQTT AT Notes), the will of AT+MQTTCONNCFG, <reconnect>, and
AT+MQTTCLEAN."""

from __future__ import annotations

import pytest

from fixtures.servers import has_records
from servers.mqtt import MqttBroker
from suites.mqtt.peers import LISTENER, PahoPeer, assert_connected, broker_address, usercfg

pytestmark = [pytest.mark.mqtt, pytest.mark.usefixtures("fresh_board")]


def _connect(dut, expect, esp_rig, broker, scheme: int = 1, reconnect: int = 0, **cfg) -> tuple[str, int]:
    expect.ok(dut.cmd(usercfg(scheme, **cfg)), "AT+MQTTUSERCFG", "set")
    host, port = broker_address(broker, scheme)
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},{reconnect}', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    assert_connected(r, scheme, host, port, "/mqtt" if scheme >= 6 else "", reconnect)
    return host, port


@pytest.mark.form("AT+MQTTUSERCFG", "set")
@pytest.mark.form("AT+MQTTCONNCFG", "set")
@pytest.mark.form("AT+MQTTCONN", "query")
def test_configuration_states_read_back(dut, expect) -> None:
    """AT+MQTTCONN? <state> 1 after AT+MQTTUSERCFG and 2 after AT+MQTTCONNCFG, with the <scheme> set
    (3.6.9 <state>, <scheme>)."""
    expect.ok(dut.cmd(usercfg(6)), "AT+MQTTUSERCFG", "set")
    m = expect.ok(dut.cmd("AT+MQTTCONN?"), "AT+MQTTCONN", "query")
    assert (m["LinkID"], m["state"], m["scheme"], m["path"]) == (0, 1, 6, "/mqtt"), m.values
    expect.ok(dut.cmd('AT+MQTTCONNCFG=0,60,1,"esp/lwt","bye",1,0'), "AT+MQTTCONNCFG", "set")
    m = expect.ok(dut.cmd("AT+MQTTCONN?"), "AT+MQTTCONN", "query")
    assert (m["state"], m["scheme"]) == (2, 6), m.values


@pytest.mark.form("AT+MQTTCONN", "set")
@pytest.mark.form("AT+MQTTCONN", "query")
@pytest.mark.form("AT+MQTTCLEAN", "set")
def test_connect_query_and_clean(dut, expect, esp_rig, joined, esp_mqtt_broker, err_code) -> None:
    """AT+MQTTCONN: OK with +MQTTCONNECTED carrying what was asked; AT+MQTTCONN? reads the broker back with
    <state> 4 or 5 (connected, no topic); AT+MQTTCLEAN=0 releases the link, and a second one is refused with
    AT_MQTT_UNINITIATED_OR_ALREADY_CLEAN (3.6.15)."""
    host, port = _connect(dut, expect, esp_rig, esp_mqtt_broker, 1)
    m = expect.ok(dut.cmd("AT+MQTTCONN?"), "AT+MQTTCONN", "query")
    assert m["state"] in (4, 5), f"connected without a topic: <state> 4 or 5 (3.6.9), got {m['state']}"
    assert (m["scheme"], m["host"], m["port"], m["path"], m["reconnect"]) == (1, host, port, "", 0), (
        m.values()
    )
    expect.ok(dut.cmd("AT+MQTTCLEAN=0"), "AT+MQTTCLEAN", "set")
    after = dut.cmd("AT+MQTTCONN?").assert_ok()
    assert not [x for x in after.lines if x.startswith("+MQTTCONN:") and not x.startswith("+MQTTCONN:0,0,")]
    err_code(dut.cmd("AT+MQTTCLEAN=0"), "AT_MQTT_UNINITIATED_OR_ALREADY_CLEAN")


@pytest.mark.form("AT+MQTTLONGCLIENTID", "set")
@pytest.mark.form("AT+MQTTLONGUSERNAME", "set")
@pytest.mark.form("AT+MQTTLONGPASSWORD", "set")
def test_long_client_id_username_password(dut, expect, esp_rig, joined, esp_pki, esp_peer_factory, tmp_path):
    """3.6.3-3.6.5: OK and ``>``, the value, OK; a broker that admits only that user with that password
    accepts the board, and its log names the long client ID and username; a wrong password is refused."""
    user, password, client_id = "u" * 100 + "-long", "p" * 200 + "-long", "c" * 300 + "-long"
    broker = esp_peer_factory(
        MqttBroker(tmp_path / "mqtt", esp_pki, host=str(esp_rig.network.host_address), users={user: password})
    )
    expect.ok(dut.cmd(usercfg(1, client_id="short", username="x", password="y")), "AT+MQTTUSERCFG", "set")
    for command, value in (
        ("AT+MQTTLONGCLIENTID", client_id),
        ("AT+MQTTLONGUSERNAME", user),
        ("AT+MQTTLONGPASSWORD", password),
    ):
        prompt = dut.cmd(f"{command}=0,{len(value)}", expect_prompt=True)
        assert prompt.prompt, f"{command}: expected OK and '>', got {prompt.text!r}"
        verdict = dut.send_data(value.encode())  # the data first: a waiting board would eat the next line
        expect.ok(prompt, command, "set")
        expect.ok(verdict, command, "set")
    host, port = broker.endpoints["tcp"].address
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    assert_connected(r, 1, host, port, "", 0)
    log = broker.log_text()
    assert client_id in log and user in log, "mosquitto did not log the long client ID and username"
    expect.ok(dut.cmd("AT+MQTTCLEAN=0"), "AT+MQTTCLEAN", "set")
    dut.cmd(usercfg(1, client_id="short", username="x", password="wrong")).assert_ok()
    prompt = dut.cmd(f"AT+MQTTLONGUSERNAME=0,{len(user)}", expect_prompt=True)
    assert prompt.prompt, prompt.text
    dut.send_data(user.encode()).assert_ok()
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
    expect.error(r)  # the broker refused the password: no connection


@pytest.mark.form("AT+MQTTCONNCFG", "set")
@pytest.mark.form("AT+MQTTCLEAN", "set")
def test_lwt_published_when_the_link_drops_not_after_clean(
    dut, expect, esp_rig, joined, esp_mqtt_broker, paho
) -> None:
    """AT+MQTTCONNCFG's will (3.6.6 <"lwt_topic">, <"lwt_msg">, <lwt_qos>, <lwt_retain>): the broker
    publishes it, with that QoS and retain flag, when the board's connection ends without DISCONNECT (another
    client takes its client ID); the board reports +MQTTDISCONNECTED:0; AT+MQTTCLEAN ends cleanly: no will."""
    paho.subscribe("esp/lwt/#", qos=2)
    expect.ok(dut.cmd(usercfg(1, client_id="esp-lwt-clean")), "AT+MQTTUSERCFG", "set")
    expect.ok(dut.cmd('AT+MQTTCONNCFG=0,30,0,"esp/lwt/clean","never",1,0'), "AT+MQTTCONNCFG", "set")
    host, port = broker_address(esp_mqtt_broker, 1)
    expect.ok(
        dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect), "AT+MQTTCONN", "set"
    )
    expect.ok(dut.cmd("AT+MQTTCLEAN=0"), "AT+MQTTCLEAN", "set")
    paho.nothing(1.0)

    expect.ok(dut.cmd(usercfg(1, client_id="esp-lwt-drop")), "AT+MQTTUSERCFG", "set")
    expect.ok(dut.cmd('AT+MQTTCONNCFG=0,30,0,"esp/lwt/drop","gone \\"x\\"",2,1'), "AT+MQTTCONNCFG", "set")
    expect.ok(
        dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect), "AT+MQTTCONN", "set"
    )
    thief = PahoPeer(esp_mqtt_broker, client_id="esp-lwt-drop")
    try:
        ev = dut.expect_urc("+MQTTDISCONNECTED", esp_rig.targets.timeouts.connect)
        assert ev.text == "+MQTTDISCONNECTED:0", ev.text
        got = paho.get()
        assert (got.topic, got.payload, got.qos) == ("esp/lwt/drop", b'gone "x"', 2), got
        late = PahoPeer(esp_mqtt_broker)
        try:
            late.subscribe("esp/lwt/drop", qos=2)
            assert late.get().retain, "<lwt_retain> 1: the broker should have kept the will"
        finally:
            late.close()
    finally:
        thief.close()
        paho.publish("esp/lwt/drop", b"", retain=True)
    m = expect.ok(dut.cmd("AT+MQTTCONN?"), "AT+MQTTCONN", "query")
    assert m["state"] == 3, f"after the connection ended: <state> 3 (disconnected), got {m['state']}"
    # 3.6.9 <reconnect> 0: AT+MQTTCONN cannot reestablish the connection; AT+MQTTCLEAN first
    expect.error(dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect))


@pytest.mark.form("AT+MQTTCONN", "set")
def test_reconnect_1_reconnects(dut, expect, esp_rig, joined, esp_mqtt_broker) -> None:
    """<reconnect> 1 (3.6.9): after the connection ends (+MQTTDISCONNECTED:0) the board connects again by
    itself and reports +MQTTCONNECTED with the same values."""
    host, port = _connect(dut, expect, esp_rig, esp_mqtt_broker, 1, reconnect=1, client_id="esp-reconnect")
    dut.drain_urcs()  # the report of AT+MQTTCONN itself
    thief = PahoPeer(esp_mqtt_broker, client_id="esp-reconnect")
    try:
        dut.expect_urc("+MQTTDISCONNECTED", esp_rig.targets.timeouts.connect)
    finally:
        thief.close()
    ev = dut.expect_urc("+MQTTCONNECTED", 30)
    assert_connected([ev], 1, host, port, "", 1)
    m = expect.ok(dut.cmd("AT+MQTTCONN?"), "AT+MQTTCONN", "query")
    assert m["state"] in (4, 5, 6) and m["reconnect"] == 1, m.values


@pytest.mark.form("AT+MQTTALPN", "set")
@pytest.mark.form("AT+MQTTSNI", "set")
def test_alpn_and_sni_set_before_a_tls_connection(dut, expect, esp_rig, joined, esp_mqtt_broker) -> None:
    """AT+MQTTALPN / AT+MQTTSNI after AT+MQTTUSERCFG (3.6.7, 3.6.8 notes); <alpn_counts> 0 cleans the ALPN
    setting; the TLS connection (scheme 2) is then made."""
    expect.ok(dut.cmd(usercfg(2)), "AT+MQTTUSERCFG", "set")
    expect.ok(dut.cmd('AT+MQTTALPN=0,2,"mqtt-ca.cn","mqtt-ca.us"'), "AT+MQTTALPN", "set")
    expect.ok(dut.cmd("AT+MQTTALPN=0,0"), "AT+MQTTALPN", "set")
    expect.ok(dut.cmd('AT+MQTTSNI=0,"localhost"'), "AT+MQTTSNI", "set")
    host, port = broker_address(esp_mqtt_broker, 2)
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    assert_connected(r, 2, host, port, "", 0)
    assert LISTENER[2] == "tls"


@pytest.mark.form("AT+MQTTUSERCFG", "set")
@pytest.mark.form("AT+MQTTCONN", "set")
def test_path_reported_with_a_leading_slash(dut, expect, esp_rig, joined, esp_mqtt_broker) -> None:
    """4.4.4 sets <"path"> "mqtt" (no slash) and the board reports "/mqtt" in +MQTTCONNECTED; the broker's
    WebSocket bridge sees the request path /mqtt."""
    expect.ok(dut.cmd('AT+MQTTUSERCFG=0,6,"esp-path","","",0,0,"mqtt"'), "AT+MQTTUSERCFG", "set")
    host, port = broker_address(esp_mqtt_broker, 6)
    r = dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},1', esp_rig.targets.timeouts.connect)
    expect.ok(r, "AT+MQTTCONN", "set")
    assert_connected(r, 6, host, port, "/mqtt", 1)
    assert esp_mqtt_broker.ws_sessions[-1].path == "/mqtt"


@pytest.mark.form("AT+MQTTCONNCFG", "set")
@pytest.mark.parametrize(
    ("keepalive", "disable_clean", "sent_keepalive"),
    [(0, 0, 120), (60, 1, 60), (7200, 0, 7200)],
    ids=["keepalive-0-is-120", "keepalive-60-no-clean-session", "keepalive-7200"],
)
def test_keepalive_and_clean_session_reach_the_broker(
    dut, expect, esp_rig, joined, esp_mqtt_broker, keepalive, disable_clean, sent_keepalive
) -> None:
    """AT+MQTTCONNCFG <keepalive> (0 "will be force-changed to 120 s") and <disable_clean_session> are what
    the board's CONNECT carries (3.6.6): mosquitto logs each client's MQTT version, clean-session flag and
    keepalive (``(p2, c1, k120, ...)``, p2 being MQTT 3.1.1)."""
    client_id = f"esp-ka-{keepalive}-{disable_clean}"
    expect.ok(dut.cmd(usercfg(1, client_id=client_id)), "AT+MQTTUSERCFG", "set")
    expect.ok(dut.cmd(f'AT+MQTTCONNCFG=0,{keepalive},{disable_clean},"","",0,0'), "AT+MQTTCONNCFG", "set")
    host, port = broker_address(esp_mqtt_broker, 1)
    expect.ok(
        dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect), "AT+MQTTCONN", "set"
    )
    if not has_records(esp_mqtt_broker, "the clean-session flag and keepalive of the board's CONNECT"):
        return
    lines = [x for x in esp_mqtt_broker.log_text().splitlines() if f" as {client_id} (" in x]
    assert lines, f"mosquitto logged no connection of {client_id}"
    assert f"(p2, c{1 - disable_clean}, k{sent_keepalive}" in lines[-1], lines[-1]
