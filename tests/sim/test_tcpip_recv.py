"""Passive receive mode (3.3.34-3.3.36, 3.17 +IPD) on a real simulator process against loopback peers."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import yaml

from rigs.at.events import Ipd, RecvData
from rigs.at.response import Response
from tests.sim.netrig import EchoServer, joined_board, texts
from tests.sim.simproc import ROOT

#: 3.3.34: the socket receive window of passive mode
WINDOW = 5760


def _recvdata(r: Response) -> RecvData:
    found = [e for e in r.events if isinstance(e, RecvData)]
    assert len(found) == 1, r.raw[:200]
    return found[0]


def test_passive_notice_length_and_read(tmp_path: Path) -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(5)
    with joined_board(tmp_path) as (dut, _ip):
        dut.cmd("AT+CIPRECVTYPE=1").assert_ok()
        assert "+CIPRECVMODE:0,1" in texts(dut.cmd("AT+CIPRECVMODE?").assert_ok())  # the seed's name
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn, _ = srv.accept()
        conn.sendall(b"test")
        ipd = dut.expect_urc("+IPD")
        assert isinstance(ipd, Ipd) and ipd.length == 4 and ipd.payload is None  # +IPD,<len>: no data
        conn.sendall(b"more")
        time.sleep(0.3)
        assert not [e for e in dut.drain_urcs() if isinstance(e, Ipd)]  # one notice until the host reads
        assert "+CIPRECVLEN:8" in texts(dut.cmd("AT+CIPRECVLEN?").assert_ok())  # single connection: 4.2
        rd = _recvdata(dut.cmd("AT+CIPRECVDATA=6").assert_ok())
        assert (rd.length, rd.payload) == (6, b"testmo")
        ipd = dut.expect_urc("+IPD")  # the rest is announced again after a partial read
        assert isinstance(ipd, Ipd) and ipd.length == 2
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        rd = _recvdata(dut.cmd("AT+CIPRECVDATA=100").assert_ok())
        assert (rd.payload, rd.remote_ip, rd.remote_port) == (b"re", "127.0.0.1", srv.getsockname()[1])
        assert dut.cmd("AT+CIPRECVDATA=10").final == "ERROR"  # nothing buffered
        # the peer closes with data unread: CLOSED only once the host has read it (profile default)
        conn.sendall(b"last")
        dut.expect_urc("+IPD")
        conn.close()
        time.sleep(0.3)
        assert "CLOSED" not in [t for t in texts(Response("", urcs=dut.drain_urcs()))]
        r = dut.cmd("AT+CIPRECVDATA=4").assert_ok()
        assert _recvdata(r).payload == b"last"
        dut.expect_urc("CLOSED", timeout=5)
        dut.cmd("AT").assert_ok()
    srv.close()


def test_passive_window_holds_the_peer_back(tmp_path: Path) -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(5)
    blob = os.urandom(1 << 20)
    with joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd("AT+CIPRECVTYPE=5,1").assert_ok()
        dut.cmd(f'AT+CIPSTART=2,"TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn, _ = srv.accept()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)  # the host's buffer must not hide it
        done = threading.Event()

        def push() -> None:
            conn.sendall(blob)
            done.set()

        threading.Thread(target=push, daemon=True).start()
        ipd = dut.expect_urc("+IPD", timeout=5)
        assert isinstance(ipd, Ipd) and ipd.link_id == 2
        time.sleep(0.5)
        lens = texts(dut.cmd("AT+CIPRECVLEN?").assert_ok())[0].split(":")[1].split(",")
        assert lens[0] == "" and lens[2] != "" and int(lens[2]) <= WINDOW  # never more than the window
        assert not done.is_set()  # TCP holds the peer back instead of the board dropping data
        got = bytearray()
        while len(got) < len(blob):
            r = dut.cmd(f"AT+CIPRECVDATA=2,{WINDOW}", timeout=10)
            if r.final == "ERROR":
                time.sleep(0.01)
                continue
            got += _recvdata(r).payload
        assert bytes(got) == blob
        assert done.wait(5)
    conn.close()
    srv.close()


def test_one_mib_round_trip_passive_mode(tmp_path: Path) -> None:
    payload = os.urandom(1 << 20)
    with EchoServer() as peer, joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        dut.cmd("AT+CIPRECVTYPE=1").assert_ok()
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        got = bytearray()
        for i in range(0, len(payload), 4096):
            assert dut.cmd("AT+CIPSEND=4096").prompt
            assert dut.send_data(payload[i : i + 4096], timeout=10).final == "SEND OK"
            while len(got) < i + 4096:
                r = dut.cmd("AT+CIPRECVDATA=8192", timeout=10)
                if r.final == "OK":
                    got += _recvdata(r).payload
                else:
                    time.sleep(0.005)
        assert bytes(got) == payload
        dut.check_violations()


def test_passive_udp_drops_what_does_not_fit(tmp_path: Path) -> None:
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    with joined_board(tmp_path) as (dut, ip):
        dut.cmd("AT+CIPRECVTYPE=1").assert_ok()
        local = 42000 + os.getpid() % 500
        dut.cmd(f'AT+CIPSTART="UDP","127.0.0.1",{peer.getsockname()[1]},{local},0', timeout=10).assert_ok()
        for i in range(4):  # 4 x 2000 bytes: the third no longer fits the 5760-byte window
            peer.sendto(bytes([65 + i]) * 2000, (ip, local))
            time.sleep(0.05)
        time.sleep(0.3)
        assert "+CIPRECVLEN:4000" in texts(dut.cmd("AT+CIPRECVLEN?").assert_ok())
        rd = _recvdata(dut.cmd("AT+CIPRECVDATA=8000").assert_ok())
        assert rd.payload == b"A" * 2000 + b"B" * 2000
    peer.close()


def test_closed_at_once_when_the_profile_says_so(tmp_path: Path) -> None:
    profile = yaml.safe_load((ROOT / "sim" / "profiles" / "v5.0.0.0-esp32.yaml").read_text())
    profile["tcpip"] = {"closed_with_passive_data": "immediately"}
    path = tmp_path / "immediate.yaml"
    path.write_text(yaml.safe_dump(profile))
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(5)
    with joined_board(tmp_path, extra=("--profile", str(path))) as (dut, _ip):
        dut.cmd("AT+CIPRECVTYPE=1").assert_ok()
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn, _ = srv.accept()
        conn.sendall(b"tail")
        dut.expect_urc("+IPD")
        conn.close()
        dut.expect_urc("CLOSED", timeout=5)  # reported at once ...
        rd = _recvdata(dut.cmd("AT+CIPRECVDATA=10").assert_ok())
        assert rd.payload == b"tail"  # ... and the data is still readable
        time.sleep(0.3)
        assert "CLOSED" not in texts(Response("", urcs=dut.drain_urcs()))  # not reported twice
    srv.close()
