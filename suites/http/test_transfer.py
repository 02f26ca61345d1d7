"""3.7.3 AT+HTTPGETSIZE, 3.7.4 AT+HTTPCGET, 3.7.5 AT+HTTPCPOST and 3.7.6 AT+HTTPCPUT against the rig's
HTTP(S) server: sizes from the server's Content-Length, resources of every size printed in pieces of at
most ``<rx size>`` bytes, uploads through the ``>`` data phase with their request headers, the server's
answer printed before SEND OK (4.8.4, 4.8.6), SEND FAIL and the 3.7.10 error codes.

What the server served or received is compared with what the test had it serve or gave the board, byte for
byte; the responses are matched with the forms' templates.
"""

from __future__ import annotations

import json

import pytest

from servers.payload import pattern
from suites.http.http import Requests, body, data_phase, http_result, pieces, sent_header, transfer_timeout

pytestmark = [pytest.mark.http, pytest.mark.usefixtures("fresh_board", "joined")]


# --- AT+HTTPGETSIZE -----------------------------------------------------------------------------------


@pytest.mark.form("AT+HTTPGETSIZE", "set")
@pytest.mark.parametrize("size", [0, 1, 4096, 100000])
def test_httpgetsize(dut, expect, esp_rig, esp_http_server, size) -> None:
    """AT+HTTPGETSIZE/set: ``+HTTPGETSIZE:<size>`` is the resource's size (3.7.3), here the Content-Length
    the server gives; no body is printed."""
    esp_http_server.add_resource(f"/http/size-{size}.bin", pattern(size, size))
    server = Requests(esp_http_server)
    r = dut.cmd(
        f'AT+HTTPGETSIZE="{esp_http_server.url(f"/http/size-{size}.bin")}"', esp_rig.targets.timeouts.connect
    )
    assert expect.ok(r, "AT+HTTPGETSIZE", "set")["size"] == size
    assert server.one().path == f"/http/size-{size}.bin"


@pytest.mark.form("AT+HTTPGETSIZE", "set")
def test_httpgetsize_with_buffers_and_timeout(dut, expect, esp_rig, esp_https_server) -> None:
    """AT+HTTPGETSIZE/set/all-parameters: ``<tx size>``, ``<rx size>`` and ``<timeout>`` at the ends of
    their ranges (3.7.3: [0,10240], [0,10240], [0,180000]), over HTTPS."""
    esp_https_server.add_resource("/http/size-tls.bin", pattern(5, 777))
    url = esp_https_server.url("/http/size-tls.bin")
    for args in ("10240,10240,180000", "0,0,5000", "2048,1,0"):
        r = dut.cmd(f'AT+HTTPGETSIZE="{url}",{args}', esp_rig.targets.timeouts.connect)
        assert expect.ok(r, "AT+HTTPGETSIZE", "set")["size"] == 777, args


@pytest.mark.form("AT+HTTPGETSIZE", "set")
def test_httpgetsize_not_found(dut, err_code, esp_rig, esp_http_server) -> None:
    """AT+HTTPGETSIZE/set/404: ERROR with 0x010a7194 (3.7.10, Not Found)."""
    r = dut.cmd(
        f'AT+HTTPGETSIZE="{esp_http_server.url("/http/missing.bin")}"', esp_rig.targets.timeouts.connect
    )
    err_code(r, "ESP_AT_SUB_CMD_EXEC_FAIL", result=http_result(404))


# --- AT+HTTPCGET --------------------------------------------------------------------------------------


@pytest.mark.form("AT+HTTPCGET", "set")
@pytest.mark.parametrize("size", [1, 2048, 2049, 30000])
def test_httpcget_whole_resource(dut, expect, esp_rig, esp_http_server, size) -> None:
    """AT+HTTPCGET/set/<size> bytes: the resource, every byte, in ``+HTTPCGET:<size>,<data>`` pieces of at
    most the default ``<rx size>`` 2048 (3.7.4); data holding CR LF, ``OK`` and ``+HTTPCGET:`` does not end
    a piece early."""
    data = (b"\r\nOK\r\n\r\nERROR\r\n+HTTPCGET:5," + pattern(size, size))[:size]
    esp_http_server.add_resource(f"/http/cget-{size}.bin", data)
    server = Requests(esp_http_server)
    r = dut.cmd(
        f'AT+HTTPCGET="{esp_http_server.url(f"/http/cget-{size}.bin")}"', transfer_timeout(esp_rig, size)
    )
    expect.ok(r, "AT+HTTPCGET", "set")
    got = pieces(r, "+HTTPCGET")
    assert b"".join(got) == data, f"{sum(map(len, got))} bytes in {len(got)} pieces, expected {size}"
    assert max(map(len, got)) <= 2048, [len(p) for p in got]
    record = server.one()
    assert (record.method, record.path) == ("GET", f"/http/cget-{size}.bin")


