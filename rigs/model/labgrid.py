"""Where a labgrid-managed board is: a place on a coordinator, named or found by its tags.

labgrid (labgrid-project/labgrid) splits a lab into exporters (hosts with boards attached, publishing
resources such as a ``NetworkSerialPort``), a coordinator (which knows every resource and every *place*, a
named set of resources with tags) and clients that acquire a place for exclusive use. A rig names the
coordinator and either one place or the tags a place must carry (``{board: esp32, firmware: at}``); then
each pytest-xdist worker acquires a free place of its own (rigs/boards/labgrid.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import Seconds, StrictModel

#: A tag key as labgrid's coordinator accepts it (labgrid/remote/common.py ``TAG_KEY``).
TAG_KEY = re.compile(r"^[a-z][a-z0-9_]+$")
#: A tag value: no spaces, no ``=`` (``labgrid-client set-tags key=value``).
TAG_VALUE = re.compile(r"^[A-Za-z0-9_.:-]+$")
#: ``host`` or ``host:port`` (labgrid-client ``-x``; port 20408 when omitted).
_COORDINATOR = re.compile(r"^[A-Za-z0-9_.:\[\]-]+$")
#: A labgrid resource name as exporter configs give it (``at``, ``log``, ``NetworkSerialPort``).
_RESOURCE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class LabgridOptions(StrictModel):
    """A board's ``labgrid:`` block. ``place`` or ``match``, not both."""

    #: One place by name: a real board that serves one xdist worker.
    place: str | None = None
    #: Tags a place must carry; a board entry with a match is a template: every worker acquires its own
    #: free place that carries all of them.
    match: dict[str, str] | None = None
    #: The coordinator's ``host[:port]``; unset: ``LG_COORDINATOR`` from the environment, as labgrid-client
    #: reads it (and labgrid's default 127.0.0.1:20408 without that).
    coordinator: str | None = None
    #: How long to wait for the place (or any matching place) to become free before failing with who
    #: holds it.
    acquire_timeout: Seconds = 60.0
    #: The names of the place's NetworkSerialPort resources for the AT and the log port. A place with
    #: only one serial port uses it as the AT port whatever its name.
    at_port: str = "at"
    log_port: str | None = "log"
    #: ``labgrid-client`` to run; unset: ``.venv-labgrid/bin/labgrid-client`` of this checkout
    #: (python -m tools.labgrid_env creates it), else the one on PATH.
    client: Path | None = None
    #: Power-cycle a board that stops answering through the place's power resource when it has one
    #: (``labgrid-client power cycle``); off: the board's ``reset`` applies.
    use_power: bool = True
    power_off_s: Seconds = Field(default=1.0)

    @field_validator("place")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        if value is not None and (not value or "/" in value or value.startswith("+") or " " in value):
            raise PydanticCustomError("place", "expected a place name (no spaces, '/' or leading '+')")
        return value

    @field_validator("match")
    @classmethod
    def _match(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if not value:
            raise PydanticCustomError("match", "expected at least one tag, e.g. {board: esp32}")
        for key, tag in value.items():
            if not TAG_KEY.match(key):
                raise PydanticCustomError(
                    "match",
                    "tag key '{key}': labgrid tag keys are lower-case letters, digits and '_', starting "
                    "with a letter, at least two characters",
                    {"key": key},
                )
            if not isinstance(tag, str) or not TAG_VALUE.match(tag):
                raise PydanticCustomError(
                    "match",
                    "tag {key}: expected a value without spaces or '=', got '{tag}'",
                    {"key": key, "tag": tag},
                )
        return dict(value)

    @field_validator("coordinator")
    @classmethod
    def _coordinator(cls, value: str | None) -> str | None:
        if value is not None and not _COORDINATOR.match(value):
            raise PydanticCustomError(
                "coordinator", "expected host or host:port, got '{value}'", {"value": value}
            )
        return value

    @field_validator("at_port", "log_port")
    @classmethod
    def _resource_name(cls, value: str | None) -> str | None:
        if value is not None and not _RESOURCE_NAME.match(value):
            raise PydanticCustomError(
                "resource_name", "expected a labgrid resource name, got '{value}'", {"value": value}
            )
        return value

    @model_validator(mode="after")
    def _one_way(self) -> LabgridOptions:
        if (self.place is None) == (self.match is None):
            raise PydanticCustomError(
                "labgrid",
                "give 'place' (one place by name) or 'match' (tags, e.g. {board: esp32}), not both"
                if self.place is not None
                else "give 'place' (one place by name) or 'match' (tags, e.g. {board: esp32})",
            )
        if self.log_port is not None and self.log_port == self.at_port:
            raise PydanticCustomError("labgrid", "'at_port' and 'log_port' name the same resource")
        return self

    def describe(self) -> str:
        """``place esp-1`` or ``place tagged board=esp32 firmware=at``, for messages."""
        if self.place is not None:
            return f"place {self.place}"
        return "place tagged " + " ".join(f"{k}={v}" for k, v in sorted((self.match or {}).items()))
