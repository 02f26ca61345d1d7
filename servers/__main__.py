"""``python -m servers NAME --bind ADDR:PORT [options]`` (also ``esp-at-servers``): one peer, standalone.

For a bench whose boards reach the host over Wi-Fi. Prints one JSON line with the bound
endpoints once the peer is ready, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from servers.base import Peer
from servers.behaviours import Behaviour, Echo, Reset, Silent, Sink, Source
from servers.errors import PeerError
from servers.pki import EspPki

PEERS = ("tcp", "ssl", "udp", "mqtt", "http", "https", "ws", "wss", "sntp", "dns", "ota", "pki", "all")
TLS_PEERS = ("ssl", "https", "wss", "mqtt", "ota", "all")


class PeerGroup(Peer):
    """Every peer of servers.peerset on one event loop (``all``): one JSON line lists them all."""

    kind = "all"

    def __init__(self, peers: dict[str, Peer]) -> None:
        super().__init__()
        self.peers = peers
        self._started: list[Peer] = []

    async def astart(self) -> None:
        for peer in self.peers.values():
            await peer.astart()
            self._started.append(peer)

    async def astop(self) -> None:
        while self._started:
            await self._started.pop().astop()

    def describe(self) -> dict[str, Any]:
        return {"peer": "all", "peers": {name: p.describe()["endpoints"] for name, p in self.peers.items()}}


def parse_bind(text: str) -> tuple[str, int]:
    """``ADDR:PORT`` (``[v6]:PORT`` for IPv6); port 0 lets the system choose."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise argparse.ArgumentTypeError(f"--bind wants ADDR:PORT (e.g. 0.0.0.0:8080), got {text!r}")
    return host.strip("[]"), int(port)


