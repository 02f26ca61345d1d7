"""spec/urc_state.py: the reports of a session against what the test did (links, the station)."""

from __future__ import annotations

from spec.urc_check import Report
from spec.urc_state import Result, Sent, Step, check_state

OK = Result("OK")


def R(kind: str, text: str, *fields: str, data: int | None = None) -> Report:  # noqa: N802
    return Report(kind, text, fields, data)


def connect(link: int | None = None) -> Report:
    return R(
        "CONNECT", "CONNECT" if link is None else f"{link},CONNECT", *(() if link is None else (str(link),))
    )


def closed(link: int | None = None) -> Report:
    return R(
        "CLOSED", "CLOSED" if link is None else f"{link},CLOSED", *(() if link is None else (str(link),))
    )


def rules(steps: list[Step]) -> list[str]:
    return [f.message for f in check_state(steps)]


MUX1 = [Sent("AT+CIPMUX=1"), OK]
START0 = [Sent('AT+CIPSTART=0,"TCP","192.168.1.2",8080'), connect(0), OK]


def test_a_clean_session_has_no_finding() -> None:
    steps = [
        R("ready", "ready"),
        Sent('AT+CWJAP="ap","pw"'),
        R("WIFI CONNECTED", "WIFI CONNECTED"),
        R("WIFI GOT IP", "WIFI GOT IP"),
        OK,
        *MUX1,
        *START0,
        R("+IPD", "+IPD,0,5:", "0", data=5),
        Sent("AT+CIPCLOSE=0"),
        closed(0),
        OK,
        Sent('AT+CIPSTART=0,"TCP","192.168.1.2",8080'),
        connect(0),
        OK,
        closed(0),  # the peer closed it
    ]
    assert rules(steps) == []


def test_unknown_start_judges_nothing() -> None:
    # An earlier test may have left link 3 open and the station joined.
    assert rules([closed(3), R("WIFI GOT IP", "WIFI GOT IP"), R("+IPD", "+IPD,1,1:", "1", data=1)]) == []


def test_link_id_form_follows_cipmux() -> None:
    assert rules([*MUX1, connect()]) == ["'CONNECT' without a link ID while AT+CIPMUX=1"]
    assert rules([Sent("AT+CIPMUX=0"), OK, closed(0)]) == ["'0,CLOSED' with a link ID while AT+CIPMUX=0"]
    assert rules([R("ready", "ready"), R("+IPD", "+IPD,0,5:", "0", data=5)]) == [
        "'+IPD,0,5:' with a link ID while AT+CIPMUX=0"
    ]


def test_two_connects_without_closed() -> None:
    assert rules([*MUX1, *START0, connect(0)]) == [
        "0,CONNECT for a link already connected (no CLOSED since its CONNECT)"
    ]


def test_closed_for_a_link_never_connected() -> None:
    # after a restart no link is open (3.1 AT+RST)
    assert rules([R("ready", "ready"), Sent("AT+CIPMUX=1"), OK, closed(2)]) == [
        "2,CLOSED for a link that was not connected"
    ]
    assert rules([*MUX1, *START0, closed(0), closed(0)]) == ["0,CLOSED for a link that was not connected"]


def test_ipd_for_a_link_not_connected() -> None:
    assert rules([*MUX1, *START0, closed(0), R("+IPD", "+IPD,0,5:", "0", data=5)]) == [
        "'+IPD,0,5:' for link 0, which is not connected"
    ]


def test_ipd_form_follows_cipdinfo_and_recvtype() -> None:
    dinfo = [Sent("AT+CIPDINFO=1"), OK]
    assert rules([*MUX1, *dinfo, *START0, R("+IPD", "+IPD,0,5:", "0", data=5)]) == [
        "'+IPD,0,5:' while AT+CIPDINFO=1"
    ]
    passive = [Sent("AT+CIPRECVTYPE=0,1"), OK]
    assert rules([*MUX1, *START0, *passive, R("+IPD", "+IPD,0,5:", "0", data=5)]) == [
        "'+IPD,0,5:' is the active form, but the link is in passive receive mode"
    ]
    assert rules([*MUX1, *START0, *passive, R("+IPD", "+IPD,0,5", "0")]) == []


