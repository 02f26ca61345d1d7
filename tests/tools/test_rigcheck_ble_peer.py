"""tools.rigcheck's ``ble peer`` probe: the rig's BLE peer can run on the bench's host (bleak and its
adapter, or bumble's HCI transport); nothing to probe on a sim rig."""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs.loader import parse_rig
from tools.rigcheck import check_ble_peer

BENCH = "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0, capabilities: [ble]}\n"
BLEAK = "ble_peer: {kind: bleak, adapter: hci0, address: '00:1A:7D:DA:71:13'}\n"


def _sysfs(tmp_path: Path, *adapters: str) -> Path:
    for name in adapters:
        (tmp_path / name).mkdir(parents=True)
    return tmp_path


def test_sim_rig_and_no_ble_board_probe_nothing() -> None:
    assert check_ble_peer(parse_rig("boards:\n  - {id: a, kind: sim, capabilities: [ble]}\n", "s.yaml")) == []
    plain = "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0}\n"
    assert check_ble_peer(parse_rig(plain + BLEAK, "b.yaml")) == []


def test_bleak_adapter_present_or_missing(tmp_path: Path) -> None:
    pytest.importorskip("bleak")
    rig = parse_rig(BENCH + BLEAK, "b.yaml")
    (ok,) = check_ble_peer(rig, _sysfs(tmp_path / "a", "hci0"))
    assert ok.ok and "hci0" in ok.detail and "00:1A:7D:DA:71:13" in ok.detail
    (missing,) = check_ble_peer(rig, _sysfs(tmp_path / "b", "hci1"))
    assert not missing.ok and missing.detail == "no Bluetooth adapter hci0 on this host (have: hci1)"


def test_bumble_transport_opens_or_not() -> None:
    pytest.importorskip("bumble")
    from servers.ble_air import BleAir

    air = BleAir().start()
    try:
        rig = parse_rig(BENCH + f"ble_peer: {{kind: bumble, transport: '{air.transport}'}}\n", "b.yaml")
        (ok,) = check_ble_peer(rig)
        assert ok.ok, ok
    finally:
        air.stop()
    closed = parse_rig(BENCH + f"ble_peer: {{kind: bumble, transport: '{air.transport}'}}\n", "b.yaml")
    (failed,) = check_ble_peer(closed)
    assert not failed.ok and "cannot open HCI transport" in failed.detail
