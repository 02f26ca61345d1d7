"""AT messages (3.17) and error codes as data: loaders and models for spec/urcs.yaml and spec/errors.yaml.

- :func:`load_responses` / :func:`load_urcs`: the response messages and active message reports of 3.17.
- :func:`ipd_form`: which of the six +IPD forms the board uses for given AT+CIPMUX/CIPRECVTYPE/CIPDINFO.
- :func:`load_error_codes`, :func:`err_code`, :func:`parse_err_code`: the ``ERR CODE:0x%08x`` values of 3.1
  AT+SYSLOG and the module tables (MQTT 3.6.15, HTTP 3.7.10, WPA2 Enterprise AT+CWJEAP).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

_HERE = Path(__file__).resolve().parent
URCS_FILE = _HERE / "urcs.yaml"
ERRORS_FILE = _HERE / "errors.yaml"


class SpecDataError(Exception):
    """A spec data file is missing or does not match its schema; the message names the file and the field."""


class UnknownMessageError(KeyError):
    """A message or error-code name that the data does not hold."""

    def __str__(self) -> str:  # KeyError quotes its argument; say it plainly
        return str(self.args[0])


_M = TypeVar("_M", bound=BaseModel)
_C = TypeVar("_C")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Response(_Model):
    """A passive response message of 3.17 (OK, ERROR, SEND OK, SEND FAIL, SET OK, +<cmd>:...)."""

    id: str
    text: str
    final: bool
    commands: list[str] = Field(default_factory=list)
    meaning: str


class Urc(_Model):
    """One wire form of an active message report (3.17).

    ``template`` is in the guide's notation (``<field>``, ``<"quoted">``, ``[optional]``); ``payload`` says
    whether raw bytes follow (``length_framed``: exactly ``length_field`` bytes after the ':').
    """

    id: str
    #: the 3.17 table's entry, or None for a report documented only in a command section or transcript
    table_entry: str | None
    template: str
    fields: list[str] = Field(default_factory=list)
    payload: Literal["none", "length_framed", "rest_of_line"] = "none"
    length_field: str | None = None
    command_set: str
    when: str
    settings: dict[str, int] = Field(default_factory=dict)
    note: str | None = None
    source: list[str]

    @property
    def regex(self) -> re.Pattern[str]:
        """The template as a regular expression over one line (payload included for length-framed forms)."""
        payload_field = self.fields[-1] if self.payload != "none" and self.fields else None
        return _template_regex(self.template, payload_field)

    @property
    def prefix(self) -> str:
        """The literal text the line starts with, up to the first field (empty when a field comes first)."""
        return re.split(r"[<\[]", self.template, maxsplit=1)[0]


def _template_regex(template: str, payload_field: str | None) -> re.Pattern[str]:
    out = []
    for token in re.findall(r'<"[^<>]+">|<[^<>]+>|\[|\]|[^<\[\]]+', template):
        if token.startswith('<"'):
            out.append('"[^"]*"')
        elif token == f"<{payload_field}>":
            out.append("(?s:.*)")  # raw payload bytes: anything, even separators and line ends
        elif token.startswith("<"):
            out.append('[^,:"]*')
        elif token == "[":
            out.append("(?:")
        elif token == "]":
            out.append(")?")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out))


class _UrcFile(_Model):
    responses: list[Response]
    reports: list[Urc]


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecDataError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SpecDataError(f"{path} is not valid YAML: {exc}") from exc


def _validate(model: type[_M], data: object, path: Path) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecDataError(f"{path} does not match the {model.__name__} schema:\n{exc}") from exc


@cache
def _urc_file() -> _UrcFile:
    data = _validate(_UrcFile, _read_yaml(URCS_FILE), URCS_FILE)
    seen: set[str] = set()
    for item_id in [r.id for r in data.responses] + [r.id for r in data.reports]:
        if item_id in seen:
            raise SpecDataError(f"{URCS_FILE}: id {item_id!r} appears twice")
        seen.add(item_id)
    for report in data.reports:
        if report.payload == "length_framed" and report.length_field not in report.fields:
            raise SpecDataError(
                f"{URCS_FILE}: report {report.id!r} is length_framed but its length_field "
                f"{report.length_field!r} is not one of its fields {report.fields}"
            )
    return data


def load_responses() -> list[Response]:
    """The response messages of 3.17, in the guide's order."""
    return list(_urc_file().responses)


def load_urcs() -> list[Urc]:
    """Every active message report of 3.17, one entry per wire form, in the guide's order."""
    return list(_urc_file().reports)


def urc(urc_id: str) -> Urc:
    """The report with this id (e.g. ``"wifi_got_ip"``, ``"ipd.mux1"``)."""
    for report in _urc_file().reports:
        if report.id == urc_id:
            return report
    raise UnknownMessageError(f"no URC with id {urc_id!r} in {URCS_FILE}")


#: Reports that are part of a command's own flow rather than events a runner waits for out of order.
_FLOW_REPORTS = frozenset({"prompt", "recv_bytes", "passthrough_data", "busy"})


def match_urc(line: str) -> Urc | None:
    """The active report (3.17) a received line is, or None; data-flow reports (``>``, ``Recv N bytes``,
    passthrough data, ``busy p...``) are not matched."""
    for report in _urc_file().reports:
        if report.id not in _FLOW_REPORTS and report.regex.fullmatch(line):
            return report
    return None


def final_results() -> list[str]:
    """The texts that end a response: OK, ERROR, SEND OK, SEND FAIL, SET OK."""
    return [r.text for r in _urc_file().responses if r.final]


def ipd_form(cipmux: int, ciprecvtype: int = 0, cipdinfo: int = 0) -> Urc:
    """The +IPD form the board prints for these settings (3.17; 3.3 AT+CIPMUX, AT+CIPRECVTYPE, AT+CIPDINFO).

    In passive receive mode (ciprecvtype=1) AT+CIPDINFO does not change the notice, so it is ignored.
    """
    for value, name in ((cipmux, "cipmux"), (ciprecvtype, "ciprecvtype"), (cipdinfo, "cipdinfo")):
        if value not in (0, 1):
            raise ValueError(f"{name} must be 0 or 1, got {value!r}")
    wanted = {"cipmux": cipmux, "ciprecvtype": ciprecvtype}
    if ciprecvtype == 0:
        wanted["cipdinfo"] = cipdinfo
    for report in _urc_file().reports:
        if report.id.startswith("ipd.") and report.settings == wanted:
            return report
    raise SpecDataError(f"{URCS_FILE} has no +IPD form for {wanted}")


# ---------------------------------------------------------------------------------------------- error codes

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
