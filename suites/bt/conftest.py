"""Fixtures of the 3.5 Classic Bluetooth suite: after every test the board forgets its bonds (AT+BTENCCLEAR,
3.5.21: they are kept in flash) and its stack is deinitialized (AT+BTINIT=0, 3.5.2), so each test starts
from an uninitialized stack with no bonded device, as after a factory reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suites.bt.helpers import deinit


@pytest.fixture(autouse=True)
def bt_deinit(dut) -> Iterator[None]:
    yield
    deinit(dut)
