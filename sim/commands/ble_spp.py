"""3.4.31 (ESP32) AT+BLESPPCFG: which characteristics BLE SPP passthrough sends and receives on.

``<cfg_enable>`` 0 resets the parameters (the others are then not given); 1 takes the tx and rx service
and characteristic indexes and ``[<auto_conn>]``, 1 unless given ("By default, automatic reconnection is
enabled"). AT+BLESPP itself, the passthrough, is ble_spp_mode.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.ble import require_init

BLESPPCFG = command("AT+BLESPPCFG", section="3.4.31")


@dataclass
class SppConfig:
    """0s after a reset: no characteristic chosen."""

    tx_service: int = 0
    tx_char: int = 0
    rx_service: int = 0
    rx_char: int = 0
    auto_conn: int = 1


@BLESPPCFG.query
async def blesppcfg_query(ctx: CommandContext) -> None:
    require_init(ctx)
    c = ctx.board.runtime(SppConfig)
    ctx.reply(f"+BLESPPCFG:{c.tx_service},{c.tx_char},{c.rx_service},{c.rx_char},{c.auto_conn}")


@BLESPPCFG.set
async def blesppcfg_set(ctx: CommandContext) -> None:
    require_init(ctx)
    enable = ctx.args.int(0, 0, 1)
    if enable == 0:
        ctx.args.count(1, 1)  # "the following parameters do not need input"
        ctx.board.runtime(SppConfig).__init__()  # type: ignore[misc]
        return
    n = ctx.args.count(5, 6)
    indexes = [ctx.args.int(i, 1, 0xFFFF) for i in range(1, 5)]
    auto = ctx.args.int(5, 0, 1) if n == 6 else 1
    c = ctx.board.runtime(SppConfig)
    c.tx_service, c.tx_char, c.rx_service, c.rx_char = indexes
    c.auto_conn = auto
