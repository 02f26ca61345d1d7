"""3.12.6-3.12.9 I2C master against the rig's device: the bus initialised on the rig's pins and taken down
again; a register selected with AT+DRVI2CWRBYTES and read with AT+DRVI2CRD (the 3.12.7 example: register
0x27, two bytes); data written with AT+DRVI2CWRDATA and AT+DRVI2CWRBYTES, read back and, where the rig
observes the bus, the bytes the device received; an address no device answers refused.

Expected values: the rig's device (rigs/model/peripherals.py: a register file from register 0, a write's
first byte selects the register, reads continue from it). The state refusals (no bus, no device
acknowledging) are checked as ERROR alone: the guide names no code and the driver handlers are not public
(spec/err_provenance.yaml)."""

from __future__ import annotations

import pytest

from fixtures.suite import restart
from rigs.model import I2cPeer

pytestmark = [pytest.mark.driver, pytest.mark.usefixtures("fresh_board"), pytest.mark.requires("i2c-device")]

#: 3.12.7 example: "I2C0 reads address 0x34, register address 0x27, read 2 bytes"
REGISTER = 0x27


@pytest.fixture
def device(wiring) -> I2cPeer:
    return wiring.i2c[0]


@pytest.fixture
def bus(dut, expect, device) -> I2cPeer:
    """The device's bus initialised on the rig's pins and clock (3.12.6)."""
    line = f"AT+DRVI2CINIT={device.port},{device.scl},{device.sda},{device.clock}"
    expect.ok(dut.cmd(line), "AT+DRVI2CINIT", "set")
    return device


def register_of(device: I2cPeer) -> int:
    """The guide's register 0x27 where the device has it (and the one after), else register 0."""
    return REGISTER if len(device.register_bytes) > REGISTER + 1 else 0


def silent_address(wiring, port: int) -> int:
    """A 7-bit address no declared device on ``port`` answers."""
    taken = {d.address for d in wiring.i2c if d.port == port}
    return next(a for a in range(0x08, 0x78) if a not in taken)


def select_and_read(dut, expect, device: I2cPeer, register: int, length: int) -> bytes:
    target = f"{device.port},{device.address:#x}"
    expect.ok(dut.cmd(f"AT+DRVI2CWRBYTES={target},1,{register:#04x}"), "AT+DRVI2CWRBYTES", "set")
    m = expect.ok(dut.cmd(f"AT+DRVI2CRD={target},{length}"), "AT+DRVI2CRD", "set")
    return bytes.fromhex(str(m["read data"]))


@pytest.mark.form("AT+DRVI2CINIT", "set")
@pytest.mark.form("AT+DRVI2CWRBYTES", "set")
@pytest.mark.form("AT+DRVI2CRD", "set")
def test_register_read_as_the_guide_shows(dut, expect, bus, observer) -> None:
    """3.12.7 example: write the register address, then read two bytes: the device's registers there."""
    register = register_of(bus)
    got = select_and_read(dut, expect, bus, register, 2)
    assert got == bus.register_bytes[register : register + 2], (
        f"register {register:#04x} of device {bus.address:#x}: expected "
        f"{bus.register_bytes[register : register + 2].hex()}, read {got.hex()}"
    )
    if observer is not None:
        seen = observer.i2c(bus.port, bus.address)
        assert seen.writes[-1] == bytes([register]), "the device did not receive the register address"


@pytest.mark.form("AT+DRVI2CWRBYTES", "set")
@pytest.mark.form("AT+DRVI2CRD", "set")
def test_wrbytes_writes_most_significant_byte_first(dut, expect, bus, observer) -> None:
    """3.12.9 example ``AT+DRVI2CWRBYTES=0,0x34,2,0x27FF``: register 0x27, then data 0xFF; read back, then
    the register's own value put back."""
    register = register_of(bus)
    old = bus.register_bytes[register]
    target = f"{bus.port},{bus.address:#x}"
    try:
        expect.ok(dut.cmd(f"AT+DRVI2CWRBYTES={target},2,{register:#04x}FF"), "AT+DRVI2CWRBYTES", "set")
        if observer is not None:
            assert observer.i2c(bus.port, bus.address).writes[-1] == bytes([register, 0xFF])
        assert select_and_read(dut, expect, bus, register, 1) == b"\xff"
    finally:
        dut.cmd(f"AT+DRVI2CWRBYTES={target},2,{(register << 8) | old:#06x}")