@pytest.mark.form("AT+HTTPCGET", "set")
@pytest.mark.parametrize("rx_size", [1, 100, 1000, 10240])
def test_httpcget_rx_size(dut, expect, esp_rig, esp_http_server, rx_size) -> None:
    """AT+HTTPCGET/set/rx-size-<n>: no piece is larger than the receive buffer ``<rx size>`` (3.7.4);
    together they are the resource (the 4.1.1 download: ``AT+HTTPCGET=<url>,2048,2048,5000``)."""
    size = 5000 if rx_size > 1 else 300
    data = pattern(rx_size, size)
    esp_http_server.add_resource(f"/http/rx-{rx_size}.bin", data)
    url = esp_http_server.url(f"/http/rx-{rx_size}.bin")
    r = dut.cmd(
        f'AT+HTTPCGET="{url}",2048,{rx_size},5000',
        transfer_timeout(esp_rig, size * (8 if rx_size == 1 else 2)),
    )
    expect.ok(r, "AT+HTTPCGET", "set")
    got = pieces(r, "+HTTPCGET")
    assert b"".join(got) == data
    assert max(map(len, got)) <= rx_size, [len(p) for p in got][:20]


@pytest.mark.form("AT+HTTPCGET", "set")
def test_httpcget_chunked(dut, expect, esp_rig, esp_http_server) -> None:
    """AT+HTTPCGET/set/chunked: a body sent with chunked transfer encoding arrives whole, the chunk framing
    not printed."""
    r = dut.cmd(
        f'AT+HTTPCGET="{esp_http_server.url("/stream-bytes/7000?seed=21&chunk_size=999")}"',
        transfer_timeout(esp_rig, 7000),
    )
    expect.ok(r, "AT+HTTPCGET", "set")
    assert body(r, "+HTTPCGET") == pattern(21, 7000)


@pytest.mark.form("AT+HTTPCGET", "set")
def test_httpcget_https(dut, expect, esp_rig, esp_https_server) -> None:
    """AT+HTTPCGET/set/https: an https URL (as in 3.7.8's example and 4.1.1) gets the resource over TLS."""
    data = pattern(77, 6000)
    esp_https_server.add_resource("/http/cget-tls.bin", data)
    r = dut.cmd(
        f'AT+HTTPCGET="{esp_https_server.url("/http/cget-tls.bin")}"', transfer_timeout(esp_rig, 6000)
    )
    expect.ok(r, "AT+HTTPCGET", "set")
    assert body(r, "+HTTPCGET") == data


@pytest.mark.form("AT+HTTPCGET", "set")
@pytest.mark.parametrize("status", [401, 404, 500])
def test_httpcget_status_error_code(dut, err_code, esp_rig, esp_http_server, status) -> None:
    """AT+HTTPCGET/set/status-<status>: ERROR with 0x010a7000 + status (3.7.10)."""
    r = dut.cmd(f'AT+HTTPCGET="{esp_http_server.url(f"/status/{status}")}"', esp_rig.targets.timeouts.connect)
    err_code(r, "ESP_AT_SUB_CMD_EXEC_FAIL", result=http_result(status))


@pytest.mark.form("AT+HTTPCGET", "set")
def test_httpcget_network_timeout(dut, err_code, esp_rig, esp_http_server) -> None:
    """AT+HTTPCGET/set/timeout: a server silent for longer than ``<timeout>`` (the network timeout, 4.1.1:
    "closing the network connection if no data is received ... for 5 consecutive seconds") fails the
    request: ERROR with an HTTP error code of 3.7.10 (0x010a7xxx; which internal code is not documented)."""
    r = dut.cmd(
        f'AT+HTTPCGET="{esp_http_server.url("/delay/4")}",2048,2048,1000', esp_rig.targets.timeouts.connect
    )
    assert r.final == "ERROR", r.text
    err_code(r, None)
    assert r.err_code is not None and r.err_code & 0xFFFFF000 == 0x010A7000, r.text


# --- AT+HTTPCPOST / AT+HTTPCPUT -------------------------------------------------------------------------

UPLOADS = [("AT+HTTPCPOST", "POST", "/post", "+HTTPCPOST"), ("AT+HTTPCPUT", "PUT", "/put", "+HTTPCPUT")]


