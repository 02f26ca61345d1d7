"""The board's SNTP client and clock, sans-IO (3.3.20 AT+CIPSNTPCFG, 3.3.21 AT+CIPSNTPTIME).

- :func:`build_request` / :func:`parse_reply`: NTP client packets (RFC 4330, mode 3 out, mode 4 back);
- :func:`parse_timezone`: the two ``<timezone>`` formats (whole hours in [-12,14], or ``[+|-][hh]mm``);
- :class:`RtcClock`: the wall clock SNTP sets; it counts from the Unix epoch at power-on, like the chip's
  RTC, and survives a software restart (3.3.21's note for ESP32);
- :func:`asctime`: the ``+CIPSNTPTIME`` text, C ``asctime()`` style (``Thu Jan  1 00:00:00 1970``).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

NTP_UNIX_DELTA = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
PACKET = struct.Struct(">BBbbII4sQQQQ")  # 48 bytes
MODE_CLIENT, MODE_SERVER = 3, 4
VERSION = 4

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class NtpError(ValueError):
    """A datagram that is not a usable answer to our request; the message says what was wrong."""


class TimezoneError(ValueError):
    """A ``<timezone>`` outside both formats of 3.3.20."""


def to_ntp(unix: float) -> int:
    """A 64-bit NTP timestamp (32.32 fixed point, seconds since 1900) for Unix time ``unix``."""
    seconds = unix + NTP_UNIX_DELTA
    whole = int(seconds)
    return ((whole & 0xFFFFFFFF) << 32) | int((seconds - whole) * (1 << 32))


def from_ntp(stamp: int) -> float:
    return (stamp >> 32) - NTP_UNIX_DELTA + (stamp & 0xFFFFFFFF) / (1 << 32)


def build_request(transmit: float) -> bytes:
    """A client request whose transmit timestamp is ``transmit`` (the board's clock, Unix seconds)."""
    return PACKET.pack(
        (0 << 6) | (VERSION << 3) | MODE_CLIENT, 0, 0, 0, 0, 0, b"\0\0\0\0", 0, 0, 0, to_ntp(transmit)
    )


@dataclass(frozen=True)
class NtpReply:
    stratum: int
    originate: int
    receive: float
    transmit: float


def parse_reply(data: bytes, request_transmit: int) -> NtpReply:
    """The server's answer to the request whose transmit timestamp was ``request_transmit``."""
    if len(data) < PACKET.size:
        raise NtpError(f"expected at least {PACKET.size} bytes, got {len(data)}")
    first, stratum, _poll, _prec, _rd, _disp, _ref, _reft, originate, receive, transmit = PACKET.unpack_from(
        data
    )
    mode, version = first & 0x7, (first >> 3) & 0x7
    if mode != MODE_SERVER:
        raise NtpError(f"expected mode {MODE_SERVER} (server), got {mode}")
    if not 1 <= version <= 4:
        raise NtpError(f"expected NTP version 1..4, got {version}")
    if stratum == 0:
        raise NtpError("kiss-o'-death (stratum 0)")
    if originate != request_transmit:
        raise NtpError("originate timestamp does not echo our request")
    if transmit == 0:
        raise NtpError("transmit timestamp is zero")
    return NtpReply(stratum, originate, from_ntp(receive), from_ntp(transmit))


@dataclass(frozen=True)
class Timezone:
    """A UTC offset. ``reported`` is what AT+CIPSNTPCFG? prints for it (whole hours, see 3.3.20's note)."""

    offset_minutes: int

    @property
    def reported(self) -> int:
        hours = abs(self.offset_minutes) // 60
        return -hours if self.offset_minutes < 0 else hours


def parse_timezone(value: int) -> Timezone:
    """3.3.20 ``<timezone>``: [-12,14] is whole hours; anything else is ``[+|-]hhmm`` with hh in [-12,14]
    and mm in [0,59] (``1245`` is UTC+12:45, ``-530`` UTC-05:30, ``15`` after ``015`` is UTC+00:15)."""
    if -12 <= value <= 14:
        return Timezone(value * 60)
    sign = -1 if value < 0 else 1
    hours, minutes = divmod(abs(value), 100)
    if hours > (12 if sign < 0 else 14) or minutes > 59:
        raise TimezoneError(
            f"expected hours in [-12,14] or [+|-]hhmm with hh in [-12,14] and mm in [0,59], got {value}"
        )
    return Timezone(sign * (hours * 60 + minutes))


def asctime(unix: float, tz: Timezone) -> str:
    """C ``asctime()`` of the local time ``unix`` seconds after the epoch is in ``tz`` (no newline)."""
    t = time.gmtime(int(unix // 1) + tz.offset_minutes * 60)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {t.tm_year}"
    )


class RtcClock:
    """The chip's wall clock: Unix seconds, starting at 0 at power-on and moved by SNTP.

    ``monotonic`` is injectable so tests can drive it without sleeping.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._base_unix = 0.0
        self._base_mono = monotonic()
        self.synced = False

    def now(self) -> float:
        return self._base_unix + (self._monotonic() - self._base_mono)

    def set(self, unix: float) -> None:
        self._base_unix = unix
        self._base_mono = self._monotonic()
        self.synced = True


def offset_from_reply(reply: NtpReply, sent_at: float, received_at: float) -> float:
    """The server time at ``received_at`` (board clock): its transmit time plus half the round trip."""
    round_trip = max(0.0, (received_at - sent_at) - (reply.transmit - reply.receive))
    return reply.transmit + round_trip / 2
