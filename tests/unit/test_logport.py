"""rigs/at/logport.py: log-port parsing and crash finding, on log excerpts from public issue threads.

Each excerpt is shortened to the lines the parser reads (register dumps trimmed) and names its thread.
"""

from __future__ import annotations

import pytest

from rigs.at.logport import (
    RESET_REASONS,
    LogKind,
    LogParser,
    find_crashes,
    parse_log,
    reset_reason,
)

# espressif/esp-at#142 ("Guru Meditation Error", AT 1.2.0.0-dev): an interrupt watchdog through the panic
# handler while AT+CWLAP and BLE advertising run.
ESP_AT_142 = (
    b"ASSERT_PARAM(131072 0), in rwble.c at line 222\r\n"
    b"Guru Meditation Error: Core  0 panic'ed (Interrupt wdt timeout on CPU0)\r\n"
)

# espressif/arduino-esp32#4870 ("Guru meditation error"): LoadProhibited, backtrace, panic-handler reboot.
LOAD_PROHIBITED = (
    b"Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\r\n"
    b"Core 0 register dump:\r\n"
    b"PC      : 0x40112b45  PS      : 0x00060330  A0      : 0x801105f0  A1      : 0x3ffe3540  \r\n"
    b"\r\n"
    b"Backtrace: 0x40112b45:0x3ffe3540 0x401105ed:0x3ffe3840 0x4008235d:0x3ffe3c20\r\n"
    b"Rebooting...\r\n"
    b"ets Jun  8 2016 00:22:57\r\n"
    b"\r\n"
    b"rst:0xc (SW_CPU_RESET),boot:0x33 (SPI_FAST_FLASH_BOOT)\r\n"
    b"configsip: 0, SPIWP:0xee\r\n"
)

# me-no-dev/AsyncTCP#80 ("wdt not reset by async tcp"): task watchdog, abort(), reboot.
TASK_WDT = (
    b"E (49565) task_wdt: Task watchdog got triggered. The following tasks did not reset the watchdog"
    b" in time:\n"
    b"E (49565) task_wdt:  - async_tcp (CPU 0/1)\n"
    b"E (49565) task_wdt: Aborting.\n"
    b"abort() was called at PC 0x401038dc on core 0\n"
    b"\n"
    b"Backtrace: 0x4008cce4:0x3ffbe160 0x4008cf15:0x3ffbe180\n"
    b"\n"
    b"Rebooting...\n"
    b"ets Jun  8 2016 00:22:57\n"
    b"\n"
    b"rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
)

# SuperHouse/ESPF#3 ("Brownout detector was triggered"): a brownout reboot loop.
BROWNOUT = (
    b"Connecting to WiFi (24:6F:28:3:2:00)...\r\n"
    b"\r\n"
    b"Brownout detector was triggered\r\n"
    b"\r\n"
    b"ets Jun  8 2016 00:22:57\r\n"
    b"\r\n"
    b"rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FST_FLSH_BOOT)\r\n"
)

# espressif/esp-idf#1722 ("TG1WDT_SYS_RESET gets triggered randomly"): a hardware watchdog reset, no panic.
TG1WDT = (
    b"rst:0x8 (TG1WDT_SYS_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
    b"configsip: 0, SPIWP:0xee\r\n"
    b"\x1b[0;33mW (172) boot: PRO CPU has been reset by WDT.\x1b[0m\r\n"
)


def test_reset_reason_table_is_the_rom_enum() -> None:
    assert reset_reason(0x1) == "POWERON_RESET"
    assert reset_reason(0xC) == "SW_CPU_RESET"
    assert reset_reason(0xF) == "RTCWDT_BROWN_OUT_RESET"
    assert reset_reason(0x10) == "RTCWDT_RTC_RESET"
    assert 0x2 not in RESET_REASONS  # no EXT_RESET on the ESP32
    assert reset_reason(0x2A) == "unknown reset reason 0x2a"
    assert len(RESET_REASONS) == 15