def test_cipstart_ok_reports_connect_and_cipclose_ok_reports_closed() -> None:
    assert rules([*MUX1, Sent('AT+CIPSTART=0,"TCP","h",1'), OK]) == [
        '\'AT+CIPSTART=0,"TCP","h",1\' answered OK without reporting CONNECT'
    ]
    assert rules([*MUX1, *START0, Sent("AT+CIPCLOSE=0"), OK]) == [
        "'AT+CIPCLOSE=0' answered OK without reporting 0,CLOSED"
    ]
    # a refused command changes nothing and needs no report
    assert rules([*MUX1, Sent('AT+CIPSTART=0,"TCP","h",1'), Result("ERROR")]) == []


def test_wifi_got_ip_needs_wifi_connected_first() -> None:
    assert rules([R("WIFI DISCONNECT", "WIFI DISCONNECT"), R("WIFI GOT IP", "WIFI GOT IP")]) == [
        "WIFI GOT IP while the station was not connected (no WIFI CONNECTED since it was last disconnected)"
    ]
    assert rules([Sent("AT+CWQAP"), OK, R("WIFI GOT IP", "WIFI GOT IP")]) != []
    assert (
        rules([R("ready", "ready"), R("WIFI CONNECTED", "WIFI CONNECTED"), R("WIFI GOT IP", "WIFI GOT IP")])
        == []
    )


def test_allowed_reports_are_not_judged() -> None:
    steps: list[Step] = [*MUX1, *START0, connect(0)]
    assert [f.message for f in check_state(steps, ["CONNECT"])] == []


def test_cwjap_ok_reports_the_join() -> None:
    join = Sent('AT+CWJAP="ap","pw"')
    assert rules([join, R("WIFI CONNECTED", "WIFI CONNECTED"), OK]) == [
        '\'AT+CWJAP="ap","pw"\' answered OK without reporting WIFI GOT IP'
    ]
    assert rules([Sent("AT+CWJAP"), OK]) == [
        "'AT+CWJAP' answered OK without reporting WIFI CONNECTED and WIFI GOT IP"
    ]
    assert rules([Sent("AT+CWJAP?"), OK, Sent("AT+CWJAP=?"), OK]) == []  # query and test join nothing


def test_closed_after_a_failed_cipstart_is_the_attempt_ending() -> None:
    # real board, logic analyzer capture (atlas-aero/rt-esp-at-nal#10): ERROR, then 1,CLOSED
    start1 = Sent('AT+CIPSTART=1,"TCP","94.230.210.85",80')
    steps: list[Step] = [R("ready", "ready"), *MUX1, start1, Result("ERROR"), closed(1)]
    assert rules(steps) == []
    assert rules([*steps, closed(1)]) == ["1,CLOSED for a link that was not connected"]  # only once
    assert rules([R("ready", "ready"), *MUX1, start1, closed(1), Result("ERROR")]) == []  # or before it


def test_filtered_reports_are_not_missed() -> None:
    # 3.1.17: with a filter for WIFI CONNECTED and AT+SYSMSGFILTER=1, AT+CWJAP prints WIFI GOT IP only
    join = [Sent('AT+CWJAP="ap","pw"'), R("WIFI GOT IP", "WIFI GOT IP"), OK]
    on, off = [Sent("AT+SYSMSGFILTER=1"), OK], [Sent("AT+SYSMSGFILTER=0"), OK]
    assert rules([R("ready", "ready"), *on, *join]) == []
    assert rules([R("ready", "ready"), *on, *off, *join]) != []


MAC = "24:ee:9a:2d:6e:b4"


def sta(kind: str, *extra: str) -> Report:
    values = [MAC, *extra]
    return R(kind, kind + ":" + ",".join(f'"{v}"' for v in values), *values)


def test_softap_stations() -> None:
    joined = [R("ready", "ready"), sta("+STA_CONNECTED"), sta("+DIST_STA_IP", "192.168.4.2")]
    assert rules([*joined, sta("+DIST_STA_IP", "192.168.4.2"), sta("+STA_DISCONNECTED")]) == []
    assert rules([*joined, sta("+STA_CONNECTED")]) == [
        f"'+STA_CONNECTED:\"{MAC}\"' for a station already connected"
    ]
    assert rules([R("ready", "ready"), sta("+DIST_STA_IP", "192.168.4.2")]) == [
        f'\'+DIST_STA_IP:"{MAC}","192.168.4.2"\': a station got an address that was not connected '
        "(no +STA_CONNECTED for it)"
    ]
    assert len(rules([*joined, sta("+STA_DISCONNECTED"), sta("+STA_DISCONNECTED")])) == 1
    # unknown before a restart, and again after the soft-AP changed
    assert rules([sta("+STA_DISCONNECTED")]) == []
    assert rules([*joined, Sent("AT+CWMODE=2"), OK, sta("+STA_CONNECTED")]) == []
