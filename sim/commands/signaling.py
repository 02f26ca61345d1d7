"""3.11 Signaling test AT commands: AT+FACTPLCP (3.11.2), the long or short PLCP of 802.11b frames.

In the default firmware (3.11 introduction). Its handler is public (components/at/src/at_fact_cmd.c,
at_setupCmdFactPlcp): it reads <enable> and <tx_with_long> as digits, each 0 or 1, requires exactly two
parameters, answers the plain ESP_AT_RESULT_CODE_ERROR for anything else, and hands both to the Wi-Fi
driver (esp_wifi_set_11b_tx_plcp), saving nothing. Its effect is on the radio only: what the AT side can see
is OK or ERROR, and the setting lasting until a restart (:class:`PlcpRuntime`, kept for the log port).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command

FACTPLCP = command("AT+FACTPLCP", section="3.11.2")


@dataclass
class PlcpRuntime:
    """Per boot (the driver's setting is RAM only): (enable, tx_with_long), None before any set."""

    plcp: tuple[int, int] | None = None


@FACTPLCP.set
async def factplcp_set(ctx: CommandContext) -> None:
    with errors.plain_error():
        ctx.args.count(2, 2)
        enable = ctx.args.int(0, 0, 1)
        tx_with_long = ctx.args.int(1, 0, 1)
    ctx.board.runtime(PlcpRuntime).plcp = (enable, tx_with_long)
    ctx.board.log(f"wifi: 11b tx PLCP manual={enable} long={tx_with_long}")
