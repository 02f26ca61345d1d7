"""What a rig expects a board to run, and what a board's AT+GMR lines say it runs (3.1.3).

AT+GMR answers, in the guide's words and example (Basic_AT_Commands.rst, AT+GMR)::

    AT version:2.2.0.0-dev(ca41ec4 - ESP32 - Sep 16 2020 11:28:17)
    SDK version:v4.0.1-193-ge7ac221b4
    compile time(98b95fc):Oct 29 2020 11:23:25
    Bin version:2.1.0(MINI-1)

so the AT version is the text after ``AT version:`` up to ``(``, the bin version the text after
``Bin version:`` up to ``(``, and the module the text in that line's parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import StrictModel

__all__ = ["FirmwareExpectation", "GmrInfo", "parse_gmr"]

_AT = re.compile(r"^AT version:([^(\s]+)")
_SDK = re.compile(r"^SDK version:(\S+)")
_BIN = re.compile(r"^Bin version:([^(\s]+)\(([^)]*)\)")


@dataclass(frozen=True, slots=True)
class GmrInfo:
    """The fields of a board's AT+GMR lines; None for a line that is missing or not in the guide's form."""

    at_version: str | None
    sdk_version: str | None
    bin_version: str | None
    module: str | None


def parse_gmr(lines: Iterable[str]) -> GmrInfo:
    found: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if m := _AT.match(line):
            found.setdefault("at", m.group(1))
        elif m := _SDK.match(line):
            found.setdefault("sdk", m.group(1))
        elif m := _BIN.match(line):
            found.setdefault("bin", m.group(1))
            found.setdefault("module", m.group(2))
    return GmrInfo(found.get("at"), found.get("sdk"), found.get("bin"), found.get("module"))


class FirmwareExpectation(StrictModel):
    """``firmware:`` of a rig board: the AT+GMR fields the board must report; unstated ones are not
    checked. Compared exactly (``5.0.0.0`` is not ``5.0.0.0-dev``)."""

    at_version: str | None = None
    sdk_version: str | None = None
    bin_version: str | None = None
    module: str | None = None
    #: The release whose guide the board is judged against (one of spec's releases, e.g. ``v4.1.1.0``),
    #: whatever AT+GMR says; unset, the suites choose by the AT version the board reports (issue 19).
    #: Not compared with AT+GMR: it is a choice, not an expectation.
    release: str | None = None

    @model_validator(mode="after")
    def _something(self) -> FirmwareExpectation:
        if not any((self.at_version, self.sdk_version, self.bin_version, self.module, self.release)):
            raise PydanticCustomError(
                "firmware", "state at least one of at_version, sdk_version, bin_version, module, release"
            )
        return self

    def mismatches(self, lines: list[str]) -> list[str]:
        """One sentence per field the AT+GMR ``lines`` disagree on; empty when the firmware is as expected."""
        info = parse_gmr(lines)
        out = []
        for name, what in (
            ("at_version", "AT version"),
            ("sdk_version", "SDK version"),
            ("bin_version", "Bin version"),
            ("module", "module (Bin version line)"),
        ):
            expected = getattr(self, name)
            actual = getattr(info, name)
            if expected is not None and actual != expected:
                shown = "nothing in the guide's form" if actual is None else repr(actual)
                out.append(f"{what}: expected {expected!r}, the board reports {shown}")
        return out
