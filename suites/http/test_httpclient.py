"""3.7.2 AT+HTTPCLIENT against the rig's HTTP(S) server (servers/http.py): every ``<opt>`` (HEAD, GET, POST,
PUT, DELETE) and ``<content-type>``, the URL or ``<"host">``/``<"path">`` with ``<transport_type>`` 1 and 2,
extra request headers, no redirection (3.7.2 notes), bodies larger than one piece, and the 3.7.10 error codes
of a failed request.

Each response is matched with the form's template (``+HTTPCLIENT:<size>,<data>`` ... OK); what the board
printed is compared with what the server served, and the server's record of the request (method, path,
query, headers, body) with what the test asked the board to send, byte for byte.
"""

from __future__ import annotations

import json

import pytest

from servers.payload import pattern
from suites.http.http import (
    CONTENT_TYPES,
    METHODS,
    USER_AGENT,
    Requests,
    body,
    http_result,
    pieces,
    sent_header,
    transfer_timeout,
)

pytestmark = [pytest.mark.http, pytest.mark.usefixtures("fresh_board", "joined")]

FORM = ("AT+HTTPCLIENT", "set")


def _echo(resp, prefix: str = "+HTTPCLIENT") -> dict:
    """The JSON the server's echo route answered with, as the board printed it."""
    return json.loads(body(resp, prefix))


@pytest.mark.form(*FORM)
@pytest.mark.parametrize("opt", [2, 4, 5], ids=["get", "put", "delete"])
def test_httpclient_method_without_data(dut, expect, esp_rig, esp_http_server, opt) -> None:
    """AT+HTTPCLIENT/set/<opt> 2, 4, 5: the server receives the method, the URL's path and query, no body;
    the board prints the server's answer (4.8.5, 4.8.7 show the echo of PUT and DELETE)."""
    server = Requests(esp_http_server)
    path = {2: "/get", 4: "/put", 5: "/delete"}[opt]
    url = esp_http_server.url(f"{path}?user=foo")
    r = dut.cmd(f'AT+HTTPCLIENT={opt},0,"{url}",,,1', transfer_timeout(esp_rig, 4096))
    expect.ok(r, *FORM)
    record = server.one()
    assert (record.method, record.path, record.query) == (METHODS[opt], path, "user=foo")
    assert record.body == b""
    echoed = _echo(r)
    assert echoed["method"] == METHODS[opt] and echoed["args"] == {"user": "foo"}, echoed


@pytest.mark.form(*FORM)
@pytest.mark.parametrize("content_type", sorted(CONTENT_TYPES), ids=lambda c: f"post-content-type-{c}")
def test_httpclient_post_content_types(dut, expect, esp_rig, esp_http_server, content_type) -> None:
    """AT+HTTPCLIENT/set/post: ``<"data">`` is the body (3.7.2), sent with the Content-Type of
    ``<content-type>`` and its length; the User-Agent is the one 4.8.3's echo shows."""
    server = Requests(esp_http_server)
    data = "field1=value1&field2=value2"
    r = dut.cmd(
        f'AT+HTTPCLIENT=3,{content_type},"{esp_http_server.url("/post")}",,,1,"{data}"',
        transfer_timeout(esp_rig, 4096),
    )
    expect.ok(r, *FORM)
    record = server.one()
    assert (record.method, record.path, record.body) == ("POST", "/post", data.encode())
    sent_header(record, f"Content-Type: {CONTENT_TYPES[content_type]}")
    sent_header(record, f"Content-Length: {len(data)}")
    sent_header(record, f"User-Agent: {USER_AGENT}")
    assert _echo(r)["data"] == data


