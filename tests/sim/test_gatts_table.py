"""sim.radio.gatts_table: the indexes AT+BLEGATTSSRV? / AT+BLEGATTSCHAR? print, read from the table rows."""

from __future__ import annotations

import pytest

from sim.radio.gatts_table import TableError, build


def test_default_table_gives_the_guides_listing() -> None:
    """bluetooth_le_at_examples.rst:152-170 and :695-696: two services, ten characteristics, descriptors."""
    services = build()
    assert [(s.index, s.uuid) for s in services] == [(1, "0xA002"), (2, "0xA003")]
    listing = [
        (s.index, c.index, c.attr.uuid, c.prop, [d.uuid for d in c.descs]) for s in services for c in s.chars
    ]
    assert listing[4] == (1, 5, "0xC304", 0x08, [])
    assert listing[5] == (1, 6, "0xC305", 0x10, ["0x2902"])
    assert listing[-1] == (2, 2, "0xC401", 0x02, ["0x2901"])
    assert len(listing) == 10


def test_values_permissions_and_lengths() -> None:
    c300 = build()[0].char(1)
    assert c300 is not None
    assert (bytes(c300.attr.value), c300.attr.readable, c300.attr.writable, c300.attr.max_len) == (
        b"0",
        True,
        False,
        1,
    )
    desc = c300.desc(1)
    assert desc is not None and desc.readable and desc.writable
    assert build()[0].char(9) is None and c300.desc(2) is None


def test_a_128_bit_characteristic() -> None:
    rows = (
        (16, "0x2800", 1, 2, "FF01"),
        (16, "0x2803", 1, 1, "0A"),
        (128, "0x0000FFF100001000800000805F9B34FB", 0x11, 1, "00"),
    )
    (srv,) = build(rows)
    char = srv.char(1)
    assert char is not None and char.attr.uuid == "0x0000FFF100001000800000805F9B34FB" and char.prop == 0x0A


@pytest.mark.parametrize(
    "rows",
    [((16, "0xC300", 1, 1, "30"),), ((16, "0x2800", 1, 2, "A002"), (16, "0x2901", 1, 1, "30"))],
    ids=["value-before-service", "descriptor-before-characteristic"],
)
def test_malformed_tables_are_refused(rows) -> None:
    with pytest.raises(TableError):
        build(rows)
