"""sim.commands.ble_adv.advdata_ex: the advertising data AT+BLEADVDATAEX assembles (3.4.10)."""

from __future__ import annotations

from sim.commands.ble_adv import ADV_DATA_MAX, advdata_ex


def test_guide_example_in_order() -> None:
    data = advdata_ex("ESP-AT", "A002", bytes.fromhex("0102030405"), True)
    assert data == (
        b"\x07\x09ESP-AT" + b"\x03\x03\x02\xa0" + b"\x06\xff\x01\x02\x03\x04\x05" + b"\x02\x0a\x00"
    )


def test_empty_fields_left_out_and_128_bit_uuid() -> None:
    data = advdata_ex("n", "0000FFF100001000800000805F9B34FB", b"", False)
    assert data[:3] == b"\x02\x09n" and data[3:5] == b"\x11\x07" and len(data) == 3 + 18


def test_cut_to_31_bytes() -> None:
    """3.4.10 notes: "the total data length is limited to 31 bytes. Any data exceeding this limit will be
    truncated"."""
    assert len(advdata_ex("x" * 29, "A002", b"\x01", True)) == ADV_DATA_MAX
