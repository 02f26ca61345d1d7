"""The parameter defects issue 14 measured on main, each as a check of spec/data and of the extractor rule
that now reads it (every check here fails on the data before the fix)."""

from __future__ import annotations

import pytest

from spec import ParamSpec, load_spec
from spec.extract.parameters import parse_param_list
from spec.extract.sources import Sources
from spec.matcher import BlankLines, MatchError, MatchOptions
from spec.params import ParamError
from spec.template import compile_alternatives

LENIENT = MatchOptions(blank_lines=BlankLines.IGNORE)


def _p(command: str, name: str) -> ParamSpec:
    p = load_spec().command(command).param(name)
    assert p is not None, f"{command} has no <{name}>"
    return p


def _ranges(p: ParamSpec) -> list[tuple[float, float]]:
    return [(r.min, r.max) for r in p.range]


def test_cwsap_query_rejects_a_word_for_ssid_hidden() -> None:
    """3.2.12 (Wi-Fi_AT_Commands.rst:955-958): <ssid hidden> is 0 or 1."""
    c = load_spec().command("AT+CWSAP")
    form = c.form("query")
    assert form is not None
    t = compile_alternatives(list(form.responses), {p.name: p for p in c.params})
    assert t.match(['+CWSAP:"ESP","12345678",5,3,4,0', "", "OK"], LENIENT)["ssid hidden"] == 0
    for bad in ("banana", "2"):
        with pytest.raises(MatchError, match="ssid hidden"):
            t.match([f'+CWSAP:"ESP","12345678",5,3,4,{bad}', "", "OK"], LENIENT)


def test_cwsap_password_length() -> None:
    """3.2.12 (Wi-Fi_AT_Commands.rst:945): "Length: 8 ~ 63 bytes"; an open AP's password is empty
    (Basic_AT_Commands.rst:425 sets AT+CWSAP="esp-ap-001","",11,0,3), so only the maximum is checked."""
    pwd = _p("AT+CWSAP", "pwd")
    assert (pwd.min_len, pwd.max_len) == (None, 63)
    pwd.validate('"12345678"')
    pwd.validate('""')
    with pytest.raises(ParamError):
        pwd.validate('"' + "x" * 64 + '"')


def test_cwjeap_string_lengths() -> None:
    """3.2.27 (Wi-Fi_AT_Commands.rst:1977-1979): identity, username and password are 1 ~ 32 bytes."""
    for name in ("identity", "username", "password"):
        p = _p("AT+CWJEAP", name)
        assert (p.type, p.min_len, p.max_len) == ("str", 1, 32)


def test_sysmfg_type_is_an_enum_of_eight_values() -> None:
    """3.1.19 (Basic_AT_Commands.rst:1597-1606): the labels say "string", the values are 1..8."""
    t = _p("AT+SYSMFG", "type")
    assert (t.type, sorted(t.enum)) == ("int", list(range(1, 9)))
    with pytest.raises(ParamError):
        t.validate("9")


def test_sysreg_address_and_value_are_uint32() -> None:
    """3.1.29 (Basic_AT_Commands.rst:2268-2269): "(uint32) register address", "(uint32) write value"."""
    for name in ("address", "write value"):
        p = _p("AT+SYSREG", name)
        assert (p.type, _ranges(p)) == ("int", [(0, 2**32 - 1)])
    with pytest.raises(ParamError):
        _p("AT+SYSREG", "address").validate("-1")


def test_cipsendlcfg_report_size_range_with_its_superscript() -> None:
    """3.3.10 (TCP-IP_AT_Commands.rst:748): "Range: [100,2 :sup:`20`]"."""
    p = _p("AT+CIPSENDLCFG", "report size")
    assert (_ranges(p), p.default) == ([(100, 2**20)], 1024)


@pytest.mark.parametrize(
    "command", ["AT+CIPSTATE", "AT+CIPSTART", "AT+CIPSEND", "AT+CIPSENDL", "AT+CIPSENDEX"]
)
def test_link_id_range_0_to_4(command: str) -> None:
    """3.3.3-3.3.11: "ID of network connection (0~4)" (TCP-IP_AT_Commands.rst:155, :278, :613)."""
    p = _p(command, "link ID")
    assert _ranges(p) == [(0, 4)]
    with pytest.raises(ParamError):
        p.validate("5")