def test_panic_with_backtrace_and_reboot_is_one_crash() -> None:
    events = parse_log([(1.0, LOAD_PROHIBITED)])
    assert [e.kind for e in events] == [LogKind.PANIC, LogKind.BACKTRACE, LogKind.BOOT]
    assert events[0].detail == "LoadProhibited"
    assert events[2].detail == "SW_CPU_RESET" and events[2].code == 0xC
    (crash,) = find_crashes(events)
    assert crash.cause == "panic (LoadProhibited)"
    assert crash.reset_reason == "SW_CPU_RESET"
    assert crash.excerpt()[0].startswith("Guru Meditation Error")


def test_interrupt_watchdog_through_the_panic_handler() -> None:
    (event,) = parse_log([(0.0, ESP_AT_142)])
    assert event.kind is LogKind.WATCHDOG
    assert event.detail == "Interrupt wdt timeout on CPU0"
    (crash,) = find_crashes([event])
    assert crash.boot is None and "no reboot seen yet" in crash.summary()


def test_task_watchdog_abort() -> None:
    events = parse_log([(0.0, TASK_WDT)])
    assert [e.kind for e in events] == [LogKind.WATCHDOG, LogKind.ABORT, LogKind.BACKTRACE, LogKind.BOOT]
    assert events[1].detail == "0x401038dc"
    (crash,) = find_crashes(events, requested=[0.0])  # a pending AT+RST does not excuse a watchdog
    assert crash.cause == "watchdog"


def test_brownout() -> None:
    (crash,) = find_crashes(parse_log([(0.0, BROWNOUT)]))
    assert crash.cause == "brownout" and crash.reset_reason == "SW_CPU_RESET"


def test_watchdog_reset_reason_alone_is_an_unexpected_restart() -> None:
    (crash,) = find_crashes(parse_log([(0.0, TG1WDT)]), requested=[0.0])
    assert crash.cause == "unexpected restart" and crash.reset_reason == "TG1WDT_SYS_RESET"


BOOT = b"ets Jul 29 2019 12:21:46\r\n\r\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"


def test_requested_restart_is_not_a_crash() -> None:
    events = parse_log([(5.0, BOOT)])
    assert find_crashes(events, requested=[4.5]) == []
    (crash,) = find_crashes(events)  # nobody asked
    assert crash.cause == "unexpected restart"
    # a request after the boot, or long before it, excuses nothing
    assert len(find_crashes(events, requested=[5.5])) == 1
    assert len(find_crashes(events, requested=[-60.0])) == 1


def test_one_request_excuses_one_boot() -> None:
    events = parse_log([(1.0, BOOT), (2.0, BOOT)])
    (crash,) = find_crashes(events, requested=[0.5])
    assert crash.boot is not None and crash.boot.t == 2.0


def test_prefixed_lines_are_recognised() -> None:
    line = b"[19:46:42:137] abort() was called at PC 0x40131498 on core 0\r\n"
    (event,) = parse_log([(0.0, line)])
    assert event.kind is LogKind.ABORT and event.line.startswith("[19:46:42:137]")
    (event,) = parse_log([(0.0, b"I (1234) rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n")])
    assert event.detail == "POWERON_RESET"


@pytest.mark.parametrize("size", [1, 2, 7, 64])
def test_any_split_gives_the_same_events(size: int) -> None:
    data = TASK_WDT + LOAD_PROHIBITED
    whole = [(e.kind, e.line, e.detail) for e in parse_log([(0.0, data)])]
    pieces = [(0.0, data[i : i + size]) for i in range(0, len(data), size)]
    assert [(e.kind, e.line, e.detail) for e in parse_log(pieces)] == whole


def test_garbage_without_line_ends_is_bounded() -> None:
    parser = LogParser()
    assert parser.feed(b"\xff" * 5000) == []
    assert len(parser._buf) <= 1024
    assert parser.feed(b"Brownout detector was triggered") == []
    assert [e.kind for e in parser.flush()] == [LogKind.BROWNOUT]
