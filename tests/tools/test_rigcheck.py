"""tools/rigcheck.py on the sim rigs: every probe passes; a peer the board cannot reach fails it, named."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tools.rigcheck import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("rig", ["sim.yaml", "sim-serial.yaml"])
def test_the_sim_rigs_pass(rig: str, capsys) -> None:
    assert main(["--rig", str(ROOT / "rigs" / rig)]) == 0
    out = capsys.readouterr().out
    assert "every board ready" in out
    for probe in ("ports", "at", "firmware", "ap", "peer host"):
        assert f" {probe} " in out


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_peer_fails_and_is_named(tmp_path: Path, capsys) -> None:
    port = _closed_port()
    text = (ROOT / "rigs" / "sim.yaml").read_text()
    text += f"\npeers:\n  - {{service: mqtt, provided_by: external, address: 127.0.0.1, port: {port}}}\n"
    rig = tmp_path / "rig.yaml"
    rig.write_text(text)
    assert main(["--rig", str(rig)]) == 2
    captured = capsys.readouterr()
    assert f"board sim, peer mqtt (external): the board cannot connect to 127.0.0.1:{port}" in captured.err
    assert "FAILED" in captured.out


def test_a_firmware_other_than_the_rigs_fails_before_the_network_probes(tmp_path: Path, capsys) -> None:
    text = (ROOT / "rigs" / "sim.yaml").read_text()
    rig = tmp_path / "rig.yaml"
    rig.write_text(text.replace("firmware: {at_version: 5.0.0.0", "firmware: {at_version: 4.0.0.0"))
    assert main(["--rig", str(rig)]) == 2
    captured = capsys.readouterr()
    assert "firmware: AT version: expected '4.0.0.0', the board reports '5.0.0.0'" in captured.err
    assert " ap " not in captured.out


def test_the_hosts_dns_and_sntp_ports_are_probed_first(tmp_path: Path, capsys) -> None:
    """A rig of real boards has its DNS and SNTP peers listen on set ports: a port the host cannot bind there
    (here one another socket holds) fails the check before any board is opened, named."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        rig = tmp_path / "rig.yaml"
        rig.write_text(
            "boards:\n  - {id: real, kind: serial, port: 'socket://127.0.0.1:9'}\n"
            "network:\n  host_address: 127.0.0.1\n  access_points: [{ssid: lab, ecn: 0}]\n"
            f"  dns_sntp: {{dns_port: {port}, sntp_port: {_closed_port()}}}\n"
        )
        assert main(["--rig", str(rig)]) == 2
    captured = capsys.readouterr()
    assert f"board host, dns peer: dns: cannot bind 127.0.0.1:{port}: address already in use" in captured.err
    assert " ports " not in captured.out  # no board was opened


def test_the_sim_serial_rig_may_bind_its_dns_and_sntp_peers(capsys) -> None:
    import errno

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.53.0.254", 53))
        except OSError as exc:
            if exc.errno == errno.EACCES:
                pytest.skip("this user may not bind port 53 (CAP_NET_BIND_SERVICE)")
    assert main(["--rig", str(ROOT / "rigs" / "sim-serial.yaml"), "--board", "sim-socket"]) == 0
    out = capsys.readouterr().out
    assert "dns peer   ok" in out and "may listen on 127.53.0.1:53" in out
