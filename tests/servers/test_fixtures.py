"""The fixtures of fixtures/servers.py, each used with an independent client; two full sets side by side."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import ntplib
import paho.mqtt.client as mqtt
from dnslib import DNSRecord
from websockets.sync.client import connect

from servers.behaviours import Reset
from servers.dns import DnsServer
from servers.http import HttpServer
from servers.mqtt import MqttBroker
from servers.ota import OtaServer, make_app_image
from servers.peerset import FACTORIES, SNTP_EPOCH, PeerContext, PeerSet
from servers.pki import EspPki
from servers.record import CloseReason
from servers.sntp import SntpServer
from servers.tcp import TcpServer
from servers.udp import UdpPeer
from servers.ws import WsServer


def _echo(address: tuple[str, int], data: bytes, ctx: ssl.SSLContext | None = None) -> bytes:
    with socket.create_connection(address, 10) as raw:
        sock = ctx.wrap_socket(raw, server_hostname=address[0]) if ctx else raw
        sock.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = sock.recv(len(data) - len(got))
            if not chunk:
                break
            got += chunk
        return got


def test_tcp_udp_ssl_fixtures(
    esp_tcp_echo: TcpServer,
    esp_tcp_sink: TcpServer,
    esp_udp_peer: UdpPeer,
    esp_ssl_echo: TcpServer,
    esp_ssl_mtls_echo: TcpServer,
    esp_pki: EspPki,
) -> None:
    assert _echo(esp_tcp_echo.address, b"fixture") == b"fixture"
    before = len(esp_tcp_sink.records)
    with socket.create_connection(esp_tcp_sink.address, 10) as sock:
        sock.sendall(b"x" * 1000)
    assert esp_tcp_sink.records.wait_for(before + 1)[-1].wait_bytes_in(1000)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(10)
        udp.sendto(b"dgram", esp_udp_peer.address)
        assert udp.recv(100) == b"dgram"
    assert _echo(esp_ssl_echo.address, b"tls", esp_pki.client_context()) == b"tls"
    assert _echo(esp_ssl_mtls_echo.address, b"mtls", esp_pki.client_context(cert=esp_pki.client)) == b"mtls"


def test_mqtt_fixture_has_every_listener(esp_mqtt_broker: MqttBroker) -> None:
    assert set(esp_mqtt_broker.endpoints) == {"tcp", "tls", "mtls", "ws", "wss", "wss_mtls"}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="fixture-check")
    assert client.connect(*esp_mqtt_broker.endpoints["tcp"].address) == mqtt.MQTT_ERR_SUCCESS
    client.disconnect()


def test_http_ws_fixtures(
    esp_http_server: HttpServer,
    esp_https_server: HttpServer,
    esp_ws_server: WsServer,
    esp_wss_server: WsServer,
    esp_pki: EspPki,
) -> None:
    conn = http.client.HTTPConnection(*esp_http_server.address, timeout=10)
    conn.request("GET", "/get")
    assert json.loads(conn.getresponse().read())["method"] == "GET"
    conns = http.client.HTTPSConnection(
        *esp_https_server.address, timeout=10, context=esp_pki.client_context()
    )
    conns.request("DELETE", "/delete")
    assert conns.getresponse().status == 200
    with connect(esp_ws_server.url("/"), open_timeout=10) as ws:
        ws.send("ws")
        assert ws.recv(10) == "ws"
    with connect(esp_wss_server.url("/"), ssl=esp_pki.client_context(), open_timeout=10) as ws:
        ws.send("wss")
        assert ws.recv(10) == "wss"


def test_sntp_dns_ota_fixtures(
    esp_sntp_server: SntpServer, esp_dns_server: DnsServer, esp_ota_server: OtaServer
) -> None:
    r = ntplib.NTPClient().request(esp_sntp_server.host, port=esp_sntp_server.port, version=4, timeout=5)
    assert abs(r.tx_time - SNTP_EPOCH) < 600  # a clock that started at SNTP_EPOCH with the session
    esp_dns_server.add("fixture.test", "192.0.2.9")
    reply = DNSRecord.parse(DNSRecord.question("fixture.test").send(*esp_dns_server.address, timeout=5))
    assert str(reply.rr[0].rdata) == "192.0.2.9"
    esp_ota_server.add_firmware("v9.0.0.0", make_app_image(100))
    conn = http.client.HTTPConnection(*esp_ota_server.address, timeout=10)
    conn.request("GET", "/firmware/v9.0.0.0/ota.bin")
    assert conn.getresponse().read() == make_app_image(100)


def test_peer_factory_starts_a_peer_for_one_test(esp_peer_factory) -> None:  # type: ignore[no-untyped-def]
    peer = esp_peer_factory(TcpServer(Reset(after_bytes=1)))
    with socket.create_connection(peer.address, 10) as sock:
        sock.sendall(b"x")
        assert peer.records.wait_for(1)[0].wait_closed() is CloseReason.LOCAL_RST
        sock.settimeout(10)
        try:
            assert sock.recv(10) == b""
        except ConnectionResetError:
            pass


def test_two_full_sets_in_one_process_never_share_a_port(tmp_path: Path) -> None:
    pki = EspPki(tmp_path / "pki")
    contexts = [PeerContext(workdir=tmp_path / f"set{i}", pki=pki) for i in range(2)]
    with PeerSet(contexts[0]) as first, PeerSet(contexts[1]) as second:
        assert set(first.peers) == set(FACTORIES)
        ports = [(t, p) for s in (first, second) for _, t, p in s.ports()]
        tcp_ports = [p for t, p in ports if t not in ("udp", "sntp")]
        udp_ports = [p for t, p in ports if t in ("udp", "sntp")]
        assert len(tcp_ports) == len(set(tcp_ports)) and len(udp_ports) == len(set(udp_ports))
        for s in (first, second):
            assert _echo(s["tcp_echo"].address, b"set") == b"set"


def test_module_runs_under_two_xdist_workers() -> None:
    """Two xdist workers each start their own session peers (free ports) and pass."""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "tests/servers/test_fixtures.py",
            "-k",
            "not xdist_workers",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout


class _FakeRequest:
    """Stands in for pytest's request: hands out a rig whose MQTT broker is external."""

    def __init__(self, rig: object) -> None:
        self.rig = rig

    def getfixturevalue(self, name: str) -> object:
        assert name == "esp_rig"
        return self.rig


def test_rig_external_peer_is_handed_over_not_started() -> None:
    from fixtures.servers import _external
    from rigs.model import Peer as RigPeer

    class Rig:
        def peer(self, service: str) -> RigPeer:
            if service == "mqtt":
                return RigPeer(service="mqtt", provided_by="external", address="192.0.2.10", port=1883)
            return RigPeer(service=service)  # type: ignore[arg-type]

    request = _FakeRequest(Rig())
    peer = _external(request, "mqtt_broker")  # type: ignore[arg-type]
    assert peer is not None and peer.external and peer.address == ("192.0.2.10", 1883)
    assert _external(request, "http_server") is None  # type: ignore[arg-type]
    assert _external(request, "tcp_sink") is None  # type: ignore[arg-type]  # no rig service stands for it
