"""spec/urc_check.py: every report against its template of 3.17 (spec/urcs.yaml) with the one matcher."""

from __future__ import annotations

import pytest

from rigs.at.codec import AtCodec
from rigs.at.events import Line, Urc
from spec import load_spec
from spec.urc_check import (
    NOT_IN_GUIDE,
    Report,
    allowed,
    check_report,
    check_templates,
    foreign_line,
    form_of,
    report_name,
)

MAC = "24:ee:9a:2d:6e:b4"


@pytest.mark.parametrize(
    ("report", "form"),
    [
        (Report("+STA_CONNECTED", f'+STA_CONNECTED:"{MAC}"'), "sta_connected"),
        (Report("+DIST_STA_IP", f'+DIST_STA_IP:"{MAC}","192.168.4.2"'), "dist_sta_ip"),
        (Report("CONNECT", "0,CONNECT"), "connect"),
        (Report("CONNECT", "CONNECT"), "connect"),
        (Report("CLOSED", "4,CLOSED"), "closed"),
        (Report("+IPD", "+IPD,5:", data_length=5), "ipd.mux0"),
        (Report("+IPD", "+IPD,1,5:", data_length=5), "ipd.mux1"),
        (Report("+IPD", '+IPD,1,5,"192.168.1.2",8080:', data_length=5), "ipd.mux1.dinfo"),
        (Report("+IPD", "+IPD,1,5"), "ipd.mux1.passive"),
        (Report("ready", "ready"), "ready"),
        (Report("WIFI GOT IP", "WIFI GOT IP"), "wifi_got_ip"),
        (Report("+MQTTSUBRECV", '+MQTTSUBRECV:0,"t/1",3,', data_length=3), "mqtt_subrecv"),
        (Report("+LINK_CONN", '+LINK_CONN:0,1,"TCP",0,"192.168.1.2",8080,1234'), "link_conn"),
        (Report("Have Connections", "Have 5 Connections"), "have_connections"),
        (Report("smartconfig ssid", "ssid:lab"), "smartconfig_ssid"),  # the codec's name differs
        (Report("+CIPUPDATE", "+CIPUPDATE:-1"), "ciupdate_state"),
    ],
    ids=lambda x: x if isinstance(x, str) else x.text,
)
def test_reports_of_the_guide_match(report: Report, form: str) -> None:
    u, err = form_of(report)
    assert err is None and u is not None and u.id == form
    assert check_report(report) is None


def test_sta_connected_without_quotes_fails() -> None:
    # 3.17 as corrected (spec/corrections.yaml messages): the MAC is double-quoted.
    f = check_report(Report("+STA_CONNECTED", f"+STA_CONNECTED:{MAC}"))
    assert f is not None and f.name == "+STA_CONNECTED"
    assert "missing quote" in f.message and "sta_mac" in f.message


@pytest.mark.parametrize(
    ("report", "rule"),
    [
        (Report("CONNECT", "5,CONNECT"), "out of range"),  # 3.3 AT+CIPSTART <link ID>: 0~4
        (Report("+DIST_STA_IP", f'+DIST_STA_IP:"{MAC}","192.168.4"'), "not an IPv4 address"),
        (Report("+STA_CONNECTED", '+STA_CONNECTED:"24:ee:9a"'), "MAC"),
        (Report("+STA_CONNECTED", f'+STA_CONNECTED: "{MAC}"'), "missing quote"),
        (Report("+IPD", "+IPD,x:", data_length=1), ""),
    ],
    ids=["link-id-5", "bad-ip", "short-mac", "space", "ipd-length"],
)
def test_misformatted_reports_fail(report: Report, rule: str) -> None:
    f = check_report(report)
    assert f is not None and f.rule == "3.17: the report's template", f
    assert rule.lower() in f.message.lower()


def test_a_line_the_guide_does_not_have_fails() -> None:
    r = Report("unsolicited", "+FOO:1")
    f = check_report(r)
    assert f is not None and f.name == NOT_IN_GUIDE and "+FOO:1" in f.message and "allow_urc" in f.message
    assert report_name(r) == NOT_IN_GUIDE
    # a line the codec could not place but the guide has is fine
    assert check_report(Report("unsolicited", "WIFI GOT IP")) is None
    assert report_name(Report("unsolicited", "WIFI GOT IP")) == "WIFI GOT IP"


def test_allowed_patterns() -> None:
    r = Report("unsolicited", "+FOO:1")
    assert allowed(r, ["+FOO"]) and allowed(r, ["+FOO:1"]) and allowed(r, [r"\+FOO:\d"])
    assert not allowed(r, ["+FO"]) and not allowed(r, ["[unbalanced"])
    assert check_templates([r], ["+FOO"]) == []
    assert [f.name for f in check_templates([r, Report("ready", "ready")])] == [NOT_IN_GUIDE]


def test_ciupdate_progress_is_a_report_after_ok_and_a_response_line_before() -> None:
    """3.3 AT+CIUPDATE: blocking mode prints +CIPUPDATE:<state> before OK (response), non-blocking after."""
    codec = AtCodec()
    codec.command_sent('AT+CIUPDATE=0,"v1","ota",1')
    events = codec.feed(b"\r\nOK\r\n+CIPUPDATE:1\r\n")
    assert [type(e) for e in events][-1] is Urc and events[-1].kind == "+CIPUPDATE"
    codec.command_sent("AT+CIUPDATE")
    events = codec.feed(b"+CIPUPDATE:1\r\n\r\nOK\r\n")
    assert isinstance(events[0], Line) and events[0].text == "+CIPUPDATE:1"


def test_foreign_information_lines() -> None:
    spec = load_spec()
    assert foreign_line(spec, "AT+CWMODE?", "+CWMODE:1") is None
    assert foreign_line(spec, "AT+CIUPDATE", "+CIPUPDATE:1") is None  # 3.3 AT+CIUPDATE's own response
    assert foreign_line(spec, "AT+GMR", "AT version:5.0.0.0") is None  # no +<name>: prefix: the template's
    assert foreign_line(spec, "AT+NOSUCH", "+CWMODE:1") is None  # no command of the guide: nothing known
    problem = foreign_line(spec, "AT+CIPMUX?", "+CWMODE:1")
    assert problem is not None and "unknown line '+CWMODE:1' in the response of 'AT+CIPMUX?'" in problem
