"""sim.net.ota_image: the sim's app image header, partition magic checks, the version list, HTTP parsing."""

from __future__ import annotations

import json

import pytest

from servers.ota import make_app_image as server_app_image
from sim.net.ota_image import (
    OtaImageError,
    check_magic,
    declared_version,
    make_app_image,
    parse_http_response,
    rom_version,
)


def test_app_image_declares_its_version_and_passes_the_app_check() -> None:
    image = make_app_image("v5.1.0.0", 1000)
    assert len(image) == 1000 and image[0] == 0xE9
    assert declared_version(image) == "v5.1.0.0"
    check_magic("ota", image)


def test_an_image_without_the_sim_header_declares_nothing() -> None:
    image = server_app_image(512)
    check_magic("ota", image)
    assert declared_version(image) is None


def test_truncated_header_is_an_error() -> None:
    image = make_app_image("v5.1.0.0", 18)[:15]
    with pytest.raises(OtaImageError, match="announces"):
        declared_version(image)


@pytest.mark.parametrize(
    ("name", "data", "ok"),
    [
        ("ota", b"\xe9rest", True),
        ("ota", b"\xf1\xf1", False),
        ("client_ca", b"\xf1\xf1-----BEGIN", True),
        ("mqtt_cert", b"\xe9", False),
        ("ble_data", b"\x00\x00\x27\x95", True),
        ("factory_param", b"\xfc\xfc", True),
        ("fatfs", b"\xff\xff", False),  # no image check known for it: the firmware refuses
    ],
)
def test_partition_magic(name: str, data: bytes, ok: bool) -> None:
    if ok:
        check_magic(name, data)
    else:
        with pytest.raises(OtaImageError):
            check_magic(name, data)


def test_rom_version_from_the_servers_json() -> None:
    body = json.dumps({"status": 200, "rom_version": "v5.1.0.0", "versions": ["v5.1.0.0"]}).encode()
    assert rom_version(body) == "v5.1.0.0"
    with pytest.raises(OtaImageError, match="rom_version"):
        rom_version(b'{"status": 404}')


def test_http_response_parsing() -> None:
    r = parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\n\r\nabcdef")
    assert (r.status, r.headers["content-length"], r.body) == (200, "3", b"abc")
    with pytest.raises(OtaImageError, match="closed after 1"):
        parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na")
    with pytest.raises(OtaImageError, match="status line"):
        parse_http_response(b"SSH-2.0\r\n\r\n")
