"""Wi-Fi passthrough mode (3.3.8 execute form, 3.3.7 +++, 3.3.33, 3.1.8) on a real simulator process."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from servers.pki import EspPki
from tests.sim.netrig import EchoServer, TlsEchoServer, free_port, joined_board, provision, texts


@pytest.mark.parametrize("kind", ["TCP", "SSL"])
def test_one_mib_round_trip_passthrough(tmp_path: Path, kind: str) -> None:
    payload = os.urandom(1 << 20)
    pki = EspPki(tmp_path / "pki") if kind == "SSL" else None
    peer = TlsEchoServer(pki.server_context()) if pki is not None else EchoServer()
    with peer, joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        if pki is not None:
            provision(dut, pki.sysmfg_items("client"))
            dut.cmd("AT+CIPSSLCCONF=2,0,0").assert_ok()
        dut.cmd(f'AT+CIPSTART="{kind}","127.0.0.1",{peer.port}', timeout=15).assert_ok()
        with dut.passthrough(set_mode=True) as pt:
            writer = threading.Thread(target=pt.write, args=(payload,), daemon=True)
            writer.start()
            got = bytearray()
            deadline = time.monotonic() + 60
            while len(got) < len(payload) and time.monotonic() < deadline:
                got += pt.read(len(payload) - len(got), timeout=5)
            writer.join(10)
        assert len(got) == len(payload) and bytes(got) == payload
        dut.cmd("AT+CIPMODE=0").assert_ok()
        assert "CLOSED" in texts(dut.cmd("AT+CIPCLOSE").assert_ok())


def test_plus_honoured_and_refused(tmp_path: Path) -> None:
    with EchoServer() as peer, joined_board(tmp_path) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{peer.port}', timeout=10).assert_ok()
        dut.cmd("AT+SYSMSG=1").assert_ok()  # bit 0: +QUITT when leaving passthrough
        with dut.passthrough(set_mode=True) as pt:
            pt.write(b"abc")
            assert pt.read(3) == b"abc"
            time.sleep(0.05)
            pt.write(b"+++xyz")  # +++ with data right after it is data (3.3.7)
            assert pt.read(6) == b"+++xyz"
            pt.write(b"q+++")  # no silence before it: data too
            assert pt.read(4) == b"q+++"
        # the session sent "+++" alone with silence around it: back in command mode, the link stays up
        # (+QUITT comes about 20 ms after +++, while the session may still read passthrough data)
        assert b"+QUITT\r\n" in dut.transcript.data("rx")
        dut.drain_urcs()
        assert dut.cmd("AT+CIPSTATE?").assert_ok().lines[0].startswith('+CIPSTATE:0,"TCP"')
        # passthrough receiving mode: what the peer sends comes out unframed, no +IPD
        # strict=False: the session cannot tell these bytes (3.3 AT+CIPMODE=1 outside passthrough) from an
        # unknown line in command mode; they are recorded as a violation and not raised
        dut.strict = False
        peer.conns[0].sendall(b"raw!\r\n")
        time.sleep(0.3)
        rx = dut.transcript.data("rx")
        assert rx.endswith(b"raw!\r\n") and b"+IPD" not in rx
        # a command sooner than 1 s after +++ gets no answer (3.3.7 asks to wait that long)
        with dut.passthrough() as pt:
            pt.write(b"again")
            assert pt.read(5) == b"again"
        before = len(dut.transcript.data("rx"))
        dut.write_raw(b"AT\r\n")  # about 50 ms after the +++: dropped
        time.sleep(0.5)
        assert dut.transcript.data("rx")[before:] == b""
        time.sleep(0.6)
        dut.cmd("AT").assert_ok()
        dut.cmd("AT+CIPMODE=0").assert_ok()


def test_client_reconnects_in_passthrough(tmp_path: Path) -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(5)
    with joined_board(tmp_path) as (dut, ip):
        dut.cmd("AT+CIPRECONNINTV=2").assert_ok()
        assert "+CIPRECONNINTV:2" in texts(dut.cmd("AT+CIPRECONNINTV?").assert_ok())
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        first, _ = srv.accept()
        with dut.passthrough(set_mode=True) as pt:
            pt.write(b"one")
            first.settimeout(5)
            assert first.recv(10) == b"one"
            first.close()  # the link breaks: the board reconnects every 200 ms until +++
            second, addr = srv.accept()
            assert addr[0] == ip
            time.sleep(0.1)
            pt.write(b"two")
            second.settimeout(5)
            assert second.recv(10) == b"two"
            second.sendall(b"back")
            assert pt.read(4) == b"back"
        second.close()
        dut.cmd("AT").assert_ok()
    srv.close()


def test_server_passthrough(tmp_path: Path) -> None:
    with joined_board(tmp_path) as (dut, ip):
        port = free_port(ip)
        dut.cmd("AT+CIPMUX=1").assert_ok()
        assert dut.cmd("AT+CIPMODE=1").final == "ERROR"  # passthrough is point to point (4.2)
        dut.cmd("AT+CIPSERVERMAXCONN=1").assert_ok()
        dut.cmd(f"AT+CIPSERVER=1,{port}").assert_ok()
        client = socket.create_connection((ip, port), timeout=5)
        dut.expect_urc("0,CONNECT")
        with dut.passthrough(set_mode=True) as pt:
            client.sendall(b"from-client")
            assert pt.read(11) == b"from-client"
            pt.write(b"from-board")
            assert client.recv(20) == b"from-board"
        dut.cmd("AT+CIPMODE=0").assert_ok()
        assert "0,CLOSED" in texts(dut.cmd("AT+CIPCLOSE").assert_ok())
        client.close()


def test_power_up_passthrough_from_savetranslink(tmp_path: Path) -> None:
    with EchoServer() as peer, joined_board(tmp_path) as (dut, _ip):
        dut.cmd(f'AT+SAVETRANSLINK=1,"127.0.0.1",{peer.port},"TCP"').assert_ok()
        dut.cmd("AT+RST").assert_ok()  # 3.1 AT+RST: OK, then the restart
        dut.expect_urc("ready", timeout=10)
        deadline = time.monotonic() + 10
        while not peer.conns and time.monotonic() < deadline:
            time.sleep(0.05)
        assert peer.conns, "the board did not connect after boot"
        time.sleep(0.1)
        dut.codec.enter_passthrough()
        from rigs.at.passthrough import Passthrough

        pt = Passthrough(dut)
        pt.write(b"boot-data")
        assert pt.read(9) == b"boot-data"
        dut.exit_passthrough()
        dut.cmd("AT+SAVETRANSLINK=0").assert_ok()


def test_udp_passthrough(tmp_path: Path) -> None:
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(5)
    with joined_board(tmp_path) as (dut, ip):
        local = 43000 + os.getpid() % 500
        dut.cmd(f'AT+CIPSTART="UDP","127.0.0.1",{peer.getsockname()[1]},{local},0', timeout=10).assert_ok()
        with dut.passthrough(set_mode=True) as pt:
            pt.write(b"datagram")
            data, addr = peer.recvfrom(100)
            assert data == b"datagram" and addr == (ip, local)
            peer.sendto(b"reply", (ip, local))
            assert pt.read(5) == b"reply"
        dut.cmd("AT+CIPMODE=0").assert_ok()
    peer.close()


def test_power_up_server_passthrough_from_savetranslink(tmp_path: Path) -> None:
    with joined_board(tmp_path) as (dut, ip):
        port = free_port(ip)
        dut.cmd(f'AT+SAVETRANSLINK=3,{port},"TCP"').assert_ok()
        dut.cmd("AT+RST").assert_ok()  # 3.1 AT+RST: OK, then the restart
        dut.expect_urc("ready", timeout=10)
        client = None
        deadline = time.monotonic() + 10
        while client is None and time.monotonic() < deadline:
            try:
                client = socket.create_connection((ip, port), timeout=5)
            except OSError:
                time.sleep(0.1)
        assert client is not None, "the board's power-up server did not listen"
        time.sleep(0.2)
        dut.codec.enter_passthrough()
        from rigs.at.passthrough import Passthrough

        pt = Passthrough(dut)
        pt.write(b"to-client")
        client.settimeout(5)
        assert client.recv(20) == b"to-client"
        client.sendall(b"to-host")
        assert pt.read(7) == b"to-host"
        dut.exit_passthrough()
        dut.cmd("AT+SAVETRANSLINK=0").assert_ok()
        client.close()
