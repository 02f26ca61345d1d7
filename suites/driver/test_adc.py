"""3.12.2 AT+DRVADC: the raw reading of the rig's voltage on an ADC1 channel, at each attenuation whose
effective range holds it; a voltage the test sets through the rig's source (where the rig has one).

Expected raw values: the guide's own conversion (3.12.2 example, "2048 / 4095 * 950 = 475.12 mV") of the
rig's millivolts, within the rig's ``tolerance_raw``."""

from __future__ import annotations

import pytest

from rigs.model import AdcSource

pytestmark = [pytest.mark.driver, pytest.mark.usefixtures("fresh_board"), pytest.mark.requires("adc-source")]

#: 3.12.2 <atten> on ESP32: the effective measurement range (mV) at 0, 2.5, 6 and 11 dB.
EFFECTIVE_RANGE_MV = {0: (100, 950), 1: (100, 1250), 2: (150, 1750), 3: (150, 2450)}
FULL_SCALE = 4095  # 3.12.2 notes: 12-bit width


def expected_raw(millivolts: float, atten: int) -> int:
    """The 3.12.2 example read backwards: raw = mV / top of the range x 4095."""
    return round(millivolts / EFFECTIVE_RANGE_MV[atten][1] * FULL_SCALE)


def attens_for(millivolts: float) -> list[int]:
    return [a for a, (lo, hi) in EFFECTIVE_RANGE_MV.items() if lo <= millivolts <= hi]


def check_reading(dut, expect, source: AdcSource, millivolts: float, atten: int) -> None:
    m = expect.ok(dut.cmd(f"AT+DRVADC={source.channel},{atten}"), "AT+DRVADC", "set")
    raw = int(str(m["raw data"]))
    want = expected_raw(millivolts, atten)
    assert abs(raw - want) <= source.tolerance_raw, (
        f"ADC1 channel {source.channel} at {millivolts} mV, <atten> {atten}: expected raw {want} "
        f"(± {source.tolerance_raw}), got {raw}"
    )


@pytest.mark.form("AT+DRVADC", "set")
def test_drvadc_reads_the_rigs_voltage(dut, expect, wiring) -> None:
    """Each declared source at each attenuation whose effective range holds its voltage."""
    checked = 0
    for source in wiring.adc:
        for atten in attens_for(source.millivolts):
            check_reading(dut, expect, source, source.millivolts, atten)
            checked += 1
    if not checked:
        pytest.skip("no declared ADC voltage lies in an effective range of 3.12.2")


@pytest.mark.form("AT+DRVADC", "set")
def test_drvadc_follows_the_source(dut, expect, wiring, observer) -> None:
    """The rig's source turned to 900 mV and to 2000 mV: the readings follow (then it is put back)."""
    if observer is None:
        pytest.skip("the rig's ADC source cannot be set (peripherals.observer: none)")
    source = wiring.adc[0]
    try:
        for mv, atten in ((900.0, 0), (2000.0, 3)):
            observer.set_adc(source.channel, mv)
            check_reading(dut, expect, source, mv, atten)
    finally:
        observer.set_adc(source.channel, source.millivolts)
    check_reading(dut, expect, source, source.millivolts, attens_for(source.millivolts)[0])
