"""TCP/IP connections and sending (3.3.5-3.3.15) on a real simulator process, through the AT session, against
real loopback peers. Expected texts come from the guide (3.3, 3.17, the 4.2 examples)."""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path

from rigs.at.attribution import event_text
from rigs.at.events import Ipd
from tests.sim.netrig import EchoServer, joined_board, texts


def _accept(srv: socket.socket) -> socket.socket:
    srv.settimeout(5)
    conn, _ = srv.accept()
    return conn


def test_tcp_client_single_connection(tmp_path: Path) -> None:
    with EchoServer() as peer, joined_board(tmp_path) as (dut, ip):
        r = dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port},,"127.0.0.99"', timeout=10)
        assert r.final == "ERROR"  # <"local IP"> must be one of the board's addresses
        r = dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port},,"{ip}"', timeout=10).assert_ok()
        assert "CONNECT" in texts(r)
        source_ip, local_port = peer.peer(0)
        assert source_ip == ip  # the peer sees the board's own station address
        state = dut.cmd("AT+CIPSTATE?").assert_ok().lines[0]
        assert state == f'+CIPSTATE:0,"TCP","127.0.0.1",{peer.port},{local_port},0'
        assert dut.cmd("AT+CIPSEND=4").prompt
        r = dut.send_data(b"test")
        assert r.final == "SEND OK" and r.recv_bytes == 4
        ipd = dut.expect_urc("+IPD")
        assert isinstance(ipd, Ipd) and ipd.link_id is None and ipd.payload == b"test"
        # 4.2 notes: more bytes than announced get "busy p..." and only the first n are sent
        assert dut.cmd("AT+CIPSEND=2").prompt
        r = dut.send_data(b"abcdef")
        assert r.final == "SEND OK"
        assert dut.expect_urc("+IPD").payload == b"ab"  # type: ignore[union-attr]
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        assert dut.cmd("AT+CIPSEND=3").prompt
        dut.send_data(b"abc")
        ipd = dut.expect_urc("+IPD")  # +IPD,<length>,"<remote_ip>",<remote_port>:<data> (3.17)
        assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.remote_ip, ipd.remote_port) == (
            None,
            "127.0.0.1",
            peer.port,
        )
        dut.cmd("AT").assert_ok()
        r = dut.cmd("AT+CIPCLOSE").assert_ok()
        assert "CLOSED" in texts(r)
        assert not [x for x in dut.cmd("AT+CIPSTATE?").assert_ok().lines if x.startswith("+CIPSTATE")]


def test_refused_reset_and_silent_server(tmp_path: Path) -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    closed_port = free.getsockname()[1]
    free.close()
    with joined_board(tmp_path) as (dut, _ip):
        dut.cmd("AT+SYSLOG=1").assert_ok()
        r = dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{closed_port}', timeout=10)
        assert r.final == "ERROR"
        assert "+ERRNO:111" in texts(r)  # ECONNREFUSED (newlib)
        dut.expect_urc("CLOSED")
        dut.cmd("AT").assert_ok()
        # a peer that resets the connection: CLOSED, and the board goes on answering
        srv = socket.create_server(("127.0.0.1", 0))
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn = _accept(srv)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        dut.expect_urc("CLOSED", timeout=5)
        dut.cmd("AT").assert_ok()
        r = dut.cmd("AT+CIPSEND=4")
        assert r.final == "ERROR"
        # a TLS server that never answers the handshake: the <timeout> bounds the wait (3.3.5)
        t0 = time.monotonic()
        r = dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{srv.getsockname()[1]},,,1000', timeout=10)
        assert r.final == "ERROR" and time.monotonic() - t0 < 5
        assert "+ERRNO:116" in texts(r)  # ETIMEDOUT (newlib)
        dut.cmd("AT").assert_ok()
        srv.close()


