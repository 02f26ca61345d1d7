"""Fixtures of the 3.5 Classic Bluetooth suite: the board's stack deinitialized after every test
(AT+BTINIT=0, 3.5.2), so each test starts from an uninitialized stack as after boot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def bt_deinit(dut) -> Iterator[None]:
    yield
    dut.cmd("AT+BTINIT=0")
    dut.drain_urcs()
