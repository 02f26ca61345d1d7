"""The firmware's command set: one module per command group registers its commands on import.

:func:`load_all` imports every module in :data:`COMMAND_MODULES` that exists, so a group written later
(Wi-Fi, TCP/IP) only has to add its file here.
"""

from __future__ import annotations

import importlib

COMMAND_MODULES: tuple[str, ...] = (
    "sim.commands.basic",
    "sim.commands.sysmsg",
    "sim.commands.flashcmds",
    "sim.commands.system",
    "sim.commands.sleep_pins",
    "sim.commands.wifi",
    "sim.commands.tcpip",
    "sim.commands.tcpip_dns",
    "sim.commands.tcpip_sntp",
    "sim.commands.tcpip_ping",
    "sim.commands.tcpip_mdns",
    "sim.commands.tcpip_ota",
    "sim.commands.tcpip_conn",
    "sim.commands.tcpip_send",
    "sim.commands.tcpip_recv",
    "sim.commands.tcpip_server",
    "sim.commands.tcpip_ssl",
    "sim.commands.tcpip_passthrough",
    "sim.commands.http",
    "sim.commands.mqtt",
    "sim.commands.fs",
    "sim.commands.ws",
    "sim.commands.ble",
    "sim.commands.ble_adv",
    "sim.commands.ble_scan",
    "sim.commands.ble_conn",
    "sim.commands.ble_gatts",
    "sim.commands.ble_gattc",
    "sim.commands.ble_spp",
    "sim.commands.ble_sec",
    "sim.commands.ble_spp_mode",
    "sim.commands.ble_hid",
    "sim.commands.ble_blufi",
    "sim.commands.bt",
    "sim.commands.bt_spp",
    "sim.commands.bt_sec",
    "sim.commands.bt_a2dp",
    "sim.commands.webserver",
    "sim.commands.driver",
    "sim.commands.user",
    "sim.commands.user_ota",
    "sim.commands.user_wake",
    "sim.commands.eth",
    "sim.commands.signaling",
)

_loaded = False


def load_all() -> None:
    """Import the command modules once (registration happens at import)."""
    global _loaded
    if _loaded:
        return
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:  # a missing dependency inside an existing module is a real error
                raise
    _loaded = True
