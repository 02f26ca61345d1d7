"""Error codes of the guide as data: loader and helpers for spec/errors.yaml.

The ``ERR CODE:0x%08x`` values of 3.1 AT+SYSLOG (category 0x01, the esp_at_error_code subcategory, a 16-bit
extension) and the module tables carried in the extension: MQTT (3.6.15), HTTP (3.7.10) and WPA2 Enterprise
(3.2 AT+CWJEAP); what 3.17 says about +ERRNO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Generic, Literal, TypeVar

from spec.datafile import FrozenModel as _Model
from spec.datafile import SpecDataError, UnknownMessageError
from spec.datafile import read_yaml as _read_yaml
from spec.datafile import validate as _validate

ERRORS_FILE = Path(__file__).resolve().parent / "errors.yaml"

_C = TypeVar("_C")

ExtensionKind = Literal["none", "para_index", "need_given", "result"]


class _Layout(_Model):
    category: dict[str, object]
    subcategory: dict[str, object]
    extension: dict[str, object]
    wire_format: str
    guide_category_bits: str


class Subcategory(_Model):
    """One value of the esp_at_error_code enum (3.1 AT+SYSLOG): bits 23..16 of an ERR CODE."""

    name: str
    value: int
    extension: ExtensionKind
    macro: str | None = None
    meaning: str


class ModuleCode(_Model):
    """A module result code (MQTT, WPA2 Enterprise) carried in the extension bits."""

    name: str
    value: int


class HttpCode(_Model):
    """An HTTP error code (3.7.10): 0x7000 for a failed connection, 0x7000 + status for an HTTP status."""

    value: int
    status: int | None
    reason: str


class _ModuleTable(_Model, Generic[_C]):
    section: str
    subcategory: str
    subcategory_documented: bool
    codes: list[_C]


class _HttpTable(_ModuleTable[HttpCode]):
    status_base: int


class Errno(_Model):
    """What the guide says about ``+ERRNO:<error_code>`` (3.17): no table, only where the value comes from."""

    report: str
    requires: str
    commands: list[str]
    order: dict[str, list[str]]


class ErrorCatalog(_Model):
    """Everything of spec/errors.yaml."""

    layout: _Layout
    subcategories: list[Subcategory]
    mqtt: _ModuleTable[ModuleCode]
    http: _HttpTable
    eap: _ModuleTable[ModuleCode]
    errno: Errno

    @property
    def category(self) -> int:
        value = self.layout.category["value"]
        assert isinstance(value, int)
        return value

    def subcategory(self, name: str) -> Subcategory:
        """A subcategory by enum name (``ESP_AT_SUB_PARA_INVALID``) or macro (``ESP_AT_CMD_ERROR_...``)."""
        for sub in self.subcategories:
            if name in (sub.name, sub.macro):
                return sub
        raise UnknownMessageError(f"no error subcategory or macro named {name!r} in {ERRORS_FILE}")

    def module_code(self, name: str) -> tuple[ModuleCode, str]:
        """An MQTT or WPA2 Enterprise code by name, with the subcategory it is carried in."""
        for table in (self.mqtt, self.eap):
            for code in table.codes:
                if code.name == name:
                    return code, table.subcategory
        raise UnknownMessageError(f"no MQTT or WPA2 Enterprise error code named {name!r} in {ERRORS_FILE}")


@cache
def load_error_codes() -> ErrorCatalog:
    """The error codes of the guide (spec/errors.yaml), checked for unique names and values per table."""
    catalog = _validate(ErrorCatalog, _read_yaml(ERRORS_FILE), ERRORS_FILE)
    tables: dict[str, list[tuple[str, int]]] = {
        "subcategories": [(s.name, s.value) for s in catalog.subcategories],
        "mqtt": [(c.name, c.value) for c in catalog.mqtt.codes],
        "eap": [(c.name, c.value) for c in catalog.eap.codes],
        "http": [(c.reason, c.value) for c in catalog.http.codes],
    }
    for table, rows in tables.items():
        for index, kind in ((0, "name"), (1, "value")):
            keys = [row[index] for row in rows]
            duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
            if duplicates:
                raise SpecDataError(f"{ERRORS_FILE}: {table} has duplicate {kind}s: {', '.join(duplicates)}")
    return catalog


def compose_err_code(subcategory: int, extension: int = 0) -> int:
    """``(0x01 << 24) | (subcategory << 16) | extension`` (3.1 AT+SYSLOG bit layout, ESP_AT_ERROR_NO)."""
    if not 0 <= subcategory <= 0xFF:
        raise ValueError(f"subcategory must fit in 8 bits, got {subcategory:#x}")
    if not 0 <= extension <= 0xFFFF:
        raise ValueError(f"extension must fit in 16 bits, got {extension:#x}")
    return (load_error_codes().category << 24) | (subcategory << 16) | extension


def err_code(
    name: str,
    param_index: int | None = None,
    *,
    need: int | None = None,
    given: int | None = None,
    result: int | None = None,
) -> int:
    """The 32-bit ERR CODE value the board prints for an error named as the guide names it.

    ``name`` is a subcategory (``ESP_AT_SUB_PARA_INVALID``) or its macro (``ESP_AT_CMD_ERROR_PARA_INVALID``),
    or an MQTT/WPA2 Enterprise code (``AT_MQTT_NO_CONFIGURED``), which is carried in the extension of its
    table's subcategory. The extension is filled as the subcategory's macro does:

    - parameter errors take ``param_index`` (0-based index of the offending parameter);
    - ESP_AT_SUB_PARA_NUM_MISMATCH takes ``need`` and ``given`` (``need << 8 | given``);
    - ESP_AT_SUB_CMD_EXEC_FAIL takes an optional module ``result``.

    >>> hex(err_code("ESP_AT_SUB_UNSUPPORT_CMD"))  # the AT+SYSLOG example of 3.1
    '0x1090000'
    """
    catalog = load_error_codes()
    try:
        sub = catalog.subcategory(name)
    except UnknownMessageError:
        code, sub_name = catalog.module_code(name)  # raises UnknownMessageError naming both kinds
        _no_extra(name, param_index=param_index, need=need, given=given, result=result)
        return compose_err_code(catalog.subcategory(sub_name).value, code.value)
    if sub.extension == "para_index":
        if param_index is None:
            raise ValueError(f"{sub.name} needs param_index (0-based index of the offending parameter)")
        _no_extra(sub.name, need=need, given=given, result=result)
        return compose_err_code(sub.value, param_index)
    if sub.extension == "need_given":
        if need is None or given is None:
            raise ValueError(f"{sub.name} needs need= and given= (parameter counts)")
        _no_extra(sub.name, param_index=param_index, result=result)
        if not (0 <= need <= 0xFF and 0 <= given <= 0xFF):
            raise ValueError(f"{sub.name}: need and given must fit in 8 bits, got {need}, {given}")
        return compose_err_code(sub.value, (need << 8) | given)
    if sub.extension == "result":
        _no_extra(sub.name, param_index=param_index, need=need, given=given)
        return compose_err_code(sub.value, result or 0)
    _no_extra(sub.name, param_index=param_index, need=need, given=given, result=result)
    return compose_err_code(sub.value)


def http_err_code(status: int | None) -> int:
    """ERR CODE of a failed HTTP client request (3.7.10): 0x010a7000, or 0x010a7000 + the HTTP status."""
    catalog = load_error_codes()
    base = catalog.http.status_base
    sub = catalog.subcategory(catalog.http.subcategory).value
    if status is None:
        return compose_err_code(sub, base)
    if not 100 <= status <= 0xFFF:
        raise ValueError(f"HTTP status must be a 3-digit status code, got {status}")
    return compose_err_code(sub, base + status)


def _no_extra(name: str, **kwargs: int | None) -> None:
    extra = [k for k, v in kwargs.items() if v is not None]
    if extra:
        raise ValueError(f"{name} takes no {', '.join(extra)}")


@dataclass(frozen=True)
class ErrCode:
    """An ``ERR CODE:0x%08x`` line taken apart (3.1 AT+SYSLOG)."""

    value: int
    category: int
    subcategory: int
    extension: int

    @property
    def subcategory_name(self) -> str | None:
        for sub in load_error_codes().subcategories:
            if sub.value == self.subcategory:
                return sub.name
        return None

    def __str__(self) -> str:
        return format_err_code(self.value)


_ERR_CODE_LINE = re.compile(r"ERR CODE:0x([0-9a-fA-F]{8})")


def format_err_code(value: int) -> str:
    """The line the board prints for an error value: ``ERR CODE:0x%08x``."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"ERR CODE values are 32-bit, got {value:#x}")
    return f"ERR CODE:0x{value:08x}"


def parse_err_code(line: str) -> ErrCode:
    """Split an ``ERR CODE:0x%08x`` line into category, subcategory and extension."""
    m = _ERR_CODE_LINE.fullmatch(line.strip())
    if not m:
        raise ValueError(f"expected a line like 'ERR CODE:0x01090000', got {line!r}")
    value = int(m.group(1), 16)
    return ErrCode(value, value >> 24, (value >> 16) & 0xFF, value & 0xFFFF)