@pytest.mark.form(*FORM)
def test_httpclient_post_json_escaped(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCLIENT/set/post-json: 4.8.3's command: ``\\"`` in ``<"data">`` is a quote (3.1 escapes); the
    server receives the JSON text unescaped, as ``application/json``."""
    server = Requests(esp_http_server)
    r = dut.cmd(
        f'AT+HTTPCLIENT=3,1,"{esp_http_server.url("/post")}",,,1,"{{\\"form\\":{{\\"purpose\\":\\"test\\"}}}}"',
        transfer_timeout(esp_rig, 4096),
    )
    expect.ok(r, *FORM)
    record = server.one()
    assert record.body == b'{"form":{"purpose":"test"}}'
    sent_header(record, "Content-Type: application/json")
    assert _echo(r)["json"] == {"form": {"purpose": "test"}}


@pytest.mark.form(*FORM)
def test_httpclient_head_prints_headers(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCLIENT/set/head: no body; the board prints the response's headers, one per line (4.8.1
    shows Content-Type and Content-Length among them); Content-Length is the size a GET then prints."""
    server = Requests(esp_http_server)
    size = 1500
    url = esp_http_server.url(f"/bytes/{size}?seed=4")
    r = dut.cmd(f'AT+HTTPCLIENT=1,0,"{url}",,,1', transfer_timeout(esp_rig, 4096))
    expect.ok(r, *FORM)
    record = server.one()
    assert (record.method, record.path) == ("HEAD", f"/bytes/{size}")
    headers = {}
    for piece in pieces(r, "+HTTPCLIENT"):
        name, _, value = piece.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    assert headers.get("content-length") == str(size), headers
    assert headers.get("content-type") == "application/octet-stream", headers


@pytest.mark.form(*FORM)
def test_httpclient_host_and_path(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCLIENT/set/host-path: with ``<"url">`` empty the client uses ``<"host">`` and ``<"path">``
    (3.7.2 notes); with both given, the URL wins and host/path are ignored."""
    server = Requests(esp_http_server)
    host, port = esp_http_server.address
    r = dut.cmd(f'AT+HTTPCLIENT=2,0,"","{host}:{port}","/get?via=path",1', transfer_timeout(esp_rig, 4096))
    expect.ok(r, *FORM)
    record = server.one()
    assert (record.path, record.query) == ("/get", "via=path")
    r = dut.cmd(
        f'AT+HTTPCLIENT=2,0,"{esp_http_server.url("/get?via=url")}","{host}:{port}","/anything",1',
        transfer_timeout(esp_rig, 4096),
    )
    expect.ok(r, *FORM)
    record = server.one()
    assert (record.path, record.query) == ("/get", "via=url")


@pytest.mark.form(*FORM)
def test_httpclient_over_ssl(dut, expect, esp_rig, esp_https_server) -> None:
    """AT+HTTPCLIENT/set/https: ``<transport_type>`` 2 (HTTP_TRANSPORT_OVER_SSL) with ``<"host">`` and
    ``<"path">`` reaches the HTTPS server; an https URL does too (4.8.2). AT+HTTPCFG's default (3.7.9
    ``<auth_mode>`` 0, no authentication) verifies no certificate."""
    server = Requests(esp_https_server)
    host, port = esp_https_server.address
    r = dut.cmd(f'AT+HTTPCLIENT=2,0,"","{host}:{port}","/get",2', transfer_timeout(esp_rig, 4096))
    expect.ok(r, *FORM)
    assert server.one().path == "/get"
    data = pattern(12, 3000)
    esp_https_server.add_resource("/http/tls.bin", data)
    r = dut.cmd(
        f'AT+HTTPCLIENT=2,0,"{esp_https_server.url("/http/tls.bin")}",,,2', transfer_timeout(esp_rig, 8192)
    )
    expect.ok(r, *FORM)
    assert body(r, "+HTTPCLIENT") == data
    assert server.one().path == "/http/tls.bin"


@pytest.mark.form(*FORM)
def test_httpclient_request_headers(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCLIENT/set/headers: every ``<"http_req_header">`` reaches the server as given (3.7.2: "more
    than one request header"), after ``<"data">`` for POST and right after ``<transport_type>`` otherwise."""
    server = Requests(esp_http_server)
    first, second = "X-Esp-Test: one", "Accept: text/plain"
    url = esp_http_server.url("/get")
    expect.ok(
        dut.cmd(f'AT+HTTPCLIENT=2,0,"{url}",,,1,"{first}","{second}"', transfer_timeout(esp_rig, 4096)), *FORM
    )
    record = server.one()
    sent_header(record, first)
    sent_header(record, second)
    url = esp_http_server.url("/post")
    r = dut.cmd(f'AT+HTTPCLIENT=3,0,"{url}",,,1,"a=1","{first}"', transfer_timeout(esp_rig, 4096))
    expect.ok(r, *FORM)
    record = server.one()
    assert record.body == b"a=1"
    sent_header(record, first)


@pytest.mark.form(*FORM)
@pytest.mark.parametrize("size", [512, 513, 20000])
def test_httpclient_large_body(dut, expect, esp_rig, esp_http_server, size) -> None:
    """AT+HTTPCLIENT/set/<size> bytes: a body of more than one piece is printed as several
    ``+HTTPCLIENT:<size>,<data>`` lines (4.8.2, 4.8.3) that together are the resource, every byte, whatever
    bytes it holds (CR LF and ``OK`` inside the data included)."""
    data = (b"\r\nOK\r\n+HTTPCLIENT:9," + pattern(size, size))[:size]
    esp_http_server.add_resource(f"/http/large-{size}.bin", data)
    r = dut.cmd(
        f'AT+HTTPCLIENT=2,0,"{esp_http_server.url(f"/http/large-{size}.bin")}",,,1',
        transfer_timeout(esp_rig, size),
    )
    expect.ok(r, *FORM)
    got = pieces(r, "+HTTPCLIENT")
    assert b"".join(got) == data, f"{len(b''.join(got))} bytes printed in {len(got)} pieces, expected {size}"
    assert len(got) >= 2 or size <= 512


def test_httpclient_does_not_redirect(dut, esp_rig, esp_http_server) -> None:
    """AT+HTTPCLIENT/set/302: "the command does not support redirection" (3.7.2 notes): after a 302 the
    board requests nothing more (the Location is not followed)."""
    server = Requests(esp_http_server)
    dut.cmd(f'AT+HTTPCLIENT=2,0,"{esp_http_server.url("/redirect/1")}",,,1', transfer_timeout(esp_rig, 4096))
    assert server.one().path == "/redirect/1"
    dut.cmd("AT", esp_rig.targets.timeouts.command).assert_ok()
    assert server.new() == [], "the board followed the redirect"


@pytest.mark.form(*FORM)
@pytest.mark.parametrize("status", [400, 403, 404, 405, 500, 503])
def test_httpclient_status_error_code(dut, err_code, esp_rig, esp_http_server, status) -> None:
    """AT+HTTPCLIENT/set/status-<status>: a response of an error status is ERROR with ERR CODE
    0x010a7xxx, xxx the status (3.7.10's table: 0x7190 (400) ... 0x71f7 (503))."""
    server = Requests(esp_http_server)
    r = dut.cmd(
        f'AT+HTTPCLIENT=2,0,"{esp_http_server.url(f"/status/{status}")}",,,1',
        esp_rig.targets.timeouts.connect,
    )
    err_code(r, "ESP_AT_SUB_CMD_EXEC_FAIL", result=http_result(status))
    assert server.one().path == f"/status/{status}"


@pytest.mark.form(*FORM)
def test_httpclient_connection_failed(dut, err_code, esp_rig) -> None:
    """AT+HTTPCLIENT/set/refused: nobody listens at the URL: ERROR with 0x010a7000, "Connection Failed"
    (3.7.10)."""
    import socket

    with socket.socket() as s:
        s.bind((str(esp_rig.network.host_address), 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        r = dut.cmd(
            f'AT+HTTPCLIENT=2,0,"http://{esp_rig.network.host_address}:{port}/get",,,1',
            esp_rig.targets.timeouts.connect,
        )
    err_code(r, "ESP_AT_SUB_CMD_EXEC_FAIL", result=http_result(None))
