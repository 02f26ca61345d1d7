"""3.7.7 AT+HTTPURLCFG, 3.7.8 AT+HTTPCHEAD and 3.7.9 AT+HTTPCFG: settings every HTTP command uses.

- AT+HTTPURLCFG: the URL is entered after ``>`` (SET OK once ``<url length>`` bytes came), read back by the
  query, used by the commands whose ``<"url">`` is ``""`` (3.7.2-3.7.6 notes), also beyond the 256 bytes a
  command line can hold; 0 clears it.
- AT+HTTPCHEAD: one ``key: value`` header per call, global to every HTTP command, winning over a command's
  own header of the same key (3.7.8 notes); the query lists them; 0 clears them all.
- AT+HTTPCFG: ``<auth_mode>`` 0 no authentication, 1 the board presents ``https_cert``/``https_key``, 2 it
  verifies the server against ``https_ca``, 3 both (3.7.9), with the rig's PKI written by AT+SYSMFG.

The server's record shows what the board really sent.
"""

from __future__ import annotations

import pytest

from servers.http import HttpServer
from servers.payload import pattern
from suites.http.http import (
    Requests,
    body,
    data_phase,
    http_result,
    pieces,
    provision_https,
    sent_header,
    transfer_timeout,
)

pytestmark = [pytest.mark.http, pytest.mark.usefixtures("fresh_board", "joined")]


@pytest.fixture(autouse=True)
def clear_settings(dut, esp_rig):
    """The three settings are global (3.7.8, 3.7.9 notes): put them back to their defaults after each
    test, so the next one starts without a preset URL, headers or authentication."""
    yield
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    for line in ("AT+HTTPURLCFG=0", "AT+HTTPCHEAD=0", "AT+HTTPCFG=0"):
        dut.cmd(line, esp_rig.targets.timeouts.command).assert_ok()


# --- AT+HTTPURLCFG ------------------------------------------------------------------------------------


def set_url(dut, expect, esp_rig, url: str) -> None:
    """AT+HTTPURLCFG=<url length>: OK and ``>``, the URL, SET OK (3.7.7)."""
    data = url.encode()
    prompt, done = data_phase(dut, esp_rig, f"AT+HTTPURLCFG={len(data)}", data)
    expect.ok(prompt, "AT+HTTPURLCFG", "set")
    expect.ok(done, "AT+HTTPURLCFG", "set")
    assert done.final == "SET OK", done.text


