"""Where the guide's sources are, and which RST page holds which command set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT / "spec"
DATA_DIR = SPEC_DIR / "data"
CORRECTIONS = SPEC_DIR / "corrections.yaml"

RELEASE = "v5.0.0.0"
#: The releases whose guide is in the shared workspace, oldest first (issue 19); RELEASE stays the default.
RELEASES: tuple[str, ...] = ("v2.2.0.0_esp32", "v2.4.0.0", "v3.2.0.0", "v3.4.0.0", "v4.1.1.0", "v5.0.0.0")
SEED_NAME = "000_e814a2636a8e47f3.txt"

#: command set -> (chapter in the seed, RST page under docs/en/AT_Command_Set)
PAGES: dict[str, tuple[str, str]] = {
    "basic": ("3.1", "Basic_AT_Commands.rst"),
    "wifi": ("3.2", "Wi-Fi_AT_Commands.rst"),
    "tcpip": ("3.3", "TCP-IP_AT_Commands.rst"),
    "ble": ("3.4", "BLE_AT_Commands.rst"),
    "bt": ("3.5", "BT_AT_Commands.rst"),
    "mqtt": ("3.6", "MQTT_AT_Commands.rst"),
    "http": ("3.7", "HTTP_AT_Commands.rst"),
    "fs": ("3.8", "FS_AT_Commands.rst"),
    "websocket": ("3.9", "websocket_at_commands.rst"),
    "eth": ("3.10", "Ethernet_AT_Commands.rst"),
    "signaling": ("3.11", "Signaling_Test_AT_Commands.rst"),
    "driver": ("3.12", "Driver_AT_Commands.rst"),
    "webserver": ("3.13", "Web_server_AT_Commands.rst"),
    "user": ("3.14", "user_at_commands.rst"),
}


class SourcesMissing(FileNotFoundError):
    """The guide's sources (the shared workspace) are not on this machine."""


class UnknownRelease(ValueError):
    """A release name that is not one of RELEASES; the message lists the known ones."""


def check_release(release: str) -> str:
    """``release`` itself when it is one of RELEASES, else UnknownRelease naming the known releases."""
    if release not in RELEASES:
        raise UnknownRelease(f"unknown release {release!r}: the guide is held for {', '.join(RELEASES)}")
    return release


@dataclass(frozen=True)
class Sources:
    """Paths of the RST command-set pages and the seed."""

    shared: Path
    release: str = RELEASE

    def __post_init__(self) -> None:
        check_release(self.release)

    @property
    def rst_dir(self) -> Path:
        return self.shared / "esp-at-docs" / self.release / "docs" / "en" / "AT_Command_Set"

    @property
    def seed(self) -> Path:
        return self.shared / "seeds" / SEED_NAME

    @property
    def has_seed(self) -> bool:
        """Only the default release has a seed (the printed guide gives its section numbers)."""
        return self.release == RELEASE

    @property
    def numbering_index(self) -> Path:
        """The index page whose toctree numbers the chapters: the Chinese one when the release has it (the
        printed guide, the seed, is the Chinese guide: its 3.12 is Driver, the English toctree's is Web
        server), else the English one."""
        zh = self.shared / "esp-at-docs" / self.release / "docs" / "zh_CN" / "AT_Command_Set" / "index.rst"
        return zh if zh.is_file() else self.rst_dir / "index.rst"

    def page(self, command_set: str) -> Path:
        return self.rst_dir / PAGES[command_set][1]

    @classmethod
    def locate(cls, release: str = RELEASE) -> Sources:
        """Find the shared workspace: $ESP_AT_SHARED, /work/shared, or ../shared beside the repo."""
        check_release(release)
        candidates = [os.environ.get("ESP_AT_SHARED"), "/work/shared", str(REPO_ROOT.parent / "shared")]
        for c in candidates:
            if c and (Path(c) / "seeds" / SEED_NAME).is_file():
                src = cls(Path(c), release)
                if src.rst_dir.is_dir():
                    return src
        raise SourcesMissing(
            f"guide sources of {release} not found: expected esp-at-docs/ and seeds/ under $ESP_AT_SHARED, "
            f"/work/shared or {REPO_ROOT.parent / 'shared'}"
        )
