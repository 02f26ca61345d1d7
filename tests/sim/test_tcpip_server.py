"""The board as a TCP/SSL server (3.3.16, 3.3.17, 3.3.19) on a real simulator process."""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path

import pytest

from rigs.at.attribution import event_text
from rigs.at.events import Ipd
from servers.pki import EspPki
from tests.sim.netrig import free_port, joined_board, provision, texts


def _connect(ip: str, port: int) -> socket.socket:
    s = socket.create_connection((ip, port), timeout=5)
    return s


def test_tcp_server_clients_limit_and_timeout(tmp_path: Path) -> None:
    with joined_board(tmp_path) as (dut, ip):
        port = free_port(ip)
        assert dut.cmd(f"AT+CIPSERVER=1,{port}").final == "ERROR"  # 3.3.16: needs AT+CIPMUX=1
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd("AT+CIPSERVERMAXCONN=2").assert_ok()
        assert "+CIPSERVERMAXCONN:2" in texts(dut.cmd("AT+CIPSERVERMAXCONN?").assert_ok())
        dut.cmd(f"AT+CIPSERVER=1,{port}").assert_ok()
        assert f'+CIPSERVER:1,{port},"TCP",0,0' in texts(dut.cmd("AT+CIPSERVER?").assert_ok())
        assert dut.cmd("AT+CIPMUX=0").final == "ERROR"  # delete the server first
        a = _connect(ip, port)
        dut.expect_urc("0,CONNECT")
        a.sendall(b"ping")
        ipd = dut.expect_urc("+IPD")
        assert isinstance(ipd, Ipd) and (ipd.link_id, ipd.payload) == (0, b"ping")
        assert dut.cmd("AT+CIPSEND=0,4").prompt
        assert dut.send_data(b"pong").final == "SEND OK"
        assert a.recv(10) == b"pong"
        state = texts(dut.cmd("AT+CIPSTATE?").assert_ok())[0]
        assert state == f'+CIPSTATE:0,"TCP","127.0.0.1",{a.getsockname()[1]},{port},1'
        dut.cmd("AT+SYSMSG=2").assert_ok()
        b = _connect(ip, port)
        urc = dut.expect_urc(lambda e: event_text(e).startswith("+LINK_CONN"))
        assert event_text(urc) == f'+LINK_CONN:0,1,"TCP",1,"127.0.0.1",{b.getsockname()[1]},{port}'
        c = _connect(ip, port)  # a third client is over the limit
        assert event_text(dut.expect_urc("Have Connections")) == "Have 2 Connections"
        c.settimeout(5)
        assert c.recv(10) == b""  # closed by the board
        # AT+CIPSTO: idle server links are closed
        dut.cmd("AT+CIPSTO=1").assert_ok()
        assert "+CIPSTO:1" in texts(dut.cmd("AT+CIPSTO?").assert_ok())
        closed = {
            event_text(dut.expect_urc("CLOSED", timeout=5)),
            event_text(dut.expect_urc("CLOSED", timeout=5)),
        }
        assert closed == {"0,CLOSED", "1,CLOSED"}
        dut.cmd("AT+CIPSTO=0").assert_ok()
        d = _connect(ip, port)
        dut.expect_urc(lambda e: event_text(e).startswith("+LINK_CONN"))
        r = dut.cmd("AT+CIPSERVER=0,1").assert_ok()
        assert "0,CLOSED" in texts(r)
        assert "+CIPSERVER:0" in texts(dut.cmd("AT+CIPSERVER?").assert_ok())
        with pytest.raises(OSError):
            _connect(ip, port).close()
        for s in (a, b, c, d):
            s.close()


def test_ssl_server_with_mutual_authentication(tmp_path: Path) -> None:
    pki = EspPki(tmp_path / "pki")
    with joined_board(tmp_path) as (dut, ip):
        provision(dut, pki.sysmfg_items("server"))
        dut.cmd("AT+CIPMUX=1").assert_ok()
        port = free_port(ip)
        dut.cmd(f'AT+CIPSERVER=1,{port},"SSL",1').assert_ok()
        good = pki.client_context(cert=pki.client)
        good.check_hostname = False
        with good.wrap_socket(_connect(ip, port)) as s:
            dut.expect_urc("0,CONNECT", timeout=5)
            s.sendall(b"secret")
            ipd = dut.expect_urc("+IPD", timeout=5)
            assert isinstance(ipd, Ipd) and ipd.payload == b"secret"
            assert dut.cmd("AT+CIPSEND=0,2").prompt
            dut.send_data(b"ok")
            assert s.recv(10) == b"ok"
        dut.expect_urc("0,CLOSED", timeout=5)
        # a client with a certificate the board's CA did not sign gets no connection
        bad = pki.client_context(cert=pki.wrong_client)
        bad.check_hostname = False
        with pytest.raises((ssl.SSLError, OSError)):
            bad.wrap_socket(_connect(ip, port)).close()  # TLS 1.2 at most: the handshake itself fails
        time.sleep(0.3)
        assert not [e for e in dut.drain_urcs() if "CONNECT" in event_text(e)]
        dut.cmd("AT").assert_ok()


def test_ssl_server_with_the_factory_certificates(tmp_path: Path) -> None:
    """4.2 SSL server example: a board that nobody provisioned still has certificates to serve with."""
    with joined_board(tmp_path) as (dut, ip):
        dut.cmd("AT+CIPMUX=1").assert_ok()
        port = free_port(ip)
        dut.cmd(f'AT+CIPSERVER=1,{port},"SSL"').assert_ok()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(_connect(ip, port)) as s:
            dut.expect_urc("0,CONNECT", timeout=5)
            s.sendall(b"hi")
            assert dut.expect_urc("+IPD", timeout=5).payload == b"hi"  # type: ignore[union-attr]
