"""Emulated flash partitions: user partitions for AT+SYSFLASH and the mfg_nvs key-value store for AT+SYSMFG.

User partitions (the profile's ``partitions``) are byte images in ``<state_dir>/partitions/<name>.bin``,
created on first write; unwritten flash reads as 0xFF, as erased NOR flash does. The emulated mfg_nvs is kept
as typed key-value pairs (``<state_dir>/mfg_nvs.json``) rather than as the NVS binary format: AT+SYSMFG works
on the pairs, AT+SYSFLASH on ``mfg_nvs`` sees a separate byte image, and erasing the whole ``mfg_nvs``
partition with AT+SYSFLASH also erases every pair.

The PKI namespaces the TLS commands read from (How_to_update_pki_config) are
``client_ca/client_cert/client_key`` (keys ``<namespace>.0``, ``.1``), ``server_ca/server_cert/server_key``,
``mqtt_ca/mqtt_cert/mqtt_key``, ``wss_*``, ``https_*`` and ``wpa2_*``, each value of type 8 (binary).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sim.flash import read_json, write_json_atomic

if TYPE_CHECKING:
    from sim.profile import Partition, Profile

SECTOR = 4096

PKI_NAMESPACES = (
    "client_ca",
    "client_cert",
    "client_key",
    "server_ca",
    "server_cert",
    "server_key",
    "mqtt_ca",
    "mqtt_cert",
    "mqtt_key",
    "wss_ca",
    "wss_cert",
    "wss_key",
    "https_ca",
    "https_cert",
    "https_key",
    "wpa2_ca",
    "wpa2_cert",
    "wpa2_key",
)


class MfgType(IntEnum):
    """3.1 AT+SYSMFG ``<type>``."""

    U8 = 1
    I8 = 2
    U16 = 3
    I16 = 4
    U32 = 5
    I32 = 6
    STRING = 7
    BINARY = 8


INT_RANGES: dict[MfgType, tuple[int, int]] = {
    MfgType.U8: (0, 0xFF),
    MfgType.I8: (-0x80, 0x7F),
    MfgType.U16: (0, 0xFFFF),
    MfgType.I16: (-0x8000, 0x7FFF),
    MfgType.U32: (0, 0xFFFFFFFF),
    MfgType.I32: (-0x80000000, 0x7FFFFFFF),
}


@dataclass
class MfgValue:
    type: MfgType
    value: int | bytes

    def as_bytes(self) -> bytes:
        return self.value if isinstance(self.value, bytes) else str(self.value).encode()


class MfgNvs:
    """The mfg_nvs partition as namespaces of typed values."""

    def __init__(self, state_dir: Path, profile: Profile) -> None:
        self.path = state_dir / "mfg_nvs.json"
        self.profile = profile
        self._data: dict[str, dict[str, MfgValue]] = {}
        if self.path.exists():
            self._load()
        else:
            self.factory_reset()

    def factory_reset(self) -> None:
        """What a freshly flashed module holds: the factory parameters (How_to_update_factory_parameters)."""
        u = self.profile.uart
        self._data = {
            "factory_param": {
                "module_name": MfgValue(MfgType.STRING, self.profile.module_name.encode()),
                "max_tx_power": MfgValue(MfgType.I8, self.profile.rfpower.wifi_default),
                "country_code": MfgValue(MfgType.STRING, b"CN"),
                "start_channel": MfgValue(MfgType.U8, 1),
                "channel_num": MfgValue(MfgType.U8, 13),
                "uart_port": MfgValue(MfgType.I8, 1),
                "uart_baudrate": MfgValue(MfgType.I32, u.baudrate),
                "uart_tx_pin": MfgValue(MfgType.I8, 17),
                "uart_rx_pin": MfgValue(MfgType.I8, 16),
                "uart_cts_pin": MfgValue(MfgType.I8, 15),
                "uart_rts_pin": MfgValue(MfgType.I8, 14),
            }
        }
        self._flush()

    def _load(self) -> None:
        raw = read_json(self.path)
        data: dict[str, dict[str, MfgValue]] = {}
        for ns, pairs in raw.items():
            data[ns] = {}
            for key, item in pairs.items():
                t = MfgType(int(item["type"]))
                v = item["value"]
                data[ns][key] = MfgValue(t, base64.b64decode(v) if t >= MfgType.STRING else int(v))
        self._data = data

    def _flush(self) -> None:
        out = {
            ns: {
                k: {
                    "type": int(v.type),
                    "value": base64.b64encode(v.value).decode() if isinstance(v.value, bytes) else v.value,
                }
                for k, v in pairs.items()
            }
            for ns, pairs in self._data.items()
        }
        write_json_atomic(self.path, out)

    def namespaces(self) -> list[str]:
        return [ns for ns, pairs in self._data.items() if pairs]

    def keys(self, namespace: str) -> list[str]:
        return list(self._data.get(namespace, {}))

    def get(self, namespace: str, key: str) -> MfgValue | None:
        return self._data.get(namespace, {}).get(key)

    def set(self, namespace: str, key: str, value: MfgValue) -> None:
        self._data.setdefault(namespace, {})[key] = value
        self._flush()

    def erase(self, namespace: str, key: str | None = None) -> bool:
        pairs = self._data.get(namespace)
        if pairs is None:
            return False
        if key is None:
            del self._data[namespace]
        elif key in pairs:
            del pairs[key]
        else:
            return False
        self._flush()
        return True

    def erase_all(self) -> None:
        self._data = {}
        self._flush()


class UserPartitions:
    """Byte images of the user partitions in at_customize.csv (AT+SYSFLASH)."""

    def __init__(self, state_dir: Path, profile: Profile, mfg: MfgNvs) -> None:
        self.root = state_dir / "partitions"
        self.table: list[Partition] = list(profile.partitions)
        self.mfg = mfg

    def find(self, name: str) -> Partition | None:
        return next((p for p in self.table if p.name == name), None)

    def _path(self, name: str) -> Path:
        return self.root / f"{name}.bin"

    def read(self, name: str, offset: int, length: int) -> bytes:
        p = self._path(name)
        if not p.exists():
            return b"\xff" * length
        with p.open("rb") as f:
            f.seek(offset)
            return f.read(length)

    def write(self, part: Partition, offset: int, data: bytes) -> None:
        p = self._path(part.name)
        if not p.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"\xff" * part.size)
        with p.open("r+b") as f:
            f.seek(offset)
            current = f.read(len(data))
            # NOR flash can only clear bits: a write ANDs with what is there (erase first to get 0xFF).
            f.seek(offset)
            f.write(bytes(a & b for a, b in zip(current, data, strict=True)))

    def erase(self, part: Partition, offset: int, length: int) -> None:
        p = self._path(part.name)
        if offset == 0 and length >= part.size:
            p.unlink(missing_ok=True)
            if part.name == "mfg_nvs":
                self.mfg.erase_all()
            return
        if p.exists():
            with p.open("r+b") as f:
                f.seek(offset)
                f.write(b"\xff" * length)
