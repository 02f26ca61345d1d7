"""A simulated board on the air, joined to its AP, driven through the project's AtSession (test helper for
tests/sim/test_tcpip*.py), plus small host-side peers on loopback."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from rigs.at.session import AtSession
from tests.sim.simproc import SimProcess

AIR = {
    "access_points": [
        {
            "ssid": "esp-at-lab",
            "password": "sim-only-pass",
            "network": {"gateway": "127.0.0.1", "netmask": "255.0.0.0", "pool_start": "127.64.0.10"},
        }
    ]
}


@contextmanager
def joined_board(
    tmp_path: Path, *, instance: int = 0, baud: int | None = None, extra: tuple[str, ...] = ()
) -> Iterator[tuple[AtSession, str]]:
    """A fresh board joined to the AP; yields the session and the board's station IP."""
    air = tmp_path / "air.yaml"
    air.write_text(yaml.safe_dump(AIR))
    with (
        SimProcess("--air", str(air), "--instance", str(instance), *extra) as sim,
        AtSession.open(sim.url) as dut,
    ):
        dut.expect_urc("ready", timeout=10)
        dut.cmd('AT+CWJAP="esp-at-lab","sim-only-pass"', timeout=10).assert_ok()
        if baud is not None:
            dut.cmd(f"AT+UART_CUR={baud},8,1,0,0").assert_ok()
            dut.port.baudrate = baud
        line = next(x for x in dut.cmd("AT+CIPSTA?").assert_ok().lines if x.startswith("+CIPSTA:ip:"))
        ip = line.split('"')[1]
        dut.drain_urcs()
        yield dut, ip


class EchoServer:
    """A TCP server on 127.0.0.1 that echoes (or records) what each client sends; one thread per client."""

    def __init__(self, *, echo: bool = True) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.echo = echo
        self.peers: list[tuple[str, int]] = []
        # The kernel completes the handshake before accept() returns on our thread, so the board can say
        # CONNECT before the peer is recorded: readers wait on this (``peer``) rather than race it.
        self._accepted = threading.Condition()
        self.received = bytearray()
        self.conns: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def peer(self, index: int = 0, timeout: float = 5.0) -> tuple[str, int]:
        """The address of the ``index``-th accepted client, waiting up to ``timeout`` s for it."""
        return wait_accepted(self._accepted, self.peers, index, timeout)

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            with self._accepted:
                self.peers.append(addr)
                self._accepted.notify_all()
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                self.received += data
                if self.echo:
                    try:
                        conn.sendall(data)
                    except OSError:
                        return

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self) -> EchoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_accepted(
    cond: threading.Condition, peers: list[tuple[str, int]], index: int, timeout: float
) -> tuple[str, int]:
    """``peers[index]`` once the accepting thread has appended it (under ``cond``); AssertionError naming
    how many clients arrived if none does within ``timeout`` s."""
    with cond:
        if not cond.wait_for(lambda: len(peers) > index, timeout):
            raise AssertionError(f"the peer accepted {len(peers)} client(s) in {timeout} s, wanted {index + 1}")
        return peers[index]


def texts(r: object) -> list[str]:
    """Every non-empty line of a response: information lines and the reports that came with it."""
    from rigs.at.attribution import event_text

    lines = [x for x in getattr(r, "lines", []) if x]
    return lines + [event_text(e) for e in getattr(r, "urcs", [])]


class TlsEchoServer:
    """A TLS echo server on 127.0.0.1 (one thread per client); records SNI, ALPN and handshake errors."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.sni: list[str | None] = []
        self.alpn: list[str | None] = []
        self.errors: list[str] = []
        # Handshakes finish on the server's thread; the board may say CONNECT before that thread has
        # recorded them, so readers wait on this rather than race it.
        self._done = threading.Condition()
        self.context.sni_callback = lambda sslobj, name, ctx: self.sni.append(name)  # type: ignore[assignment]
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(raw)
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(30)
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self._done:
                self.errors.append(str(e))
                self._done.notify_all()
            raw.close()
            return
        with self._done:
            self.alpn.append(conn.selected_alpn_protocol())
            self._done.notify_all()
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)
                except (ssl.SSLError, OSError):
                    return

    def wait_handshakes(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` handshakes have ended on the server side (done or failed)."""
        with self._done:
            if not self._done.wait_for(lambda: len(self.alpn) + len(self.errors) >= count, timeout):
                raise AssertionError(
                    f"expected {count} TLS handshakes within {timeout} s; saw {self.alpn} {self.errors}"
                )

    def close(self) -> None:
        self.sock.close()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self) -> TlsEchoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def provision(dut: AtSession, items: list[object]) -> None:
    """Write PKI items (servers.pki.SysmfgItem) into the board's mfg_nvs with AT+SYSMFG (3.1)."""
    for item in items:
        r = dut.cmd(item.command, expect_prompt=True)  # type: ignore[attr-defined]
        assert r.prompt, r.raw
        dut.send_data(item.value).assert_ok()  # type: ignore[attr-defined]


def free_port(ip: str) -> int:
    s = socket.socket()
    s.bind((ip, 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)
