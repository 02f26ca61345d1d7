"""Where the Wi-Fi model keeps what survives a restart: an NVS namespace, seen through a small protocol.

The core's :class:`sim.flash.Namespace` satisfies :class:`Store`; :class:`MemoryStore` serves the unit
tests. Values are JSON values.
"""

from __future__ import annotations

from typing import Any, Protocol

#: The NVS namespace the Wi-Fi settings live in.
NAMESPACE = "wifi"


class Store(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class MemoryStore:
    """A dict-backed :class:`Store`: one simulated flash that outlives the model objects built on it."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