def test_prose_defaults_and_second_listing_lengths() -> None:
    """3.6.6 "The default value is 0" (MQTT_AT_Commands.rst:259); 3.3.27 (TCP-IP_AT_Commands.rst:1897);
    3.3.39's length limits stated in its response list (TCP-IP_AT_Commands.rst:2674-2677)."""
    assert _p("AT+MQTTCONNCFG", "keepalive").default == 0
    assert _p("AT+CIPSSLCCIPHER", "link ID").default is None  # "The default value is 5" is max's
    assert (
        _p("AT+CIPSTART", "link ID").default is None
    )  # "its default value is 5" is AT_SOCKET_MAX_CONN_NUM's
    for name in ("hostname", "instance", "proto"):
        assert _p("AT+MDNS", name).max_len == 64
    assert _p("AT+MDNS", "proto").default == "_tcp"


def test_httpurlcfg_url_length_is_a_number() -> None:
    """3.7.7 (HTTP_AT_Commands.rst:326-329): 0 clears, [8,8192] sets."""
    p = _p("AT+HTTPURLCFG", "url length")
    assert (p.type, list(p.enum), _ranges(p)) == ("int", [0], [(8, 8192)])


# The extractor rules behind the fixes, on the guide's own wording.


def _one(text: str) -> ParamSpec:
    (p,) = parse_param_list(text)
    return p


def test_rule_parenthesised_span_is_a_range() -> None:
    p = _one("-  **<link ID>**: ID of network connection (0~4), used for multiple connections.")
    assert _ranges(p) == [(0, 4)]


def test_rule_superscript_powers() -> None:
    assert _ranges(_one("-  **<n>**: size. Default: 1024. Range: [100,2 :sup:`20`].")) == [(100, 1048576)]
    assert _ranges(_one("-  **<length>**: data length. Maximum: 2 :sup:`31` - 1 bytes.")) == [(0, 2**31 - 1)]


def test_rule_string_length_spans() -> None:
    p = _one('-  **<"pwd">**: string parameter showing the password. Length: 8 ~ 63 bytes ASCII.')
    assert (p.min_len, p.max_len) == (8, 63)
    p = _one('-  **<"identity">**: identity for phase 1. String limited to 1 ~ 32.')
    assert (p.min_len, p.max_len) == (1, 32)
    # a number's "Range: a ~ b bytes" stays its range (3.12.12 <data_len>)
    p = _one("-  **<data_len>**: length of SPI data you want to read. Range: 1 ~ 4092 bytes.")
    assert (_ranges(p), p.max_len) == ([(1, 4092)], None)


def test_rule_values_make_a_number_whatever_the_name() -> None:
    p = _one(
        "-  **[<ssid hidden>]**:\n\n   -  0: broadcasting SSID (default).\n   -  1: not broadcasting SSID."
    )
    assert (p.type, list(p.enum), p.default) == ("int", [0, 1], 0)
    p = _one("- **<type>**: The type of the value.\n\n  - 1: u8\n  - 7: string\n  - 8: binary")
    assert (p.type, list(p.enum)) == ("int", [1, 7, 8])


def test_rule_uint32_and_bare_default_without_full_stop() -> None:
    p = _one("-  **<address>**: (uint32) register address. You can refer to Technical Reference Manuals.")
    assert (p.type, _ranges(p)) == ("int", [(0, 2**32 - 1)])
    assert _one('- **<"proto">**: mDNS service protocol. Default: ``_tcp``.').default == "_tcp"


def test_rule_hex_bounds_do_not_make_a_hex_value() -> None:
    """3.4.8 writes its bounds in hex and sends AT+BLEADVPARAM=50,...; 3.3.35 sends AT+CIPRECVDATA=0,100."""
    p = _one("-  **<adv_int_min>**: minimum advertising interval. Range: [0x0020,0x4000].")
    assert (p.type, _ranges(p)) == ("int", [(0x20, 0x4000)])
    p = _one("-  **<len>**: the max value is 0x7fffffff. If the actual length is less, it is returned.")
    assert (p.type, _ranges(p)) == ("int", [(0, 0x7FFFFFFF)])
    assert _one("-  **<mask>**: print mask. Default: 0x7FF.").type == "hex"


