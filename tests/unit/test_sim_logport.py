"""sim/logport.py: ROM, panic-handler and ESP_LOG-formatted lines go out as a real UART0 shows them; the
simulator's own notes get an ``I (<ms>) `` prefix."""

from __future__ import annotations

from sim.logport import LogPort


def test_rom_and_panic_lines_are_raw_and_notes_are_prefixed() -> None:
    log = LogPort()
    for line in [
        "ets Jul 29 2019 12:21:46",
        "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
        "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.",
        "Backtrace: 0x400d5a39:0x3ffcb2a0",
        "I (29) boot: ESP-IDF v5.4.1-dirty 2nd stage bootloader",
    ]:
        log.write(line)
        assert log.lines[-1] == line + "\r\n"
    log.write("fault: panic on b'OK'")
    assert log.lines[-1].startswith("I (") and log.lines[-1].endswith(") fault: panic on b'OK'\r\n")