@pytest.mark.form("AT+HTTPURLCFG", "set")
@pytest.mark.form("AT+HTTPURLCFG", "query")
def test_httpurlcfg_set_and_query(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPURLCFG/set, /query: the query reads back ``+HTTPURLCFG:<url length>,<data>`` as entered;
    after ``AT+HTTPURLCFG=0`` ("clean the HTTP URL configuration") it prints no line."""
    url = esp_http_server.url("/get?preset=1")
    set_url(dut, expect, esp_rig, url)
    m = expect.ok(dut.cmd("AT+HTTPURLCFG?"), "AT+HTTPURLCFG", "query")
    assert m["url length"] == len(url), m
    assert pieces(dut.cmd("AT+HTTPURLCFG?"), "+HTTPURLCFG") == [url.encode()]
    # OK alone: 0 takes no data, so neither block of the set form (OK and ">", SET OK) is its response
    dut.cmd("AT+HTTPURLCFG=0").assert_ok()
    r = dut.cmd("AT+HTTPURLCFG?")
    expect.ok(r, "AT+HTTPURLCFG", "query")
    assert not any(line.startswith("+HTTPURLCFG") for line in r.lines), r.text


@pytest.mark.form("AT+HTTPURLCFG", "set")
def test_httpurlcfg_long_url_used_by_every_command(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPURLCFG/set/long: a URL longer than a 256-byte command line holds (3.7 notes) is used by
    AT+HTTPCLIENT, AT+HTTPGETSIZE, AT+HTTPCGET and AT+HTTPCPOST when their ``<"url">`` is ``""``; the
    server receives the whole query."""
    query = "q=" + "x" * 1000
    url = esp_http_server.url(f"/anything/long?{query}")
    set_url(dut, expect, esp_rig, url)
    server = Requests(esp_http_server)
    expect.ok(dut.cmd('AT+HTTPCLIENT=2,0,"",,,1', transfer_timeout(esp_rig, 8192)), "AT+HTTPCLIENT", "set")
    expect.ok(dut.cmd('AT+HTTPGETSIZE=""', esp_rig.targets.timeouts.connect), "AT+HTTPGETSIZE", "set")
    expect.ok(dut.cmd('AT+HTTPCGET=""', transfer_timeout(esp_rig, 8192)), "AT+HTTPCGET", "set")
    prompt, done = data_phase(dut, esp_rig, 'AT+HTTPCPOST="",5', b"hello")
    expect.ok(done, "AT+HTTPCPOST", "set")
    records = server.many(4)
    assert [r.method for r in records] == ["GET", "HEAD", "GET", "POST"]
    for record in records:
        assert (record.path, record.query) == ("/anything/long", query), (record.path, record.query[:40])
    assert records[3].body == b"hello"


@pytest.mark.form("AT+HTTPURLCFG", "set")
@pytest.mark.parametrize("length", [7, 8193], ids=["below-8", "above-8192"])
def test_httpurlcfg_length_out_of_range(dut, err_code, esp_rig, length) -> None:
    """AT+HTTPURLCFG/set/<length>: ``<url length>`` is 0 or in [8,8192] (3.7.7): ERROR without ``>``, the
    invalid parameter 0."""
    r = dut.cmd(f"AT+HTTPURLCFG={length}", esp_rig.targets.timeouts.command, expect_prompt=True)
    assert not r.prompt, r.text
    err_code(r, "ESP_AT_SUB_PARA_INVALID", 0)


# --- AT+HTTPCHEAD -------------------------------------------------------------------------------------


def set_header(dut, expect, esp_rig, header: str) -> None:
    """AT+HTTPCHEAD=<req_header_len>: OK and ``>``, the header, OK (3.7.8)."""
    data = header.encode()
    prompt, done = data_phase(dut, esp_rig, f"AT+HTTPCHEAD={len(data)}", data)
    expect.ok(prompt, "AT+HTTPCHEAD", "set")
    expect.ok(done, "AT+HTTPCHEAD", "set")


@pytest.mark.form("AT+HTTPCHEAD", "set")
@pytest.mark.form("AT+HTTPCHEAD", "query")
def test_httpchead_set_query_clear(dut, expect, esp_rig) -> None:
    """AT+HTTPCHEAD/set, /query: each call sets one header (3.7.8 notes); the query lists them as
    ``+HTTPCHEAD:<index>,<"req_header">``, in the order set, from index 0; ``AT+HTTPCHEAD=0`` clears them
    all."""
    headers = ["X-Esp-First: 1", "X-Esp-Second: two words"]
    for header in headers:
        set_header(dut, expect, esp_rig, header)
    m = expect.ok(dut.cmd("AT+HTTPCHEAD?"), "AT+HTTPCHEAD", "query")
    rows = m.rows("+HTTPCHEAD:")
    assert [(int(r["index"]), r["req_header"]) for r in rows] == list(enumerate(headers)), rows
    expect.ok(dut.cmd("AT+HTTPCHEAD=0"), "AT+HTTPCHEAD", "set")
    r = dut.cmd("AT+HTTPCHEAD?").assert_ok()
    assert not any(line.startswith("+HTTPCHEAD") for line in r.lines), r.text


@pytest.mark.form("AT+HTTPCHEAD", "set")
def test_httpchead_sent_by_every_command(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCHEAD/set/global: "all HTTP commands will carry these request headers" (3.7.8 notes):
    AT+HTTPCLIENT, AT+HTTPGETSIZE, AT+HTTPCGET, AT+HTTPCPOST and AT+HTTPCPUT send it; after clearing, none
    does."""
    header = "X-Esp-Global: 42"
    set_header(dut, expect, esp_rig, header)
    server = Requests(esp_http_server)
    get, post, put = esp_http_server.url("/get"), esp_http_server.url("/post"), esp_http_server.url("/put")
    dut.cmd(f'AT+HTTPCLIENT=2,0,"{get}",,,1', transfer_timeout(esp_rig, 4096)).assert_ok()
    dut.cmd(f'AT+HTTPGETSIZE="{get}"', esp_rig.targets.timeouts.connect).assert_ok()
    dut.cmd(f'AT+HTTPCGET="{get}"', transfer_timeout(esp_rig, 4096)).assert_ok()
    assert data_phase(dut, esp_rig, f'AT+HTTPCPOST="{post}",2', b"p1")[1].final == "SEND OK"
    assert data_phase(dut, esp_rig, f'AT+HTTPCPUT="{put}",2', b"p2")[1].final == "SEND OK"
    for record in server.many(5):
        sent_header(record, header)
    dut.cmd("AT+HTTPCHEAD=0").assert_ok()
    dut.cmd(f'AT+HTTPCGET="{get}"', transfer_timeout(esp_rig, 4096)).assert_ok()
    assert server.one().header("X-Esp-Global") is None


@pytest.mark.form("AT+HTTPCHEAD", "set")
def test_httpchead_wins_over_command_header(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCHEAD/set/same-key: with the same key as a header of the command, the AT+HTTPCHEAD one is
    used (3.7.8 notes), for AT+HTTPCLIENT's ``<"http_req_header">`` and AT+HTTPCPOST's."""
    set_header(dut, expect, esp_rig, "X-Esp-Key: from-httpchead")
    server = Requests(esp_http_server)
    url = esp_http_server.url("/get")
    dut.cmd(
        f'AT+HTTPCLIENT=2,0,"{url}",,,1,"X-Esp-Key: from-command"', transfer_timeout(esp_rig, 4096)
    ).assert_ok()
    sent_header(server.one(), "X-Esp-Key: from-httpchead")
    line = f'AT+HTTPCPOST="{esp_http_server.url("/post")}",1,1,"X-Esp-Key: from-command"'
    assert data_phase(dut, esp_rig, line, b"x")[1].final == "SEND OK"
    sent_header(server.one(), "X-Esp-Key: from-httpchead")


@pytest.mark.form("AT+HTTPCHEAD", "set")
def test_httpchead_range_example(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCHEAD/set/range: 3.7.8's example: ``AT+HTTPCHEAD=18``, ``Range: bytes=0-255``, then
    AT+HTTPCGET downloads only the first 256 bytes of the resource."""
    data = pattern(256, 4000)
    esp_http_server.add_resource("/http/range.html", data, "text/html")
    set_header(dut, expect, esp_rig, "Range: bytes=0-255")
    r = dut.cmd(f'AT+HTTPCGET="{esp_http_server.url("/http/range.html")}"', transfer_timeout(esp_rig, 4096))
    expect.ok(r, "AT+HTTPCGET", "set")
    assert body(r, "+HTTPCGET") == data[:256]


# --- AT+HTTPCFG ---------------------------------------------------------------------------------------


@pytest.fixture
def https_pki(dut, esp_rig, esp_pki, esp_sntp_server):
    """The rig's CA, client certificate and key in the board's ``https_*`` namespaces (3.7.9 notes:
    AT+SYSMFG updates the certificates), and the current time from the rig's SNTP server: with
    ``<auth_mode>`` 2 or 3 the board checks the server certificate's validity period, so it "has obtained
    the current time before sending other HTTP commands" (3.7.9 notes; the PKI's certificates are valid
    long before and after the SNTP peer's clock)."""
    provision_https(dut, esp_rig, esp_pki.sysmfg_items("https"))
    dut.cmd(f'AT+CIPSNTPCFG=1,0,"{esp_sntp_server.host}"', esp_rig.targets.timeouts.command).assert_ok()
    dut.expect_urc("+TIME_UPDATED", esp_rig.targets.timeouts.connect)
    yield esp_pki
    dut.cmd("AT+CIPSNTPCFG=0", esp_rig.targets.timeouts.command).assert_ok()


@pytest.fixture
def wrong_ca_server(esp_rig, esp_pki, esp_peer_factory) -> HttpServer:
    """An HTTPS server whose certificate comes from a CA the board was not given."""
    return esp_peer_factory(
        HttpServer(str(esp_rig.network.host_address), ssl_context=esp_pki.server_context(wrong=True))
    )


def _get(dut, esp_rig, server: HttpServer):
    return dut.cmd(f'AT+HTTPCGET="{server.url("/get")}"', transfer_timeout(esp_rig, 4096))


@pytest.mark.form("AT+HTTPCFG", "set")
def test_httpcfg_verifies_the_server(
    dut, expect, err_code, esp_rig, https_pki, esp_https_server, wrong_ca_server
) -> None:
    """AT+HTTPCFG/set/auth-mode-2: the client loads ``https_ca`` and verifies the server (3.7.9): the rig's
    server is reached, a server of another CA is refused (ERROR, 0x010a7000 "Connection Failed", 3.7.10)."""
    expect.ok(dut.cmd("AT+HTTPCFG=2,0,0"), "AT+HTTPCFG", "set")
    expect.ok(_get(dut, esp_rig, esp_https_server), "AT+HTTPCGET", "set")
    server = Requests(wrong_ca_server)
    err_code(_get(dut, esp_rig, wrong_ca_server), "ESP_AT_SUB_CMD_EXEC_FAIL", result=http_result(None))
    assert server.new() == [], "a request reached a server the board should not have trusted"


@pytest.mark.form("AT+HTTPCFG", "set")
def test_httpcfg_mutual_authentication(dut, expect, esp_rig, https_pki, esp_https_mtls_server) -> None:
    """AT+HTTPCFG/set/auth-mode-3: mutual authentication: a server that requires a client certificate
    accepts the board's; with ``<auth_mode>`` 2 (no client certificate) the same server refuses it; with 1
    the certificate alone is presented (3.7.9)."""
    server = Requests(esp_https_mtls_server)
    expect.ok(dut.cmd("AT+HTTPCFG=2,0,0"), "AT+HTTPCFG", "set")
    assert _get(dut, esp_rig, esp_https_mtls_server).final == "ERROR"
    assert server.new() == []
    expect.ok(dut.cmd("AT+HTTPCFG=3,0,0"), "AT+HTTPCFG", "set")
    expect.ok(_get(dut, esp_rig, esp_https_mtls_server), "AT+HTTPCGET", "set")
    assert server.one().path == "/get"
    expect.ok(dut.cmd("AT+HTTPCFG=1,0,0"), "AT+HTTPCFG", "set")
    expect.ok(_get(dut, esp_rig, esp_https_mtls_server), "AT+HTTPCGET", "set")
    assert server.one().path == "/get"


@pytest.mark.form("AT+HTTPCFG", "set")
def test_httpcfg_no_authentication(dut, expect, esp_rig, https_pki, wrong_ca_server) -> None:
    """AT+HTTPCFG/set/auth-mode-0: "No authentication, in this case, <pki_number> and <ca_number> are not
    required" (3.7.9): any server certificate is accepted, also after a verifying mode; ``<auth_mode>`` 1
    does not verify the server either."""
    server = Requests(wrong_ca_server)
    expect.ok(dut.cmd("AT+HTTPCFG=2,0,0"), "AT+HTTPCFG", "set")
    assert _get(dut, esp_rig, wrong_ca_server).final == "ERROR"
    expect.ok(dut.cmd("AT+HTTPCFG=0"), "AT+HTTPCFG", "set")
    expect.ok(_get(dut, esp_rig, wrong_ca_server), "AT+HTTPCGET", "set")
    expect.ok(dut.cmd("AT+HTTPCFG=1,0,0"), "AT+HTTPCFG", "set")
    expect.ok(_get(dut, esp_rig, wrong_ca_server), "AT+HTTPCGET", "set")
    assert [r.path for r in server.new()] == ["/get", "/get"]
