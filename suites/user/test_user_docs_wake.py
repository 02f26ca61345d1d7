"""3.14.6 AT+USERDOCS? and 3.14.4/3.14.5 the MCU wake-up configuration (AT+USERWKMCUCFG, AT+USERMCUSLEEP).

AT+USERDOCS?: the two URLs of the 3.14.6 example for the rig's chip (``esp32`` for ESP32 modules); the part
between the language and the chip is the firmware's documentation version (``latest`` in the example; the
firmware puts its build branch there: esp-at CMakeLists.txt, tag v5.0.0.0), so it is checked to be the same
in both, not its value. The wake-up GPIO the board drives is watched through the rig (capability
``wake-gpio``, rigs/boards/pins.py) in the test of a report to a sleeping MCU; the others check the AT
side. Refusals follow the public handler (at_user_cmd.c, tag v5.0.0.0): a plain ERROR."""

from __future__ import annotations

import re

import pytest

from rigs.boards.pins import MCU_WAKE_GPIO, pins_of
from suites.user.test_userram import refused

pytestmark = [pytest.mark.user, pytest.mark.usefixtures("fresh_board")]

DOCS = re.compile(r"^https://docs\.espressif\.com/projects/esp-at/(en|zh_CN)/([^/]+)/esp32/index\.html$")
#: 3.14.4 example: GPIO18, high level, held 10 s, <check mcu awake method> 3
WAKE = "AT+USERWKMCUCFG=1,1,18,1,10000,3"


@pytest.mark.form("AT+USERDOCS", "query")
def test_userdocs_names_the_english_and_chinese_guides(dut, expect) -> None:
    m = expect.ok(dut.cmd("AT+USERDOCS?"), "AT+USERDOCS", "query")
    en, cn = (DOCS.match(str(m[name])) for name in ("en url", "cn url"))
    assert en and cn, f"expected the 3.14.6 URLs for esp32, got {m['en url']!r}, {m['cn url']!r}"
    assert (en.group(1), cn.group(1)) == ("en", "zh_CN")
    assert en.group(2) == cn.group(2), "the two guides name different versions"


@pytest.fixture
def wake(dut, expect):
    expect.ok(dut.cmd(WAKE), "AT+USERWKMCUCFG", "set")
    yield
    dut.cmd("AT+USERMCUSLEEP=0")
    dut.cmd("AT+USERWKMCUCFG=0")


@pytest.mark.bench_risk
@pytest.mark.form("AT+USERWKMCUCFG", "set")
@pytest.mark.form("AT+USERMCUSLEEP", "set")
def test_wake_configuration_and_the_mcus_state(dut, expect, wake) -> None:
    """The 3.14.4 example, then the MCU says it sleeps and wakes (3.14.5); disabled again (=0)."""
    expect.ok(dut.cmd("AT+USERMCUSLEEP=1"), "AT+USERMCUSLEEP", "set")
    expect.ok(dut.cmd("AT+USERMCUSLEEP=0"), "AT+USERMCUSLEEP", "set")
    expect.ok(dut.cmd("AT+USERWKMCUCFG=0"), "AT+USERWKMCUCFG", "set")


@pytest.mark.form("AT+USERMCUSLEEP", "set")
def test_mcusleep_needs_the_configuration(dut, err_code) -> None:
    """3.14.5: "can only be taken effect when" AT+USERWKMCUCFG is configured: refused before."""
    dut.cmd("AT+USERWKMCUCFG=0")
    refused(err_code, dut.cmd("AT+USERMCUSLEEP=0"))


@pytest.mark.bench_risk
@pytest.mark.form("AT+USERWKMCUCFG", "set")
@pytest.mark.parametrize(
    "line",
    [
        pytest.param("AT+USERWKMCUCFG=1,2,0,65,10000", id="AT+USERWKMCUCFG/set/uart-0"),
        pytest.param("AT+USERWKMCUCFG=1,1,18,2,10000", id="AT+USERWKMCUCFG/set/level-2"),
        pytest.param("AT+USERWKMCUCFG=1,1,18,1,60001", id="AT+USERWKMCUCFG/set/delay-60001"),
    ],
)
def test_wkmcucfg_refuses_what_3_14_4_rules_out(dut, err_code, line) -> None:
    """What the parameter descriptions rule out beyond spec/ ranges (test_invalid.py has those): only UART1
    (3.14.4), a level 0 or 1 for a GPIO, <delay time> up to 60000 ms."""
    refused(err_code, dut.cmd(line))


@pytest.mark.bench_risk
@pytest.mark.form("AT+USERWKMCUCFG", "set")
def test_wkmcucfg_refused_twice_and_while_the_mcu_sleeps(dut, expect, err_code, wake) -> None:
    """The handler takes one configuration at a time (disable it first) and none while the MCU sleeps."""
    refused(err_code, dut.cmd(WAKE))
    expect.ok(dut.cmd("AT+USERMCUSLEEP=1"), "AT+USERMCUSLEEP", "set")
    refused(err_code, dut.cmd("AT+USERWKMCUCFG=0"))


@pytest.fixture
def mcu_pin(esp_board):
    pins = pins_of(esp_board)
    if pins is None:
        pytest.skip("the rig watches no MCU wake-up pin of the board (capability wake-gpio)")
    return pins


@pytest.mark.bench_risk
@pytest.mark.requires("wifi-softap", "softap-station")
@pytest.mark.form("AT+USERWKMCUCFG", "set")
@pytest.mark.form("AT+USERMCUSLEEP", "set")
@pytest.mark.parametrize("level", [1, 0], ids=["high-level", "low-level"])
def test_sleeping_mcu_woken_on_the_gpio_before_a_report(dut, expect, esp_rig, mcu_pin, level) -> None:
    """3.14.4: with the MCU asleep (AT+USERMCUSLEEP=1), a report the board sends actively (a station joining
    its soft-AP: +STA_CONNECTED, 3.17) is preceded by the wake-up GPIO at <wake signal>, held for <delay
    time>, then reversed; the report comes after. Checked on the rig's watch of the pin
    (rigs/boards/pins.py)."""
    dut.cmd("AT+CWMODE=0").assert_ok()
    dut.drain_urcs()
    seen = len(mcu_pin.board_changes())  # the pin's history of this boot: only what follows counts
    expect.ok(dut.cmd(f"AT+USERWKMCUCFG=1,1,{MCU_WAKE_GPIO},{level},500,1"), "AT+USERWKMCUCFG", "set")
    try:
        expect.ok(dut.cmd("AT+USERMCUSLEEP=1"), "AT+USERMCUSLEEP", "set")
        dut.cmd("AT+CWMODE=2").assert_ok()
        dut.expect_urc("+STA_CONNECTED", esp_rig.targets.timeouts.join + 0.5)
        changes = [c for c in mcu_pin.board_changes()[seen:] if c[0] == MCU_WAKE_GPIO]
        assert changes[:2] == [(MCU_WAKE_GPIO, level), (MCU_WAKE_GPIO, 1 - level)], (
            f"expected GPIO{MCU_WAKE_GPIO} at {level}, then {1 - level}, before the report; saw {changes}"
        )
        dut.expect_urc("+DIST_STA_IP", esp_rig.targets.timeouts.join + 0.5)
        expect.ok(dut.cmd("AT+USERMCUSLEEP=0"), "AT+USERMCUSLEEP", "set")
    finally:
        dut.cmd("AT+USERMCUSLEEP=0")
        dut.cmd("AT+USERWKMCUCFG=0")
        dut.cmd("AT+CWMODE=1")
        dut.drain_urcs()
