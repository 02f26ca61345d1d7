"""Kinds of output on the AT port. The system-message filter (AT+SYSMSGFILTER) and the fault engine decide
by kind what they may touch."""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    ECHO = "echo"  # the command line repeated (ATE1)
    RESPONSE = "response"  # an information line of the running command's response
    FINAL = "final"  # \r\nOK\r\n, \r\nERROR\r\n, ...
    PROMPT = "prompt"  # > waiting for data
    DATA = "data"  # raw bytes of a response (+SYSFLASH read data, +IPD payload, ...)
    URC = "urc"  # active message report (3.17)
    BUSY = "busy"  # busy p...
    BOOT = "boot"  # ready, and the boot banner when the profile puts it on the AT port
    PASSTHROUGH = "passthrough"  # network data in passthrough mode: never filtered


#: 3.17 "busy p...", framed as the firmware frames it: esp-at components/at/src/at_user_cmd.c writes
#: "\r\nbusy p...\r\n" (and real boards show an empty line before it, esp-at issues 388 and 731).
BUSY = b"\r\nbusy p...\r\n"

#: Output AT+SYSMSGFILTER applies to: everything the firmware writes with its filtering write function.
FILTERED_KINDS = frozenset({Kind.RESPONSE, Kind.FINAL, Kind.DATA, Kind.URC, Kind.PROMPT})
