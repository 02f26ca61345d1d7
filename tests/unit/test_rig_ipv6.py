"""The rig's IPv6 host address (network.host_address_v6) and the ``ipv6`` capability: defaults, and load-time
errors that name the field and say what was expected."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from rigs.loader import RigFileError, parse_rig

SIM_BOARD = "  - {id: s, kind: sim, capabilities: [wifi-sta, %s]}\n"
SERIAL_BOARD = "  - {id: b, kind: serial, port: /dev/ttyUSB0, capabilities: [wifi-sta, %s]}\n"


def rig(board: str, caps: str = "x-none", network: str = "") -> str:
    return "boards:\n" + board % caps + ("network:\n" + network if network else "")


def test_a_sim_rig_reaches_the_host_at_ipv6_loopback_by_default() -> None:
    loaded = parse_rig(rig(SIM_BOARD, "ipv6"), "sim.yaml")
    assert loaded.network.host_address_v6 == IPv6Address("::1")
    assert "ipv6" in loaded.boards[0].capabilities


def test_a_bench_rig_has_no_ipv6_host_address_unless_given() -> None:
    assert parse_rig(rig(SERIAL_BOARD), "bench.yaml").network.host_address_v6 is None
    given = parse_rig(rig(SERIAL_BOARD, "ipv6", "  host_address_v6: 2001:db8::10\n"), "bench.yaml")
    assert given.network.host_address_v6 == IPv6Address("2001:db8::10")


def test_ipv6_capability_without_a_host_address_is_an_error() -> None:
    with pytest.raises(RigFileError, match="claims ipv6 but network.host_address_v6 is not set"):
        parse_rig(rig(SERIAL_BOARD, "ipv6"), "bench.yaml")


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("'::'", "expected a unicast IPv6 address"),
        ("ff02::1", "expected a unicast IPv6 address"),
        ("'::ffff:10.0.0.1'", "expected a unicast IPv6 address"),
        ("'fe80::1%eth0'", "without a zone"),
        ("10.0.0.1", "host_address_v6"),
    ],
)
def test_bad_ipv6_host_addresses_are_named(address: str, message: str) -> None:
    with pytest.raises(RigFileError, match=message):
        parse_rig(rig(SERIAL_BOARD, "x-none", f"  host_address_v6: {address}\n"), "bench.yaml")


def test_loopback_is_only_for_sim_boards() -> None:
    with pytest.raises(RigFileError, match="only simulated boards reach"):
        parse_rig(rig(SERIAL_BOARD, "ipv6", "  host_address_v6: '::1'\n"), "bench.yaml")
