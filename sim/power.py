"""Whether the chip is in light-sleep (3.1 AT+SLEEP, AT+SLEEPWKCFG; sleep_at_examples.rst), sans-IO.

With AT+SLEEP=2 the CPU "will automatically sleep" and wakes "when the Light-sleep wakeup condition is met"
(3.1 AT+SLEEP notes). In v5.0.0.0 the only wake-up source AT+SLEEPWKCFG takes is a GPIO at a level (sources
0 and 1 are "reserved, not supported now"); the UART is none (esp-at issue 832, a maintainer: waking by AT
commands from the host "esp-at doesn't support it now"), so bytes sent while asleep are lost (esp-at issue
429: no response to AT+CIPSTATUS until the wake-up pin was driven). The chip stays awake while the pin is
held at its level and while a command runs; without a wake-up source it "can't wake up and will always be in
sleep mode" (3.1 AT+SLEEP note)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LIGHT_SLEEP", "light_sleeping"]

#: 3.1 AT+SLEEP <sleep mode> 2
LIGHT_SLEEP = 2
#: 3.1 AT+SLEEPWKCFG <wakeup source> 2: GPIO
GPIO_SOURCE = 2


def light_sleeping(
    sleep_mode: int,
    wakeup: tuple[int, int, int] | None,
    levels: Mapping[int, int],
    busy: bool,
) -> bool:
    """True when the chip sleeps: light-sleep set, no command running, and the wake-up pin (``wakeup``:
    source, GPIO, level) not at its level. A pin the host does not drive (absent from ``levels``) is at
    no level."""
    if sleep_mode != LIGHT_SLEEP or busy:
        return False
    if wakeup is None or wakeup[0] != GPIO_SOURCE:
        return True
    _, gpio, level = wakeup
    return levels.get(gpio) != level