def _dns_names(items: Sequence[str]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for name, addr in _pairs(items, "--name"):
        names.setdefault(name, []).append(addr)
    return names


def _pairs(items: Sequence[str], what: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise SystemExit(f"error: {what} wants KEY=VALUE, got {item!r}")
        out.append((key, value))
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="esp-at-servers", description="Run one host-side ESP-AT peer standalone."
    )
    p.add_argument("peer", choices=PEERS, help="which peer ('pki' only writes the PEM files and exits)")
    p.add_argument(
        "--bind", type=parse_bind, default=("127.0.0.1", 0), help="ADDR:PORT (default 127.0.0.1:0)"
    )
    p.add_argument("--pki-dir", type=Path, help="PKI directory (reused if it holds one, else created)")
    p.add_argument("--key-type", choices=("rsa", "ecdsa"), default="rsa")
    p.add_argument("--san", action="append", default=[], help="extra server certificate name or IP (repeat)")
    p.add_argument(
        "--require-client-cert", action="store_true", help="TLS peers: demand a client certificate"
    )
    p.add_argument("--behaviour", choices=("echo", "sink", "silent", "source", "reset"), default="echo")
    p.add_argument("--bytes", type=int, default=1_000_000, help="source: bytes to send per connection")
    p.add_argument("--rate", type=float, help="source: bytes per second (default: as fast as possible)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--idle-timeout", type=float)
    p.add_argument("--workdir", type=Path, default=Path("servers-run"), help="mqtt: config and log directory")
    p.add_argument(
        "--listener", action="append", default=[], help="mqtt: NAME=PORT (tls, mtls, ws, wss, wss_mtls)"
    )
    p.add_argument("--epoch", type=float, help="sntp: serve a clock that starts at this Unix time")
    p.add_argument("--offset", type=float, default=0.0, help="sntp: seconds added to the host clock")
    p.add_argument("--name", action="append", default=[], help="dns: NAME=ADDRESS (repeat)")
    p.add_argument("--token", default="esp-at-test-token", help="ota: the OTA token the firmware sends")
    p.add_argument("--firmware", action="append", default=[], help="ota: VERSION=PATH[,NAME] (repeat)")
    p.add_argument("--subprotocol", action="append", default=[], help="ws/wss: accepted subprotocol (repeat)")
    return p


def _behaviour(args: argparse.Namespace) -> Behaviour:
    choices: dict[str, Behaviour] = {
        "echo": Echo(),
        "sink": Sink(),
        "silent": Silent(),
        "source": Source(total=args.bytes, seed=args.seed, rate=args.rate),
        "reset": Reset(),
    }
    return choices[args.behaviour]


def build_peer(args: argparse.Namespace) -> tuple[Peer | None, EspPki | None]:
    """The peer the arguments describe (not started), and the PKI it uses."""
    host, port = args.bind
    pki = None
    if args.peer in TLS_PEERS or args.peer == "pki":
        if args.pki_dir is None and args.peer not in ("mqtt", "ota", "all"):
            raise SystemExit(f"error: {args.peer} needs --pki-dir (created if missing, reused if present)")
        if args.pki_dir is None and args.peer == "all":
            args.pki_dir = args.workdir / "pki"
        if args.pki_dir is not None:
            sans = tuple(args.san) + ((host,) if host not in ("0.0.0.0", "::") else ())
            pki = EspPki(args.pki_dir, key_type=args.key_type, extra_sans=sans, reuse=True)
    ctx = pki.server_context(require_client_cert=args.require_client_cert) if pki else None
    if args.peer == "pki":
        return None, pki
    if args.peer == "all":
        from servers.peerset import FACTORIES, SNTP_EPOCH, PeerContext, build

        if port:
            raise SystemExit("error: 'all' starts many peers on free ports: give --bind ADDR:0")
        assert pki is not None
        names = _dns_names(args.name)
        epoch = SNTP_EPOCH if args.epoch is None else args.epoch
        context = PeerContext(args.workdir, pki, host, names, sntp_epoch=epoch, ota_token=args.token)
        return PeerGroup({n: build(n, context) for n in FACTORIES}), pki
    if args.peer in ("tcp", "ssl"):
        from servers.tcp import TcpServer

        tls = ctx if args.peer == "ssl" else None
        return TcpServer(_behaviour(args), host, port, ssl_context=tls, idle_timeout=args.idle_timeout), pki
    if args.peer == "udp":
        from servers.udp import UdpPeer

        mode = args.behaviour if args.behaviour in ("echo", "sink", "silent") else "echo"
        return UdpPeer(mode, host, port, seed=args.seed), pki
    if args.peer == "mqtt":
        from servers.mqtt import MqttBroker

        ports = {"tcp": port, **{k: int(v) for k, v in _pairs(args.listener, "--listener")}}
        return MqttBroker(args.workdir, pki, host, ports=ports), pki
    if args.peer in ("http", "https"):
        from servers.http import HttpServer

        return HttpServer(host, port, ssl_context=ctx if args.peer == "https" else None), pki
    if args.peer in ("ws", "wss"):
        from servers.ws import WsServer

        return WsServer(
            host, port, ssl_context=ctx if args.peer == "wss" else None, subprotocols=args.subprotocol
        ), pki
    if args.peer == "sntp":
        from servers.sntp import SntpServer

        return SntpServer(host, port, epoch=args.epoch, offset=args.offset), pki
    if args.peer == "dns":
        from servers.dns import DnsServer

        return DnsServer(_dns_names(args.name), host, port), pki
    from servers.ota import OtaServer

    ota = OtaServer(args.token or None, host, port, ssl_context=ctx)
    for version, spec in _pairs(args.firmware, "--firmware"):
        path, _, name = spec.partition(",")
        ota.add_firmware(version, Path(path).read_bytes(), name or "ota")
    return ota, pki


async def serve(peer: Peer, pki: EspPki | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with peer:
        info = peer.describe()
        if pki is not None:
            info["pki_dir"] = str(pki.directory)
        if hasattr(peer, "log_path"):
            info["log"] = str(peer.log_path)
        print(json.dumps(info), flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        peer, pki = build_peer(args)
        if peer is None:
            assert pki is not None
            print(
                json.dumps({"peer": "pki", "pki_dir": str(pki.directory), "ca": str(pki.ca_cert)}), flush=True
            )
            return 0
        asyncio.run(serve(peer, pki))
    except (PeerError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