def test_multiple_connections(tmp_path: Path) -> None:
    with EchoServer() as peer, joined_board(tmp_path) as (dut, _ip):
        assert dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).ok
        assert dut.cmd("AT+CIPMUX=1").final == "ERROR"  # 3.3.15: only without connections
        dut.cmd("AT+CIPCLOSE").assert_ok()
        dut.cmd("AT+CIPMUX=1").assert_ok()
        assert dut.cmd("AT+CIPMUX?").assert_ok().lines[0] == "+CIPMUX:1"
        r = dut.cmd(f'AT+CIPSTART=3,"TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        assert "3,CONNECT" in texts(r)
        r = dut.cmd(f'AT+CIPSTART=3,"TCP","127.0.0.1",{peer.port}', timeout=10)
        assert r.final == "ERROR" and "ALREADY CONNECTED" in texts(r)
        r = dut.cmd(f'AT+CIPSTARTEX="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        assert "0,CONNECT" in texts(r)  # the lowest free link ID
        assert [x.split(",")[0] for x in dut.cmd("AT+CIPSTATE?").assert_ok().lines if x] == [
            "+CIPSTATE:0",
            "+CIPSTATE:3",
        ]
        assert dut.cmd("AT+CIPSEND=3,5").prompt
        assert dut.send_data(b"hello").final == "SEND OK"
        ipd = dut.expect_urc("+IPD")
        assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.payload) == (3, b"hello")
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        assert dut.cmd("AT+CIPSEND=0,2").prompt
        dut.send_data(b"hi")
        ipd = dut.expect_urc("+IPD")
        assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.remote_ip, ipd.remote_port) == (
            0,
            "127.0.0.1",
            peer.port,
        )
        r = dut.cmd("AT+CIPCLOSE=5").assert_ok()
        assert sorted(texts(r)) == ["0,CLOSED", "3,CLOSED"]
        dut.cmd("AT+SYSMSG=2").assert_ok()
        r = dut.cmd(f'AT+CIPSTART=1,"TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        local = peer.peer(3)[1]  # the fourth client: the first, links 3 and 0 came before
        assert f'+LINK_CONN:0,1,"TCP",0,"127.0.0.1",{peer.port},{local}' in texts(r)


def test_udp_remote_modes(tmp_path: Path) -> None:
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for s in (a, b):
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
    pa, pb = a.getsockname()[1], b.getsockname()[1]
    with joined_board(tmp_path) as (dut, ip):
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd("AT+CIPDINFO=1").assert_ok()
        for link_id, mode in ((0, 0), (1, 1), (2, 2)):
            local = 41000 + 10 * link_id + os.getpid() % 7
            dut.cmd(f'AT+CIPSTART={link_id},"UDP","127.0.0.1",{pa},{local},{mode}', timeout=10).assert_ok()
            # b speaks first: mode 0 keeps a as the remote, 1 and 2 adopt b
            b.sendto(b"from-b", (ip, local))
            ipd = dut.expect_urc("+IPD")
            assert isinstance(ipd, Ipd) and ipd.payload == b"from-b" and ipd.remote_port == pb
            a.sendto(b"from-a", (ip, local))
            dut.expect_urc("+IPD")
            assert dut.cmd(f"AT+CIPSEND={link_id},3").prompt
            dut.send_data(b"out")
            # 0: stays a; 1: changed once, to b, and stays; 2: follows the last sender, a
            target = b if mode == 1 else a
            data, addr = target.recvfrom(100)
            assert data == b"out" and addr == (ip, local)
        # a remote given to AT+CIPSEND is used for that send (3.3.8)
        assert dut.cmd(f'AT+CIPSEND=0,2,"127.0.0.1",{pb}').prompt
        dut.send_data(b"to")
        assert b.recvfrom(100)[0] == b"to"
    a.close()
    b.close()


def test_sendex_sendl_and_cfg(tmp_path: Path) -> None:
    with EchoServer(echo=False) as peer, joined_board(tmp_path) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        assert dut.cmd("AT+CIPSENDEX=20").prompt
        r = dut.send_data(b"ab\\\\c\\0")  # "\\" is one backslash, "\0" ends the data (3.3.11)
        assert r.final == "SEND OK"
        assert dut.cmd("AT+CIPSENDLCFG?").assert_ok().lines[0] == "+CIPSENDLCFG:1024,2920"
        dut.cmd("AT+CIPSENDLCFG=100,500").assert_ok()
        assert dut.cmd("AT+CIPSENDL=350").prompt
        r = dut.send_data(b"x" * 350, timeout=10)
        assert r.final == "SEND OK"
        reports = [x for x in texts(r) if x.startswith("+CIPSENDL:")]
        assert reports[:3] == ["+CIPSENDL:100,350", "+CIPSENDL:200,350", "+CIPSENDL:300,350"]
        assert reports[-1] == "+CIPSENDL:350,350"
        deadline = time.monotonic() + 5
        while len(peer.received) < 4 + 350 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bytes(peer.received) == b"ab\\c" + b"x" * 350


def test_one_mib_round_trip_normal_mode(tmp_path: Path) -> None:
    payload = os.urandom(1 << 20)
    with EchoServer() as peer, joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        for i in range(0, len(payload), 8192):
            assert dut.cmd(f"AT+CIPSEND={min(8192, len(payload) - i)}").prompt
            r = dut.send_data(payload[i : i + 8192], timeout=20)
            assert r.final == "SEND OK", r.raw
            # SEND OK comes before the +IPD the echo causes (3.17)
            assert not any(isinstance(e, Ipd) for e in r.events)
        got = bytearray()
        while len(got) < len(payload):
            ipd = dut.expect_urc("+IPD", timeout=20)
            assert isinstance(ipd, Ipd) and ipd.payload is not None and len(ipd.payload) <= 2920
            got += ipd.payload
        assert bytes(got) == payload
        dut.check_violations()


def test_links_close_when_wifi_goes_unless_persistent(tmp_path: Path) -> None:
    with EchoServer() as peer, joined_board(tmp_path) as (dut, _ip):
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd(f'AT+CIPSTART=0,"TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        dut.cmd(f'AT+CIPSTART=1,"TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        dut.cmd("AT+CIPCONNPERSIST=1,1").assert_ok()
        assert "+CIPCONNPERSIST:0,1,0,0,0" in texts(dut.cmd("AT+CIPCONNPERSIST?").assert_ok())
        dut.cmd("AT+CWQAP").assert_ok()
        dut.expect_urc("WIFI DISCONNECT", timeout=5)
        assert event_text(dut.expect_urc("CLOSED", timeout=5)) == "0,CLOSED"
        time.sleep(0.5)
        states = [x for x in texts(dut.cmd("AT+CIPSTATE?").assert_ok()) if x.startswith("+CIPSTATE")]
        assert [x.split(",")[0] for x in states] == ["+CIPSTATE:1"]  # the persistent link stays
        assert dut.cmd(f'AT+CIPSTART=2,"TCP","127.0.0.1",{peer.port}', timeout=10).final == "ERROR"


def test_sendl_cancelled_by_plus(tmp_path: Path) -> None:
    with EchoServer(echo=False) as peer, joined_board(tmp_path) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        assert dut.cmd("AT+CIPSENDL=100000").prompt
        dut.write_raw(b"x" * 3000)
        time.sleep(0.5)  # 3000 bytes take 0.26 s at 115200: then silence
        dut.write_raw(b"+++")  # alone, with silence around it (3.3.7)
        time.sleep(0.5)
        rx = dut.transcript.data("rx")
        assert rx.endswith(b"\r\nSEND CANCELLED\r\n")
        assert b"+CIPSENDL:3000,3000\r\n" in rx
        dut.codec.clear_pending()
        time.sleep(0.6)
        dut.cmd("AT").assert_ok()
        assert bytes(peer.received) == b"x" * 3000


def test_cipsend_cancelled_by_plus(tmp_path: Path) -> None:
    with EchoServer(echo=False) as peer, joined_board(tmp_path) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        assert dut.cmd("AT+CIPSEND=10").prompt
        dut.write_raw(b"abc")
        time.sleep(0.1)
        dut.write_raw(b"+++")  # alone, with silence around it: the send is cancelled (3.17 SEND Canceled)
        time.sleep(0.3)
        assert dut.transcript.data("rx").endswith(b"\r\nSEND Canceled\r\n")
        dut.codec.clear_pending()
        time.sleep(1.0)
        dut.cmd("AT").assert_ok()
        assert bytes(peer.received) == b""  # nothing of the cancelled data went out


def test_so_linger_zero_makes_close_a_reset(tmp_path: Path) -> None:
    """AT+CIPTCPOPT <so_linger> 0 is set on the real socket: AT+CIPCLOSE then resets the connection."""
    srv = socket.create_server(("127.0.0.1", 0))
    with joined_board(tmp_path) as (dut, _ip):
        for linger, expect_reset in ((-1, False), (0, True)):
            dut.cmd(f"AT+CIPTCPOPT={linger},1,0,0").assert_ok()
            dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
            conn = _accept(srv)
            dut.cmd("AT+CIPCLOSE").assert_ok()
            conn.settimeout(5)
            try:
                reset = conn.recv(10) != b""
            except ConnectionResetError:
                reset = True
            assert reset is expect_reset
            conn.close()
    srv.close()


def test_udp_mode_needs_local_port(tmp_path: Path) -> None:
    """3.3.5 UDP note: to use <mode>, <local port> must be set first; with it, the same line connects."""
    with EchoServer() as peer, joined_board(tmp_path) as (dut, _):
        r = dut.cmd(f'AT+CIPSTART="UDP","127.0.0.1",{peer.port},,1', timeout=10)
        assert r.final == "ERROR" and "CONNECT" not in texts(r)
        assert dut.cmd("AT+CIPSTATE?").assert_ok().lines in ([], [""])
        r = dut.cmd(f'AT+CIPSTART="UDP","127.0.0.1",{peer.port},20555,1', timeout=10).assert_ok()
        assert "CONNECT" in texts(r)
