"""The HTTP(S) peer, talked to with http.client (no redirect following, exact status codes)."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest

from servers.http import HttpServer, parse_range
from servers.payload import pattern
from servers.pki import EspPki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> EspPki:
    return EspPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server() -> HttpServer:
    with HttpServer() as s:
        yield s


def _request(
    server: HttpServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    ctx: ssl.SSLContext | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    host, port = server.address
    conn = (
        http.client.HTTPSConnection(host, port, timeout=10, context=ctx)
        if ctx
        else http.client.HTTPConnection(host, port, timeout=10)
    )
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_echo_of_method_headers_and_body(server: HttpServer, method: str) -> None:
    path = "/" + method.lower()
    body = b"field1=value1&field2=value2" if method in ("POST", "PUT") else None
    response, data = _request(server, method, path + "?user=foo", body, {"X-Esp-Test": "conformance"})
    echoed = json.loads(data)
    assert response.status == 200
    assert echoed["method"] == method and echoed["args"] == {"user": "foo"}
    assert echoed["headers"]["X-Esp-Test"] == "conformance"
    assert echoed["data"] == (body or b"").decode()
    record = [r for r in server.requests if r.method == method][-1]
    assert record.path == path and record.query == "user=foo" and record.header("x-esp-test") == "conformance"


def test_head_gives_length_without_body(server: HttpServer) -> None:
    response, data = _request(server, "HEAD", "/bytes/4096")
    assert response.status == 200 and data == b""
    assert response.getheader("Content-Length") == "4096"


def test_fixed_and_large_resources_and_range(server: HttpServer) -> None:
    server.add_resource("/logo.gif", b"GIF89a-not-really", "image/gif")
    response, data = _request(server, "GET", "/logo.gif")
    assert (response.status, data, response.getheader("Content-Type")) == (
        200,
        b"GIF89a-not-really",
        "image/gif",
    )
    response, data = _request(server, "GET", "/bytes/1000000?seed=4")
    assert data == pattern(4, 1_000_000)
    response, data = _request(server, "GET", "/bytes/1000?seed=4", headers={"Range": "bytes=0-255"})
    assert response.status == 206 and data == pattern(4, 256)
    assert response.getheader("Content-Range") == "bytes 0-255/1000"
    response, _ = _request(server, "GET", "/bytes/10", headers={"Range": "bytes=50-60"})
    assert response.status == 416


def test_chunked_response(server: HttpServer) -> None:
    response, data = _request(server, "GET", "/stream-bytes/5000?seed=2&chunk_size=700")
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    assert data == pattern(2, 5000)


def test_redirect_chain_and_redirect_to(server: HttpServer) -> None:
    response, _ = _request(server, "GET", "/redirect/2")
    assert (response.status, response.getheader("Location")) == (302, "/redirect/1")
    response, _ = _request(server, "GET", "/redirect/1")
    assert (response.status, response.getheader("Location")) == (302, "/get")
    response, _ = _request(server, "GET", "/redirect-to?url=/bytes/10&status_code=301")
    assert (response.status, response.getheader("Location")) == (301, "/bytes/10")


@pytest.mark.parametrize("code", [400, 404, 500, 503])
def test_error_status_codes(server: HttpServer, code: int) -> None:
    assert _request(server, "GET", f"/status/{code}")[0].status == code


def test_unknown_path_is_404_and_slow_resource_answers(server: HttpServer) -> None:
    assert _request(server, "GET", "/no/such/thing")[0].status == 404
    response, data = _request(server, "GET", "/delay/0.3")
    assert response.status == 200 and json.loads(data)["method"] == "GET"


def test_parse_range_forms() -> None:
    assert parse_range("bytes=0-255", 1000) == (0, 256)
    assert parse_range("bytes=900-", 1000) == (900, 1000)
    assert parse_range("bytes=-100", 1000) == (900, 1000)
    assert parse_range(None, 10) is None
    with pytest.raises(ValueError):
        parse_range("bytes=1000-", 1000)


def test_https_and_client_certificate_requirement(pki: EspPki) -> None:
    with HttpServer(ssl_context=pki.server_context()) as https:
        assert https.base_url.startswith("https://127.0.0.1:")
        assert _request(https, "GET", "/get", ctx=pki.client_context())[0].status == 200
        with pytest.raises(ssl.SSLCertVerificationError):
            _request(https, "GET", "/get", ctx=pki.client_context(trust_wrong_ca=True))
    with HttpServer(ssl_context=pki.server_context(require_client_cert=True)) as mtls:
        assert _request(mtls, "GET", "/get", ctx=pki.client_context(cert=pki.client))[0].status == 200
        for cert in (pki.wrong_client, None):
            with pytest.raises((ssl.SSLError, ConnectionError, http.client.RemoteDisconnected)):
                _request(mtls, "GET", "/get", ctx=pki.client_context(cert=cert))
        assert len(mtls.requests) == 1  # the refused clients never got a request through
