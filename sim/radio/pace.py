"""The pace of the simulated Bluetooth links: none, unless the ``slow_spp`` fault (sim/FAULTS.md) says so.

The simulated air (servers/ble_air.py) relays packets as fast as they come: it models no connection
interval, no packets per connection event and no air time, so a faithful simulated board forwards SPP
passthrough data as fast as its UART brings it. ``slow_spp`` models a board whose Bluetooth side cannot keep
up (a controller short of buffers, a stack that sends one value per connection event): its SPP passthrough
(3.4.32 AT+BLESPP, 3.5.9 AT+BTSPPSEND) forwards at most ``factor`` of the AT port's line rate, each block
leaving once the blocks before it have had their time at that rate. The suite's throughput limits, not its
byte checks, are what such a board fails.
"""

from __future__ import annotations

import time

from sim.board import Board


class SppPacer:
    """When each block of one SPP passthrough may leave: :meth:`delay` is the wait before it goes."""

    def __init__(self, board: Board) -> None:
        faults = board.faults
        self.board = board
        self.factor = faults.spp_slow_factor if faults is not None else 1.0
        self._free_at = 0.0  # when the blocks given so far have had their time

    def delay(self, size: int) -> float:
        """Seconds to hold a block of ``size`` bytes: 0 on a faithful board."""
        if self.factor >= 1.0:
            return 0.0
        now = time.monotonic()
        rate = self.board.uart.bytes_per_second * self.factor
        self._free_at = max(now, self._free_at) + size / rate
        return self._free_at - now
