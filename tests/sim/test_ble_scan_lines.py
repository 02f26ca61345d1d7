"""sim/commands/ble_scan.py's pure parts: the device name found in advertising data (AD structures) and the
+BLESCAN line (3.4.6, the field layout of the guide's 4.3.2 transcript)."""

from __future__ import annotations

from sim.commands.ble_scan import ad_name, scan_line


def test_ad_name_complete_and_shortened() -> None:
    assert ad_name(bytes.fromhex("020106") + b"\x07\x09ESP-AT") == "ESP-AT"
    assert ad_name(b"\x04\x08esp") == "esp"


def test_ad_name_absent_or_malformed() -> None:
    assert ad_name(bytes.fromhex("020106")) is None
    assert ad_name(b"") is None
    assert ad_name(b"\x09\x09short") is None  # the length runs past the data
    assert ad_name(b"\x00\x09x") is None


def test_scan_line_as_the_guide_prints_it() -> None:
    # 4.3.2: +BLESCAN:"24:0a:c4:d6:e4:46",-78,0201060a09457370726573736966030302a0,,0
    adv = bytes.fromhex("0201060a09457370726573736966030302a0")
    assert scan_line("24:0a:c4:d6:e4:46", -78, adv, b"", 0) == (
        '+BLESCAN:"24:0a:c4:d6:e4:46",-78,0201060a09457370726573736966030302a0,,0'
    )
