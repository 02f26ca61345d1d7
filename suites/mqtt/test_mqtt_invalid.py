"""3.6 invalid invocations: ERROR and, with AT+SYSLOG=1, the 3.6.15 MQTT code the guide names for the
parameter and the mistake (``AT_MQTT_<PARAMETER>_VALUE_IS_WRONG``, ``..._IS_OVERLENGTH``, ``..._READ_FAILED``
for a value of the wrong kind, ``AT_MQTT_PARAMETER_COUNTS_IS_WRONG``), carried in ESP_AT_SUB_CMD_EXEC_FAIL
(spec/errors.yaml; a real board printed ``ERR CODE:0x010a6006``, AT_MQTT_NULL_LINK: espressif/esp-at #867).

The generic cases of fixtures/cases.py do not apply: they expect the AT core's ESP_AT_SUB_PARA_* codes, while
3.6.15 gives every MQTT parameter its own. The maximum lengths are the guide's (3.6.2, 3.6.6, 3.6.9, 3.6.10).
State refusals (a command before the link exists or is connected) are checked as ERROR only: which code each
carries is not documented, and ESP-AT's MQTT handler is not public.
"""

from __future__ import annotations

import pytest

from suites.mqtt.peers import broker_address, usercfg

pytestmark = [pytest.mark.mqtt, pytest.mark.usefixtures("fresh_board")]

U = usercfg(1)

