"""sim.net.resolver: DNS wire format (against the lab server's zone), literal addresses, query plan."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from servers.dns import DnsZone
from sim.net.icmp import build_echo, checksum, parse_echo_reply
from sim.net.resolver import (
    DnsConfig,
    Network,
    ResolveError,
    build_query,
    literal_address,
    lookup,
    parse_answer,
    query_plan,
)

ZONE = DnsZone({"esp-at-lab.test": ["127.0.0.1", "::1"]})


def test_a_query_is_answered_by_the_zone_and_parsed() -> None:
    reply, name, qtype, rcode = ZONE.answer(build_query("esp-at-lab.test", "A", 0x1234))
    assert (name, qtype, rcode) == ("esp-at-lab.test", "A", "NOERROR")
    assert reply is not None
    answer = parse_answer(reply, 0x1234, "esp-at-lab.test", "A")
    assert answer is not None and answer.addresses == (ipaddress.ip_address("127.0.0.1"),)


def test_aaaa_query() -> None:
    reply, *_ = ZONE.answer(build_query("ESP-AT-LAB.test", "AAAA", 7))
    assert reply is not None
    answer = parse_answer(reply, 7, "esp-at-lab.test", "AAAA")
    assert answer is not None and answer.addresses == (ipaddress.ip_address("::1"),)


def test_nxdomain_has_no_addresses() -> None:
    reply, *_ = ZONE.answer(build_query("nowhere.test", "A", 9))
    assert reply is not None
    answer = parse_answer(reply, 9, "nowhere.test", "A")
    assert answer is not None and answer.rcode == "NXDOMAIN" and answer.addresses == ()


def test_replies_to_other_queries_are_ignored() -> None:
    reply, *_ = ZONE.answer(build_query("esp-at-lab.test", "A", 1))
    assert reply is not None
    assert parse_answer(reply, 2, "esp-at-lab.test", "A") is None  # other id
    assert parse_answer(reply, 1, "other.test", "A") is None  # other question
    assert parse_answer(b"\x00\x01garbage", 1, "esp-at-lab.test", "A") is None
    assert parse_answer(build_query("esp-at-lab.test", "A", 1), 1, "esp-at-lab.test", "A") is None  # a query


@pytest.mark.parametrize(
    ("host", "ipv6", "expected"),
    [
        ("192.168.1.1", False, "192.168.1.1"),
        ("localhost", False, "127.0.0.1"),
        ("::1", True, "::1"),
        ("::1", False, None),  # IPv6 off: not an address the board can use
        ("www.baidu.com", True, None),
    ],
)
def test_literal_addresses(host: str, ipv6: bool, expected: str | None) -> None:
    addr = literal_address(host, ipv6_enabled=ipv6)
    assert (str(addr) if addr is not None else None) == expected


def test_query_plan_follows_ip_network() -> None:
    # 3.3.4 <ip network>: 1 prefers IPv4, 2 IPv4 only, 3 IPv6 only
    assert query_plan(Network.PREFER_IPV4) == ["A", "AAAA"]
    assert query_plan(Network.IPV4_ONLY) == ["A"]
    assert query_plan(Network.IPV6_ONLY) == ["AAAA"]


def test_icmp_echo_checksum_and_reply_matching() -> None:
    request = build_echo(0x4242, 7, b"abc")
    assert checksum(request) == 0  # a packet with its checksum in place sums to zero
    reply = bytes([0, 0]) + request[2:]
    assert parse_echo_reply(reply, 0x4242, 7)
    assert not parse_echo_reply(reply, 0x4242, 8)
    assert not parse_echo_reply(request, 0x4242, 7)  # our own request seen on a raw socket
    ip_header = bytes([0x45]) + bytes(19)
    assert parse_echo_reply(ip_header + reply, 0x4242, 7, raw=True)


def test_lookup_of_literals_needs_no_server() -> None:
    async def run() -> None:
        v4 = DnsConfig(servers=())
        assert str(await lookup("192.168.1.1", v4)) == "192.168.1.1"
        assert str(await lookup("localhost", v4)) == "127.0.0.1"
        with pytest.raises(ResolveError, match="IPv6 is disabled"):
            await lookup("240c::6666", v4)
        assert str(await lookup("240c::6666", DnsConfig(servers=(), ipv6_enabled=True))) == "240c::6666"
        with pytest.raises(ResolveError, match="network 3"):
            await lookup("192.168.1.1", DnsConfig(servers=(), ipv6_enabled=True), network=Network.IPV6_ONLY)
        with pytest.raises(ResolveError, match="no DNS server"):
            await lookup("www.baidu.com", v4)

    asyncio.run(run())