def test_rule_a_stated_range_makes_a_number_but_a_maximum_in_bytes_alone_does_not() -> None:
    p = _one("-  **<data>**: the data of ``<length>`` long. Range: 0 ~ 0xFFFFFFFF.")
    assert (p.type, _ranges(p)) == ("int", [(0, 0xFFFFFFFF)])
    assert _one("-  **<pin_code>**: Legacy Pair PIN Code. Maximum: 16 bytes.").type == "str"


def _template(command: str, kind: str):  # type: ignore[no-untyped-def]
    c = load_spec().command(command)
    form = c.form(kind)
    assert form is not None
    return compile_alternatives(list(form.responses), {p.name: p for p in c.params})


def test_btstartdisc_reads_the_transcripts_inquiry_results() -> None:
    """3.5.5 against classic_bluetooth_at_examples.rst:582-586: quoted addresses, empty class fields, a
    service-class mask (0x2d0), several lines."""
    rows = [
        '+BTSTARTDISC:"10:f6:05:f9:bc:4f",realme V11 5G,0x2,0x3,0x2d0,-34',
        '+BTSTARTDISC:"24:0a:c4:d6:e4:46",EXAMPLE,,,,-27',
    ]
    m = _template("AT+BTSTARTDISC", "set").match([*rows, "", "OK"], LENIENT)
    assert [r["bt_addr"] for r in m.rows("+BTSTARTDISC:")] == ["10:f6:05:f9:bc:4f", "24:0a:c4:d6:e4:46"]
    with pytest.raises(MatchError):
        _template("AT+BTSTARTDISC", "set").match(
            ["+BTSTARTDISC:12345,x,0x2,0x3,0x2d0,-34", "", "OK"], LENIENT
        )


def test_blescan_result_address_is_a_quoted_mac() -> None:
    """3.4.6 against bluetooth_le_at_examples.rst:220-222."""
    t = _template("AT+BLESCAN", "set")
    m = t.match(['+BLESCAN:"24:0a:c4:d6:e4:46",-29,,,0', "OK", "+BLESCANDONE"], LENIENT)
    assert m["addr"] == "24:0a:c4:d6:e4:46"
    with pytest.raises(MatchError):
        t.match(["+BLESCAN:banana,-29,,,0", "OK", "+BLESCANDONE"], LENIENT)
    assert list(_p("AT+BLESCAN", "filter_type").enum) == [1, 2]


def test_scaled_and_counted_units() -> None:
    """3.3.33 "Unit: 100 milliseconds" (TCP-IP_AT_Commands.rst:2214); 3.2.7 "Unit: AP beacon intervals"."""
    assert _p("AT+CIPRECONNINTV", "interval").unit == "100 milliseconds"
    assert _p("AT+CWJAP", "listen_interval").unit == "AP beacon intervals"


def test_btstartdisc_address_only_result() -> None:
    """classic_bluetooth_at_examples.rst:596-597: some results are the address alone."""
    m = _template("AT+BTSTARTDISC", "set").match(['+BTSTARTDISC:"24:0a:c4:2c:a8:a2"', "", "OK"], LENIENT)
    assert m.rows("+BTSTARTDISC:")[0]["bt_addr"] == "24:0a:c4:2c:a8:a2"


def test_gatt_characteristic_properties_are_hex() -> None:
    """bluetooth_le_at_examples.rst:152, :302: the properties print as 0x02."""
    for command in ("AT+BLEGATTSCHAR", "AT+BLEGATTCCHAR"):
        p = _p(command, "char_prop")
        assert (p.type, p.validate("0x1a").value) == ("hex", 0x1A)


def test_bleconnparam_report_of_a_peer_opened_connection() -> None:
    """sleep_at_examples.rst:287: +BLECONNPARAM:0,0,0,6,0,500; 5 is still out of [6,3200] and not 0."""
    p = _p("AT+BLECONNPARAM", "min_interval")
    p.validate("0")
    p.validate("6")
    with pytest.raises(ParamError):
        p.validate("5")


def test_mqttsubrecv_carries_the_message() -> None:
    """MQTT_AT_Examples.rst:113: +MQTTSUBRECV:0,"topic",4,test."""
    m = _template("AT+MQTTSUB", "set").match(['+MQTTSUBRECV:0,"topic",4,test'], LENIENT)
    assert (m["data_length"], m["data"]) == (4, "test")


