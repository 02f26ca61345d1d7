"""``python -m tools.rigcheck --rig FILE [--board ID]``: is the bench fit to run? Before a nightly run, each
board is probed in turn and a table printed; the exit status is non-zero with the reason when a probe fails.

Probes, per board, in order (a failed one stops that board's later probes, which would only repeat it):

- ``ports``: the AT port (and the log port) open (rigs/boards: the board's own driver);
- ``at``: the board answers ``AT`` with OK (3.1.1);
- ``firmware``: AT+GMR reports what the rig's ``firmware`` expects (3.1.3);
- ``ap``: the board joins the rig's first access point (AT+CWMODE=1, AT+CWJAP, 3.2), if it claims wifi-sta;
- ``peer ...``: the board itself opens a TCP link (AT+CIPSTART, 3.3) to a listener this tool starts on the
  rig's ``host_address`` (the address every host-started peer binds) and to each TCP peer the rig lists as
  ``external``, and closes it again.

First, on the host (board ``host``): ``dns peer`` / ``sntp peer``, where the rig has its DNS and SNTP peers
listen on set ports (a rig of real boards: 53 and 123; ``network.dns_sntp``), they can bind there (a port
below 1024 needs CAP_NET_BIND_SERVICE: the failure names it), unless the rig lists that service as external.
And ``ble peer``, when a real board claims ``ble``: the rig's ``ble_peer`` can run (rigs/model/ble_peer.py):
bleak is importable and its ``adapter`` is one of the host's (/sys/class/bluetooth), or bumble opens its HCI
``transport`` (a dongle, ``usb:0``).

Exit status: 0 every probe passed; 2 a probe failed (the bench is broken: ./run nightly's code for it);
3 the rig file is bad.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rigs.boards import BoardError, SimServices, make_board
from rigs.loader import RigFileError, load_rig
from rigs.model import BoardConfig, MissingSecretError, Rig
from spec.params import escape

__all__ = ["Probe", "check_ble_peer", "check_board", "main"]

#: rig ``peers[].service`` values a board reaches over a TCP link (AT+CIPSTART "TCP").
TCP_SERVICES = ("tcp", "mqtt", "http", "websocket", "ota")


@dataclass(frozen=True)
class Probe:
    board: str
    what: str
    ok: bool
    detail: str


def _peers(rig: Rig, host_port: int) -> list[tuple[str, str, int]]:
    """(name, address, port) of every peer the boards must reach."""
    out = [("peer host", str(rig.network.host_address), host_port)]
    for p in rig.peers:
        if p.provided_by == "external" and p.service in TCP_SERVICES and p.address and p.port:
            out.append((f"peer {p.service} (external)", p.address, p.port))
    return out


def check_board(rig: Rig, config: BoardConfig, work_dir: Path, host_port: int) -> list[Probe]:
    """Probe one board (see the module docstring); the list ends at the first failed probe."""
    probes: list[Probe] = []
    timeouts = rig.targets.timeouts

    def add(what: str, ok: bool, detail: str) -> bool:
        probes.append(Probe(config.id, what, ok, detail))
        return ok

    services = SimServices() if config.simulated else None
    board = make_board(config, rig, instance=0, work_dir=work_dir, sim_services=services)
    from rigs.at.errors import AtError

    try:
        try:
            session = board.open()
        except BoardError as exc:
            add("ports", False, str(exc))
            return probes
        ident = board.identity
        add("ports", True, ident.at_port + (f", log {ident.log_port}" if ident.log_port else ""))
        try:
            session.sync(timeout=timeouts.ready)
        except AtError as exc:
            add("at", False, f"no OK to AT: {exc.detail}")
            return probes
        add("at", True, "OK")
        gmr = session.cmd("AT+GMR", timeouts.command)
        lines = [line for line in gmr.lines if line]
        problems = config.firmware.mismatches(lines) if config.firmware is not None else []
        shown = next((line for line in lines if line.startswith("AT version:")), "no AT version line")
        if not add("firmware", not problems, "; ".join(problems) or shown):
            return probes
        if "wifi-sta" in config.capabilities and rig.network.access_points:
            ap = rig.ap()
            try:
                password = ap.resolve_password()
            except MissingSecretError as exc:
                add("ap", False, str(exc))
                return probes
            session.cmd("AT+CWMODE=1", timeouts.command)
            r = session.cmd(f'AT+CWJAP="{escape(ap.ssid)}","{escape(password)}"', timeouts.join)
            detail = f"joined {ap.ssid}" if r.final == "OK" else f"AT+CWJAP to {ap.ssid}: {r.final} {r.lines}"
            if not add("ap", r.final == "OK", detail):
                return probes
        for name, address, port in _peers(rig, host_port):
            r = session.cmd(f'AT+CIPSTART="TCP","{address}",{port}', timeouts.connect)
            ok = r.final == "OK"
            if ok:
                session.cmd("AT+CIPCLOSE", timeouts.command)
            said = [x for x in r.lines if x]
            what = f"{address}:{port} reached from the board"
            if not ok:
                what = f"the board cannot connect to {address}:{port}: {r.final} {said}"
            if not add(name, ok, what):
                return probes
    except AtError as exc:
        add("at", False, f"the board stopped answering: {exc.detail}")
    finally:
        board.close()
    return probes


def check_dns_sntp(rig: Rig) -> list[Probe]:
    """Whether the host may bind the DNS and SNTP peers where the rig has them listen (module docstring)."""
    from servers.dns import DnsServer
    from servers.errors import PeerError, PortInUseError
    from servers.sntp import SntpServer

    binding = rig.network.dns_sntp_binding(rig.all_sim)
    if binding is None:
        return []
    host, dns_port, sntp_port, search = binding
    external = {p.service for p in rig.peers if p.provided_by == "external"}
    probes = []
    for service, peer in (("dns", DnsServer({}, host, dns_port)), ("sntp", SntpServer(host, sntp_port))):
        if service in external:
            continue
        port = dns_port if service == "dns" else sntp_port
        try:
            peer.start()
        except PortInUseError as exc:
            # on a sim rig's loopback address the fixtures take the next free address; elsewhere it is fatal
            detail = f"{exc}; the fixtures take the next free loopback address" if search else str(exc)
            probes.append(Probe("host", f"{service} peer", search, detail))
            continue
        except (PeerError, OSError) as exc:
            probes.append(Probe("host", f"{service} peer", False, str(exc)))
            continue
        peer.stop()
        probes.append(Probe("host", f"{service} peer", True, f"may listen on {host}:{port}"))
    return probes


#: Where Linux lists the host's Bluetooth adapters (hci0, hci1, ...).
BLUETOOTH_SYSFS = Path("/sys/class/bluetooth")


def check_ble_peer(rig: Rig, sysfs: Path = BLUETOOTH_SYSFS) -> list[Probe]:
    """Whether the rig's BLE peer can run on this host (module docstring); nothing for a sim rig, whose peer
    is on the virtual air, or when no board claims ``ble``."""
    spec = rig.ble_peer
    if rig.all_sim or not any("ble" in b.capabilities for b in rig.boards):
        return []
    what = f"ble peer ({spec.kind})"
    if spec.kind == "bleak":
        try:
            import bleak  # noqa: F401
        except ImportError as exc:
            return [Probe("host", what, False, f"bleak is not installed ({exc}): pip install bleak")]
        if spec.adapter is None:
            return [Probe("host", what, True, "bleak on the system's default adapter")]
        if sysfs.is_dir() and not (sysfs / spec.adapter).exists():
            have = ", ".join(sorted(p.name for p in sysfs.iterdir())) or "none"
            detail = f"no Bluetooth adapter {spec.adapter} on this host (have: {have})"
            return [Probe("host", what, False, detail)]
        return [Probe("host", what, True, f"bleak on {spec.adapter}, seen by the board as {spec.address}")]
    if spec.transport is None:
        return []
    return [_open_hci(what, spec.transport)]


def _open_hci(what: str, transport: str) -> Probe:
    """bumble opens and closes the HCI ``transport`` within 10 s."""
    import asyncio

    async def attempt() -> None:
        from bumble.transport import open_transport

        hci = await asyncio.wait_for(open_transport(transport), 10)
        await hci.close()

    try:
        asyncio.run(attempt())
    except Exception as exc:  # bumble raises its own, OSError or a USB error: the probe reports it
        return Probe("host", what, False, f"bumble cannot open HCI transport {transport}: {exc!r}")
    return Probe("host", what, True, f"bumble opened HCI transport {transport}")


def table(probes: list[Probe]) -> str:
    rows = [("board", "probe", "result", "detail")] + [
        (p.board, p.what, "ok" if p.ok else "FAILED", p.detail) for p in probes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths, strict=True)) + "  " + r[3] for r in rows
    )


def run_check(rig: Rig, board_id: str | None = None) -> list[Probe]:
    """Every board's probes (``board_id`` alone when given), with one TCP listener on the host address."""
    from servers.tcp import TcpServer

    boards = [rig.board(board_id)] if board_id else list(rig.boards)
    host_probes = check_dns_sntp(rig) + check_ble_peer(rig)
    if not all(p.ok for p in host_probes):
        return host_probes
    listener = TcpServer(host=str(rig.network.host_address))
    try:
        listener.start()
    except OSError as exc:
        return [Probe("host", "peer host", False, f"cannot listen on {rig.network.host_address}: {exc}")]
    try:
        port = int(listener.address[1])
        with tempfile.TemporaryDirectory(prefix="rigcheck-") as work:
            probes: list[Probe] = list(host_probes)
            for config in boards:
                probes += check_board(rig, config, Path(work), port)
            return probes
    finally:
        listener.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.rigcheck", description=__doc__.split("\n")[0])
    parser.add_argument("--rig", required=True, type=Path)
    parser.add_argument("--board", help="probe this board only")
    args = parser.parse_args(argv)
    try:
        rig = load_rig(args.rig)
        if args.board:
            rig.board(args.board)
    except (RigFileError, KeyError) as exc:
        print(f"rigcheck: {exc}", file=sys.stderr)
        return 3
    probes = run_check(rig, args.board)
    print(table(probes))
    failed = [p for p in probes if not p.ok]
    if failed:
        print(f"rigcheck: bench not ready: board {failed[0].board}, {failed[0].what}: {failed[0].detail}",
              file=sys.stderr)  # fmt: skip
        return 2
    print(f"rigcheck: rig {rig.name}: every board ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
