"""The board's flash: the NVS partition (settings commands save), as JSON files in the state directory.

One file per namespace (``nvs/<namespace>.json``), rewritten atomically (write to a temporary file, fsync,
rename) so a killed process never leaves a half-written namespace. Values are JSON values (numbers, strings,
lists, booleans, null); binary blobs are stored by the caller as hex or base64 strings.

What is saved and when follows the guide ("AT Commands with Configuration Saved in the Flash", 3.15, and
AT+SYSSTORE, 3.1): :class:`SavePolicy` names the three cases.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from enum import Enum
from pathlib import Path
from typing import Any

_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class SavePolicy(Enum):
    ALWAYS = "always"  # AT+UART_DEF, AT+SAVETRANSLINK, AT+CWAUTOCONN
    SYSSTORE = "sysstore"  # only while AT+SYSSTORE=1 (the commands listed under AT+SYSSTORE)
    NEVER = "never"  # AT+UART_CUR and other *_CUR commands


class FlashError(Exception):
    """A state file that cannot be read or written; names the file."""


_tmp_names = itertools.count()


def write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name no other writer uses (this process's pid and a counter; O_EXCL refuses a leftover), made
    # without tempfile, which brings shutil, bz2, lzma and random into every board (~0.6 MB, issue 23)
    while True:
        tmp = str(path.parent / f".{path.name}.{os.getpid()}.{next(_tmp_names)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:  # left by a process that had this pid and crashed mid-write
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise FlashError(f"{path}: cannot read state file: {e}") from e


class Namespace:
    """One NVS namespace: a small key-value store written through to its file on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] = {}
        if path.exists():
            loaded = read_json(path)
            if not isinstance(loaded, dict):
                raise FlashError(f"{path}: expected a JSON object of key -> value")
            self._data = loaded

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def keys(self) -> list[str]:
        return list(self._data)

    def set(self, key: str, value: Any) -> None:
        # NVS does not rewrite an unchanged value (3.15 note on NVS); neither do we.
        if self._data.get(key, object()) == value:
            return
        self._data[key] = value
        self._flush()

    def erase(self, key: str) -> None:
        if key in self._data:
            del self._data[key]
            self._flush()

    def erase_all(self) -> None:
        self._data.clear()
        self.path.unlink(missing_ok=True)

    def _flush(self) -> None:
        write_json_atomic(self.path, self._data)


class Nvs:
    """The NVS partition: namespaces under ``<state_dir>/nvs``."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "nvs"
        self._open: dict[str, Namespace] = {}

    def namespace(self, name: str) -> Namespace:
        if not _NAME.fullmatch(name):
            raise ValueError(f"NVS namespace name must match {_NAME.pattern}, got {name!r}")
        ns = self._open.get(name)
        if ns is None:
            ns = self._open[name] = Namespace(self.root / f"{name}.json")
        return ns

    def erase_all(self) -> None:
        """AT+RESTORE: every namespace back to factory (empty: defaults live in the code and profile)."""
        for ns in self._open.values():
            ns.erase_all()
        if self.root.exists():
            for p in self.root.glob("*.json"):
                p.unlink()
        self._open.clear()
