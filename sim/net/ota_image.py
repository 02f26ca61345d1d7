"""What AT+CIUPDATE / AT+CIPFWVER (3.3.23, 3.3.24) read from the OTA server, sans-IO.

- :func:`rom_version`: the newest version in the server's version list (the text after ``"rom_version": "``
  up to the next ``",``, as the firmware scans it);
- :func:`check_magic`: the first bytes the firmware checks before writing a partition (0xE9 for the app,
  0xF1 0xF1 for certificate partitions, ...);
- :func:`declared_version`: the simulator's image header, by which an app image says which firmware version
  it is (AT+GMR reports it after the restart into the new image);
- :func:`parse_http_response`: status, headers and body of an HTTP/1.x response read to the end.

The sim's app image header (after the ESP image magic byte 0xE9)::

    offset 0   0xE9                 ESP app image magic (what the firmware checks)
    offset 1   b"ESPATSIM"          the sim header's tag; without it the image declares nothing
    offset 9   u8 N                 length of the version text
    offset 10  N bytes UTF-8        the Bin version, e.g. "v5.1.0.0"
    ...        anything             the rest of the image

:func:`make_app_image` builds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

APP_MAGIC = 0xE9
SIM_TAG = b"ESPATSIM"
#: (partition name -> (offset, magic bytes)) the firmware checks before it writes the image.
PARTITION_MAGIC: dict[str, tuple[int, bytes]] = {
    "ota": (0, bytes([APP_MAGIC])),
    "ble_data": (2, b"\x27\x95"),
    "factory_param": (0, b"\xfc\xfc"),
    **{
        name: (0, b"\xf1\xf1")
        for name in (
            "mqtt_ca",
            "mqtt_cert",
            "mqtt_key",
            "client_ca",
            "client_cert",
            "client_key",
            "server_ca",
            "server_cert",
            "server_key",
            "wpa2_ca",
            "wpa2_cert",
            "wpa2_key",
        )
    },
}


class OtaImageError(ValueError):
    """An image or server answer the firmware refuses; the message says what was expected."""


def rom_version(body: bytes) -> str:
    """The version after ``"rom_version": "`` in the server's JSON, cut at the following ``",``."""
    text = body.decode("utf-8", errors="replace")
    key = '"rom_version": "'
    start = text.find(key)
    if start < 0:
        raise OtaImageError(f"expected {key!r} in the server's version list, got {text[:80]!r}")
    start += len(key)
    end = text.find('",', start)
    if end < 0:
        raise OtaImageError("expected '\",' after the rom_version value")
    return text[start:end]


def check_magic(partition: str, data: bytes) -> None:
    """Raise unless ``data`` starts like an image of ``partition`` (names without a known magic fail too)."""
    entry = PARTITION_MAGIC.get(partition)
    if entry is None:
        raise OtaImageError(f"no image check known for partition {partition!r}")
    offset, magic = entry
    got = data[offset : offset + len(magic)]
    if got != magic:
        raise OtaImageError(
            f"{partition}: expected magic {magic.hex()} at offset {offset}, got {got.hex() or 'nothing'}"
        )


def declared_version(image: bytes) -> str | None:
    """The version an app image declares in the sim header, or None when it has no such header."""
    if len(image) < 10 or image[0] != APP_MAGIC or image[1:9] != SIM_TAG:
        return None
    length = image[9]
    raw = image[10 : 10 + length]
    if len(raw) != length:
        raise OtaImageError(f"sim header announces a {length}-byte version, the image holds {len(raw)}")
    return raw.decode("utf-8")


def make_app_image(version: str, size: int = 4096) -> bytes:
    """An app image declaring ``version``, padded to ``size`` bytes."""
    raw = version.encode("utf-8")
    if len(raw) > 255:
        raise ValueError(f"a version of at most 255 bytes, got {len(raw)}")
    head = bytes([APP_MAGIC]) + SIM_TAG + bytes([len(raw)]) + raw
    return head + bytes((i * 7) & 0xFF for i in range(max(0, size - len(head))))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def parse_http_response(data: bytes) -> HttpResponse:
    """A complete HTTP/1.x response (read until the server closed); the body is cut at Content-Length."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise OtaImageError("expected an HTTP header ending in an empty line")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise OtaImageError(f"expected an HTTP status line, got {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise OtaImageError(f"Content-Length is not a number: {headers['content-length']!r}") from None
        if len(body) < length:
            raise OtaImageError(f"expected {length} body bytes, the connection closed after {len(body)}")
        body = body[:length]
    return HttpResponse(int(parts[1]), headers, body)