#: (id, state the board must be in, line, 3.6.15 name). state: "none" (no link), "configured"
#: (AT+MQTTUSERCFG done), "connected".
CASES: list[tuple[str, str, str, str]] = [
    (
        "AT+MQTTUSERCFG/set/link-id-1",
        "none",
        'AT+MQTTUSERCFG=1,1,"a","b","c",0,0,""',
        "AT_MQTT_LINK_ID_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTUSERCFG/set/scheme-0",
        "none",
        'AT+MQTTUSERCFG=0,0,"a","b","c",0,0,""',
        "AT_MQTT_SCHEME_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTUSERCFG/set/scheme-11",
        "none",
        'AT+MQTTUSERCFG=0,11,"a","b","c",0,0,""',
        "AT_MQTT_SCHEME_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTUSERCFG/set/scheme-string",
        "none",
        'AT+MQTTUSERCFG=0,"1","a","b","c",0,0,""',
        "AT_MQTT_SCHEME_READ_FAILED",
    ),
    (
        "AT+MQTTUSERCFG/set/username-left-out",
        "none",
        'AT+MQTTUSERCFG=0,1,"a",,"c",0,0,""',
        "AT_MQTT_USERNAME_IS_NULL",
    ),
    (
        "AT+MQTTUSERCFG/set/username-65",
        "none",
        f'AT+MQTTUSERCFG=0,1,"a","{"u" * 65}","c",0,0,""',
        "AT_MQTT_USERNAME_IS_OVERLENGTH",
    ),
    (
        "AT+MQTTUSERCFG/set/password-65",
        "none",
        f'AT+MQTTUSERCFG=0,1,"a","b","{"p" * 65}",0,0,""',
        "AT_MQTT_PASSWORD_IS_OVERLENGTH",
    ),
    (
        "AT+MQTTUSERCFG/set/cert-key-id-1",
        "none",
        'AT+MQTTUSERCFG=0,1,"a","b","c",1,0,""',
        "AT_MQTT_CERT_KEY_ID_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTUSERCFG/set/ca-id-1",
        "none",
        'AT+MQTTUSERCFG=0,1,"a","b","c",0,1,""',
        "AT_MQTT_CA_ID_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTUSERCFG/set/path-33",
        "none",
        f'AT+MQTTUSERCFG=0,6,"a","b","c",0,0,"/{"p" * 32}"',
        "AT_MQTT_PATH_IS_OVERLENGTH",
    ),
    (
        "AT+MQTTUSERCFG/set/7-parameters",
        "none",
        'AT+MQTTUSERCFG=0,1,"a","b","c",0,0',
        "AT_MQTT_PARAMETER_COUNTS_IS_WRONG",
    ),
    (
        "AT+MQTTCONNCFG/set/keepalive-7201",
        "configured",
        'AT+MQTTCONNCFG=0,7201,0,"t","m",0,0',
        "AT_MQTT_KEEPALIVE_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTCONNCFG/set/clean-session-2",
        "configured",
        'AT+MQTTCONNCFG=0,0,2,"t","m",0,0',
        "AT_MQTT_DISABLE_CLEAN_SESSION_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTCONNCFG/set/lwt-topic-129",
        "configured",
        f'AT+MQTTCONNCFG=0,0,0,"{"t" * 129}","m",0,0',
        "AT_MQTT_LWT_TOPIC_IS_OVERLENGTH",
    ),
    (
        "AT+MQTTCONNCFG/set/lwt-msg-129",
        "configured",
        f'AT+MQTTCONNCFG=0,0,0,"t","{"m" * 129}",0,0',
        "AT_MQTT_LWT_MSG_IS_OVERLENGTH",
    ),
    (
        "AT+MQTTCONNCFG/set/lwt-qos-3",
        "configured",
        'AT+MQTTCONNCFG=0,0,0,"t","m",3,0',
        "AT_MQTT_LWT_QOS_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTCONNCFG/set/lwt-retain-2",
        "configured",
        'AT+MQTTCONNCFG=0,0,0,"t","m",0,2',
        "AT_MQTT_LWT_RETAIN_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTCONN/set/host-129",
        "configured",
        f'AT+MQTTCONN=0,"{"h" * 129}",1883,0',
        "AT_MQTT_HOST_IS_OVERLENGTH",
    ),
    (
        "AT+MQTTCONN/set/port-65536",
        "configured",
        'AT+MQTTCONN=0,"127.0.0.1",65536,0',
        "AT_MQTT_PORT_VALUE_IS_WRONG",
    ),
    (
        "AT+MQTTCONN/set/reconnect-2",
        "configured",
        'AT+MQTTCONN=0,"127.0.0.1",1883,2',
        "AT_MQTT_RECONNECT_VALUE_IS_WRONG",
    ),
    ("AT+MQTTPUB/set/qos-3", "connected", 'AT+MQTTPUB=0,"t","d",3,0', "AT_MQTT_QOS_VALUE_IS_WRONG"),
    ("AT+MQTTPUB/set/retain-2", "connected", 'AT+MQTTPUB=0,"t","d",0,2', "AT_MQTT_RETAIN_VALUE_IS_WRONG"),
    (
        "AT+MQTTPUB/set/topic-129",
        "connected",
        f'AT+MQTTPUB=0,"{"t" * 129}","d",0,0',
        "AT_MQTT_TOPIC_IS_OVERLENGTH",
    ),
    ("AT+MQTTPUBRAW/set/qos-3", "connected", 'AT+MQTTPUBRAW=0,"t",4,3,0', "AT_MQTT_QOS_VALUE_IS_WRONG"),
    (
        "AT+MQTTPUBRAW/set/length-string",
        "connected",
        'AT+MQTTPUBRAW=0,"t","4",0,0',
        "AT_MQTT_PUBLISH_LENGTH_READ_FAILED",
    ),
    ("AT+MQTTSUB/set/qos-3", "connected", 'AT+MQTTSUB=0,"t",3', "AT_MQTT_QOS_VALUE_IS_WRONG"),
    (
        "AT+MQTTUNSUB/set/topic-129",
        "connected",
        f'AT+MQTTUNSUB=0,"{"t" * 129}"',
        "AT_MQTT_TOPIC_IS_OVERLENGTH",
    ),
    ("AT+MQTTCLEAN/set/link-id-1", "configured", "AT+MQTTCLEAN=1", "AT_MQTT_LINK_ID_VALUE_IS_WRONG"),
]


def _params() -> list[object]:
    out = []
    for case_id, state, line, name in CASES:
        command = case_id.split("/", 1)[0]
        out.append(pytest.param(state, line, name, id=case_id, marks=pytest.mark.form(command, "set")))
    return out


