"""sim.net.ntp: NTP client packets, the two <timezone> formats of 3.3.20, asctime text of 3.3.21."""

from __future__ import annotations

import calendar

import pytest

from servers.sntp import SntpRequest, build_response, parse_request
from sim.net.ntp import (
    NtpError,
    RtcClock,
    Timezone,
    TimezoneError,
    asctime,
    build_request,
    from_ntp,
    offset_from_reply,
    parse_reply,
    parse_timezone,
    to_ntp,
)

# 3.3.21's examples: the same instant printed at UTC+08:00 and UTC+05:30.
GUIDE_INSTANT = calendar.timegm((2021, 10, 19, 9, 47, 56))


def test_request_is_a_version_4_client_packet_the_server_accepts() -> None:
    packet = build_request(1_700_000_000.25)
    assert len(packet) == 48
    assert packet[0] & 0x7 == 3 and (packet[0] >> 3) & 0x7 == 4
    request = parse_request(packet)
    assert request is not None and request.transmit == to_ntp(1_700_000_000.25)


def test_reply_from_the_lab_server_parses() -> None:
    sent = 100.0
    stamp = to_ntp(sent)
    reply = parse_reply(build_response(SntpRequest(4, 3, stamp), 1_704_067_200.0, 1_704_067_200.5), stamp)
    assert reply.stratum == 1
    assert reply.transmit == pytest.approx(1_704_067_200.5, abs=1e-6)
    # half of a 0.2 s round trip (the server held it 0.5 s... of its own clock, not ours: clamp at 0)
    assert offset_from_reply(reply, sent, sent + 0.2) == pytest.approx(1_704_067_200.5, abs=1e-6)


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda b: b[:40], "at least 48"),
        (lambda b: bytes([(b[0] & ~0x7) | 3]) + b[1:], "mode"),
        (lambda b: b[:1] + b"\x00" + b[2:], "kiss"),
        (lambda b: b[:24] + b"\x00" * 8 + b[32:], "originate"),
        (lambda b: b[:40] + b"\x00" * 8, "transmit"),
    ],
    ids=["short", "client-mode", "stratum-0", "wrong-originate", "zero-transmit"],
)
def test_unusable_replies_are_refused(mutate: object, why: str) -> None:
    stamp = to_ntp(5.0)
    good = build_response(SntpRequest(4, 3, stamp), 1_704_067_200.0, 1_704_067_200.0)
    with pytest.raises(NtpError, match=why):
        parse_reply(mutate(good), stamp)  # type: ignore[operator]


def test_ntp_timestamps_round_trip() -> None:
    assert from_ntp(to_ntp(1_704_067_200.75)) == pytest.approx(1_704_067_200.75, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "minutes", "reported"),
    [
        (8, 480, 8),  # 3.3.20 example: China, hours format
        (800, 480, 8),  # the same as UTC offset
        (-5, -300, -5),  # New York
        (-500, -300, -5),
        (1245, 765, 12),  # Chatham Islands
        (530, 330, 5),  # 3.3.21 example
        (15, 15, 0),  # 3.3.20 note: "015" reads as 15 -> UTC+00:15, reported as 0
        (-12, -720, -12),
        (14, 840, 14),
        (0, 0, 0),
    ],
)
def test_timezone_formats(value: int, minutes: int, reported: int) -> None:
    tz = parse_timezone(value)
    assert tz.offset_minutes == minutes
    assert tz.reported == reported


@pytest.mark.parametrize("value", [1260, 1500, -1300, 99, 2400, -1260 - 100])
def test_timezone_out_of_both_formats(value: int) -> None:
    with pytest.raises(TimezoneError, match="expected"):
        parse_timezone(value)


def test_asctime_in_the_guides_two_timezones() -> None:
    assert asctime(GUIDE_INSTANT, parse_timezone(8)) == "Tue Oct 19 17:47:56 2021"
    assert asctime(GUIDE_INSTANT, parse_timezone(530)) == "Tue Oct 19 15:17:56 2021"


def test_asctime_pads_the_day_with_a_space() -> None:
    # 4.x MQTT example: "Thu Sep  2 18:57:03 2021" at UTC+08:00
    assert asctime(calendar.timegm((2021, 9, 2, 10, 57, 3)), Timezone(480)) == "Thu Sep  2 18:57:03 2021"
    assert asctime(0, Timezone(0)) == "Thu Jan  1 00:00:00 1970"


def test_rtc_clock_counts_from_the_epoch_and_jumps_when_set() -> None:
    now = [10.0]
    clock = RtcClock(lambda: now[0])
    now[0] = 12.5
    assert clock.now() == pytest.approx(2.5) and not clock.synced
    clock.set(1_704_067_200.0)
    now[0] = 13.5
    assert clock.now() == pytest.approx(1_704_067_201.0) and clock.synced