def test_rule_values_at_the_bullets_indentation_belong_to_the_parameter_before() -> None:
    """3.4.31 (BLE_AT_Commands.rst:2160-2163) prints the values of <auto_conn> beside the bullets."""
    text = (
        "    -  **<auto_conn>**: auto-reconnection flag. By default, automatic reconnection is enabled.\n\n"
        "    -  0: disable automatic reconnection.\n    -  1: enable automatic reconnection\n"
    )
    assert list(_one(text).enum) == [0, 1]
    assert list(_p("AT+BLEINIT", "init").enum) == [0, 1, 2, 3]
    assert (list(_p("AT+BLESPPCFG", "auto_conn").enum), _p("AT+BLESPPCFG", "auto_conn").default) == (
        [0, 1],
        1,
    )
    assert _p("AT+SYSMSGFILTER", "enable").default == 0


@pytest.mark.parametrize(
    "command", ["AT+CIPSSLCCONF", "AT+CIPSSLCCIPHER", "AT+CIPSSLCCN", "AT+CIPSSLCPSK", "AT+CIPRECVMODE"]
)
def test_link_id_0_to_max(command: str) -> None:
    """3.3.26-3.3.34: "ID of the connection (0 ~ max) ... Max is 5 by default" (max: all connections)."""
    p = _p(command, "link ID")
    assert _ranges(p) == [(0, 5)]
    with pytest.raises(ParamError):
        p.validate("6")


def test_sysflash_query_reads_a_real_boards_partition_table() -> None:
    """espressif/esp-at issue 418: +SYSFLASH:"ble_data",64,1,0x21000,0x3000 (one row per partition)."""
    rows = ['+SYSFLASH:"ble_data",64,1,0x21000,0x3000', '+SYSFLASH:"fatfs",1,129,0x70000,0x90000']
    m = _template("AT+SYSFLASH", "query").match([*rows, "", "OK"], LENIENT)
    assert [r["partition"] for r in m.rows("+SYSFLASH:")] == ["ble_data", "fatfs"]
    with pytest.raises(MatchError):
        _template("AT+SYSFLASH", "query").match(["+SYSFLASH:ble_data,64,1,0x21000,0x3000", "", "OK"], LENIENT)


def test_connection_types_are_a_closed_list() -> None:
    """3.3.3 (TCP-IP_AT_Commands.rst:156): "TCP", "TCPv6", "UDP", "UDPv6", "SSL", or "SSLv6"."""
    t = _template("AT+CIPSTATE", "query")
    t.match(['+CIPSTATE:0,"TCPv6","fe80::1",8080,50001,0', "", "OK"], LENIENT)
    with pytest.raises(MatchError, match="type"):
        t.match(['+CIPSTATE:0,"TCX","192.168.3.100",8080,50001,0', "", "OK"], LENIENT)
    assert list(_p("AT+CIPSERVER", "type").enum) == ["TCP", "TCPv6", "SSL", "SSLv6"]
    assert _p("AT+SAVETRANSLINK", "type").default == "TCP"


def _transcript(path: str, first: int, last: int) -> list[str]:
    sources = Sources.locate()
    lines = (sources.rst_dir.parent / "AT_Command_Examples" / path).read_text(encoding="utf-8").split("\n")
    return [x.strip() for x in lines[first - 1 : last]]


def test_gatt_discovery_lists_characteristics_and_descriptors_then_one_ok() -> None:
    """bluetooth_le_at_examples.rst:152-171 and :302-305: char and desc lines interleaved, then OK; the
    guide's two blocks (BLE_AT_Commands.rst:1547-1558) each matched only part of it."""
    m = _template("AT+BLEGATTSCHAR", "query").match(
        _transcript("bluetooth_le_at_examples.rst", 152, 172), LENIENT
    )
    assert len(m.rows("+BLEGATTSCHAR:")) == 19  # 10 characteristics, 9 descriptors
    lines = [*_transcript("bluetooth_le_at_examples.rst", 302, 305), "", "OK"]
    assert len(_template("AT+BLEGATTCCHAR", "set").match(lines, LENIENT).rows("+BLEGATTCCHAR:")) == 4
    with pytest.raises(MatchError):
        _template("AT+BLEGATTSCHAR", "query").match(['+BLEGATTSCHAR:"chr",1,1,0xC300,0x02', "OK"], LENIENT)
