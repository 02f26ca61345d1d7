"""SSL client (3.3.5 SSL, 3.3.26-3.3.32) on a real simulator process: certificates written with AT+SYSMFG,
mutual TLS that succeeds with the right certificates and fails with the guide's errors otherwise."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from rigs.at.events import Ipd, RecvData
from servers.pki import EspPki
from tests.sim.netrig import TlsEchoServer, joined_board, provision, texts

#: 3.17 +ERRNO for an SSL connection: the certificate error first (mbedTLS X509 verify failed, -0x2700)
X509_VERIFY_FAILED = -0x2700


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> EspPki:
    return EspPki(tmp_path_factory.mktemp("pki"))


def test_mutual_tls_right_and_wrong_certificates(tmp_path: Path, pki: EspPki) -> None:
    server_ctx = pki.server_context(require_client_cert=True)
    server_ctx.set_alpn_protocols(["esp-at"])
    with (
        TlsEchoServer(server_ctx) as good,
        TlsEchoServer(pki.server_context(require_client_cert=True, wrong=True)) as impostor,
        joined_board(tmp_path) as (dut, _ip),
    ):
        provision(dut, pki.sysmfg_items("client"))
        dut.cmd("AT+SYSLOG=1").assert_ok()
        dut.cmd("AT+CIPSSLCCONF=3,0,0").assert_ok()
        assert "+CIPSSLCCONF:0,3,0,0" in texts(dut.cmd("AT+CIPSSLCCONF?").assert_ok())
        dut.cmd('AT+CIPSSLCSNI="localhost"').assert_ok()
        dut.cmd('AT+CIPSSLCALPN=1,"esp-at"').assert_ok()
        r = dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{good.port}', timeout=15).assert_ok()
        assert "CONNECT" in texts(r)
        good.wait_handshakes(1)
        assert good.sni == ["localhost"]
        assert good.alpn == ["esp-at"]  # AT+CIPSSLCALPN offered it
        assert dut.cmd("AT+CIPSEND=5").prompt
        assert dut.send_data(b"hello").final == "SEND OK"
        ipd = dut.expect_urc("+IPD", timeout=5)
        assert isinstance(ipd, Ipd) and ipd.payload == b"hello"
        assert '+CIPSTATE:0,"SSL","127.0.0.1",' in texts(dut.cmd("AT+CIPSTATE?").assert_ok())[0]
        dut.cmd("AT+CIPCLOSE").assert_ok()
        # a server whose certificate the board's CA did not sign: ERROR, +ERRNO with the X509 error
        r = dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{impostor.port}', timeout=15)
        assert r.final == "ERROR"
        assert f"+ERRNO:{X509_VERIFY_FAILED}" in texts(r)
        dut.expect_urc("CLOSED")
        # the board presents a certificate the server does not trust: the handshake fails too
        provision(dut, pki.sysmfg_items("client", client=pki.wrong_client))
        r = dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{good.port}', timeout=15)
        assert r.final == "ERROR"
        assert any(t.startswith("+ERRNO:-") for t in texts(r))
        # without client authentication (mode 2), the server requiring it refuses as well; mode 0 trusts all
        dut.cmd("AT+CIPSSLCCONF=0").assert_ok()
        r = dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{impostor.port}', timeout=15)
        assert r.final == "ERROR"  # the impostor still wants a client certificate
        dut.cmd("AT").assert_ok()


def test_ssl_settings_forms(tmp_path: Path) -> None:
    with joined_board(tmp_path) as (dut, _ip):
        dut.cmd("AT+CIPMUX=1").assert_ok()
        dut.cmd('AT+CIPSSLCCN=5,"board.example"').assert_ok()
        assert '+CIPSSLCCN:4,"board.example"' in texts(dut.cmd("AT+CIPSSLCCN?").assert_ok())
        dut.cmd('AT+CIPSSLCALPN=1,2,"h2","http/1.1"').assert_ok()
        assert '+CIPSSLCALPN:1,"h2","http/1.1"' in texts(dut.cmd("AT+CIPSSLCALPN?").assert_ok())
        dut.cmd('AT+CIPSSLCPSKHEX=0,"70736b","myhint"').assert_ok()
        assert '+CIPSSLCPSK:0,"psk","myhint"' in texts(dut.cmd("AT+CIPSSLCPSK?").assert_ok())
        assert dut.cmd('AT+CIPSSLCPSKHEX=0,"7g","x"').final == "ERROR"
        supported = texts(dut.cmd("AT+CIPSSLCCIPHER?").assert_ok())
        assert "+CIPSSLCCIPHER:0,0xC02B" in supported and len(supported) > 2  # nothing set: all it knows
        dut.cmd("AT+CIPSSLCCIPHER=0,2,0xC02F,0xC030").assert_ok()
        assert texts(dut.cmd("AT+CIPSSLCCIPHER?").assert_ok()) == [
            "+CIPSSLCCIPHER:0,0xC02F",
            "+CIPSSLCCIPHER:1,0xC030",
        ]
        assert dut.cmd("AT+CIPSSLCCONF=0,4").final == "ERROR"


def test_one_mib_round_trip_ssl(tmp_path: Path, pki: EspPki) -> None:
    payload = os.urandom(1 << 20)
    with TlsEchoServer(pki.server_context()) as peer, joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        provision(dut, pki.sysmfg_items("client"))
        dut.cmd("AT+CIPSSLCCONF=2,0,0").assert_ok()
        dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{peer.port}', timeout=15).assert_ok()
        got = bytearray()
        for i in range(0, len(payload), 8192):
            assert dut.cmd("AT+CIPSEND=8192").prompt
            assert dut.send_data(payload[i : i + 8192], timeout=20).final == "SEND OK"
        while len(got) < len(payload):
            ipd = dut.expect_urc("+IPD", timeout=20)
            assert isinstance(ipd, Ipd) and ipd.payload is not None
            got += ipd.payload
        assert bytes(got) == payload
        dut.check_violations()


def test_one_mib_round_trip_ssl_passive(tmp_path: Path, pki: EspPki) -> None:
    payload = os.urandom(1 << 20)
    with TlsEchoServer(pki.server_context()) as peer, joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        provision(dut, pki.sysmfg_items("client"))
        dut.cmd("AT+CIPSSLCCONF=2,0,0").assert_ok()
        dut.cmd("AT+CIPRECVTYPE=1").assert_ok()
        dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{peer.port}', timeout=15).assert_ok()
        got = bytearray()
        for i in range(0, len(payload), 8192):
            assert dut.cmd("AT+CIPSEND=8192").prompt
            assert dut.send_data(payload[i : i + 8192], timeout=20).final == "SEND OK"
            while len(got) < i + 8192:
                r = dut.cmd("AT+CIPRECVDATA=8192", timeout=10)
                if r.final != "OK":
                    time.sleep(0.005)
                    continue
                got += next(e for e in r.events if isinstance(e, RecvData)).payload
        assert bytes(got) == payload
        dut.check_violations()


def test_common_name_is_checked(tmp_path: Path, pki: EspPki) -> None:
    with TlsEchoServer(pki.server_context()) as peer, joined_board(tmp_path) as (dut, _ip):
        provision(dut, pki.sysmfg_items("client"))
        dut.cmd("AT+SYSLOG=1").assert_ok()
        dut.cmd("AT+CIPSSLCCONF=2,0,0").assert_ok()
        dut.cmd('AT+CIPSSLCCN="not-the-server.example"').assert_ok()
        r = dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{peer.port}', timeout=15)
        assert r.final == "ERROR" and f"+ERRNO:{X509_VERIFY_FAILED}" in texts(r)
        dut.expect_urc("CLOSED")
        dut.cmd('AT+CIPSSLCCN="localhost"').assert_ok()  # a name the server certificate carries
        assert '+CIPSSLCCN:0,"localhost"' in texts(dut.cmd("AT+CIPSSLCCN?").assert_ok())
        dut.cmd(f'AT+CIPSTART="SSL","127.0.0.1",{peer.port}', timeout=15).assert_ok()
        assert peer.sni[-1] == "localhost"
