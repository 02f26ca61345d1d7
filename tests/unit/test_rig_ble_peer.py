"""The rig's ``ble_peer`` (rigs/model/ble_peer.py): bumble by default, bleak chosen by rigs/sim-bleak.yaml,
and every contradiction one line naming the field; fixtures.servers.make_ble_peer builds what it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs.loader import load_rig, parse_rig
from tests.unit.test_rig_loader import problems

ROOT = Path(__file__).resolve().parents[2]
SIM = "boards:\n  - {id: a, kind: sim}\n"
BENCH = "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0}\n"


def test_default_is_bumble_and_sim_bleak_picks_bleak() -> None:
    assert load_rig(ROOT / "rigs" / "sim.yaml").ble_peer.kind == "bumble"
    rig = load_rig(ROOT / "rigs" / "sim-bleak.yaml")
    assert (rig.ble_peer.kind, rig.ble_peer.peer_address) == ("bleak", "C0:FF:EE:00:00:01")
    bench = parse_rig(
        BENCH + "ble_peer: {kind: bleak, adapter: hci0, address: '00:1A:7D:DA:71:13'}\n", "b.yaml"
    )
    assert (bench.ble_peer.adapter, bench.ble_peer.address) == ("hci0", "00:1A:7D:DA:71:13")
    dongle = parse_rig(BENCH + "ble_peer: {kind: bumble, transport: 'usb:0'}\n", "b.yaml")
    assert dongle.ble_peer.transport == "usb:0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SIM + "ble_peer: {kind: bluez}\n", "ble_peer.kind: expected bumble (every role"),
        (SIM + "ble_peer: {kind: bleak, adapter: hci0}\n", "ble_peer.adapter is for a bench"),
        (SIM + "ble_peer: {kind: bumble, transport: 'usb:0'}\n", "ble_peer.transport is for a bench"),
        (SIM + "ble_peer: {address: 'C0:FF:EE'}\n", "ble_peer.address: expected an address like"),
        (SIM + "ble_peer: {kind: bleak, port: 1}\n", "ble_peer.port: unknown key"),
        (BENCH + "ble_peer: {kind: bleak, adapter: hci0}\n", "ble_peer.address is needed for bleak"),
        (BENCH + "ble_peer: {kind: bleak, transport: 'usb:0'}\n", "ble_peer.transport is bumble's"),
        (BENCH + "ble_peer: {kind: bumble, adapter: hci0}\n", "ble_peer.adapter is bleak's host adapter"),
    ],
    ids=["kind", "sim-adapter", "sim-transport", "address", "unknown-key", "bench-address", "bleak-transport",
         "bumble-adapter"],
)  # fmt: skip
def test_mistakes_name_the_field(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_make_ble_peer_builds_what_the_rig_names() -> None:
    pytest.importorskip("bleak")
    from fixtures.servers import make_ble_peer
    from servers.ble_peer import BumbleBlePeer
    from servers.ble_peer_bleak import BleakBlePeer

    air = "tcp-client:127.0.0.1:1"
    made = [
        make_ble_peer(None, air),
        make_ble_peer(load_rig(ROOT / "rigs" / "sim.yaml"), air),
        make_ble_peer(load_rig(ROOT / "rigs" / "sim-bleak.yaml"), air),
        make_ble_peer(
            parse_rig(
                BENCH + "ble_peer: {kind: bleak, adapter: hci1, address: '00:1A:7D:DA:71:13'}\n", "b.yaml"
            ),
            air,
        ),
        make_ble_peer(parse_rig(BENCH + "ble_peer: {transport: 'usb:0'}\n", "b.yaml"), air),
    ]
    try:
        assert [type(p) for p in made] == [
            BumbleBlePeer,
            BumbleBlePeer,
            BleakBlePeer,
            BleakBlePeer,
            BumbleBlePeer,
        ]
        assert made[2].transport_spec == air  # the bleak backend over bumble, on the air
        assert (made[3].transport_spec, made[3].adapter, made[3].address) == (
            None,
            "hci1",
            "00:1A:7D:DA:71:13",
        )
        assert made[4].transport_spec == "usb:0"
    finally:
        for p in made:
            p._loop.close()
