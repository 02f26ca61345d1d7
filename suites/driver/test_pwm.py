"""3.12.3-3.12.5 LEDC PWM: AT+DRVPWMINIT on the rig's outputs, AT+DRVPWMDUTY and AT+DRVPWMFADE per channel
(an omitted one left alone), the ranges that depend on <duty_res>, and only as many channels as were
initialised. Where the rig observes the outputs (capability ``pwm-observer``), also the duty and fade each
one shows; without it the AT side alone (an output needs no device on the other end).

Expected values: the guide's examples (5 kHz with 13 bits; AT+DRVPWMDUTY=255,512 and =,,0;
AT+DRVPWMFADE=1024,1000,0,2000,) on the rig's GPIOs. Refusals are ERROR only: no code is documented for a
duty outside [0, 2^duty_res] and the driver handlers are not public (spec/err_provenance.yaml)."""

from __future__ import annotations

import pytest

from fixtures.suite import restart

pytestmark = [pytest.mark.driver, pytest.mark.usefixtures("fresh_board")]

#: 3.12.3 example: "frequency: 5 kHz; duty resolution: 13 bits"
FREQ, RES = 5000, 13


@pytest.fixture
def gpios(wiring) -> list[int]:
    if wiring.pwm is None:
        pytest.skip("the rig names no PWM outputs for this board (peripherals.pwm)")
    return wiring.pwm.gpios


@pytest.fixture
def pwm_seen(esp_board, observer, request):
    """The observer where the rig claims ``pwm-observer``; None (and a note in the report) otherwise."""
    if observer is not None and "pwm-observer" not in esp_board.capabilities:
        request.node.user_properties.append(("peripheral_side", "PWM outputs not observed: the AT side only"))
        return None
    return observer


def init_all(dut, expect, gpios: list[int], need: int = 1, why: str = "") -> None:
    """AT+DRVPWMINIT on every rig output; skipped first when the rig wires fewer than ``need`` (``why``)."""
    if len(gpios) < need:
        pytest.skip(f"the rig wires {len(gpios)} PWM output(s); {why} needs {need}")
    line = f"AT+DRVPWMINIT={FREQ},{RES},{','.join(map(str, gpios))}"
    expect.ok(dut.cmd(line), "AT+DRVPWMINIT", "set")


@pytest.mark.form("AT+DRVPWMINIT", "set")
def test_drvpwminit_sets_up_the_rigs_outputs(dut, expect, gpios, pwm_seen) -> None:
    init_all(dut, expect, gpios)
    if pwm_seen is not None:
        seen = pwm_seen.pwm()
        assert (seen.freq, seen.duty_res) == (FREQ, RES)
        assert [o.gpio for o in seen.outputs] == gpios, "the LEDC channels drive other GPIOs than initialised"


@pytest.mark.form("AT+DRVPWMDUTY", "set")
def test_drvpwmduty_sets_each_channel(dut, expect, gpios, pwm_seen) -> None:
    """3.12.4 examples: 255 on channel 0 and 512 on channel 1 (and 100 on channel 2); then ``,,0`` changes
    channel 2 only."""
    init_all(dut, expect, gpios, 3, "the 3.12.4 examples")
    expect.ok(dut.cmd("AT+DRVPWMDUTY=255,512,100"), "AT+DRVPWMDUTY", "set")
    expect.ok(dut.cmd("AT+DRVPWMDUTY=,,0"), "AT+DRVPWMDUTY", "set")
    if pwm_seen is not None:
        assert [o.duty for o in pwm_seen.pwm().outputs[:3]] == [255, 512, 0]


@pytest.mark.form("AT+DRVPWMDUTY", "set")
def test_drvpwmduty_range_follows_the_resolution(dut, expect, gpios, pwm_seen) -> None:
    """<duty> is in [0, 2^duty_res] (3.12.4): 2^13 is taken, 2^13 + 1 refused and the duty stays."""
    init_all(dut, expect, gpios)
    expect.ok(dut.cmd(f"AT+DRVPWMDUTY={1 << RES}"), "AT+DRVPWMDUTY", "set")
    expect.error(dut.cmd(f"AT+DRVPWMDUTY={(1 << RES) + 1}"))
    if pwm_seen is not None:
        assert pwm_seen.pwm().outputs[0].duty == 1 << RES, "a refused duty changed the output"


@pytest.mark.form("AT+DRVPWMFADE", "set")
def test_drvpwmfade_per_channel(dut, expect, gpios, pwm_seen) -> None:
    """3.12.5 example (with its trailing comma): channel 0 to 1024 in 1 s, channel 1 to 0 in 2 s."""
    init_all(dut, expect, gpios, 2, "the 3.12.5 example")
    expect.ok(dut.cmd("AT+DRVPWMFADE=1024,1000,0,2000,"), "AT+DRVPWMFADE", "set")
    if pwm_seen is not None:
        seen = pwm_seen.pwm().outputs
        assert [(o.fade_target, o.fade_time_ms) for o in seen[:2]] == [(1024, 1000), (0, 2000)]
    # the guide's first example leaves channel 0 alone: channel 1 fades to 0 in 1 s
    expect.ok(dut.cmd("AT+DRVPWMFADE=,,0,1000"), "AT+DRVPWMFADE", "set")
    if pwm_seen is not None:
        seen = pwm_seen.pwm().outputs
        assert [(o.fade_target, o.fade_time_ms) for o in seen[:2]] == [(1024, 1000), (0, 1000)]


@pytest.mark.form("AT+DRVPWMFADE", "set")
def test_drvpwmfade_target_below_two_to_the_resolution(dut, expect, gpios) -> None:
    """<target_duty> is in [0, 2^duty_res - 1] (3.12.5): 2^13 - 1 taken, 2^13 refused."""
    init_all(dut, expect, gpios)
    expect.ok(dut.cmd(f"AT+DRVPWMFADE={(1 << RES) - 1},10"), "AT+DRVPWMFADE", "set")
    expect.error(dut.cmd(f"AT+DRVPWMFADE={1 << RES},10"))


@pytest.mark.form("AT+DRVPWMINIT", "set")
@pytest.mark.form("AT+DRVPWMDUTY", "set")
def test_only_initialised_channels_can_be_set(dut, expect, gpios, pwm_seen) -> None:
    """3.12.3 notes: "if you initialize two channels, you can only change the two channels' PWM duty"; the
    second example initialises channel 0 alone (10 kHz, 10 bits)."""
    g0 = gpios[0]
    expect.ok(dut.cmd(f"AT+DRVPWMINIT=10000,10,{g0}"), "AT+DRVPWMINIT", "set")
    expect.ok(dut.cmd("AT+DRVPWMDUTY=300"), "AT+DRVPWMDUTY", "set")
    expect.error(dut.cmd("AT+DRVPWMDUTY=1,2"))
    expect.error(dut.cmd("AT+DRVPWMFADE=1,10,2,10"))
    if pwm_seen is not None:
        seen = pwm_seen.pwm()
        assert (seen.freq, seen.duty_res, [o.duty for o in seen.outputs]) == (10000, 10, [300])


@pytest.mark.form("AT+DRVPWMDUTY", "set")
@pytest.mark.form("AT+DRVPWMFADE", "set")
def test_duty_and_fade_need_the_driver(dut, expect, esp_rig) -> None:
    """After a restart no LEDC channel is set up: AT+DRVPWMDUTY and AT+DRVPWMFADE refuse (ERROR)."""
    restart(dut, esp_rig)
    expect.error(dut.cmd("AT+DRVPWMDUTY=1"))
    expect.error(dut.cmd("AT+DRVPWMFADE=1,10"))
