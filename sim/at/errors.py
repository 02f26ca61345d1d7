"""ESP-AT error codes (3.1, AT+SYSLOG; esp_at_error_code in the AT API reference).

A code is ``0x01 << 24 | subcategory << 16 | extension``. The extension carries, depending on the
subcategory, the index of the offending parameter (counted from 0, as the firmware's parameter getters
count) or, for a parameter-count mismatch, ``expected << 8 | given``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

#: The fixed category byte of every AT error code.
ERROR_CATEGORY = 0x01


class Sub(IntEnum):
    """Subcategory of an error code (esp_at_error_code)."""

    OK = 0x00
    COMMON_ERROR = 0x01
    NO_TERMINATOR = 0x02
    NO_AT = 0x03
    PARA_LENGTH_MISMATCH = 0x04
    PARA_TYPE_MISMATCH = 0x05
    PARA_NUM_MISMATCH = 0x06
    PARA_INVALID = 0x07
    PARA_PARSE_FAIL = 0x08
    UNSUPPORT_CMD = 0x09
    CMD_EXEC_FAIL = 0x0A
    CMD_PROCESSING = 0x0B
    CMD_OP_ERROR = 0x0C


def error_code(sub: Sub, extension: int = 0) -> int:
    """Compose a 32-bit error code the way the firmware does (ESP_AT_ERROR_NO)."""
    return (ERROR_CATEGORY << 24) | (int(sub) << 16) | (extension & 0xFFFF)


def para_length(index: int) -> int:
    return error_code(Sub.PARA_LENGTH_MISMATCH, index)


def para_type(index: int) -> int:
    return error_code(Sub.PARA_TYPE_MISMATCH, index)


def para_num(expected: int, given: int) -> int:
    return error_code(Sub.PARA_NUM_MISMATCH, ((expected & 0xFF) << 8) | (given & 0xFF))


def para_invalid(index: int) -> int:
    return error_code(Sub.PARA_INVALID, index)


def para_parse_fail(index: int) -> int:
    return error_code(Sub.PARA_PARSE_FAIL, index)


def exec_fail(result: int = 0) -> int:
    return error_code(Sub.CMD_EXEC_FAIL, result)


NO_TERMINATOR = error_code(Sub.NO_TERMINATOR)
NO_AT = error_code(Sub.NO_AT)
UNSUPPORTED = error_code(Sub.UNSUPPORT_CMD)
PROCESSING = error_code(Sub.CMD_PROCESSING)
OP_ERROR = error_code(Sub.CMD_OP_ERROR)
COMMON_ERROR = error_code(Sub.COMMON_ERROR)


def format_err_code(code: int) -> str:
    """The line AT+SYSLOG=1 prints before ERROR (3.1, AT+SYSLOG)."""
    return f"ERR CODE:0x{code:08x}"


class AtError(Exception):
    """Raised by a handler (or an argument accessor) to end the command with ERROR and this code."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"{format_err_code(code)}: {reason}" if reason else format_err_code(code))
        self.code = code
        self.reason = reason


@contextmanager
def plain_error() -> Iterator[None]:
    """Around the parameter checks of a command whose set handler is public in espressif/esp-at
    (components/at/src/*.c at v5.0.0.0: at_uart_cmd.c, at_ota_cmd.c, ...): those handlers return the plain
    ESP_AT_RESULT_CODE_ERROR for every bad input and set no ESP_AT_CMD_ERROR_* code, so no parameter
    subcategory or index can come out of them; the core then reports ESP_AT_CMD_ERROR_CMD_EXEC_FAIL(0), the
    code a real board gave for a handler's refusal (esp-at issue 163)."""
    try:
        yield
    except AtError as exc:
        raise AtError(exec_fail(), f"plain ERROR of the public handler ({exc.reason})") from None
