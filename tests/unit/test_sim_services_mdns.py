"""AT+MDNS (3.3.39) parameter layouts and the result lines, without a board."""

from __future__ import annotations

import pytest

from sim.at.args import Args
from sim.at.errors import AtError, para_invalid, para_num
from sim.at.parser import parse_command
from sim.commands.tcpip_mdns import A_AAAA, PTR, SRV, TXT_SRV, parse_query, parse_start, result_lines
from sim.net.mdns import Found, service_type


def args(line: str) -> Args:
    """The engine's Args for a set command line."""
    return Args(parse_command(line).tokens)


def test_start_with_the_guides_example() -> None:
    s = parse_start(
        args(
            'AT+MDNS=1,"espressif","_printer",35,"my_instance","_tcp",2,'
            '"product","my_printer","firmware_version","AT-V3.4.1.0"'
        )
    )
    assert (s.hostname, s.service_type, s.port, s.instance, s.proto) == (
        "espressif",
        "_printer",
        35,
        "my_instance",
        "_tcp",
    )
    assert s.txt == (("product", "my_printer"), ("firmware_version", "AT-V3.4.1.0"))


def test_start_defaults_instance_to_hostname_and_proto_to_tcp() -> None:
    s = parse_start(args('AT+MDNS=1,"espressif","_iot",8080'))
    assert (s.instance, s.proto, s.txt) == ("espressif", "_tcp", ())


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ('AT+MDNS=1,"espressif","_iot"', para_num(4, 3)),
        ('AT+MDNS=1,"espressif","_iot",80,,,0', para_invalid(6)),  # txt_number in [1,20]
        ('AT+MDNS=1,"espressif","_iot",80,,,21', para_invalid(6)),
        ('AT+MDNS=1,"espressif","_iot",80,,,2,"k","v"', para_num(11, 9)),
        ('AT+MDNS=1,"espressif","_iot",65536', para_invalid(3)),
    ],
)
def test_start_errors(line: str, code: int) -> None:
    with pytest.raises(AtError) as exc:
        parse_start(args(line))
    assert exc.value.code == code


def test_query_layouts_by_type() -> None:
    q = parse_query(args('AT+MDNS=2,0,"_my_printer","_tcp"'))
    assert (q.kind, q.names, q.timeout_ms, q.max_results) == (PTR, ("_my_printer", "_tcp"), 5000, 1)
    q = parse_query(args('AT+MDNS=2,3,"inst","_svc","_udp",1000,255'))
    assert (q.kind, q.names, q.timeout_ms, q.max_results) == (TXT_SRV, ("inst", "_svc", "_udp"), 1000, 255)
    q = parse_query(args(f'AT+MDNS=2,6,"{"h" * 70}",180000'))
    assert q.names == ("h" * 64,)  # longer names are cut at 64 bytes, not refused
    with pytest.raises(AtError):
        parse_query(args('AT+MDNS=2,1,"inst","_svc"'))


def test_result_lines_follow_the_guides_order() -> None:
    found = Found(
        "my_instance", "espressif-1.local", 35, [("version", "v4.1.0.0")], ["192.168.200.249"], ["::1"]
    )
    assert result_lines(PTR, found, 1) == [
        "IF=1",
        "IP=0",
        "PTR=my_instance",
        "SRV=espressif-1.local:35",
        "TXT=version=v4.1.0.0",
        "A=192.168.200.249",
        "AAAA=::1",
    ]
    assert result_lines(SRV, found, 2) == ["IF=2", "IP=0", "SRV=espressif-1.local:35"]
    assert result_lines(A_AAAA, found, 1)[2:] == ["A=192.168.200.249", "AAAA=::1"]


def test_service_type_name() -> None:
    assert service_type("_printer", "_tcp") == "_printer._tcp.local."