@pytest.mark.form("AT+DRVI2CWRDATA", "set")
@pytest.mark.form("AT+DRVI2CRD", "set")
def test_wrdata_sends_its_bytes(dut, expect, esp_rig, bus, observer) -> None:
    """3.12.8: OK and ``>``, <length> bytes (a register address, then data), OK once the device took them;
    the data reads back from that register (then the old values are put back)."""
    register = register_of(bus)
    old = bus.register_bytes[register : register + 2]
    payload = bytes([register, 0x5A, 0xA5])
    target = f"{bus.port},{bus.address:#x}"
    try:
        prompt = dut.cmd(f"AT+DRVI2CWRDATA={target},{len(payload)}", esp_rig.targets.timeouts.command)
        assert prompt.prompt, f"expected OK and '>', got {prompt.text!r}"
        # the data first: a board left waiting for it would eat the next line
        verdict = dut.send_data(payload)
        expect.ok(prompt, "AT+DRVI2CWRDATA", "set")
        expect.ok(verdict, "AT+DRVI2CWRDATA", "set")
        if observer is not None:
            assert observer.i2c(bus.port, bus.address).writes[-1] == payload
        assert select_and_read(dut, expect, bus, register, 2) == b"\x5a\xa5"
    finally:
        dut.cmd(f"AT+DRVI2CWRBYTES={target},3,{int.from_bytes(bytes([register]) + old, 'big'):#08x}")


@pytest.mark.form("AT+DRVI2CRD", "set")
@pytest.mark.form("AT+DRVI2CWRBYTES", "set")
@pytest.mark.form("AT+DRVI2CWRDATA", "set")
def test_an_address_nobody_answers_is_refused(dut, expect, wiring, bus, observer) -> None:
    """No device acknowledges: AT+DRVI2CRD and AT+DRVI2CWRBYTES answer ERROR; AT+DRVI2CWRDATA takes the
    bytes (OK and ``>``) and then answers ERROR, "If the data transmission fails" (3.12.8). The rig's device
    received none of it."""
    silent = silent_address(wiring, bus.port)
    before = observer.i2c(bus.port, bus.address) if observer is not None else None
    expect.error(dut.cmd(f"AT+DRVI2CRD={bus.port},{silent:#x},1"))
    expect.error(dut.cmd(f"AT+DRVI2CWRBYTES={bus.port},{silent:#x},1,0x00"))
    prompt = dut.cmd(f"AT+DRVI2CWRDATA={bus.port},{silent:#x},1")
    assert prompt.prompt, f"expected OK and '>' before the data, got {prompt.text!r}"
    expect.fails(dut.send_data(b"\x00"), "AT+DRVI2CWRDATA", "set")
    if observer is not None:
        assert observer.i2c(bus.port, bus.address) == before, "another address's transfer reached the device"


@pytest.mark.form("AT+DRVI2CINIT", "set")
@pytest.mark.form("AT+DRVI2CRD", "set")
def test_deinit_takes_the_bus_down(dut, expect, esp_rig, device) -> None:
    """3.12.6: ``AT+DRVI2CINIT=<num>`` alone deinitialises the port; a read then fails, as it does after a
    restart; initialised again, it reads."""
    line = f"AT+DRVI2CINIT={device.port},{device.scl},{device.sda},{device.clock}"
    expect.ok(dut.cmd(line), "AT+DRVI2CINIT", "set")
    expect.ok(dut.cmd(f"AT+DRVI2CINIT={device.port}"), "AT+DRVI2CINIT", "set")
    expect.error(dut.cmd(f"AT+DRVI2CRD={device.port},{device.address:#x},1"))
    expect.ok(dut.cmd(line), "AT+DRVI2CINIT", "set")
    restart(dut, esp_rig)
    expect.error(dut.cmd(f"AT+DRVI2CRD={device.port},{device.address:#x},1"))
    expect.ok(dut.cmd(line), "AT+DRVI2CINIT", "set")
    expect.ok(dut.cmd(f"AT+DRVI2CRD={device.port},{device.address:#x},1"), "AT+DRVI2CRD", "set")
