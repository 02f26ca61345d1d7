"""sim/power.py: when the chip is in light-sleep (3.1 AT+SLEEP=2 with AT+SLEEPWKCFG's GPIO)."""

from __future__ import annotations

import pytest

from sim.power import light_sleeping

GPIO12_LOW = (2, 12, 0)  # 3.1 AT+SLEEPWKCFG example: GPIO12, low level


@pytest.mark.parametrize("mode", [0, 1, 3])
def test_only_mode_2_sleeps(mode: int) -> None:
    assert not light_sleeping(mode, GPIO12_LOW, {}, busy=False)


def test_the_pin_at_its_level_keeps_it_awake() -> None:
    assert not light_sleeping(2, GPIO12_LOW, {12: 0}, busy=False)
    assert light_sleeping(2, GPIO12_LOW, {12: 1}, busy=False)


def test_an_undriven_or_other_pin_wakes_nothing() -> None:
    assert light_sleeping(2, GPIO12_LOW, {}, busy=False)
    assert light_sleeping(2, GPIO12_LOW, {13: 0}, busy=False)


def test_without_a_wakeup_source_it_sleeps_for_good() -> None:
    assert light_sleeping(2, None, {12: 0}, busy=False)


def test_a_running_command_keeps_it_awake() -> None:
    assert not light_sleeping(2, GPIO12_LOW, {}, busy=True)
