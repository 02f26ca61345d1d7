"""An OTA server for AT+CIUPDATE, AT+CIPFWVER (3.3) and AT+USEROTA (3.14).

AT+CIUPDATE and AT+CIPFWVER talk to an iot.espressif.cn-style server with the firmware's OTA
token in an ``Authorization: token <token>`` header (Compile_and_Develop/How_to_implement_OTA_update):

- ``GET /v1/device/rom/?is_format_simple=true`` -> JSON with ``rom_version`` (the newest version)
  and the list of versions; the board reads the version string that follows ``"rom_version": "``
- ``GET /v1/device/rom/?action=download_rom&version=V&filename=NAME.bin`` -> the image, with
  Content-Length; NAME is ``ota`` for the app or a partition of at_customize.csv (``mqtt_ca``...)

AT+USEROTA downloads any URL: ``GET /firmware/{version}/{name}.bin`` serves the same images.
A wrong or missing token gets 403 (the real server's answer is not documented; the board only
needs to fail). Every request is recorded (see :class:`servers.http.RequestRecord`).
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass

from aiohttp import web

from servers.base import DEFAULT_HOST
from servers.http import AiohttpPeer
from servers.payload import pattern

APP_IMAGE_MAGIC = 0xE9  # first byte of an ESP app image; the board checks it for "ota"
PARTITION_MAGIC = b"\xf1\xf1"  # first bytes the board checks for certificate partitions


def make_app_image(size: int, seed: int = 0) -> bytes:
    """Bytes that pass the board's first-byte check for an app image (not a bootable image)."""
    if size < 1:
        raise ValueError(f"an app image needs at least 1 byte, asked for {size}")
    return bytes([APP_IMAGE_MAGIC]) + pattern(seed, size - 1)


@dataclass(frozen=True)
class OtaDownload:
    version: str
    filename: str
    size: int
    via: str  # "ciupdate" or "userota"


class OtaServer(AiohttpPeer):
    """Serves firmware images by (version, partition name); ``token=None`` disables the check."""

    kind = "ota"

    def __init__(
        self,
        token: str | None = "esp-at-test-token",
        host: str = DEFAULT_HOST,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host, port, ssl_context)
        self.token = token
        self.images: dict[tuple[str, str], bytes] = {}
        self.latest: str | None = None
        self.downloads: list[OtaDownload] = []

    def add_firmware(self, version: str, data: bytes, name: str = "ota", latest: bool = True) -> str:
        """Offer ``data`` as partition ``name`` of ``version``; returns its AT+USEROTA URL path."""
        self.images[(version, name)] = data
        if latest or self.latest is None:
            self.latest = version
        return f"/firmware/{version}/{name}.bin"

    def userota_url(self, version: str, name: str = "ota") -> str:
        return self.url(f"/firmware/{version}/{name}.bin")

    def versions(self) -> list[str]:
        return list(dict.fromkeys(v for v, _ in self.images))

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/device/rom/", self._rom)
        app.router.add_get("/v1/device/rom", self._rom)
        app.router.add_get("/firmware/{version}/{filename}", self._userota)
        return app

    def _authorised(self, request: web.Request) -> bool:
        return self.token is None or request.headers.get("Authorization", "").strip() == f"token {self.token}"

    @staticmethod
    def _json(status: int, body: dict[str, object]) -> web.Response:
        # json.dumps' default ", " / ": " separators give the exact `"rom_version": "` the board scans for.
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    def _image(self, version: str, filename: str, via: str) -> web.Response:
        name = filename.removesuffix(".bin")
        data = self.images.get((version, name))
        if data is None:
            return self._json(404, {"status": 404, "message": f"no {filename} for version {version}"})
        self.downloads.append(OtaDownload(version, name, len(data), via))
        return web.Response(body=data, content_type="application/octet-stream")

    async def _rom(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._json(403, {"status": 403, "message": "invalid or missing OTA token"})
        if request.query.get("action") == "download_rom":
            version, filename = request.query.get("version", ""), request.query.get("filename", "")
            return self._image(version, filename, "ciupdate")
        if self.latest is None:
            return self._json(404, {"status": 404, "message": "no firmware offered"})
        # rom_version must not be the last key: the board cuts the version at the following '",'.
        return self._json(200, {"status": 200, "rom_version": self.latest, "versions": self.versions()})

    async def _userota(self, request: web.Request) -> web.Response:
        return self._image(request.match_info["version"], request.match_info["filename"], "userota")
