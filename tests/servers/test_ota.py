"""The OTA server, driven with the requests AT+CIUPDATE / AT+USEROTA make (http.client)."""

from __future__ import annotations

import http.client
import json
import re

import pytest

from servers.ota import OtaServer, make_app_image
from servers.pki import EspPki

TOKEN = "0123456789abcdef0123456789abcdef01234567"


def _get(server: OtaServer, path: str, token: str | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(*server.address, timeout=10)
    conn.request("GET", path, headers={"Authorization": f"token {token}"} if token else {})
    response = conn.getresponse()
    status, body = response.status, response.read()
    conn.close()
    return status, body


@pytest.fixture
def server() -> OtaServer:
    with OtaServer(token=TOKEN) as s:
        s.add_firmware("v2.1.0.0", make_app_image(4000, seed=1))
        s.add_firmware("v2.2.0.0", make_app_image(5000, seed=2))
        s.add_firmware("v2.2.0.0", b"\xf1\xf1" + b"ca-bytes", name="mqtt_ca")
        yield s


def test_version_query_as_the_board_parses_it(server: OtaServer) -> None:
    status, body = _get(server, "/v1/device/rom/?is_format_simple=true", TOKEN)
    assert status == 200
    # The board takes the text between `rom_version": "` and the next `",`.
    match = re.search(rb'rom_version": "(.*?)",', body)
    assert match is not None and match.group(1) == b"v2.2.0.0"
    assert json.loads(body)["versions"] == ["v2.1.0.0", "v2.2.0.0"]


def test_download_by_version_and_partition(server: OtaServer) -> None:
    status, body = _get(
        server, "/v1/device/rom/?action=download_rom&version=v2.1.0.0&filename=ota.bin", TOKEN
    )
    assert status == 200 and body == make_app_image(4000, seed=1) and body[0] == 0xE9
    status, body = _get(
        server, "/v1/device/rom/?action=download_rom&version=v2.2.0.0&filename=mqtt_ca.bin", TOKEN
    )
    assert status == 200 and body.startswith(b"\xf1\xf1")
    status, _ = _get(server, "/v1/device/rom/?action=download_rom&version=v9.9.9.9&filename=ota.bin", TOKEN)
    assert status == 404
    assert [(d.version, d.filename, d.via) for d in server.downloads] == [
        ("v2.1.0.0", "ota", "ciupdate"),
        ("v2.2.0.0", "mqtt_ca", "ciupdate"),
    ]
    assert server.requests[0].header("Authorization") == f"token {TOKEN}"


def test_wrong_or_missing_token_is_refused(server: OtaServer) -> None:
    assert _get(server, "/v1/device/rom/?is_format_simple=true", "wrong")[0] == 403
    assert _get(server, "/v1/device/rom/?is_format_simple=true", None)[0] == 403


def test_userota_url_needs_no_token(server: OtaServer) -> None:
    url = server.userota_url("v2.2.0.0")
    assert url == f"http://127.0.0.1:{server.port}/firmware/v2.2.0.0/ota.bin"
    status, body = _get(server, "/firmware/v2.2.0.0/ota.bin", None)
    assert status == 200 and body == make_app_image(5000, seed=2)
    assert server.downloads[-1].via == "userota"


def test_https_ota(tmp_path_factory: pytest.TempPathFactory) -> None:
    pki = EspPki(tmp_path_factory.mktemp("pki"))
    with OtaServer(ssl_context=pki.server_context()) as server:
        server.add_firmware("v1.0.0.0", make_app_image(10))
        conn = http.client.HTTPSConnection(*server.address, timeout=10, context=pki.client_context())
        conn.request("GET", "/firmware/v1.0.0.0/ota.bin")
        assert conn.getresponse().read() == make_app_image(10)
        conn.close()
        assert server.base_url.startswith("https://")


def test_make_app_image_rejects_empty() -> None:
    with pytest.raises(ValueError, match="at least 1 byte"):
        make_app_image(0)
