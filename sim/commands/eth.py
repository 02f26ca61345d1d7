"""3.10 Ethernet AT commands: AT+CIPETHMAC (3.10.3) and AT+CIPETH (3.10.4), and the Ethernet interface they
configure: a second network interface of the board, with its own loopback address.

Not in the default firmware (3.10 introduction: "AT ethernet support" in menuconfig): a profile that has
them leaves them out of ``commands.disabled`` (``v5.0.0.0-esp32-eth``, and the qualification build). The
cable and the LAN come from the air file's ``ethernet:`` section (sim/wifi/air.py ``Ethernet``): the LAN's
DHCP server leases ``pool_start + instance`` with its gateway and netmask; the cable is plugged from
power-on, or follows the side channel ``cable_file`` (``{"plugged": true}``) that the rig's board driver
writes (rigs/boards/ethernet.py), polled every :data:`CABLE_POLL_S`. The reports are sim/eth/link.py's.

TCP/IP over it: servers listen on its address for ``<netif>`` 0 and 3 (3.3 AT+CIPSERVER), links to peers in
its subnet leave from it (sim/commands/tcpip.py). The command handler is in the closed ESP-AT core (only
at_eth_init.c, the PHY set-up, is public), so refusals use the parser's codes, as every closed handler's.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
from pathlib import Path
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.eth.link import EthLink
from sim.flash import SavePolicy
from sim.wifi.addr import AddressError, Ipv4Config, check_settable_mac, format_mac
from sim.wifi.ops_softap import parse_static
from sim.wifi.persist import ipv4_from_json, ipv4_to_json

CIPETHMAC = command("AT+CIPETHMAC", section="3.10.3")
CIPETH = command("AT+CIPETH", section="3.10.4")

NAMESPACE = "eth"
#: How often the cable's side channel is read.
CABLE_POLL_S = 0.1


class EthRuntime:
    """Per boot: the interface (:class:`EthLink`), set up by the boot hook."""

    def __init__(self) -> None:
        self.link = EthLink(mac=b"")


def eth_link(board: Board) -> EthLink | None:
    """The board's Ethernet interface, None in a build without the Ethernet commands (the TCP/IP group asks
    it for addresses)."""
    if not board.profile.has_command("AT+CIPETH"):
        return None
    return board.runtime(EthRuntime).link


def eth_ipv4(board: Board) -> Ipv4Config | None:
    """The Ethernet address while the interface carries traffic (link up, address set), else None."""
    link = eth_link(board)
    return link.ipv4 if link is not None and link.has_ip else None


@CIPETHMAC.query
async def cipethmac_query(ctx: CommandContext) -> None:
    ctx.reply(f'+CIPETHMAC:"{format_mac(ctx.board.runtime(EthRuntime).link.mac)}"')


@CIPETHMAC.set
async def cipethmac_set(ctx: CommandContext) -> None:
    """3.10.3 notes: bit 0 of the first octet 0, not all zeros or ones; saved while AT+SYSSTORE=1."""
    ctx.args.count(1, 1)
    text = ctx.args.str(0)
    try:
        mac = check_settable_mac(text)
    except AddressError as exc:
        raise ctx.fail(errors.para_invalid(0), str(exc)) from None
    ctx.board.runtime(EthRuntime).link.mac = mac
    ctx.board.save(NAMESPACE, "mac", mac.hex(), SavePolicy.SYSSTORE)


@CIPETH.query
async def cipeth_query(ctx: CommandContext) -> None:
    # quoted as 3.10.4's <"ip">, like AT+CIPSTA? (spec/corrections.yaml 4.6.1-cipeth-unquoted)
    cfg = ctx.board.runtime(EthRuntime).link.ipv4
    ctx.reply(f'+CIPETH:ip:"{cfg.ip}"')
    ctx.reply(f'+CIPETH:gateway:"{cfg.gateway}"')
    ctx.reply(f'+CIPETH:netmask:"{cfg.netmask}"')


@CIPETH.set
async def cipeth_set(ctx: CommandContext) -> None:
    """3.10.4: <"ip">[,<"gateway">,<"netmask">]; static turns DHCP off; saved while AT+SYSSTORE=1."""
    a = ctx.args
    a.count(1, 3)
    if len(a) == 2:
        raise ctx.fail(errors.para_num(3, 2), "<gateway> and <netmask> go together")
    ip = a.str(0)
    gateway = a.str(1) if len(a) == 3 else None
    netmask = a.str(2) if len(a) == 3 else None
    cfg = parse_static(ip, gateway, netmask)
    if cfg is None:
        raise ctx.fail(
            errors.para_invalid(0), f"not a usable address triple: {ip!r}, {gateway!r}, {netmask!r}"
        )
    ctx.board.runtime(EthRuntime).link.static = cfg
    ctx.board.save(NAMESPACE, "static", ipv4_to_json(cfg), SavePolicy.SYSSTORE)


# --- the cable and the LAN ----------------------------------------------------------------------------


def _cable_plugged(path: Path) -> bool:
    """The side channel's state; a missing or half-written file reads as unplugged."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("plugged") is True


def _report(board: Board, lines: list[str]) -> None:
    for line in lines:
        board.urc(line)


async def _cable_watch(board: Board) -> None:
    eth = board.air.ethernet if board.air is not None else None
    if eth is None:
        return
    link = board.runtime(EthRuntime).link
    cable = None
    if eth.cable_file is not None:
        cable = Path(eth.cable_file)
        cable = cable if cable.is_absolute() else board.state_dir / cable
    lease = Ipv4Config(
        eth.network.lease_for(board.identity.instance), eth.network.gateway, eth.network.netmask
    )
    while True:
        plugged = True if cable is None else _cable_plugged(cable)
        if plugged and not link.plugged:
            link.plugged = True
            await asyncio.sleep(eth.link_s)
            _report(board, link.link_up())
            if link.connected and link.dhcp:
                await asyncio.sleep(eth.dhcp_s)
                _report(board, link.leased(lease))
        elif not plugged and link.plugged:
            _report(board, link.link_down())
        if cable is None:
            return
        await asyncio.sleep(CABLE_POLL_S)


@on_boot
def _load(board: Board) -> None:
    link = board.runtime(EthRuntime).link
    ns = board.nvs.namespace(NAMESPACE)
    saved_mac: Any = ns.get("mac")
    link.mac = bytes.fromhex(saved_mac) if isinstance(saved_mac, str) else board.identity.eth_mac_bytes
    saved_static: Any = ns.get("static")
    if isinstance(saved_static, list):
        with contextlib.suppress(ValueError, ipaddress.AddressValueError):
            link.static = ipv4_from_json(saved_static)
    if eth_link(board) is None:
        return

    def start(**_: Any) -> None:
        board.spawn(_cable_watch(board))

    board.events.on("ready", start)
