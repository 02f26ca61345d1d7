"""Issue 17's acceptance point "the bleak-backed peer passes the same client-role tests in CI": the 3.4
tests where the peer is a phone's app (it scans the board's advertising, connects to it, discovers,
reads, writes and subscribes to the board's GATT server; the HID host; the BluFi phone) run on
rigs/sim-bleak.yaml with the peer written over bleak (servers/ble_peer_bleak.py, through the backend over
bumble of servers/ble_bleak_bumble.py) and pass as on rigs/sim.yaml; a test that needs the peer to
advertise or serve is skipped with the reason."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fixtures.servers import BLE_PEER_PROPERTY

ROOT = Path(__file__).resolve().parents[2]
BLE = ROOT / "suites" / "ble"

pytest.importorskip("bleak")
pytest.importorskip("bumble")

#: The client-role tests: every test of these files and node ids that uses the peer.
CLIENT_ROLE = [
    BLE / "test_ble_gatts.py",
    BLE / "test_ble_adv.py",
    BLE / "test_ble_advparam.py",
    BLE / "test_ble_advdataex.py",
    f"{BLE / 'test_ble_conn.py'}::test_peripheral_reports_the_peer_connecting",
    BLE / "test_ble_hid.py",  # the peer as HID host (3.4.41-3.4.44)
    BLE / "test_ble_blufi.py",  # the peer as the BluFi phone (3.4.45-3.4.47, 4.12.1)
]
#: A test of the server role (the peer advertises): skipped with the bleak peer, and why.
SERVER_ROLE = f"{BLE / 'test_ble_scan.py'}::test_passive_scan_reports_the_peer"


def test_client_role_tests_pass_with_the_bleak_peer(pytester: pytest.Pytester) -> None:
    xml = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        *(str(t) for t in CLIENT_ROLE), SERVER_ROLE,
        "--rig", str(ROOT / "rigs" / "sim-bleak.yaml"), "-n", "2", "-p", "no:cacheprovider", "-rs",
        f"--junitxml={xml}", "--summary", str(pytester.path / "summary.json"),
        "--transcripts", str(pytester.path / "t"), timeout=600,
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, result.stdout.str()[-3000:]
    peers: dict[str, tuple[str, str]] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if BLE_PEER_PROPERTY in props:
            outcome = "skipped" if case.find("skipped") is not None else "passed"
            if case.find("failure") is not None or case.find("error") is not None:
                outcome = "failed"
            peers[f"{case.get('classname')}::{case.get('name')}"] = (props[BLE_PEER_PROPERTY], outcome)
    assert {impl for impl, _ in peers.values()} == {"BleakBlePeer"}, peers
    scan = {k: v for k, v in peers.items() if "test_ble_scan" in k}
    client = {k: v for k, v in peers.items() if "test_ble_scan" not in k}
    # the board's server seen from the peer (discover, read, write, notify, indicate), its advertising
    # heard by the peer's scanner, the peer connecting to it: all passed, none skipped
    assert len(client) >= 30 and {o for _, o in client.values()} == {"passed"}, client
    assert [o for _, o in scan.values()] == ["skipped"], scan
    assert "the rig's BLE peer is bleak and cannot advertise" in result.stdout.str()
