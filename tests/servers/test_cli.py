"""`python -m servers NAME --bind ADDR:PORT`: ready line, real service, clean exit on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ntplib
import pytest
from dnslib import DNSRecord

from servers.peerset import FACTORIES

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def _run(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "servers", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            raise AssertionError(f"no ready line; stderr: {proc.stderr.read() if proc.stderr else ''}")
        yield proc, json.loads(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _port(info: dict[str, object], name: str) -> int:
    endpoints = info["endpoints"]
    assert isinstance(endpoints, dict)
    return int(endpoints[name]["port"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_tcp_echo_standalone(sig: signal.Signals) -> None:
    with _run("tcp", "--bind", "127.0.0.1:0") as (proc, info):
        assert info["peer"] == "tcp"
        with socket.create_connection(("127.0.0.1", _port(info, "tcp")), 10) as sock:
            sock.sendall(b"cli")
            assert sock.recv(10) == b"cli"
        proc.send_signal(sig)
        assert proc.wait(15) == 0


def test_sntp_and_dns_standalone() -> None:
    with _run("sntp", "--bind", "127.0.0.1:0", "--epoch", "1700000000") as (proc, info):
        r = ntplib.NTPClient().request("127.0.0.1", port=_port(info, "sntp"), version=4, timeout=5)
        assert abs(r.tx_time - 1_700_000_000) < 10
        proc.terminate()
        assert proc.wait(15) == 0
    with _run("dns", "--bind", "127.0.0.1:0", "--name", "peer.test=192.0.2.5") as (proc, info):
        reply = DNSRecord.parse(
            DNSRecord.question("peer.test").send("127.0.0.1", _port(info, "udp"), timeout=5)
        )
        assert str(reply.rr[0].rdata) == "192.0.2.5"
        proc.terminate()
        assert proc.wait(15) == 0


def test_mqtt_standalone_reports_every_listener(tmp_path: Path) -> None:
    args = (
        "mqtt",
        "--bind",
        "127.0.0.1:0",
        "--pki-dir",
        str(tmp_path / "pki"),
        "--workdir",
        str(tmp_path / "m"),
    )
    with _run(*args) as (proc, info):
        assert set(info["endpoints"]) == {"tcp", "tls", "mtls", "ws", "wss", "wss_mtls"}  # type: ignore[arg-type]
        assert Path(str(info["log"])).exists()
        with socket.create_connection(("127.0.0.1", _port(info, "tcp")), 10):
            pass
        proc.terminate()
        assert proc.wait(15) == 0
    assert (tmp_path / "pki" / "ca.crt").exists()


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "servers", "tcp", "--bind", "nonsense"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--bind wants ADDR:PORT" in bad.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "servers", "ssl"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert missing.returncode != 0 and "needs --pki-dir" in missing.stderr
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "servers", "tcp", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert busy.returncode == 2 and "already in use" in busy.stderr


def test_all_peers_standalone(tmp_path: Path) -> None:
    with _run("all", "--bind", "127.0.0.1:0", "--workdir", str(tmp_path), "--name", "a.test=192.0.2.1") as (
        proc,
        info,
    ):
        peers = info["peers"]
        assert isinstance(peers, dict)
        assert set(peers) == set(FACTORIES)
        dns_port = peers["dns_server"]["udp"]["port"]
        reply = DNSRecord.parse(DNSRecord.question("a.test").send("127.0.0.1", dns_port, timeout=5))
        assert str(reply.rr[0].rdata) == "192.0.2.1"
        with socket.create_connection(("127.0.0.1", peers["tcp_echo"]["tcp"]["port"]), 10) as sock:
            sock.sendall(b"all")
            assert sock.recv(10) == b"all"
        proc.terminate()
        assert proc.wait(20) == 0
