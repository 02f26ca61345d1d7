"""The DNS server, queried with dnslib's client over UDP and TCP."""

from __future__ import annotations

import socket

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from servers.dns import DnsServer, DnsZone
from servers.errors import PortInUseError

NAMES = {"esp-peer.test": ["127.0.0.1", "::1"], "Mixed.Case.test.": ["10.0.0.7"]}


def _ask(server: DnsServer, name: str, qtype: str = "A", tcp: bool = False) -> DNSRecord:
    host, port = server.address
    return DNSRecord.parse(DNSRecord.question(name, qtype).send(host, port, tcp=tcp, timeout=5))


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_a_aaaa_and_nxdomain(tcp: bool) -> None:
    with DnsServer(NAMES) as server:
        a = _ask(server, "esp-peer.test", "A", tcp)
        assert [str(r.rdata) for r in a.rr] == ["127.0.0.1"] and a.rr[0].rtype == QTYPE.A
        aaaa = _ask(server, "esp-peer.test", "AAAA", tcp)
        assert [str(r.rdata) for r in aaaa.rr] == ["::1"]
        assert [str(r.rdata) for r in _ask(server, "mixed.case.test", "A", tcp).rr] == ["10.0.0.7"]
        nodata = _ask(server, "mixed.case.test", "AAAA", tcp)
        assert nodata.header.rcode == RCODE.NOERROR and not nodata.rr
        nx = _ask(server, "unknown.test", "A", tcp)
        assert nx.header.rcode == RCODE.NXDOMAIN and not nx.rr
        queries = server.wait_queries(5)
        assert [(q.name, q.qtype, q.rcode) for q in queries] == [
            ("esp-peer.test", "A", "NOERROR"),
            ("esp-peer.test", "AAAA", "NOERROR"),
            ("mixed.case.test", "A", "NOERROR"),
            ("mixed.case.test", "AAAA", "NOERROR"),
            ("unknown.test", "A", "NXDOMAIN"),
        ]
        assert {q.transport for q in queries} == {"tcp" if tcp else "udp"}


def test_names_added_after_start_and_silent_mode() -> None:
    with DnsServer() as server:
        server.add("late.test", "192.0.2.1")
        assert str(_ask(server, "late.test").rr[0].rdata) == "192.0.2.1"
    with DnsServer(NAMES, silent=True) as silent:
        with pytest.raises(socket.timeout):
            DNSRecord.question("esp-peer.test").send(*silent.address, timeout=0.5)
        assert silent.wait_queries(1)[0].rcode == ""


def test_zone_rejects_bad_address_and_garbage() -> None:
    with pytest.raises(ValueError):
        DnsZone({"x.test": ["not-an-ip"]})
    assert DnsZone().answer(b"\x00\x01")[3] == "FORMERR"


def test_tcp_twin_port_taken_picks_another_number(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import errno

    import servers.dns

    real = asyncio.start_server
    refused: list[int] = []

    async def busy_once(*args: object, **kwargs: object) -> asyncio.Server:
        if not refused:
            refused.append(int(args[2]))  # type: ignore[call-overload]
            raise OSError(errno.EADDRINUSE, "address already in use")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(servers.dns.asyncio, "start_server", busy_once)
    with DnsServer(NAMES) as server:
        assert refused and server.endpoints["udp"].port == server.endpoints["tcp"].port
        assert str(_ask(server, "esp-peer.test", tcp=True).rr[0].rdata) == "127.0.0.1"
    monkeypatch.undo()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"127.0.0.1:{port}"):
            DnsServer(NAMES, port=port).start()
