"""fixtures/crash_check.py's attribution, on hand-made transcripts: which log lines belong to the test
body, which restarts the test asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fixtures import crash_check
from fixtures.transcript_checks import SessionView
from rigs.at.transcript import Chunk, Transcript

BOOT = b"ets Jul 29 2019 12:21:46\r\n\r\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
PANIC = b"Guru Meditation Error: Core  0 panic'ed (StoreProhibited). Exception was unhandled.\r\n"


@dataclass
class FakeSession:
    transcript: Transcript
    name: str = "b1"
    log_port: object | None = field(default_factory=object)  # chunks are long past: no settling wait
    history: list = field(default_factory=list)

    def log_port_idle(self) -> bool:
        return True  # every chunk of the fake is in its transcript already


@dataclass
class FakeItem:
    stash: pytest.Stash = field(default_factory=pytest.Stash)


def _view(*chunks: tuple[float, str, bytes]) -> SessionView:
    t = Transcript("b1")
    t.record("note", b"opened", 0.0)  # the session began long before these chunks
    for at, direction, data in chunks:
        t.record(direction, data, at)  # type: ignore[arg-type]
    return SessionView(FakeSession(t), 0, 1)  # type: ignore[arg-type]


def _judge(view: SessionView, call_start: float = 50.0) -> tuple[list, list]:
    item = FakeItem()
    item.stash[crash_check._call_start_key] = call_start
    return crash_check.crashes_of(view, item)  # type: ignore[arg-type]


def test_at_rst_then_its_boot_is_no_crash() -> None:
    during, before = _judge(_view((60.0, "tx", b"AT+RST\r\n"), (60.3, "log", BOOT)))
    assert during == [] and before == []


def test_a_boot_nobody_asked_for_is_a_crash_of_the_test() -> None:
    (crash,), before = _judge(_view((60.0, "tx", b"AT+GMR\r\n"), (60.3, "log", BOOT)))
    assert crash.cause == "unexpected restart" and crash.reset_reason == "SW_CPU_RESET" and before == []


def test_a_panic_after_at_rst_is_still_a_crash() -> None:
    (crash,), _ = _judge(_view((60.0, "tx", b"AT+RST\r\n"), (60.1, "log", PANIC), (60.2, "log", BOOT)))
    assert crash.cause == "panic (StoreProhibited)"


def test_the_fixtures_reset_note_excuses_its_boot() -> None:
    during, _ = _judge(_view((60.0, "note", b"reset (rts)"), (60.2, "log", BOOT)))
    assert during == []


def test_what_came_during_setup_is_not_the_tests() -> None:
    during, (before,) = _judge(_view((40.0, "log", PANIC), (40.1, "log", BOOT)), call_start=50.0)
    assert during == [] and before.cause == "panic (StoreProhibited)"


def test_a_fresh_session_starts_with_a_boot() -> None:
    t = Transcript("b1", [Chunk(1.0, "log", BOOT)])  # t0: when the session began
    during, before = _judge(SessionView(FakeSession(t), 0, 0), call_start=0.0)  # type: ignore[arg-type]
    assert during == [] and before == []


def test_message_quotes_the_log() -> None:
    (crash,), _ = _judge(_view((60.1, "log", PANIC), (60.2, "log", BOOT)))
    text = crash_check.describe(crash, "b1")
    assert text.startswith("b1: panic (StoreProhibited); reset reason SW_CPU_RESET; log port:")
    assert "    Guru Meditation Error" in text and "    rst:0xc (SW_CPU_RESET)" in text


def _at_only(*chunks: tuple[float, str, bytes], readies: tuple[float, ...]) -> SessionView:
    from rigs.at.events import Ready

    view = _view(*chunks)
    view.session.log_port = None  # type: ignore[attr-defined]
    view.session.history.extend((t, Ready()) for t in readies)  # type: ignore[attr-defined]
    return view


def test_without_a_log_port_an_unasked_ready_is_a_restart() -> None:
    (crash,), _ = _judge(_at_only((60.0, "tx", b"AT+GMR\r\n"), readies=(60.5,)))
    assert crash.summary() == "unexpected restart; reset reason unknown (the rig names no log port)"
    during, _ = _judge(_at_only((60.0, "tx", b"AT+RST\r\n"), readies=(60.5,)))
    assert during == []
