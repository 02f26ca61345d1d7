"""The SNTP server, queried with ntplib and with a raw packet."""

from __future__ import annotations

import socket
import struct
import time

import ntplib
import pytest

from servers.sntp import (
    NTP_UNIX_DELTA,
    SntpRequest,
    SntpServer,
    build_response,
    from_ntp,
    parse_request,
    to_ntp,
)

EPOCH = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def test_fixed_epoch_answered_to_the_second() -> None:
    with SntpServer(epoch=EPOCH) as server:
        host, port = server.address
        response = ntplib.NTPClient().request(host, version=4, port=port, timeout=5)
        assert abs(response.tx_time - EPOCH) < 5  # the clock runs from EPOCH since start
        assert response.mode == 4 and response.version == 4 and response.stratum == 1
        assert server.wait_queries(1)[0].answered


def test_offset_from_host_clock() -> None:
    with SntpServer(offset=3600) as server:
        host, port = server.address
        response = ntplib.NTPClient().request(host, version=3, port=port, timeout=5)
        assert abs(response.tx_time - (time.time() + 3600)) < 5
        assert response.version == 3  # the server answers in the client's version


def test_raw_packet_and_counting() -> None:
    with SntpServer(epoch=EPOCH) as server, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        request = bytes([0x23]) + bytes(39) + struct.pack(">Q", 0x1122334455667788)  # LI 0, VN 4, mode 3
        for _ in range(2):
            sock.sendto(request, server.address)
            reply = sock.recv(100)
        assert len(reply) == 48 and reply[0] & 0x7 == 4
        assert reply[24:32] == struct.pack(">Q", 0x1122334455667788)  # originate = client transmit
        sock.sendto(b"garbage", server.address)
        queries = server.wait_queries(3)
        assert [q.valid for q in queries] == [True, True, False]
        assert server.request_count == 3


def test_silent_server_counts_but_never_answers() -> None:
    with SntpServer(silent=True) as server:
        host, port = server.address
        with pytest.raises(ntplib.NTPException):
            ntplib.NTPClient().request(host, port=port, timeout=0.5)
        assert server.wait_queries(1)[0].answered is False


def test_timestamp_conversion_and_parse() -> None:
    assert to_ntp(0) >> 32 == NTP_UNIX_DELTA
    assert abs(from_ntp(to_ntp(EPOCH + 0.25)) - (EPOCH + 0.25)) < 1e-6
    assert parse_request(b"\x1b" + bytes(47)) == SntpRequest(3, 3, 0)
    assert parse_request(b"\x1c" + bytes(47)) is None  # mode 4 is a server packet
    reply = build_response(SntpRequest(4, 3, 7), EPOCH, EPOCH)
    assert reply[0] == 0x24 and reply[12:16] == b"LOCL"