def _reach(dut, esp_rig, broker, state: str) -> None:
    if state == "none":
        return
    dut.cmd(U).assert_ok()
    if state == "connected":
        host, port = broker_address(broker, 1)
        dut.cmd(f'AT+MQTTCONN=0,"{host}",{port},0', esp_rig.targets.timeouts.connect).assert_ok()


@pytest.mark.parametrize(("state", "line", "name"), _params())
def test_invalid_set(dut, err_code, esp_rig, joined, esp_mqtt_broker, state, line, name) -> None:
    """One invalid invocation: ERROR with its 3.6.15 code; the link is left as it was."""
    _reach(dut, esp_rig, esp_mqtt_broker, state)
    before = dut.cmd("AT+MQTTCONN?").assert_ok().lines
    err_code(dut.cmd(line, esp_rig.targets.timeouts.command), name)
    assert dut.cmd("AT+MQTTCONN?").assert_ok().lines == before, "a refused command changed the link"


#: (id, state, line): commands the guide orders after another (3.6.3-3.6.8 notes: after AT+MQTTUSERCFG;
#: 3.6.9 <reconnect>: publish, subscribe need the connection)
STATE_RULES: list[tuple[str, str, str]] = [
    ("AT+MQTTCONNCFG/set/before-usercfg", "none", 'AT+MQTTCONNCFG=0,0,0,"t","m",0,0'),
    ("AT+MQTTLONGCLIENTID/set/before-usercfg", "none", "AT+MQTTLONGCLIENTID=0,4"),
    ("AT+MQTTLONGUSERNAME/set/before-usercfg", "none", "AT+MQTTLONGUSERNAME=0,4"),
    ("AT+MQTTLONGPASSWORD/set/before-usercfg", "none", "AT+MQTTLONGPASSWORD=0,4"),
    ("AT+MQTTALPN/set/before-usercfg", "none", 'AT+MQTTALPN=0,1,"mqtt"'),
    ("AT+MQTTSNI/set/before-usercfg", "none", 'AT+MQTTSNI=0,"localhost"'),
    ("AT+MQTTCONN/set/before-usercfg", "none", 'AT+MQTTCONN=0,"127.0.0.1",1883,0'),
    ("AT+MQTTPUB/set/not-connected", "configured", 'AT+MQTTPUB=0,"t","d",0,0'),
    ("AT+MQTTPUBRAW/set/not-connected", "configured", 'AT+MQTTPUBRAW=0,"t",4,0,0'),
    ("AT+MQTTSUB/set/not-connected", "configured", 'AT+MQTTSUB=0,"t",0'),
    ("AT+MQTTUNSUB/set/not-connected", "configured", 'AT+MQTTUNSUB=0,"t"'),
    ("AT+MQTTCLEAN/set/no-link", "none", "AT+MQTTCLEAN=0"),
    ("AT+MQTTLONGCLIENTID/set/length-0", "configured", "AT+MQTTLONGCLIENTID=0,0"),
    ("AT+MQTTLONGUSERNAME/set/length-1025", "configured", "AT+MQTTLONGUSERNAME=0,1025"),
    ("AT+MQTTALPN/set/counts-6", "configured", 'AT+MQTTALPN=0,6,"a","b","c","d","e","f"'),
    ("AT+MQTTCONN/set/timeout-2999", "configured", 'AT+MQTTCONN=0,"127.0.0.1",1883,0,2999'),
]


@pytest.mark.parametrize(
    ("state", "line"),
    [
        pytest.param(s, line, id=i, marks=pytest.mark.form(i.split("/", 1)[0], "set"))
        for i, s, line in STATE_RULES
    ],
)
def test_refused(dut, expect, esp_rig, joined, esp_mqtt_broker, state, line) -> None:
    """Refused by the guide's order of commands or a documented range: ERROR (no ``>`` prompt), link
    unchanged."""
    _reach(dut, esp_rig, esp_mqtt_broker, state)
    before = dut.cmd("AT+MQTTCONN?").assert_ok().lines
    r = dut.cmd(line, esp_rig.targets.timeouts.command)
    assert not r.prompt, f"{line}: the board asked for data instead of refusing: {r.text!r}"
    expect.error(r)
    assert dut.cmd("AT+MQTTCONN?").assert_ok().lines == before, "a refused command changed the link"
