"""DNS and SNTP peers on their standard ports (53, 123) for bench rigs, and the error naming the missing
capability when the port cannot be bound (servers/base.py bind_error)."""

from __future__ import annotations

import errno
from pathlib import Path

from servers import peerset
from servers.base import bind_error
from servers.errors import PrivilegedPortError
from servers.pki import EspPki


def test_a_bench_context_asks_for_the_standard_ports(tmp_path: Path) -> None:
    ctx = peerset.PeerContext(workdir=tmp_path, pki=EspPki(tmp_path / "pki"), standard_ports=True)
    assert peerset.build("dns_server", ctx).requested_port == 53  # type: ignore[attr-defined]
    assert peerset.build("sntp_server", ctx).requested_port == 123  # type: ignore[attr-defined]
    sim = peerset.PeerContext(workdir=tmp_path, pki=EspPki(tmp_path / "pki"))
    assert peerset.build("dns_server", sim).requested_port == 0  # type: ignore[attr-defined]


def test_a_privileged_port_without_the_capability_is_named() -> None:
    exc = bind_error(PermissionError(errno.EACCES, "Permission denied"), "dns", "192.168.4.2", 53)
    assert isinstance(exc, PrivilegedPortError)
    assert (
        "cannot bind its standard port 53 on 192.168.4.2: that needs the capability CAP_NET_BIND_SERVICE"
        in (str(exc))
    )
    assert "provided_by: external" in str(exc)


def test_a_sim_rig_names_a_loopback_address_for_its_dns_and_sntp_peers() -> None:
    import pytest

    from rigs.loader import RigFileError, parse_rig

    text = (
        "boards:\n  - {id: s, kind: sim, sim: {}}\n"
        "network:\n  access_points: [{ssid: x, password: sim-only-pass}]\n"
        "  dns_sntp: {address: 192.168.4.2}\n"
    )
    with pytest.raises(RigFileError, match=r"expected a loopback address \(127.x.x.x\) for the DNS and SNTP"):
        parse_rig(text, "bad.yaml")
    rig = parse_rig(text.replace("192.168.4.2", "127.53.0.1").replace("}\n  dns", "}\n  dns"), "ok.yaml")
    assert rig.network.dns_sntp is not None and (
        rig.network.dns_sntp.dns_port,
        rig.network.dns_sntp.sntp_port,
    ) == (
        53,
        123,
    )
