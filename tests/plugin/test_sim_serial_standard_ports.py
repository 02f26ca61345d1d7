"""DNS and SNTP peers bound as a bench binds them, on rigs/sim-serial.yaml: the standard ports 53 and 123 on
the loopback address the rig names (``network.dns_sntp``), each run taking the first free address from it on;
the simulated boards are told those ports, as a real board knows them. Port 53 needs CAP_NET_BIND_SERVICE:
without it a peer fails naming the capability, and the rig's unprivileged alternative (``dns_port`` /
``sntp_port``) is what runs instead (docs/bench.md)."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from servers import peerset
from servers.errors import PortInUseError
from servers.pki import EspPki
from tests.plugin.plugin_helpers import run

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "suites" / "tcpip" / "test_tcpip_services.py"
FIRST = "127.53.0.1"  # rigs/sim-serial.yaml network.dns_sntp.address
#: the rig's alternative where binding 53 is not allowed (a bench redirects 53 and 123 to such ports)
UNPRIVILEGED = {"dns_port": 10053, "sntp_port": 10123}


def _may_bind_53() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.53.0.254", 53))
        except OSError as exc:
            return exc.errno != errno.EACCES
    return True


def _rig(tmp: Path, ports: dict[str, int] | None) -> tuple[Path, dict[str, int]]:
    rig = yaml.safe_load((ROOT / "rigs" / "sim-serial.yaml").read_text())
    assert rig["network"]["dns_sntp"] == {"address": FIRST}, "the test follows rigs/sim-serial.yaml"
    if ports is not None:
        rig["network"]["dns_sntp"].update(ports)
    path = tmp / "rig.yaml"
    path.write_text(yaml.safe_dump(rig))
    spec = {"dns_port": 53, "sntp_port": 123, **(ports or {})}
    return path, spec


@pytest.mark.parametrize("ports", ["standard", "unprivileged"])
def test_the_tcpip_services_pass_with_peers_on_the_rigs_address_and_ports(
    pytester: pytest.Pytester, ports: str
) -> None:
    if ports == "standard" and not _may_bind_53():
        pytest.skip(
            "this user may not bind port 53 (CAP_NET_BIND_SERVICE): the unprivileged case runs instead"
        )
    rig, spec = _rig(pytester.path, UNPRIVILEGED if ports == "unprivileged" else None)
    pytester.makepyfile(
        test_bound=(
            "def test_bound(esp_dns_server, esp_sntp_server):\n"
            "    assert esp_dns_server.host.startswith('127.53.0.'), esp_dns_server.host\n"
            "    assert esp_sntp_server.host.startswith('127.53.0.'), esp_sntp_server.host\n"
            "    assert (esp_dns_server.port, esp_sntp_server.port) == "
            f"({spec['dns_port']}, {spec['sntp_port']})\n"
        )
    )
    result = run(pytester, rig, str(pytester.path / "test_bound.py"), str(SERVICES), "--board", "sim-socket")
    result.assert_outcomes(passed=16)
    text = next((pytester.path / "transcripts").glob("*test_cipdomain_resolves*plain*.txt")).read_text()
    assert 'AT+CIPDNS=1,"127.53.0.' in text


def test_a_taken_address_moves_the_peer_to_the_next_loopback_address(tmp_path: Path) -> None:
    # free ports stand in for 53 and 123 (any user may bind them): the search is the same
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.53.1.1", 0))
        port = holder.getsockname()[1]
        bind = peerset.ServiceBind("127.53.1.1", dns_port=port, sntp_port=port, search=True)
        ctx = peerset.PeerContext(workdir=tmp_path, pki=EspPki(tmp_path / "pki"), service_bind=bind)
        peer = peerset.start_on_free_loopback("sntp_server", ctx)
        try:
            assert peer.address == ("127.53.1.2", port)
        finally:
            peer.stop()
        with pytest.raises(PortInUseError, match="Also taken on the next 0 loopback addresses"):
            peerset.start_on_free_loopback("sntp_server", ctx, tries=1)


def test_port_53_without_the_capability_fails_naming_it(tmp_path: Path) -> None:
    code = (
        "from servers.dns import DnsServer\n"
        "from servers.errors import PrivilegedPortError\n"
        "try:\n    DnsServer({}, '127.53.0.254', 53).start()\n"
        "except PrivilegedPortError as exc:\n    print(exc)\nelse:\n    print('bound')\n"
    )
    cmd = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv is missing: cannot run a peer without the capability")
        # an unprivileged user, every capability dropped (as a CI runner's user)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", *cmd]
    elif _may_bind_53():
        pytest.skip("this user may bind port 53 (net.ipv4.ip_unprivileged_port_start <= 53 or a capability)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cmd[0] == "setpriv":
        # That user must be able to read the checkout and its venv (a checkout under a mode-700 temporary
        # folder is not): otherwise the peer never starts and there is nothing to judge.
        probe = [*cmd[:-2], "-c", "import servers.dns"]
        seen = subprocess.run(
            probe, capture_output=True, text=True, cwd="/", env=env, timeout=60, check=False
        )
        if seen.returncode != 0:
            last = (seen.stderr.strip().splitlines() or ["?"])[-1]
            pytest.skip(
                f"uid 65534 cannot import the project from {ROOT} (not readable to other users): {last}"
            )
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False)
    if "bound" in out.stdout:
        pytest.skip(
            "an unprivileged user may bind port 53 on this host (net.ipv4.ip_unprivileged_port_start)"
        )
    assert (
        "dns: cannot bind its standard port 53 on 127.53.0.254: that needs the capability " in out.stdout
    ), out.stdout + out.stderr
    assert "CAP_NET_BIND_SERVICE" in out.stdout and "network.dns_sntp" in out.stdout
