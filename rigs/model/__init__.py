"""The rig model: what a rig file says, validated when it is loaded.

A rig is the set of boards and peers one run uses. Each board entry is a *resource* in labgrid's sense: it
says where the board is (an AT port URL and its baud rate, a log port, how to reset it), never how to talk
to it; the drivers in :mod:`rigs.boards` know that. Everything a bench can differ in lives here: ports,
baud rates, Wi-Fi credentials (as the names of environment variables), the host address the boards reach
servers at, which capabilities each board has and the limits measurements are judged against.

Load rig files with :func:`rigs.loader.load_rig`; it turns validation errors into one line per problem that
names the file and the field path.
"""

from rigs.model.boards import (
    KNOWN_CAPABILITIES,
    BoardConfig,
    BoardKind,
    LabgridOptions,
    ResetMethod,
    SimOptions,
    UsbPort,
)
from rigs.model.firmware import FirmwareExpectation, GmrInfo, parse_gmr
from rigs.model.flashing import FLASH_CHIPS, FlashOptions
from rigs.model.network import (
    AccessPoint,
    Enterprise,
    EthernetLan,
    MissingSecretError,
    Network,
    Peer,
    PeerService,
    SimDhcp,
)
from rigs.model.peripherals import AdcSource, BoardPeripherals, I2cPeer, PwmPeer, SpiPeer
from rigs.model.rig import Rig
from rigs.model.targets import Limit, Targets, ThroughputTargets, Timeouts

__all__ = [
    "KNOWN_CAPABILITIES",
    "AccessPoint",
    "AdcSource",
    "BoardPeripherals",
    "I2cPeer",
    "PwmPeer",
    "SpiPeer",
    "Enterprise",
    "EthernetLan",
    "FirmwareExpectation",
    "FLASH_CHIPS",
    "FlashOptions",
    "GmrInfo",
    "parse_gmr",
    "UsbPort",
    "BoardConfig",
    "BoardKind",
    "LabgridOptions",
    "Limit",
    "MissingSecretError",
    "Network",
    "Peer",
    "PeerService",
    "ResetMethod",
    "Rig",
    "SimDhcp",
    "SimOptions",
    "Targets",
    "ThroughputTargets",
    "Timeouts",
]
