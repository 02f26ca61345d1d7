"""Fixtures of the 3.4 Bluetooth LE suite: the board's stack deinitialized after every test (AT+BLEINIT=0,
3.4.2), so each test starts from an uninitialized Bluetooth LE as after boot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def ble_deinit(dut) -> Iterator[None]:
    yield
    dut.cmd("AT+BLEINIT=0")
    dut.drain_urcs()
