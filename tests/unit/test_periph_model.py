"""sim/periph: the scripted peripherals of 3.12, without a board."""

from __future__ import annotations

import pytest

from sim.periph.model import Nack, PeripheralBench, adc_raw
from sim.periph.schema import Peripherals
from sim.validate import SchemaError, build


def bench(**config) -> PeripheralBench:
    return PeripheralBench.from_config(build(Peripherals, config))


def test_adc_raw_follows_the_guides_conversion() -> None:
    # 3.12.2 example: at 0 dB, 2048 means 2048 / 4095 * 950 = 475.12 mV.
    assert adc_raw(475.12, 0) == 2048
    assert adc_raw(5000 / 3, 3) == round(5000 / 3 / 2450 * 4095)
    assert adc_raw(3000, 0) == 4095 and adc_raw(0, 2) == 0


def test_adc_reads_the_declared_channel_and_ground_elsewhere() -> None:
    b = bench(adc=[{"channel": 0, "millivolts": 475.12}])
    assert b.adc_read(0, 0) == 2048
    assert b.adc_read(1, 0) == 0


def test_i2c_register_pointer_write_then_read() -> None:
    # 3.12.7 example: write the register address 0x27, then read 2 bytes from it.
    b = bench(i2c=[{"address": 0x34, "registers": "00" * 0x27 + "abcd"}])
    b.i2c_write(0, 0x34, b"\x27")
    assert b.i2c_read(0, 0x34, 2) == b"\xab\xcd"
    b.i2c_write(0, 0x34, b"\x01\x11\x22")
    b.i2c_write(0, 0x34, b"\x01")
    assert b.i2c_read(0, 0x34, 2) == b"\x11\x22"
    assert b.snapshot()["i2c"]["0:0x34"]["writes"] == ["27", "011122", "01"]


def test_i2c_wrong_address_or_port_is_not_acknowledged() -> None:
    b = bench(i2c=[{"address": 0x34}])
    with pytest.raises(Nack):
        b.i2c_read(0, 0x35, 1)
    with pytest.raises(Nack):
        b.i2c_write(1, 0x34, b"\x00")


def test_i2c_ten_bit_address_form_accepted_and_bad_address_refused() -> None:
    bench(i2c=[{"address": 0x7AFF}])
    with pytest.raises(SchemaError, match="7-bit address"):
        build(Peripherals, {"i2c": [{"address": 0x80}]})


def test_spi_memory_and_loopback() -> None:
    mem = bench(spi={"kind": "memory", "size": 16})
    assert mem.spi_read(0x03, 0, 2) == b"\xff\xff"  # 3.12.12 example: +DRVSPIRD:ffff on an erased memory
    mem.spi_write(0x02, 4, b"\x12\x34")
    assert mem.spi_read(0x03, 4, 2) == b"\x12\x34"
    loop = bench(spi={"kind": "loopback"})
    loop.spi_write(None, None, b"\x5a")
    assert loop.spi_read(None, None, 2) == b"\x5a\xff"


def test_pwm_snapshot_shows_each_channel() -> None:
    b = bench()
    b.pwm_init(5000, 13, [17, 16])
    b.pwm[1].duty = 512
    snap = b.snapshot()["pwm"]
    assert snap["freq"] == 5000 and snap["duty_res"] == 13
    assert [c["duty"] for c in snap["channels"]] == [0, 512]


def test_adc_sources_override_the_air_file_voltage() -> None:
    b = bench(adc=[{"channel": 0, "millivolts": 100}])
    b.apply_sources({"adc": {"0": 475.12, "3": 2450}})
    assert b.adc_read(0, 0) == 2048 and b.adc_read(3, 3) == 4095


@pytest.mark.parametrize(
    ("doc", "what"),
    [
        ([], "expected"),
        ({"adc": {"x": 1}}, "channel number"),
        ({"adc": {"0": 4000}}, "millivolts"),
        ({"adc": {"0": "1"}}, "millivolts"),
    ],
)
def test_adc_sources_refuse_a_bad_document(doc, what) -> None:
    with pytest.raises(ValueError, match=what):
        bench().apply_sources(doc)
