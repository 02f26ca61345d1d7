"""3.1 AT+SLEEP=2 (light-sleep) with AT+SLEEPWKCFG's wake-up GPIO, and AT+GSLP (deep-sleep), as the AT port
sees them.

- Light-sleep: the chip sleeps on its own once the command's OK is out (3.1 AT+SLEEP notes); the UART is no
  wake-up source in v5.0.0.0 (AT+SLEEPWKCFG sources 0 and 1 "reserved, not supported now"; esp-at issue 832,
  a maintainer: waking by the host's AT commands "esp-at doesn't support it now"), so a command sent while
  it sleeps gets no answer (esp-at issue 429: no response to AT+CIPSTATUS until the wake-up pin was driven).
  Driving the pin to the AT+SLEEPWKCFG level wakes it (3.1 AT+SLEEPWKCFG); the time from the pin to the
  first answer is recorded (the guide gives no figure), bounded by the rig's command timeout.
- Deep-sleep: nothing is taken while the board sleeps; the timer wakes it and it starts again, ``ready``
  (3.1 AT+GSLP <time>: "the device automatically wakes up ... and then proceeds to load the application").

The pin is the rig's (rigs/boards/pins.py, capability ``wake-gpio``); a rig without one skips."""

from __future__ import annotations

import time

import pytest

from rigs.at.recovery import wait_quiet
from rigs.boards.pins import WAKE_GPIO, pins_of

pytestmark = [pytest.mark.basic, pytest.mark.sleep, pytest.mark.bench_risk]

#: how long a sleeping board is given to (wrongly) answer
SILENCE_S = 0.5


@pytest.fixture
def wake_pin(esp_board, dut):
    pins = pins_of(esp_board)
    if pins is None:
        pytest.skip("the rig wires no wake-up pin to the board (capability wake-gpio)")
    yield pins
    # awake (either level wakes it for one of the two configurations) and out of light-sleep, pin let go
    for level in (0, 1):
        pins.drive(WAKE_GPIO, level)
        try:
            dut.sync(timeout=1.0, leave_passthrough=False)
        except Exception:  # noqa: BLE001 - the other level is the one that wakes it
            continue
        dut.cmd("AT+SLEEP=0")
        break
    pins.drive(WAKE_GPIO, None)


def unanswered(dut, line: str) -> bool:
    """Send ``line`` outside any command and see whether anything comes back within SILENCE_S."""
    before = dut._rx_count
    dut.write_raw(line.encode() + b"\r\n")
    wait_quiet(dut, SILENCE_S, time.monotonic() + SILENCE_S + 0.1)
    return dut._rx_count == before


@pytest.mark.form("AT+SLEEPWKCFG", "set")
@pytest.mark.form("AT+SLEEP", "set")
@pytest.mark.form("AT+SLEEP", "query")
@pytest.mark.parametrize("level", [0, 1], ids=["low-level", "high-level"])
def test_light_sleep_woken_by_the_gpio_only(dut, expect, esp_rig, wake_pin, record_property, level) -> None:
    """AT+SLEEPWKCFG=2,<gpio>,<level>, the pin held at the other level, AT+SLEEP=2: the board no longer
    answers; the pin at <level>: it answers again, AT+SLEEP? shows 2 (light-sleep stays set)."""
    wake_pin.drive(WAKE_GPIO, 1 - level)
    expect.ok(dut.cmd(f"AT+SLEEPWKCFG=2,{WAKE_GPIO},{level}"), "AT+SLEEPWKCFG", "set")
    expect.ok(dut.cmd("AT+SLEEP=2"), "AT+SLEEP", "set")
    assert unanswered(dut, "AT"), "the board answered the UART in light-sleep (3.1: the UART wakes nothing)"
    start = time.monotonic()
    wake_pin.drive(WAKE_GPIO, level)
    dut.sync(timeout=esp_rig.targets.timeouts.command, leave_passthrough=False)
    record_property("light_sleep_wake_latency_s", round(time.monotonic() - start, 4))
    assert expect.ok(dut.cmd("AT+SLEEP?"), "AT+SLEEP", "query")["sleep mode"] == 2
    expect.ok(dut.cmd("AT+SLEEP=0"), "AT+SLEEP", "set")
    wake_pin.drive(WAKE_GPIO, 1 - level)
    expect.ok(dut.cmd("AT"), "AT", "execute")  # sleep disabled: awake whatever the pin


@pytest.mark.form("AT+SLEEPWKCFG", "set")
@pytest.mark.form("AT+SLEEP", "set")
def test_light_sleep_not_woken_by_another_pin(dut, expect, wake_pin) -> None:
    """The wake-up source is the one GPIO AT+SLEEPWKCFG names: another pin at the level wakes nothing."""
    wake_pin.drive(WAKE_GPIO, 0)
    wake_pin.drive(WAKE_GPIO + 1, 1)
    expect.ok(dut.cmd(f"AT+SLEEPWKCFG=2,{WAKE_GPIO},1"), "AT+SLEEPWKCFG", "set")
    expect.ok(dut.cmd("AT+SLEEP=2"), "AT+SLEEP", "set")
    assert unanswered(dut, "AT"), "awake with only another GPIO at the wake-up level"
    wake_pin.drive(WAKE_GPIO + 1, None)


@pytest.mark.form("AT+GSLP", "set")
def test_deep_sleep_takes_nothing_then_ready(dut, expect, esp_rig) -> None:
    """AT+GSLP=1500: <time> echoed, then nothing is answered while the board sleeps; after the timer,
    ``ready``, and the board answers AT."""
    m = expect.ok(dut.cmd("AT+GSLP=1500"), "AT+GSLP", "set")
    assert m["time"] == 1500
    assert unanswered(dut, "AT"), "the board answered in deep-sleep"
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready + 1.5)
    expect.ok(dut.cmd("AT"), "AT", "execute")
