"""Adafruit's ESP-AT driver (adafruit-circuitpython-esp-atcontrol), host software written apart from this
project, drives a simulated board: join the AP, resolve a name through the lab's DNS server, exchange data
with an echo server, fetch a page with adafruit_requests. If the simulator strayed from the guide where the
driver relies on it (3.2.7 AT+CWJAP, 3.3.4 AT+CIPDOMAIN, 3.3.5 AT+CIPSTART, 3.3.8 AT+CIPSEND, +IPD 3.17),
this fails.

The driver runs under CPython with a pyserial port as its UART (it only uses ``baudrate``, ``in_waiting``,
``read``, ``write`` and ``reset_input_buffer``); no reset or RTS pin is given, so it never touches
``digitalio`` pins (Adafruit-Blinka only has to import).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import serial
import yaml

from servers.behaviours import Echo
from servers.dns import DnsServer
from servers.http import HttpServer
from servers.tcp import TcpServer

_MISSING = "needs the dev extras adafruit-circuitpython-esp-atcontrol and adafruit-circuitpython-requests"
espatcontrol = pytest.importorskip("adafruit_espatcontrol.adafruit_espatcontrol", reason=_MISSING)
espsocket = pytest.importorskip("adafruit_espatcontrol.adafruit_espatcontrol_socket", reason=_MISSING)
adafruit_requests = pytest.importorskip("adafruit_requests", reason=_MISSING)

ROOT = Path(__file__).resolve().parents[2]
SSID, PASSWORD = "adafruit-lab", "circuitpython-sim"
#: An instance number no other self-test uses, so this board's addresses are its own (sim/README.md).
INSTANCE = 37


class CPythonESP(espatcontrol.ESP_ATcontrol):  # type: ignore[misc, name-defined]
    """Shim for one upstream CPython incompatibility, nothing else.

    ``remote_AP`` compares each ``bytes`` reply line with the ``str`` prefix ``"+CWJAP:"``; CircuitPython
    allows that, CPython raises TypeError as soon as the station is associated. Same logic, bytes prefix.
    """

    @property
    def remote_AP(self) -> list[Any]:  # noqa: N802 - the driver's name
        if self.status != self.STATUS_APCONNECTED:
            return [None] * 4
        for reply in self.at_response("AT+CWJAP?", timeout=10).split(b"\r\n"):
            if reply.startswith(b"+CWJAP:"):
                fields: list[Any] = []
                for raw in reply[7:].split(b","):
                    text = str(raw, "utf-8")
                    try:
                        fields.append(int(text))
                    except ValueError:
                        fields.append(text.strip('"'))
                return fields
        return [None] * 4


class RecvIntoSocket(espsocket.socket):  # type: ignore[misc, name-defined]
    """Shim: adafruit_requests 4.x reads with ``recv_into()``, which the driver's socket lacks (it has
    ``recv()``); this fills the caller's buffer from ``recv()``."""

    def recv_into(self, buf: Any, size: int = 0) -> int:
        data = self.recv(size or len(buf))
        buf[: len(data)] = data
        return len(data)


class SocketPool:
    """What adafruit_connection_manager needs of a socket pool: the driver's module, with the shim above."""

    AF_INET = espsocket.AF_INET
    SOCK_STREAM = espsocket.SOCK_STREAM
    getaddrinfo = staticmethod(espsocket.getaddrinfo)
    socket = RecvIntoSocket


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer({"echo.lab.test": ["127.0.0.1"], "www.lab.test": ["127.0.0.1"]}) as server:
        yield server


@pytest.fixture
def board_url(tmp_path: Path, dns: DnsServer) -> Iterator[str]:
    """A simulated board whose AP hands out the lab DNS server (port through the air file's services)."""
    air = {
        "access_points": [
            {
                "ssid": SSID,
                "password": PASSWORD,
                "ecn": 3,
                "network": {
                    "gateway": "127.0.0.1",
                    "netmask": "255.0.0.0",
                    "pool_start": "127.64.0.10",
                    "dns": ["127.0.0.1"],
                },
            }
        ],
        "services": {"dns_port": dns.port},
    }
    air_file = tmp_path / "air.yaml"
    air_file.write_text(yaml.safe_dump(air))
    cmd = [sys.executable, "-m", "sim", "--air", str(air_file), "--instance", str(INSTANCE), "--seed", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"simulator did not start: {proc.stderr.read() if proc.stderr else ''}")
        yield json.loads(line)["serial"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for f in (proc.stdout, proc.stderr):
            if f is not None:
                f.close()


@pytest.fixture
def esp(board_url: str) -> Iterator[CPythonESP]:
    uart = serial.serial_for_url(board_url, baudrate=115200, timeout=0.1)
    try:
        driver = CPythonESP(uart, 115200, reset_pin=None, rts_pin=None)
        driver.begin()
        assert driver._initialized, "begin() did not get through AT, ATE0, AT+GMR, AT+CIPMUX?, AT+CWSTATE?"
        yield driver
    finally:
        uart.close()


@pytest.mark.slow
def test_adafruit_driver_joins_resolves_echoes_and_fetches(esp: CPythonESP, dns: DnsServer) -> None:
    assert esp.version is not None and esp.version.startswith("AT version:"), esp.version

    esp.connect({"ssid": SSID, "password": PASSWORD}, timeout=20, retries=1)
    assert esp.remote_AP[0] == SSID
    assert esp.local_ip == "127.64.0.47"  # the AP's pool_start + instance (sim/README.md, air file)

    assert esp.nslookup("echo.lab.test") == "127.0.0.1"
    assert any(q.name == "echo.lab.test" and q.rcode == "NOERROR" for q in dns.queries), dns.queries

    with TcpServer(Echo()) as echo:
        assert esp.socket_connect(esp.TYPE_TCP, "echo.lab.test", echo.port)
        assert esp.socket_send(b"hello from circuitpython\r\n")
        assert bytes(esp.socket_receive(timeout=5)) == b"hello from circuitpython\r\n"
        esp.socket_disconnect()

    with HttpServer() as http:
        body = b"a page served to the simulated board\n" * 8
        http.add_resource("/page.txt", body, "text/plain")
        espsocket.set_interface(esp)
        # The driver guesses TCP only for ports 80/443/1883; the local server's port is free-chosen.
        esp.conntype = esp.TYPE_TCP
        session = adafruit_requests.Session(SocketPool, None)
        response = session.get(f"http://www.lab.test:{http.port}/page.txt", timeout=5)
        try:
            assert response.status_code == 200
            assert response.content == body
        finally:
            response.close()
        assert http.wait_requests(1)[0].path == "/page.txt"
