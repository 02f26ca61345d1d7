"""3.12 invalid invocations: ERROR and, with AT+SYSLOG=1 (3.1.26), the ERR CODE the layout gives for the
class of mistake. The driver handlers are not public and no real board's driver ERR CODE is (spec/
err_provenance.yaml), so every code here is ``inferred``: a rig with ``err_codes: inferred-differs`` reports
a different one as its own verdict.

The parameter cases are generated from spec/ (fixtures/cases.py) around one valid invocation per set form
whose parameters the guide gives ranges or kinds for, with every bus and channel set up first, so that a
refusal is about the parameter and not about the state. AT+DRVPWMDUTY and AT+DRVPWMFADE, whose ranges
depend on <duty_res>, are checked in test_pwm.py."""

from __future__ import annotations

import re

import pytest

from fixtures.cases import InvalidCase, invalid_set_cases

pytestmark = [
    pytest.mark.driver,
    pytest.mark.usefixtures("fresh_board"),
    pytest.mark.requires("i2c-device", "spi-device"),
]

#: (command, syntax line index, valid arguments as on the wire): the guide's example values (3.12.2 AT+DRVADC
#: =0,0; 3.12.3 5 kHz, 13 bits; 3.12.6 I2C0 on GPIO25/26; 3.12.7 address 0x34, register 0x27; 3.12.11
#: 102400 Hz, mode 0, LSB first; 3.12.13 command 0x03, one byte)
VALID: list[tuple[str, int, list[str]]] = [
    ("AT+DRVADC", 0, ["0", "0"]),
    ("AT+DRVPWMINIT", 0, ["5000", "13", "17"]),
    ("AT+DRVI2CINIT", 0, ["0", "25", "26", "100000"]),
    ("AT+DRVI2CRD", 0, ["0", "0x34", "1"]),
    ("AT+DRVI2CWRDATA", 0, ["0", "0x34", "1"]),
    ("AT+DRVI2CWRBYTES", 0, ["0", "0x34", "1", "0x27"]),
    ("AT+DRVSPICONFGPIO", 0, ["13", "12", "14", "15"]),
    ("AT+DRVSPIINIT", 0, ["102400", "0", "0", "0", "0", "3"]),
    ("AT+DRVSPIRD", 0, ["2"]),
    ("AT+DRVSPIWR", 0, ["0", "0x03", "1"]),
]


def _cases() -> list[object]:
    return [
        pytest.param(case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")])
        for name, case in invalid_set_cases(VALID)
    ]


@pytest.fixture
def set_up(dut, wiring) -> None:
    """The rig's I2C bus and SPI driver up, so the cases meet the parameter checks (3.12.6, 3.12.10-11)."""
    i2c, spi = wiring.i2c[0], wiring.spi
    dut.cmd(f"AT+DRVI2CINIT={i2c.port},{i2c.scl},{i2c.sda},{i2c.clock}").assert_ok()
    dut.cmd(f"AT+DRVSPICONFGPIO={spi.mosi},{spi.miso},{spi.sclk},{spi.cs}").assert_ok()
    dut.cmd("AT+DRVSPIINIT=1000000,0,0,0,1").assert_ok()


_LENGTH = re.compile(r"^AT\+DRV(?:I2CWRDATA=[^,]*,[^,]*,|SPIWR=)(\d+)")


def _finish_data_phase(dut, resp, line: str) -> None:
    """A board that wrongly took a case with a data phase waits for its bytes: give them, so the refusal
    fails alone and the next case starts clean."""
    if resp.prompt:
        m = _LENGTH.match(line)
        dut.send_data(b"\x00" * (int(m.group(1)) if m else 1))


@pytest.mark.parametrize("case", _cases())
def test_invalid_set(dut, err_code, set_up, case: InvalidCase) -> None:
    """One invalid invocation: ERROR with the ERR CODE of its class (3.1.26)."""
    resp = dut.cmd(case.line)
    _finish_data_phase(dut, resp, case.line)
    err_code(resp, case.err_name, case.param_index, **case.expect_kwargs())


def _forbidden(line: str, what: str) -> object:
    name = line.split("=", 1)[0]
    return pytest.param(line, id=f"{name}/set/{what}", marks=pytest.mark.form(name, "set"))


@pytest.mark.parametrize(
    "line",
    [
        # 3.12.7 <address>: 0..0x7F, or the 10-bit form whose first byte is 1111 0XX (0x7800..0x7BFF)
        _forbidden("AT+DRVI2CRD=0,0x80,1", "address-between-the-forms"),
        _forbidden("AT+DRVI2CRD=0,0x7C00,1", "address-above-the-10-bit-form"),
        # 3.12.9: <data> is <length> bytes long
        _forbidden("AT+DRVI2CWRBYTES=0,0x34,1,0x1FF", "data-longer-than-length"),
    ],
)
def test_values_the_parameters_forbid(dut, expect, set_up, line: str) -> None:
    """Values the parameter descriptions rule out but spec/ ranges do not carry: ERROR (the code is not
    composed: which parameter index a board blames is not documented)."""
    expect.error(dut.cmd(line))
