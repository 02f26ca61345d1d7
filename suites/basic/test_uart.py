"""3.1.11 AT+UART_CUR and 3.1.12 AT+UART_DEF: the AT port's configuration, now and at power-up.

These tests change the AT port's baud rate and follow it on the host side (the session's port), then put
everything back: AT+UART_DEF writes flash, so a failure half-way could leave a bench board at another
rate; the ``finally`` blocks restore the rig's rate (``bench_risk``, see suites/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures.suite import restart

pytestmark = [pytest.mark.basic, pytest.mark.bench_risk, pytest.mark.usefixtures("fresh_board")]

#: 3.1.11 note: the queried rate may differ a little from the set one (clock division). A UART tolerates
#: a few per cent of mismatch; 1 % is far tighter than that and far looser than any divider error.
BAUD_TOLERANCE = 0.01
OTHER_BAUD = 230400


def assert_baud(measured: object, wanted: int) -> None:
    value = int(str(measured))
    assert abs(value - wanted) <= wanted * BAUD_TOLERANCE, f"baud rate {value}, expected about {wanted}"


def _host_baud(dut, baud: int) -> None:
    """Follow the board to ``baud`` on the host side (a no-op on a simulated socket port)."""
    try:
        dut.port.baudrate = baud
    except (AttributeError, ValueError, OSError) as exc:
        pytest.skip(f"the AT port cannot change its baud rate to {baud}: {exc}")


@pytest.fixture
def rig_baud(dut, esp_board) -> Iterator[int]:
    """The rig's baud rate; after the test the board and host are put back to it, flash included."""
    baud = esp_board.config.baud
    yield baud
    line = f"{baud},8,1,0,{3 if esp_board.config.rtscts else 0}"
    for command in (f"AT+UART_DEF={line}", f"AT+UART_CUR={line}"):
        try:
            dut.cmd(command)
        except Exception:  # noqa: BLE001 - the board may be at the other rate: try again after following it
            pass
    _host_baud(dut, baud)
    try:
        dut.port.bytesize, dut.port.stopbits, dut.port.parity = 8, 1, "N"
    except (AttributeError, ValueError, OSError):
        pass  # a port that cannot change its frame format never left 8N1
    dut.sync(timeout=5.0, leave_passthrough=False)


@pytest.mark.form("AT+UART_CUR", "query")
def test_uart_cur_query(dut, expect, rig_baud: int) -> None:
    """3.1.11: the current configuration; the rate is the rig's (within the clock-division tolerance)."""
    m = expect.ok(dut.cmd("AT+UART_CUR?"), "AT+UART_CUR", "query")
    assert_baud(m["baudrate"], rig_baud)


@pytest.mark.form("AT+UART_DEF", "query")
def test_uart_def_query(dut, expect, rig_baud: int) -> None:
    """3.1.12: the power-up configuration; the rig's rate, since the board came up at it."""
    m = expect.ok(dut.cmd("AT+UART_DEF?"), "AT+UART_DEF", "query")
    assert_baud(m["baudrate"], rig_baud)


@pytest.mark.form("AT+UART_CUR", "set")
@pytest.mark.form("AT+UART_CUR", "query")
def test_uart_cur_baud_read_back_and_not_saved(dut, expect, esp_rig, rig_baud: int) -> None:
    """3.1.11: a new rate applies at once and reads back (within tolerance); it is not saved, so after
    AT+RST the board is at the AT+UART_DEF rate again."""
    expect.ok(dut.cmd(f"AT+UART_CUR={OTHER_BAUD},8,1,0,0"), "AT+UART_CUR", "set")
    _host_baud(dut, OTHER_BAUD)
    dut.sync(timeout=5.0, leave_passthrough=False)
    assert_baud(expect.ok(dut.cmd("AT+UART_CUR?"), "AT+UART_CUR", "query")["baudrate"], OTHER_BAUD)
    dut.cmd("AT+RST").assert_ok()
    _host_baud(dut, rig_baud)
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)
    assert_baud(expect.ok(dut.cmd("AT+UART_CUR?"), "AT+UART_CUR", "query")["baudrate"], rig_baud)


@pytest.mark.form("AT+UART_DEF", "set")
@pytest.mark.form("AT+UART_DEF", "query")
def test_uart_def_saved_across_restart(dut, expect, esp_rig, rig_baud: int) -> None:
    """3.1.12: the power-up rate is saved in flash: after AT+RST the board talks at it and AT+UART_DEF?
    reads it back. (Whether AT+UART_DEF also changes the current rate the guide does not say, so the
    current rate is set alike with AT+UART_CUR first.)"""
    expect.ok(dut.cmd(f"AT+UART_DEF={OTHER_BAUD},8,1,0,0"), "AT+UART_DEF", "set")
    dut.cmd(f"AT+UART_CUR={OTHER_BAUD},8,1,0,0").assert_ok()
    _host_baud(dut, OTHER_BAUD)
    dut.sync(timeout=5.0, leave_passthrough=False)
    restart(dut, esp_rig)
    assert_baud(expect.ok(dut.cmd("AT+UART_DEF?"), "AT+UART_DEF", "query")["baudrate"], OTHER_BAUD)
    assert_baud(expect.ok(dut.cmd("AT+UART_CUR?"), "AT+UART_CUR", "query")["baudrate"], OTHER_BAUD)


@pytest.mark.form("AT+UART_CUR", "set")
@pytest.mark.form("AT+UART_CUR", "query")
@pytest.mark.parametrize(
    "config",
    [
        pytest.param((5_000_000, 8, 1, 0, 0), id="boundary-max"),
        pytest.param((OTHER_BAUD, 7, 3, 2, 0), id="databits-7-stopbits-2-even"),
    ],
)
def test_uart_cur_configuration_read_back(dut, expect, rig_baud: int, config: tuple[int, ...]) -> None:
    """3.1.11: the top of the baud range (5000000) and other frame formats read back (the rate within the
    clock-division tolerance). The bottom, 80 baud, is not run: at 8 bytes per second every exchange takes
    seconds, and few host adapters go that low."""
    baud, databits, stopbits, parity, flow = config
    expect.ok(dut.cmd(f"AT+UART_CUR={baud},{databits},{stopbits},{parity},{flow}"), "AT+UART_CUR", "set")
    _host_baud(dut, baud)
    try:
        dut.port.bytesize, dut.port.stopbits, dut.port.parity = (
            databits,
            {1: 1, 2: 1.5, 3: 2}[stopbits],
            "NOE"[parity],
        )
    except (AttributeError, ValueError, OSError) as exc:
        pytest.skip(f"the AT port cannot follow the frame format: {exc}")
    dut.sync(timeout=5.0, leave_passthrough=False)
    m = expect.ok(dut.cmd("AT+UART_CUR?"), "AT+UART_CUR", "query")
    assert_baud(m["baudrate"], baud)
    assert (m["databits"], m["stopbits"], m["parity"], m["flow control"]) == (
        databits,
        stopbits,
        parity,
        flow,
    )
    # the rig_baud fixture puts board and host back to the rig's rate and 8N1
