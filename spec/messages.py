"""AT messages (3.17) and error codes as data: loaders and models for spec/urcs.yaml and spec/errors.yaml.

- :func:`load_responses` / :func:`load_urcs`: the response messages and active message reports of 3.17.
- :func:`ipd_form`: which of the six +IPD forms the board uses for given AT+CIPMUX/CIPRECVTYPE/CIPDINFO.
- the error codes (``ERR CODE:0x%08x``, MQTT/HTTP/WPA2 Enterprise tables) live in spec/error_codes.py and
  are re-exported here: :func:`load_error_codes`, :func:`err_code`, :func:`parse_err_code`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from spec.datafile import FrozenModel as _Model
from spec.datafile import SpecDataError, UnknownMessageError
from spec.datafile import read_yaml as _read_yaml
from spec.datafile import validate as _validate
from spec.params import ParamSpec, ParamType, Range

_HERE = Path(__file__).resolve().parent
URCS_FILE = _HERE / "urcs.yaml"


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
    #: the report's name as the AT codec calls it (rigs/at/events.py ``Urc.kind``); shared by the forms of
    #: one report, such as the six +IPD forms
    kind: str
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


class FieldType(_Model):
    """The value a report field carries (``field_types`` of spec/urcs.yaml), and where the guide says so."""

    type: ParamType = ParamType.STR
    range: tuple[int, int] | None = None
    source: list[str]

    def param(self, name: str) -> ParamSpec:
        ranges = (Range(min=self.range[0], max=self.range[1]),) if self.range else ()
        return ParamSpec(name=name, type=self.type, range=ranges)


class _UrcFile(_Model):
    responses: list[Response]
    reports: list[Urc]
    field_types: dict[str, FieldType] = Field(default_factory=dict)


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


def urc_params() -> dict[str, ParamSpec]:
    """The typed fields of the report templates, by name (a template's quoting wins over the spec's)."""
    return {name: t.param(name) for name, t in _urc_file().field_types.items()}


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


# Re-exported so that spec.messages is the one entry point for AT messages and the error codes they carry.
from spec.error_codes import (  # noqa: E402  (error_codes does not import this module)
    ERRORS_FILE,
    ErrCode,
    Errno,
    ErrorCatalog,
    HttpCode,
    ModuleCode,
    Subcategory,
    compose_err_code,
    err_code,
    format_err_code,
    http_err_code,
    load_error_codes,
    parse_err_code,
)

__all__ = [
    "ERRORS_FILE",
    "URCS_FILE",
    "ErrCode",
    "Errno",
    "ErrorCatalog",
    "HttpCode",
    "ModuleCode",
    "Response",
    "SpecDataError",
    "Subcategory",
    "UnknownMessageError",
    "Urc",
    "compose_err_code",
    "err_code",
    "final_results",
    "format_err_code",
    "http_err_code",
    "ipd_form",
    "load_error_codes",
    "load_responses",
    "load_urcs",
    "match_urc",
    "parse_err_code",
    "urc",
    "urc_params",
]
