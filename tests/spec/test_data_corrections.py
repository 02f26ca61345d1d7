"""What spec/corrections.yaml `lines`, `params` and `added_params` put into spec/data: response templates
that read the board's output the way the guide's prose and examples describe it."""

from __future__ import annotations

import pytest

from spec import load_spec
from spec.extract.corrections import Corrections
from spec.extract.sources import CORRECTIONS
from spec.matcher import BlankLines, MatchError, MatchOptions
from spec.template import Template, compile_alternatives

LENIENT = MatchOptions(blank_lines=BlankLines.IGNORE)


def _template(command: str, kind: str) -> Template:
    c = load_spec().command(command)
    form = c.form(kind)
    assert form is not None
    return compile_alternatives(list(form.responses), {p.name: p for p in c.params})


def test_every_line_correction_carries_evidence() -> None:
    corr = Corrections.load(CORRECTIONS)
    assert corr.lines and corr.added_params
    for fix in [*corr.lines, *corr.added_params]:
        assert ".rst" in fix.evidence or "example" in fix.evidence, fix


def test_cipsta_query_without_ipv6_lines() -> None:
    """4.2 transcript (TCP-IP_AT_Examples.rst:62-64): IPv6 off, three IPv4 lines only."""
    lines = ['+CIPSTA:ip:"192.168.3.112"', '+CIPSTA:gateway:"192.168.3.1"', '+CIPSTA:netmask:"255.255.255.0"']
    m = _template("AT+CIPSTA", "query").match([*lines, "", "OK"], LENIENT)
    assert m["ip"] == "192.168.3.112"


def test_cwlap_lists_any_number_of_aps() -> None:
    t = _template("AT+CWLAP", "execute")
    assert t.match(["OK"], LENIENT).rows("+CWLAP:") == []
    row = '+CWLAP:(3,"Wi-Fi",-60,"ca:d7:19:d8:a6:44",6,-1,-1,4,4,7,0)'
    m = t.match([row, row.replace("Wi-Fi", "lab"), "", "OK"], LENIENT)
    assert [r["ssid"] for r in m.rows("+CWLAP:")] == ["Wi-Fi", "lab"]


def test_cipstate_needs_a_row_per_link_or_ok_alone() -> None:
    t = _template("AT+CIPSTATE", "query")
    rows = ['+CIPSTATE:0,"TCP","192.168.3.100",8080,50001,0', '+CIPSTATE:1,"UDP","192.168.3.101",9000,1002,0']
    assert [r["link ID"] for r in t.match([*rows, "", "OK"], LENIENT).rows("+CIPSTATE:")] == [0, 1]
    assert t.match(["OK"], LENIENT).captures == []  # the guide's second block: no connection


def test_cwlif_fields_are_an_address_and_a_mac() -> None:
    t = _template("AT+CWLIF", "execute")
    m = t.match(["+CWLIF:192.168.4.2,aa:bb:cc:dd:ee:ff", "", "OK"], LENIENT)
    assert m["ip addr"] == "192.168.4.2" and m["mac"] == "aa:bb:cc:dd:ee:ff"
    with pytest.raises(MatchError):
        t.match(["+CWLIF:1,2", "", "OK"], LENIENT)


def test_rfpower_read_back_is_a_level_of_the_esp32_table() -> None:
    """3.1.20: set 40..43 reads back 34 (Basic_AT_Commands.rst:1698); 40 is not a get value."""
    t = _template("AT+RFPOWER", "query")
    assert t.match(["+RFPOWER:34,0,0,0", "OK"], LENIENT)["wifi_power_get"] == 34
    with pytest.raises(MatchError, match="wifi_power_get"):
        t.match(["+RFPOWER:40,0,0,0", "OK"], LENIENT)


def test_prose_ranges_and_bases() -> None:
    spec = load_spec()
    (time,) = [p for p in spec.command("AT+GSLP").params if p.name == "time"]
    assert (time.range[0].min, time.range[0].max) == (0, 2**31 - 1)
    flash = {p.name: p.type.value for p in spec.command("AT+SYSFLASH").params}
    assert (flash["addr"], flash["size"]) == ("hex", "hex")


def test_mdns_example_reads_with_response_parameters() -> None:
    """3.3.39's example (TCP-IP_AT_Commands.rst:2719-2730); the extractor reads "Response Parameters"."""
    t = _template("AT+MDNS", "set")
    lines = ["+MDNS:234,", "IF=1", "IP=0", "PTR=my_instance", "SRV=espressif-1.local:35"]
    lines += ["TXT=version=v4.1.0.0", "A=192.168.200.249", "AAAA=240e:1234:204c:bd02:d80f:8c45:3576:2574"]
    m = t.match([*lines, "", "OK"], LENIENT)
    assert (m["data_len"], m["netif"], m["ip4"]) == (234, 1, "192.168.200.249")


def test_an_example_command_correction_replaces_the_command() -> None:
    """3.5.12's example gives AT+BTA2DPCONN four arguments; the correction's ``spec_command`` (two, as the
    syntax line) is what spec/data holds, and it has the evidence the house format asks for."""
    corr = Corrections.load(CORRECTIONS)
    fixes = [f for f in corr.examples if f.spec_command is not None]
    assert fixes, "no example command correction"
    for fix in fixes:
        assert fix.evidence and ".rst" in fix.evidence, fix
    examples = [e.command for e in load_spec().command("AT+BTA2DPCONN").examples]
    assert examples == ['AT+BTA2DPCONN=0,"24:0a:c4:09:34:23"'], examples