def _uploads(sizes: list[int]) -> list[object]:
    return [
        pytest.param(
            cmd, method, path, prefix, size, id=f"{cmd}/set/{size}", marks=pytest.mark.form(cmd, "set")
        )
        for cmd, method, path, prefix in UPLOADS
        for size in sizes
    ]


@pytest.mark.parametrize(("cmd", "method", "path", "prefix", "size"), _uploads([1, 427, 3000, 20000]))
def test_upload_exact_bytes(dut, expect, esp_rig, esp_http_server, cmd, method, path, prefix, size) -> None:
    """AT+HTTPCPOST/AT+HTTPCPUT/set: OK and ``>``; after ``<length>`` bytes the request goes out (3.7.5,
    3.7.6): the server receives exactly those bytes, with their length and the default Content-Type
    ``application/x-www-form-urlencoded`` (3.7.5 note); its answer is printed before SEND OK (4.8.4)."""
    data = (b'\r\nOK\r\n+++>\\,"' + pattern(size, size))[:size]
    server = Requests(esp_http_server)
    prompt, done = data_phase(dut, esp_rig, f'{cmd}="{esp_http_server.url(path)}",{size}', data)
    expect.ok(prompt, cmd, "set")
    expect.ok(done, cmd, "set")
    record = server.one()
    assert (record.method, record.path) == (method, path)
    assert record.body == data, f"the server received {len(record.body)} bytes, expected {size}"
    sent_header(record, f"Content-Length: {size}")
    if cmd == "AT+HTTPCPOST":
        sent_header(record, "Content-Type: application/x-www-form-urlencoded")
    echoed = json.loads(body(done, prefix))
    assert echoed["method"] == method


@pytest.mark.parametrize(
    ("cmd", "method", "path", "prefix"),
    [pytest.param(*u, id=u[0], marks=pytest.mark.form(u[0], "set")) for u in UPLOADS],
)
def test_upload_with_headers(dut, expect, esp_rig, esp_http_server, cmd, method, path, prefix) -> None:
    """AT+HTTPCPOST/AT+HTTPCPUT/set/headers: 4.8.4/4.8.6's command: ``<http_req_header_cnt>`` 2 and two
    headers, which reach the server as given (the Content-Type one replacing the default)."""
    data = b'{"form":{"purpose":"test"}}'
    headers = ["connection: keep-alive", "content-type: application/json"]
    server = Requests(esp_http_server)
    line = f'{cmd}="{esp_http_server.url(path)}",{len(data)},2,' + ",".join(f'"{h}"' for h in headers)
    prompt, done = data_phase(dut, esp_rig, line, data)
    expect.ok(prompt, cmd, "set")
    expect.ok(done, cmd, "set")
    record = server.one()
    assert record.body == data
    for header in headers:
        sent_header(record, header)
    assert json.loads(body(done, prefix))["json"] == {"form": {"purpose": "test"}}


@pytest.mark.parametrize(
    ("cmd", "method", "path", "prefix"),
    [pytest.param(*u, id=u[0], marks=pytest.mark.form(u[0], "set")) for u in UPLOADS],
)
def test_upload_over_https(dut, expect, esp_rig, esp_https_server, cmd, method, path, prefix) -> None:
    """AT+HTTPCPOST/AT+HTTPCPUT/set/https: the same over TLS."""
    data = pattern(3, 5000)
    server = Requests(esp_https_server)
    prompt, done = data_phase(dut, esp_rig, f'{cmd}="{esp_https_server.url(path)}",{len(data)}', data)
    expect.ok(prompt, cmd, "set")
    expect.ok(done, cmd, "set")
    assert server.one().body == data


@pytest.mark.parametrize(
    ("cmd", "method", "path", "prefix"),
    [pytest.param(*u, id=u[0], marks=pytest.mark.form(u[0], "set")) for u in UPLOADS],
)
def test_upload_refused_is_send_fail(
    dut, expect, esp_rig, esp_http_server, cmd, method, path, prefix
) -> None:
    """AT+HTTPCPOST/AT+HTTPCPUT/set/status-500: a request that fails (an error status) ends with SEND FAIL
    (3.7.5, 3.7.6: "Otherwise, it returns SEND FAIL") after the data was taken."""
    server = Requests(esp_http_server)
    prompt, done = data_phase(dut, esp_rig, f'{cmd}="{esp_http_server.url("/status/500")}",3', b"abc")
    expect.ok(prompt, cmd, "set")
    assert done.final == "SEND FAIL", done.text
    assert server.one().body == b"abc"
