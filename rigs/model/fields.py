"""Building blocks of the rig model: strict models and range-checked field types whose errors read
``expected ... got ...`` in a rig file's terms."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")
MAC_PATTERN = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
ENV_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DNS_NAME_PATTERN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
#: AT+CWLAP <ecn> values that use a WPA-family pre-shared key (3.2).
PSK_ECNS = frozenset({2, 3, 4, 6, 7, 8, 11, 12})


def int_in(lo: int, hi: int) -> Any:
    """An int field whose error reads ``expected an integer in lo..hi`` for any bad input (a string, 0)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise PydanticCustomError("int_range", "expected an integer in {lo}..{hi}", {"lo": lo, "hi": hi})
        return value

    return BeforeValidator(check)


def number_in(lo: float, hi: float, unit: str = "") -> Any:
    """A float field whose error reads ``expected a number in lo..hi <unit>``."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise PydanticCustomError(
                "number_range",
                "expected a number in {lo}..{hi}{unit}",
                {"lo": lo, "hi": hi, "unit": f" {unit}" if unit else ""},
            )
        return float(value)

    return BeforeValidator(check)


#: 3.1 AT+UART_CUR: an ESP32 UART runs at 80 ... 5000000 baud.
Baud = Annotated[int, int_in(80, 5_000_000)]
Seconds = Annotated[float, number_in(0.01, 3600.0, "seconds")]
Fraction = Annotated[float, number_in(0.0, 1.0)]


class StrictModel(BaseModel):
    """Unknown keys are errors (a misspelt key would otherwise be silently ignored); models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
