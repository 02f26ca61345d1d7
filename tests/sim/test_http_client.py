"""3.7 HTTP client commands on a simulated board process, against servers/http.py, through the AtSession.

Expected values come from the guide (response formats, 3.7.10 error codes) and from what the server served.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rigs.at.events import Line
from rigs.at.passthrough import Passthrough
from rigs.at.response import Response
from rigs.at.session import AtSession
from servers.http import HttpServer
from servers.payload import pattern
from servers.pki import EspPki
from tests.sim.netrig import joined_board


@pytest.fixture
def board(tmp_path: Path) -> Iterator[tuple[AtSession, str]]:
    with joined_board(tmp_path) as b:
        yield b


@pytest.fixture
def http() -> Iterator[HttpServer]:
    with HttpServer() as s:
        yield s


def _pieces(r: Response, prefix: str) -> list[bytes]:
    out = []
    for ev in r.events:
        if isinstance(ev, Line) and ev.text.startswith(prefix + ":"):
            assert ev.payload is not None
            out.append(ev.payload)
    return out


def test_httpcget_pieces_follow_rx_size(board: tuple[AtSession, str], http: HttpServer) -> None:
    dut, ip = board
    r = dut.cmd(f'AT+HTTPCGET="{http.url("/bytes/5000?seed=3")}",2048,1000,5000', timeout=20).assert_ok()
    pieces = _pieces(r, "+HTTPCGET")
    assert b"".join(pieces) == pattern(3, 5000)
    assert all(len(p) <= 1000 for p in pieces)
    assert http.requests[-1].remote == ip  # from the board's own address
    assert http.requests[-1].header("User-Agent") == "ESP32 HTTP Client/1.0"


def test_httpcget_chunked_and_redirect(board: tuple[AtSession, str], http: HttpServer) -> None:
    dut, _ = board
    r = dut.cmd(f'AT+HTTPCGET="{http.url("/stream-bytes/3000?seed=5&chunk_size=700")}"', timeout=20)
    assert b"".join(_pieces(r.assert_ok(), "+HTTPCGET")) == pattern(5, 3000)
    r = dut.cmd(f'AT+HTTPCGET="{http.url("/redirect/2")}"', timeout=20).assert_ok()
    assert json.loads(b"".join(_pieces(r, "+HTTPCGET")))["url"].endswith("/get")


def test_http_errors_are_3_7_10_codes(board: tuple[AtSession, str], http: HttpServer) -> None:
    dut, _ = board
    dut.cmd("AT+SYSLOG=1").assert_ok()
    r = dut.cmd(f'AT+HTTPCGET="{http.url("/status/404")}"', timeout=20)
    assert r.final == "ERROR" and r.err_code == 0x010A7194
    r = dut.cmd(f'AT+HTTPCLIENT=2,0,"{http.url("/status/500")}",,,1', timeout=20)
    assert r.final == "ERROR" and r.err_code == 0x010A71F4
    r = dut.cmd('AT+HTTPGETSIZE="http://127.0.0.1:1/x",2048,2048,2000', timeout=20)
    assert r.final == "ERROR" and r.err_code == 0x010A7000  # Connection Failed
    r = dut.cmd(f'AT+HTTPCGET="{http.url("/delay/5")}",2048,2048,500', timeout=20)
    assert r.final == "ERROR" and r.err_code == 0x010A7000  # no data within the network timeout


def test_httpclient_methods(board: tuple[AtSession, str], http: HttpServer) -> None:
    dut, _ = board
    r = dut.cmd(f'AT+HTTPCLIENT=2,0,"{http.url("/get?a=1")}",,,1', timeout=20).assert_ok()
    assert json.loads(b"".join(_pieces(r, "+HTTPCLIENT")))["args"] == {"a": "1"}
    r = dut.cmd(f'AT+HTTPCLIENT=3,1,"{http.url("/post")}",,,1,"{{\\"k\\":1}}"', timeout=20).assert_ok()
    echoed = json.loads(b"".join(_pieces(r, "+HTTPCLIENT")))
    assert echoed["data"] == '{"k":1}'
    assert http.requests[-1].header("Content-Type") == "application/json"
    host, port = http.address
    r = dut.cmd(f'AT+HTTPCLIENT=5,0,"","{host}:{port}","/delete",1', timeout=20).assert_ok()
    assert http.requests[-1].method == "DELETE"
    r = dut.cmd(f'AT+HTTPCLIENT=1,0,"{http.url("/get")}",,,1', timeout=20).assert_ok()
    headers = [p.decode() for p in _pieces(r, "+HTTPCLIENT")]  # 4.8.1: one piece per header
    assert any(h.lower().startswith("content-type: application/json") for h in headers)
    # 3.7.1 notes: no redirection; the 302 itself is the answer
    dut.cmd(f'AT+HTTPCLIENT=2,0,"{http.url("/redirect/1")}",,,1', timeout=20).assert_ok()
    assert http.requests[-1].path == "/redirect/1"


def test_httpcpost_and_httpcput(board: tuple[AtSession, str], http: HttpServer) -> None:
    dut, _ = board
    body = b'{"form":{"purpose":"test"}}'
    for cmd, path, method in (("AT+HTTPCPOST", "/post", "POST"), ("AT+HTTPCPUT", "/put", "PUT")):
        r = dut.cmd(f'{cmd}="{http.url(path)}",{len(body)},1,"content-type: application/json"', timeout=20)
        assert r.prompt
        r = dut.send_data(body, timeout=20)
        assert r.final == "SEND OK"
        req = http.requests[-1]
        assert (req.method, req.body) == (method, body)
        assert req.header("content-type") == "application/json"
    assert dut.cmd(f'AT+HTTPCPOST="{http.url("/status/403")}",3', timeout=20).prompt
    assert dut.send_data(b"abc", timeout=20).final == "SEND FAIL"


def test_httpurlcfg_and_httpchead(board: tuple[AtSession, str], http: HttpServer) -> None:
    dut, _ = board
    url = http.url("/bytes/300?seed=9").encode()
    assert dut.cmd(f"AT+HTTPURLCFG={len(url)}").prompt
    assert dut.send_data(url).final == "SET OK"
    r = dut.cmd("AT+HTTPURLCFG?").assert_ok()
    assert _pieces(r, "+HTTPURLCFG") == [url]
    header = b"Range: bytes=0-99"
    assert dut.cmd(f"AT+HTTPCHEAD={len(header)}").prompt
    dut.send_data(header).assert_ok()
    assert dut.cmd("AT+HTTPCHEAD?").assert_ok().lines[0] == '+HTTPCHEAD:0,"Range: bytes=0-99"'
    r = dut.cmd('AT+HTTPCGET=""', timeout=20).assert_ok()  # the preset URL, with the global header
    assert b"".join(_pieces(r, "+HTTPCGET")) == pattern(9, 300)[:100]
    dut.cmd("AT+HTTPCHEAD=0").assert_ok()
    r = dut.cmd('AT+HTTPGETSIZE=""', timeout=20).assert_ok()
    assert "+HTTPGETSIZE:300" in r.lines
    dut.cmd("AT+HTTPURLCFG=0").assert_ok()
    assert [x for x in dut.cmd("AT+HTTPURLCFG?").assert_ok().lines if x] == []  # nothing set
    assert dut.cmd("AT+HTTPURLCFG=7").final == "ERROR"  # 3.7.6: [8,8192]


def test_https_without_verification(board: tuple[AtSession, str], tmp_path: Path) -> None:
    dut, _ = board
    pki = EspPki(tmp_path / "pki")  # a CA the board does not trust: the default client does not verify
    with HttpServer(ssl_context=pki.server_context()) as https:
        https.add_resource("/img.png", pattern(1, 4096), "image/png")
        r = dut.cmd(f'AT+HTTPCGET="{https.url("/img.png")}",2048,2048,5000', timeout=30).assert_ok()
        assert b"".join(_pieces(r, "+HTTPCGET")) == pattern(1, 4096)


def _provision_https(dut: AtSession, pki: EspPki) -> None:
    for item in pki.sysmfg_items("https"):
        dut.cmd(item.command, expect_prompt=True)
        dut.send_data(item.value).assert_ok()


def test_httpcfg_verifies_the_server_and_presents_the_client(
    board: tuple[AtSession, str], tmp_path: Path
) -> None:
    """3.7.9: AT+HTTPCFG is in the default firmware (3.7's introduction; the v5.0.0.0 core library registers
    +HTTPCFG); <auth_mode> 2 verifies the server against https_ca, 3 also presents https_cert/https_key, and
    0 goes back to no authentication."""
    dut, _ = board
    pki = EspPki(tmp_path / "pki")
    wrong = EspPki(tmp_path / "wrong")
    with (
        HttpServer(ssl_context=pki.server_context()) as https,
        HttpServer(ssl_context=wrong.server_context()) as other,
        HttpServer(ssl_context=pki.server_context(require_client_cert=True)) as mtls,
    ):
        dut.cmd("AT+HTTPCFG=2,0,0").assert_ok()
        dut.cmd("AT+SYSLOG=1").assert_ok()
        refused = dut.cmd(f'AT+HTTPCGET="{https.url("/get")}"', timeout=20)
        assert refused.final == "ERROR" and refused.err_code == 0x010A7000  # no https_ca.0 yet
        _provision_https(dut, pki)
        dut.cmd(f'AT+HTTPCGET="{https.url("/get")}"', timeout=20).assert_ok()
        assert dut.cmd(f'AT+HTTPCGET="{other.url("/get")}"', timeout=20).err_code == 0x010A7000
        assert dut.cmd(f'AT+HTTPCGET="{mtls.url("/get")}"', timeout=20).final == "ERROR"
        dut.cmd("AT+HTTPCFG=3,0,0").assert_ok()
        dut.cmd(f'AT+HTTPCGET="{mtls.url("/get")}"', timeout=20).assert_ok()
        dut.cmd("AT+HTTPCFG=0").assert_ok()
        dut.cmd(f'AT+HTTPCGET="{other.url("/get")}"', timeout=20).assert_ok()
        assert dut.cmd("AT+HTTPCFG=4").err_code == 0x01070000
        assert dut.cmd("AT+HTTPCFG=1,0,0,0").final == "ERROR"


def _filtered_download(dut: AtSession, line: str, n: int) -> bytes:
    """Send ``line`` with the codec in passthrough (no framing is left to parse) and read what comes."""
    dut.codec.enter_passthrough()
    try:
        dut.write_raw(line.encode() + b"\r\n")
        got = Passthrough(dut).read(n, 20.0)
        time.sleep(0.3)
        return got + Passthrough(dut).read_available()
    finally:
        dut.codec.leave_passthrough()


def test_4_1_1_filters_leave_only_the_resource(board: tuple[AtSession, str], http: HttpServer) -> None:
    """4.1.1's two filters: the port carries the resource and nothing else; a failure still ends with
    CR LF ERROR CR LF (its note)."""
    dut, _ = board
    for head, tail in ((b"^+HTTPCGET:[0-9]*,", b"\r\n$"), (b"", b"\r\nOK\r\n$")):
        assert dut.cmd(f"AT+SYSMSGFILTERCFG=1,{len(head)},{len(tail)}", expect_prompt=True).prompt
        dut.send_data(head + tail).assert_ok()
    dut.cmd("AT+SYSMSGFILTER=1").assert_ok()  # printed: enabling starts after this OK
    # strict=False: from here the filters (4.1.1) remove final results on purpose, so what is left of a
    # response (the echo of ATE0) arrives with no command pending
    dut.strict = False
    dut.write_raw(b"ATE0\r\n")  # its OK is filtered; only the echo comes
    time.sleep(0.5)
    dut.drain_urcs()
    body = pattern(7, 5000)
    http.add_resource("/hardware.png", body, "image/png")
    url = http.url("/hardware.png")
    assert _filtered_download(dut, f'AT+HTTPCGET="{url}",2048,2048,5000', len(body)) == body
    failed = _filtered_download(dut, f'AT+HTTPCGET="{http.url("/status/404")}",2048,2048,5000', 9)
    assert failed == b"\r\nERROR\r\n"
    dut.cmd("AT+SYSMSGFILTERCFG=0").assert_ok()
    dut.cmd("AT+SYSMSGFILTER=0").assert_ok()
